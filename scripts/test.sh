#!/usr/bin/env bash
# The test command: bash scripts/test.sh
#
# Stages (each runs even if an earlier one failed):
#   deps       scripts/install-deps.sh
#   main       scripts/main.sh --no-report: the main job's `-c opt` build of
#              //... and its examples (not the benchmark report), run as on a
#              machine without the TSan oneTBB cache
#   deps       scripts/build-tsan-tbb.sh
#   plain      bazel test //...
#   tsan       bazel test --config=tsan  (without benchmark / no_sanitizer / no_tsan tags)
#   asan       bazel test --config=asan  (same filters)
#   consumer   (cd tests/consumer && bazel test //...), if that workspace exists
#   fuzz       scripts/fuzz.sh: libFuzzer over the frame decoder and the Noise
#              handshake / secure-channel reader, fixed input counts
#
# Exits nonzero if any stage failed. The last line of output is
#   "N passed, M failed"
# counting test targets over all stages (from Bazel's per-target summary
# lines; a test target `bazel query` says should have run but that has no
# PASSED line counts as failed; a stage that fails with no test target to
# blame counts as 1; main and fuzz count as one test each).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

LOG_DIR="$(mktemp -d "${TMPDIR:-/tmp}/ockam-test.XXXXXX")"
trap 'rm -rf "$LOG_DIR"' EXIT

BAZEL="${BAZEL:-bazel}"
BAZEL_FLAGS=(--color=no --curses=no --keep_going)
SAN_FILTERS=(--build_tag_filters=-benchmark,-no_sanitizer --test_tag_filters=-benchmark,-no_sanitizer)
SAN_EXCLUDED="manual|benchmark|no_sanitizer"   # same filter, for bazel query
# TSan also skips "no_tsan": third-party code it cannot check (never suppressed).
TSAN_FILTERS=(--build_tag_filters=-benchmark,-no_sanitizer,-no_tsan --test_tag_filters=-benchmark,-no_sanitizer,-no_tsan)
TSAN_EXCLUDED="manual|benchmark|no_sanitizer|no_tsan"

PASSED=0
FAILED=0
FAILED_STAGES=()

banner() { printf '\n==== %s ====\n' "$*"; }

# Labels Bazel reports as passed ("(cached) PASSED" and "FLAKY" pass).
#   //runtime:node_test          (cached) PASSED in 0.3s
#   //runtime:node_test          FAILED in 3 out of 3 in 1.2s
#   //runtime:node_test          FAILED TO BUILD | NO STATUS | TIMEOUT in 60.0s
passed_labels() {
  grep -E '^(@[A-Za-z0-9_.~-]+)?//[^ ]+ +(\(cached\) +)?(PASSED|FLAKY)( |,|$)' "$1" \
    | awk '{print $1}' | sort -u
}
failed_labels() {
  grep -E '^(@[A-Za-z0-9_.~-]+)?//[^ ]+ +(\(cached\) +)?(FAILED|TIMEOUT|NO STATUS|INCOMPLETE|REMOTE FAILURE)' "$1" \
    | awk '{print $1}' | sort -u
}

# expected_tests DIR EXCLUDED_TAGS_REGEX: the test targets `bazel test //...`
# should run there, so tests that never got a summary line (their package or
# a dependency failed to load or analyse) still count as failed.
expected_tests() {
  local dir="$1" tags="$2"
  (cd "$dir" && "$BAZEL" query --keep_going --color=no --curses=no --output=label \
      "tests(//...) except attr(tags, '\\b($tags)\\b', //...)" 2>/dev/null) | sort -u
}

# run_stage NAME DIR EXCLUDED_TAGS_REGEX CMD... : runs a bazel test command
# and tallies its test targets.
run_stage() {
  local name="$1" dir="$2" tags="$3"; shift 3
  local log="$LOG_DIR/$name.log" rc p f start=$SECONDS
  local where="${dir#"$ROOT"}"; where="${where#/}"
  banner "$name: (cd ${where:-.} && $*)"
  expected_tests "$dir" "$tags" >"$log.expected"
  (cd "$dir" && "$@") 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  passed_labels "$log" >"$log.passed"
  failed_labels "$log" >"$log.failed"
  # failed = reported failures + expected tests with no PASSED line
  sort -u "$log.failed" <(comm -23 "$log.expected" "$log.passed") | grep -c . >"$log.nfail" || true
  p=$(grep -c . "$log.passed" || true)
  f=$(cat "$log.nfail")
  # 4: "no test targets were found" (e.g. everything filtered): not a failure.
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 4 ]; then
    FAILED_STAGES+=("$name")
    if [ "$f" -eq 0 ]; then f=1; fi   # e.g. a broken WORKSPACE: nothing ran
  fi
  PASSED=$((PASSED + p))
  FAILED=$((FAILED + f))
  echo "[test.sh] stage $name: exit $rc, $p passed, $f failed, $((SECONDS - start))s"
  if [ "$f" -gt 0 ]; then
    sort -u "$log.failed" <(comm -23 "$log.expected" "$log.passed") | sed 's/^/[test.sh]   not passed: /'
  fi
}

# run_script NAME CMD... : a stage that is one test, passed if CMD exits 0.
run_script() {
  local name="$1" start=$SECONDS; shift
  banner "$name: $*"
  if "$@"; then
    PASSED=$((PASSED + 1))
    echo "[test.sh] stage $name: passed, $((SECONDS - start))s"
  else
    FAILED=$((FAILED + 1))
    FAILED_STAGES+=("$name")
    echo "[test.sh] stage $name: FAILED, $((SECONDS - start))s"
  fi
}

# ------------------------------------------------------------- deps ------
banner "deps: scripts/install-deps.sh"
if ! bash "$ROOT/scripts/install-deps.sh"; then
  FAILED_STAGES+=("install-deps")
fi

# ------------------------------------------------------------- main ------
# The newcomer's main job, before the TSan oneTBB exists: an empty
# OCKAM_CACHE_DIR makes @ockam_tbb_tsan the stub whatever this machine has
# cached, so a plain build that reaches anything TSan-specific fails here.
# The refresh below then fetches the real repository again.
mkdir -p "$LOG_DIR/no-tsan-cache"
run_script main env OCKAM_CACHE_DIR="$LOG_DIR/no-tsan-cache" \
  bash "$ROOT/scripts/main.sh" --no-report

banner "deps: scripts/build-tsan-tbb.sh"
if ! bash "$ROOT/scripts/build-tsan-tbb.sh"; then
  FAILED_STAGES+=("build-tsan-tbb")
fi
# If Bazel fetched @ockam_tbb_tsan before the cache existed (or in the main
# stage), it holds a stub: make it look again now that build-tsan-tbb.sh has run.
if OUTPUT_BASE="$("$BAZEL" info output_base 2>/dev/null)" \
   && [ -e "$OUTPUT_BASE/external/ockam_tbb_tsan/STUB" ]; then
  echo "[test.sh] refreshing @ockam_tbb_tsan (was a stub)"
  "$BAZEL" sync --configure --color=no --curses=no || true
fi

# ------------------------------------------------------------ stages -----
run_stage plain "$ROOT" manual "$BAZEL" test "${BAZEL_FLAGS[@]}" //...
run_stage tsan "$ROOT" "$TSAN_EXCLUDED" "$BAZEL" test "${BAZEL_FLAGS[@]}" --config=tsan "${TSAN_FILTERS[@]}" //...
run_stage asan "$ROOT" "$SAN_EXCLUDED" "$BAZEL" test "${BAZEL_FLAGS[@]}" --config=asan "${SAN_FILTERS[@]}" //...

if [ -f "$ROOT/tests/consumer/WORKSPACE" ]; then
  run_stage consumer "$ROOT/tests/consumer" manual "$BAZEL" test "${BAZEL_FLAGS[@]}" //...
  # A second Bazel server on a 2-core box: let it go.
  (cd "$ROOT/tests/consumer" && "$BAZEL" shutdown >/dev/null 2>&1) || true
else
  banner "consumer: skipped (no tests/consumer/WORKSPACE)"
fi

# The frame decoder under libFuzzer (clang, ASan+UBSan), a fixed number of
# inputs from the seed corpus; counted as one test.
run_script fuzz bash "$ROOT/scripts/fuzz.sh"

# ------------------------------------------------------------ summary ----
banner "summary"
if [ "${#FAILED_STAGES[@]}" -gt 0 ]; then
  echo "failed stages: ${FAILED_STAGES[*]}"
  STATUS=1
else
  echo "all stages passed"
  STATUS=0
fi
echo "$PASSED passed, $FAILED failed"
exit "$STATUS"
