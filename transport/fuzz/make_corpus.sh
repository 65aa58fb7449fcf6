#!/usr/bin/env bash
# Writes the seed corpus (corpus/*) with printf. Each file is one fuzz input:
# byte 0 picks the feed() chunk size (byte + 1), the rest is a TCP byte
# stream of u16 big-endian length-prefixed frames (docs/wire-format.md).
set -euo pipefail
cd "$(dirname "$0")/corpus"

# The worked example: onward ["1#127.0.0.1:4000", "echoer"], return ["app"],
# payload the BARE string "Hello Ockam!" (46 bytes = 0x2e).
example='\x01\x02\x01\x0e127.0.0.1:4000\x00\x06echoer\x01\x00\x03app\x0d\x0cHello Ockam!'
heartbeat='\x00\x04\x01\x00\x00\x00'

printf '\xff\x00\x2e'"$example" > valid_example_whole
printf '\x00\x00\x2e'"$example" > valid_example_byte_by_byte
printf '\x03'"$heartbeat" > valid_heartbeat
printf '\x10\x00\x2e'"$example$heartbeat"'\x00\x2e'"$example" > valid_three_frames
{ printf '\x07\x00\xd0\x01\x01\x00\x01a\x00\xc8\x01'; head -c 200 /dev/zero | tr '\0' '\253'; } > valid_payload_200
printf '\xff\x00\x13\x01\x01\x07\x0d10.0.0.1:4000\x00\x00' > valid_type7_address

printf '\xff\x00\x2e\x01\x02\x01\x0e127.0.0.1:4000\x00' > invalid_truncated_frame
printf '\xff\x00\x2d\x01\x02\x01\x0e127.0.0.1:4000\x00\x06echoer\x01\x00\x03app\x0d\x0cHello Ockam' > invalid_payload_length_past_end
printf '\xff\x00\x04\x02\x00\x00\x00' > invalid_version_2
printf '\xff\x00\x0d\x01\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02' > invalid_uint_overflow
printf '\xff\x00\x05\x01\x00\x00\x80\x00' > invalid_uint_non_canonical
printf '\xff\x00\x06\x01\x00\x00\x00\xde\xad' > invalid_trailing_bytes
printf '\xff\x00\x00\x00\x00' > invalid_empty_frames
printf '\xff\x00\x06\x01\x01\x00\x00\x00\x00' > invalid_empty_address
printf '\xff\x00\x08\x01\x41\x00\x01a\x00\x01b\x00' > invalid_route_count_65
printf '\xff\xff\xff\x01\x00\x00\x00' > invalid_huge_frame_cut_short
printf '\x01\x00\x07\x01\x00\x00\x02\xc3\x28\x00' > invalid_frame_then_garbage
