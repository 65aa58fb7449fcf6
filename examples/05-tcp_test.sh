#!/bin/bash
# The three-shell TCP example as one test: 04-tcp-responder on a free port,
# 05-tcp-middle on another, connected to the responder, and 04-tcp-initiator
# sending "Hello Ockam!" on 1#middle -> hop -> 1#responder -> echoer. The
# echo must come back through the middle, the middle's hop must have seen a
# return route from the initiator's connection (at an address the middle
# drew) to "app", and SIGTERM must stop both servers with status 0. Prints
# every output on failure. Servers are started, read and stopped by
# tcp_test_lib.sh.
# Usage: 05-tcp_test.sh RESPONDER MIDDLE INITIATOR
set -u
responder="$1"
middle="$2"
initiator="$3"
source "$(dirname "$0")/tcp_test_lib.sh"
tcp_test_setup 05-tcp resp.out resp.err mid.out mid.err init.out

start_server responder resp "$responder" 127.0.0.1:0
resp_port="$listen_port"
start_server middle mid "$middle" 127.0.0.1:0 "127.0.0.1:$resp_port"
mid_port="$listen_port"

route="1#127.0.0.1:$mid_port,hop,1#127.0.0.1:$resp_port,echoer"
echo "initiator route: $route"
run_client initiator init.out "$initiator" "127.0.0.1:$mid_port" "$route"

# Stop the middle first, then the responder (reverse start order).
stop_server middle
stop_server responder

expect init.out "App Received: Hello Ockam!"
# The reply came back through the middle's connection and its hop.
expect init.out "Return route: 1#127.0.0.1:$mid_port -> hop -> 1#127.0.0.1:$resp_port -> echoer"
expect resp.out "Address: echoer, Received: Hello Ockam!"
# The hop saw the request arrive over the initiator's connection, from "app":
# an inbound connection's address is one the middle drew ("1#in-" and 16 hex
# digits), not the initiator's endpoint.
# Without a channel the hop sees the plaintext ("Hello Ockam!" in hex; the
# opposite of 12-secure-channel-through-a-relay_test).
if ! grep -q '48656c6c6f204f636b616d21' "$dir/mid.out"; then
  echo "FAIL: the middle did not print the plaintext it relayed" >&2
  failed=1
fi
if ! grep -Eq '^Return route: 1#in-[0-9a-f]{16} -> app$' "$dir/mid.out"; then
  echo "FAIL: middle printed no 'Return route: 1#in-<16 hex digits> -> app' line" >&2
  failed=1
fi
pass
