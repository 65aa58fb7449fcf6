#!/bin/sh
# Runs //channel:noise_vectors over the vector files and checks each run's
# exit status and closing line:
#   noise_vectors_test.sh RUNNER GOOD_FILE... -- BAD_FILE... -- NONE_FILE
# Every good file must pass with no failure, each bad file must fail (exit 1,
# "0 passed, 1 failed"), and a file with no XX vector must exit nonzero
# (nothing ran). A runner that always passes, or always fails, fails this.
runner="$1"
shift
failed=0

# check EXPECTED_STATUS EXPECTED_LAST_LINE FILE...
check() {
  want_status="$1"
  want_line="$2"
  shift 2
  output="$("$runner" "$@" 2>&1)"
  status=$?
  last="$(printf '%s\n' "$output" | tail -n 1)"
  printf '%s\n' "$output"
  if [ "$status" -ne "$want_status" ] || [ "$last" != "$want_line" ]; then
    echo "FAIL: $* -> exit $status, last line '$last'; expected exit $want_status, '$want_line'" >&2
    failed=1
  fi
}

good=""
while [ "$1" != "--" ]; do good="$good $1"; shift; done
shift
bad=""
while [ "$1" != "--" ]; do bad="$bad $1"; shift; done
shift
none="$1"

# shellcheck disable=SC2086  # word splitting of the file lists is wanted
check 0 "5 passed, 0 failed, 4 skipped" $good
for f in $bad; do check 1 "0 passed, 1 failed, 0 skipped" "$f"; done
check 1 "0 passed, 0 failed, 1 skipped" "$none"
[ "$failed" -eq 0 ] && echo "PASS: good vectors pass, corrupted ones fail, an empty run fails"
exit "$failed"
