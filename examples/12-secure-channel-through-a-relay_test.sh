#!/bin/bash
# Three nodes: 11-secure-channel-responder, 05-tcp-middle relaying through
# its hop, and 11-secure-channel-initiator, whose channel runs end to end
# through the middle. The echo must come back, and the middle, which prints
# the bytes of everything it relays, must never have seen the plaintext:
# "Hello Ockam!" is 48656c6c6f204f636b616d21 in hex. (05-tcp_test checks the
# opposite without a channel: there the middle sees it.)
# Usage: 12-secure-channel-through-a-relay_test.sh RESPONDER MIDDLE INITIATOR
set -u
responder="$1"
middle="$2"
initiator="$3"
source "$(dirname "$0")/tcp_test_lib.sh"
tcp_test_setup 12-secure-channel resp.out resp.err mid.out mid.err init.out

start_server responder resp "$responder" 127.0.0.1:0
resp_port="$listen_port"
start_server middle mid "$middle" 127.0.0.1:0 "127.0.0.1:$resp_port"
mid_port="$listen_port"

route="1#127.0.0.1:$mid_port,hop,1#127.0.0.1:$resp_port,secure_channel_listener"
echo "route to the listener: $route"
run_client initiator init.out "$initiator" "127.0.0.1:$mid_port" "$route"

stop_server middle
stop_server responder

expect init.out "App Received: Hello Ockam!"
expect resp.out "Address: echoer, Received: Hello Ockam!"
relayed="$(grep -c '^Relayed bytes: ' "$dir/mid.out")"
# Handshake messages 1 to 3, the hello and its echo all crossed the hop.
if [ "$relayed" -lt 5 ]; then
  echo "FAIL: the middle relayed $relayed messages, expected at least 5" >&2
  failed=1
fi
if grep -qi '48656c6c6f204f636b616d21' "$dir/mid.out"; then
  echo "FAIL: the plaintext crossed the middle node" >&2
  failed=1
fi
pass
