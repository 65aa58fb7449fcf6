#!/bin/bash
# 04-tcp-responder's echoer against a peer that speaks bytes, as a real
# Elixir node does: the frame of Elixir's routing example carries "Hello
# Ockam!" raw (no inner string length), which Ockam's Rust node accepts.
# The echo must come back in the proper BARE form (0d 0c ...), as Rust sends
# it. Then the frame a Rust initiator sends, whose echo must be the one
# recorded between two Rust nodes (transport/testdata/interop/README.md).
# SIGTERM must stop the responder with status 0.
# Usage: 04-tcp_raw_peer_test.sh RESPONDER RAW_FRAME_PEER
set -u
responder="$1"
peer="$2"
source "$(dirname "$0")/tcp_test_lib.sh"
tcp_test_setup 04-tcp-raw-peer resp.out resp.err peer.out

# onward [echoer], return [example_run], payload 0c + "Hello Ockam!" (raw).
elixir_frame=0025010100066563686f657201000b6578616d706c655f72756e0c48656c6c6f204f636b616d21
# onward [example_run], return [echoer], payload 0d 0c "Hello Ockam!".
elixir_echo=00260101000b6578616d706c655f72756e0100066563686f65720d0c48656c6c6f204f636b616d21
# Recorded between two Rust nodes: "Hello Ockam!" to echoer, and its echo.
rust_frame=001e010100066563686f65720100036170700d0c48656c6c6f204f636b616d21
rust_echo=001e010100036170700100066563686f65720d0c48656c6c6f204f636b616d21

start_server responder resp "$responder" 127.0.0.1:0
run_client raw-peer peer.out "$peer" "$listen_port" "$elixir_frame" "$rust_frame"
stop_server responder

expect peer.out "$elixir_echo"
expect peer.out "$rust_echo"
[ "$(grep -c 'Address: echoer, Received: Hello Ockam!' "$dir/resp.out")" -eq 2 ] || {
  echo "FAIL: the echoer did not print both messages" >&2
  failed=1
}
pass
