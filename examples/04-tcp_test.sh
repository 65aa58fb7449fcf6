#!/bin/bash
# The two-shell TCP example as one test: 04-tcp-responder listens on a free
# port, 04-tcp-initiator sends it "Hello Ockam!" and must get the echo back;
# then SIGTERM must stop the responder with status 0. Prints every output on
# failure. Servers are started, read and stopped by tcp_test_lib.sh.
# Usage: 04-tcp_test.sh RESPONDER INITIATOR
set -u
responder="$1"
initiator="$2"
source "$(dirname "$0")/tcp_test_lib.sh"
tcp_test_setup 04-tcp resp.out resp.err init.out

start_server responder resp "$responder" 127.0.0.1:0
port="$listen_port"

run_client initiator init.out "$initiator" "127.0.0.1:$port"

stop_server responder

expect init.out "App Received: Hello Ockam!"
expect init.out "Return route: 1#127.0.0.1:$port -> echoer"
expect resp.out "Address: echoer, Received: Hello Ockam!"
pass
