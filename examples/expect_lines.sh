#!/bin/sh
# Runs an example binary and checks that each expected line appears in its
# output, exactly; fails (with the whole output) otherwise.
# Usage: expect_lines.sh BINARY 'expected line' ['expected line' ...]
binary="$1"
shift
output="$("$binary" 2>&1)"
status=$?
echo "$output"
if [ "$status" -ne 0 ]; then
  echo "FAIL: $binary exited with status $status" >&2
  exit 1
fi
failed=0
for expected in "$@"; do
  if ! printf '%s\n' "$output" | grep -Fxq -- "$expected"; then
    echo "FAIL: missing line: $expected" >&2
    failed=1
  fi
done
[ "$failed" -eq 0 ] && echo "PASS: all $# expected lines found"
exit "$failed"
