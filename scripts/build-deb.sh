#!/usr/bin/env bash
# Builds the Debian package: a release build without tests in build/deb, then `cpack -G DEB` there.
# Prints the path of the .deb (relaymetry_<version>_<arch>.deb) on stdout; everything else goes to
# stderr. Needs the build dependencies of scripts/install-deps.sh (dpkg-dev for dpkg-shlibdeps).
# Install the result with `apt install ./build/deb/relaymetry_*.deb` (docs/packaging.md).
set -euo pipefail
if (($#)); then
  echo "build-deb.sh: no arguments expected (got '$1')" >&2
  exit 2
fi
source_dir=$(cd "$(dirname "$0")/.." && pwd)
build_dir=$source_dir/build/deb
command -v dpkg-shlibdeps >/dev/null || {
  echo "build-deb.sh: dpkg-shlibdeps not found: install dpkg-dev (scripts/install-deps.sh)" >&2
  exit 1
}
{
  cmake -S "$source_dir" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DRELAYMETRY_TESTS=OFF
  cmake --build "$build_dir"
  rm -f "$build_dir"/relaymetry_*.deb
  (cd "$build_dir" && cpack -G DEB)
} >&2
debs=("$build_dir"/relaymetry_*.deb)
if [[ ${#debs[@]} -ne 1 || ! -f ${debs[0]} ]]; then
  echo "build-deb.sh: cpack made no single relaymetry_*.deb in $build_dir" >&2
  exit 1
fi
echo "${debs[0]}"
