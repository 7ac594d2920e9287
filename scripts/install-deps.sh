#!/usr/bin/env bash
# Installs everything relaymetry needs to build and test, from Debian 12 packages only.
# Run as root on Debian 12 ("bookworm"). Safe to run again.
# --e2e also installs the real peers of the end-to-end suite (Postfix, Knot DNS, nginx).
set -euo pipefail
with_e2e=false
for arg in "$@"; do
  case "$arg" in
    --e2e) with_e2e=true ;;
    *) echo "install-deps.sh: unknown option '$arg' (known: --e2e)" >&2; exit 2 ;;
  esac
done
export DEBIAN_FRONTEND=noninteractive
packages=(
  g++ cmake ninja-build pkg-config openssl ca-certificates
  libboost1.81-dev libboost-url1.81-dev
  libssl-dev libc-ares-dev libcli11-dev nlohmann-json3-dev catch2 libidn2-dev libexpected-dev
  python3 python3-jsonschema clang-format
)
# The parser of Prometheus' exposition format that the CLI tests check --format prometheus with.
packages+=(python3-prometheus-client)
# The fuzzing suite (tests/fuzz, the fuzz preset): clang-14 and its libFuzzer and sanitizer runtimes.
packages+=(clang-14 libclang-rt-14-dev)
# The Debian package (scripts/build-deb.sh): CPack's DEB generator computes Depends with dpkg-shlibdeps.
packages+=(dpkg-dev)
# tests/cli/test_man_completion.py renders the man page (groff, man) and parses the zsh completion.
packages+=(groff-base man-db zsh)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
if $with_e2e; then
  "$(dirname "$0")/install-e2e-deps.sh"
fi
