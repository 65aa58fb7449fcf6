#!/bin/sh
# Pipes three lines into 08-processor and checks every line it must print.
binary="$1"
output="$(printf 'Hello Ockam!\nsecond line\nthird\n' | "$binary" 2>&1)"
status=$?
echo "$output"
if [ "$status" -ne 0 ]; then
  echo "FAIL: $binary exited with status $status" >&2
  exit 1
fi
failed=0
for expected in 'echoer: Hello Ockam!' 'reader: echoed Hello Ockam!' 'echoer: second line' \
    'reader: echoed second line' 'echoer: third' 'reader: echoed third' 'app: the reader read 3 line(s)'; do
  if ! printf '%s\n' "$output" | grep -Fxq -- "$expected"; then
    echo "FAIL: missing line: $expected" >&2
    failed=1
  fi
done
# In the order read: each echo follows its line.
order="$(printf '%s\n' "$output" | grep '^reader: ' | tr '\n' '|')"
if [ "$order" != 'reader: echoed Hello Ockam!|reader: echoed second line|reader: echoed third|' ]; then
  echo "FAIL: echoes out of order: $order" >&2
  failed=1
fi
[ "$failed" -eq 0 ] && echo "PASS"
exit "$failed"
