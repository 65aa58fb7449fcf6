#!/bin/bash
# The two-shell TCP example as one test: 04-tcp-responder listens on a free
# port, 04-tcp-initiator sends it "Hello Ockam!" and must get the echo back;
# then SIGTERM must stop the responder with status 0. Prints every output on
# failure.
# Usage: 04-tcp_test.sh RESPONDER INITIATOR
#
# No sleeps: the responder's stdout is a FIFO that the test reads line by
# line (read -t bounds each wait), so it sees "Listening on ..." the moment
# it is printed, and end-of-file the moment the responder exits.
set -u
responder="$1"
initiator="$2"
dir="$(mktemp -d "${TEST_TMPDIR:-/tmp}/04-tcp.XXXXXX")"
resp_pid=""

show() {
  for f in resp.out resp.err init.out; do
    echo "---- $f"
    [ -f "$dir/$f" ] && cat "$dir/$f"
  done
  echo "----"
}
fail() {
  echo "FAIL: $*" >&2
  show >&2
  exit 1
}
cleanup() {
  if [ -n "$resp_pid" ] && kill -0 "$resp_pid" 2>/dev/null; then
    kill -KILL "$resp_pid" 2>/dev/null
    wait "$resp_pid" 2>/dev/null
  fi
}
trap cleanup EXIT
trap 'fail "interrupted (test timeout?)"' TERM INT

# read_until_listening FD OUT: copies lines from FD to OUT until the line
# "Listening on ADDRESS", then prints ADDRESS. Fails on EOF (the server
# died) or after 30 s without a line.
read_until_listening() {
  local fd="$1" out="$2" line rc
  while :; do
    IFS= read -r -t 30 -u "$fd" line
    rc=$?
    if [ "$rc" -ne 0 ]; then
      [ -n "$line" ] && printf '%s\n' "$line" >>"$out"
      [ "$rc" -gt 128 ] && echo "no 'Listening on' line within 30 s" >&2 ||
        echo "exited without printing 'Listening on'" >&2
      return 1
    fi
    printf '%s\n' "$line" >>"$out"
    case "$line" in
      "Listening on "*) printf '%s\n' "${line#Listening on }"; return 0 ;;
    esac
  done
}

# drain_until_exit FD OUT: copies lines from FD to OUT until EOF, i.e. until
# the server has exited (closing its stdout). Fails after 30 s without EOF.
drain_until_exit() {
  local fd="$1" out="$2" line rc
  while :; do
    IFS= read -r -t 30 -u "$fd" line
    rc=$?
    if [ "$rc" -eq 0 ]; then
      printf '%s\n' "$line" >>"$out"
      continue
    fi
    [ -n "$line" ] && printf '%s\n' "$line" >>"$out"
    [ "$rc" -le 128 ]
    return
  done
}

# port_of ADDRESS: "1#127.0.0.1:4000" -> 4000, or fails.
port_of() {
  case "$1" in
    "1#127.0.0.1:"*) ;;
    *) return 1 ;;
  esac
  local port="${1##*:}"
  case "$port" in
    "" | *[!0-9]* | 0) return 1 ;;
  esac
  printf '%s\n' "$port"
}

mkfifo "$dir/resp.fifo" || fail "mkfifo"
"$responder" 127.0.0.1:0 >"$dir/resp.fifo" 2>"$dir/resp.err" &
resp_pid=$!
exec 3<"$dir/resp.fifo"
: >"$dir/resp.out"

address="$(read_until_listening 3 "$dir/resp.out")" || fail "responder did not start listening"
port="$(port_of "$address")" || fail "responder listens on '$address', not 1#127.0.0.1:PORT"
echo "responder listening on $address"

"$initiator" "127.0.0.1:$port" >"$dir/init.out" 2>&1
status=$?
[ "$status" -eq 0 ] || fail "initiator exited with status $status"

kill -TERM "$resp_pid" || fail "responder is gone before SIGTERM"
drain_until_exit 3 "$dir/resp.out" || fail "responder still running 30 s after SIGTERM"
wait "$resp_pid"
status=$?
resp_pid=""
[ "$status" -eq 0 ] || fail "responder exited with status $status after SIGTERM"

failed=0
expect() {  # expect FILE LINE: LINE must appear in FILE, exactly.
  if ! grep -Fxq -- "$2" "$dir/$1"; then
    echo "FAIL: missing line in $1: $2" >&2
    failed=1
  fi
}
expect init.out "App Received: Hello Ockam!"
expect init.out "Return route: 1#127.0.0.1:$port -> echoer"
expect resp.out "Address: echoer, Received: Hello Ockam!"
[ "$failed" -eq 0 ] || fail "expected lines missing"
show
echo "PASS"
