#!/usr/bin/env bash
# Runs the libFuzzer harnesses of tests/fuzz (built by `cmake --workflow --preset fuzz`), each from its
# seed corpus, and prints one line per harness: executions, executions per second, peak RSS, result.
#
#   scripts/fuzz.sh [--build DIR] [--seconds N] [--runs N] [NAME...]
#
# Default: every harness for 60 seconds; with both limits, a harness stops at whichever comes first.
# New inputs go to DIR/corpus-work/NAME (never into the repository: add a regression input to
# tests/fuzz/corpus/NAME by hand), crashes to DIR/artifacts/NAME/.
# Exit status 1 when any harness crashed, leaked, ran out of memory or did not start.
set -euo pipefail
source_dir="$(cd "$(dirname "$0")/.." && pwd)"
build="$source_dir/build/fuzz"
limit=()
names=()
while (($#)); do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --seconds) limit+=(-max_total_time="$2"); shift 2 ;;
    --runs) limit+=(-runs="$2"); shift 2 ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) names+=("$1"); shift ;;
  esac
done
if ((${#limit[@]} == 0)); then
  limit=(-max_total_time=60)
fi
if ((${#names[@]} == 0)); then
  for file in "$source_dir"/tests/fuzz/corpus/*/; do
    names+=("$(basename "$file")")
  done
fi

failed=0
for name in "${names[@]}"; do
  binary="$build/tests/fuzz/fuzz_$name"
  seeds="$source_dir/tests/fuzz/corpus/$name"
  if [[ ! -x "$binary" || ! -d "$seeds" ]]; then
    echo "fuzz.sh: $name: no harness at $binary or no corpus at $seeds (build with: cmake --workflow --preset fuzz)" >&2
    failed=1
    continue
  fi
  work="$build/corpus-work/$name"
  artifacts="$build/artifacts/$name"
  log="$build/logs/$name.log"
  mkdir -p "$work" "$artifacts" "$(dirname "$log")"
  options=("${limit[@]}" -rss_limit_mb=2048 -malloc_limit_mb=2048 -timeout=10 -print_final_stats=1
           -artifact_prefix="$artifacts/")
  dict="$source_dir/tests/fuzz/dict/$name.dict"
  [[ -f "$dict" ]] && options+=(-dict="$dict")
  started=$SECONDS
  if "$binary" "${options[@]}" "$work" "$seeds" >"$log" 2>&1; then
    result=ok
  else
    result="FAILED (log: $log)"
    failed=1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
  seconds=$((SECONDS - started))
  rate=$(( ${runs:-0} / (seconds > 0 ? seconds : 1) ))
  printf '%-16s %12s runs %9s/s %6s MiB peak  %4ss  %s\n' "$name" "${runs:-?}" "$rate" "${rss:-?}" "$seconds" "$result"
  if [[ $result != ok ]]; then
    grep -E "ERROR: |fuzz contract broken|SUMMARY|Test unit written" "$log" | head -5 >&2 || true
  fi
done
exit $failed
