#!/bin/bash
# The secure-channel example as one test: 11-secure-channel-responder on a
# free port, 11-secure-channel-initiator opens a channel to its listener over
# TCP and must get "Hello Ockam!" back through it; then SIGTERM must stop the
# responder with status 0. Also: the responder's TCP peers reach nothing but
# its channel listener (04-tcp-initiator's plain message to "echoer" gets no
# answer), and an identity file is created owner-only and reused.
# Usage: 11-secure-channel_test.sh RESPONDER INITIATOR PLAIN_INITIATOR
set -u
responder="$1"
initiator="$2"
plain="$3"
source "$(dirname "$0")/tcp_test_lib.sh"
tcp_test_setup 11-secure-channel resp.out resp.err init.out plain.out

start_server responder resp "$responder" 127.0.0.1:0 "$dir/node.key"
port="$listen_port"

run_client initiator init.out "$initiator" "127.0.0.1:$port"
# A plain message to the echoer, not through a channel: refused there, so
# the plain initiator never gets its echo (killed after 5 s, or its receive fails).
if timeout 5 "$plain" "127.0.0.1:$port" > "$dir/plain.out" 2>&1; then
  echo "FAIL: a plain TCP message reached the echoer, which only a channel exposes" >&2
  failed=1
fi

stop_server responder

expect init.out "App Received: Hello Ockam!"
expect init.out "Return route hops: 2, through the channel: yes"
expect resp.out "Address: echoer, Received: Hello Ockam!"
mode="$(stat -c %a "$dir/node.key")"
if [ "$mode" != "600" ]; then
  echo "FAIL: the identity file has mode $mode, not 600" >&2
  failed=1
fi
first_key="$(grep '^Identity: ' "$dir/resp.out")"
# A second run loads the same identity from the file.
start_server responder2 resp2 "$responder" 127.0.0.1:0 "$dir/node.key"
stop_server responder2
second_key="$(grep '^Identity: ' "$dir/resp2.out")"
if [ -z "$first_key" ] || [ "$first_key" != "$second_key" ]; then
  echo "FAIL: the identity was not loaded back ('$first_key' then '$second_key')" >&2
  failed=1
fi
pass
