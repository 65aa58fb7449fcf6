#!/usr/bin/env bash
# The main command: bash scripts/main.sh [--no-report]
# Builds everything optimised, runs the seed's examples (and 06-stop), then the benchmark
# report if bench/ defines one. Exits nonzero if any of these failed.
#
#   --no-report   build and examples only: what scripts/test.sh checks of
#                 this job (the report's benchmarks take minutes).
set -uo pipefail

REPORT=1
for arg in "$@"; do
  case "$arg" in
    --no-report) REPORT=0 ;;
    *) echo "usage: bash scripts/main.sh [--no-report]" >&2; exit 2 ;;
  esac
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BAZEL="${BAZEL:-bazel}"
FLAGS=(-c opt --color=no --curses=no)
failures=()

bash "$ROOT/scripts/install-deps.sh" || failures+=("install-deps")

# //... never descends into tests/consumer (.bazelignore).
echo "==== bazel build -c opt //... ===="
# --keep_going: one broken target does not stop the examples from running.
if ! "$BAZEL" build "${FLAGS[@]}" --keep_going //...; then
  echo "[main.sh] some targets failed to build; running what did" >&2
  failures+=("build //...")
fi

for ex in 01-node 02-worker 03-routing 06-stop; do
  echo
  echo "==== //examples:$ex ===="
  "$BAZEL" run "${FLAGS[@]}" --ui_event_filters=-info --noshow_progress \
      "//examples:$ex" || failures+=("//examples:$ex")
done

if [ "$REPORT" -eq 1 ] && [ -f "$ROOT/bench/BUILD.bazel" ] \
   && "$BAZEL" query --color=no --curses=no //bench:report >/dev/null 2>&1; then
  echo
  echo "==== //bench:report ===="
  "$BAZEL" run "${FLAGS[@]}" --ui_event_filters=-info --noshow_progress \
      //bench:report || failures+=("//bench:report")
fi

if [ "${#failures[@]}" -gt 0 ]; then
  echo "[main.sh] failed: ${failures[*]}" >&2
  exit 1
fi
