#!/bin/bash
# The three-shell TCP example as one test: 04-tcp-responder on a free port,
# 05-tcp-middle on another, connected to the responder, and 04-tcp-initiator
# sending "Hello Ockam!" on 1#middle -> hop -> 1#responder -> echoer. The
# echo must come back through the middle, the middle's hop must have seen a
# return route from the initiator's connection to "app", and SIGTERM must
# stop both servers with status 0. Prints every output on failure.
# Usage: 05-tcp_test.sh RESPONDER MIDDLE INITIATOR
#
# No sleeps: each server's stdout is a FIFO that the test reads line by line
# (read -t bounds each wait), so it sees "Listening on ..." the moment it is
# printed, and end-of-file the moment the server exits.
set -u
responder="$1"
middle="$2"
initiator="$3"
dir="$(mktemp -d "${TEST_TMPDIR:-/tmp}/05-tcp.XXXXXX")"
resp_pid=""
mid_pid=""

show() {
  for f in resp.out resp.err mid.out mid.err init.out; do
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
  local pid
  for pid in $mid_pid $resp_pid; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -KILL "$pid" 2>/dev/null
      wait "$pid" 2>/dev/null
    fi
  done
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

mkfifo "$dir/resp.fifo" "$dir/mid.fifo" || fail "mkfifo"
: >"$dir/resp.out"
: >"$dir/mid.out"

"$responder" 127.0.0.1:0 >"$dir/resp.fifo" 2>"$dir/resp.err" &
resp_pid=$!
exec 3<"$dir/resp.fifo"
address="$(read_until_listening 3 "$dir/resp.out")" || fail "responder did not start listening"
resp_port="$(port_of "$address")" || fail "responder listens on '$address', not 1#127.0.0.1:PORT"
echo "responder listening on $address"

"$middle" 127.0.0.1:0 "127.0.0.1:$resp_port" >"$dir/mid.fifo" 2>"$dir/mid.err" &
mid_pid=$!
exec 4<"$dir/mid.fifo"
address="$(read_until_listening 4 "$dir/mid.out")" || fail "middle did not start listening"
mid_port="$(port_of "$address")" || fail "middle listens on '$address', not 1#127.0.0.1:PORT"
echo "middle listening on $address"

route="1#127.0.0.1:$mid_port,hop,1#127.0.0.1:$resp_port,echoer"
echo "initiator route: $route"
"$initiator" "127.0.0.1:$mid_port" "$route" >"$dir/init.out" 2>&1
status=$?
[ "$status" -eq 0 ] || fail "initiator exited with status $status"

# Stop the middle first, then the responder (reverse start order).
kill -TERM "$mid_pid" || fail "middle is gone before SIGTERM"
drain_until_exit 4 "$dir/mid.out" || fail "middle still running 30 s after SIGTERM"
wait "$mid_pid"
status=$?
mid_pid=""
[ "$status" -eq 0 ] || fail "middle exited with status $status after SIGTERM"

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
# The reply came back through the middle's connection and its hop.
expect init.out "Return route: 1#127.0.0.1:$mid_port -> hop -> 1#127.0.0.1:$resp_port -> echoer"
expect resp.out "Address: echoer, Received: Hello Ockam!"
# The hop saw the request arrive over the initiator's connection, from "app".
if ! grep -Eq '^Return route: 1#127\.0\.0\.1:[0-9]+ -> (.* -> )?app$' "$dir/mid.out"; then
  echo "FAIL: middle printed no 'Return route: 1#127.0.0.1:PORT -> ... app' line" >&2
  failed=1
fi
[ "$failed" -eq 0 ] || fail "expected lines missing"
show
echo "PASS"
