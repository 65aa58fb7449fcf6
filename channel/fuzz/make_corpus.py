#!/usr/bin/env python3
"""Writes the seed corpus of noise_fuzz.cc into corpus/, from the Rust
capture (../testdata/secure-channel-007d435/). Byte 0 of a seed picks the
scenario (see noise_fuzz.cc); "valid_" seeds are accepted, "invalid_" ones
rejected, which //channel:noise_fuzz_replay_test checks.

    python3 make_corpus.py
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(HERE, "..", "testdata", "vectors"))
from capture_to_json import captured_messages  # noqa: E402


def framed(*bodies):
    return b"".join(len(b).to_bytes(2, "big") + b for b in bodies)


def flip(b, i):
    b = bytearray(b)
    b[i] ^= 0x01
    return bytes(b)


def main():
    msg1, msg2, msg3, f4, _ = captured_messages(os.path.join(HERE, "..", "testdata", "secure-channel-007d435"))
    order8 = bytes.fromhex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800")
    seeds = {
        "valid_msg1_capture": b"\x00" + msg1,
        "valid_msg1_with_payload": b"\x00" + msg1 + b"payload in clear",
        "valid_msg1_small_order_key": b"\x00" + order8,  # read; the responder's write then fails
        "invalid_msg1_31_bytes": b"\x00" + msg1[:31],
        "valid_msg2_capture": b"\x01" + msg2,
        "invalid_msg2_flipped_static": b"\x01" + flip(msg2, 40),
        "invalid_msg2_truncated": b"\x01" + msg2[:95],
        "invalid_msg2_small_order_key": b"\x01" + order8 + msg2[32:],
        "valid_msg3_capture": b"\x02" + msg3,
        "invalid_msg3_flipped_tag": b"\x02" + flip(msg3, 63),
        "invalid_msg3_with_trailing_byte": b"\x02" + msg3 + b"\x00",
        "valid_data_f4_capture": b"\x03" + framed(f4),
        "invalid_data_f4_replayed": b"\x03" + framed(f4, f4),
        "invalid_data_f4_flipped": b"\x03" + framed(flip(f4, 10)),
        "invalid_data_short_body": b"\x03" + framed(f4[:17]),
        "invalid_data_nonce_65535": b"\x03" + framed(b"\xff\xff" + f4[2:]),
        "invalid_out_of_turn_msg2": b"\x04" + msg2,
    }
    out = os.path.join(HERE, "corpus")
    os.makedirs(out, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
