#!/usr/bin/env python3
"""Makes a Noise test vector (cacophony/snow JSON) out of the capture of two
Rust Ockam nodes at build-trust/ockam 007d435
(../secure-channel-007d435/): the bytes are Ockam's, not ours.

    python3 capture_to_json.py ../secure-channel-007d435 > ockam-007d435-capture.json

- Keys: the private keys the two nodes drew (one-hop-keys.json).
- Messages 0-2: msg1 (inside F1's CreateResponderChannelMessage), msg2 (F2)
  and msg3 (F3), empty payloads and empty prologue, as the crate sends them.
- Messages 3-4: F4 and F5's ciphertexts (their 2-byte nonce prefix, 0000,
  removed). Ockam's initiator encrypts with the second key of the split and
  its responder with the first, the opposite of standard Noise. In the
  vector format message 3 is the responder's first transport message, which
  standard Noise seals with the second key at nonce 0: exactly the key and
  nonce of F4. Likewise message 4 (the initiator's, first key, nonce 0) is
  F5. So the two transport messages test the crate's AES-GCM output under
  the standard split, in the roles the format gives them.
- Their payloads are the plaintexts the README describes, built here from
  that description (not decrypted): the BARE TransportMessage v1 of onward
  ["echoer"], return ["app"], payload the BARE string "Hello Ockam!", and
  of the echo, onward ["app"], return ["echoer"].
- No handshake_hash: the capture does not contain it (the crate keeps h
  locally as the channel's auth hash).
"""
import json
import os
import sys


def uint(buf, pos):
    value, shift = 0, 0
    while True:
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return value, pos


def data(buf, pos):
    n, pos = uint(buf, pos)
    return buf[pos:pos + n], pos + n


def transport_message(body):
    """version, onward, return, payload of a TransportMessage v1."""
    assert body[0] == 1
    pos = 1
    routes = []
    for _ in range(2):
        count, pos = uint(body, pos)
        route = []
        for _ in range(count):
            kind = body[pos]
            name, pos = data(body, pos + 1)
            route.append((kind, name))
        routes.append(route)
    payload, pos = data(body, pos)
    assert pos == len(body)
    return routes[0], routes[1], payload


def bare_data(b):
    assert len(b) < 128
    return bytes([len(b)]) + b


def local_route(*names):
    out = bytes([len(names)])
    for n in names:
        out += b"\x00" + bare_data(n.encode())
    return out


def captured_messages(directory):
    """msg1, msg2, msg3 and the bodies of F4 and F5 (nonce included)."""
    frames = []
    for line in open(os.path.join(directory, "one-hop-frames.jsonl")):
        j = json.loads(line)
        if "frame" in j:
            frame = bytes.fromhex(j["frame"])
            assert int.from_bytes(frame[:2], "big") == len(frame) - 2
            frames.append(transport_message(frame[2:]))
    assert len(frames) == 5

    msg1, rest = data(frames[0][2], 0)
    assert frames[0][2][rest:] == b"\x00"  # completed_callback_address: None
    msg2, rest = data(frames[1][2], 0)
    assert rest == len(frames[1][2])
    msg3, rest = data(frames[2][2], 0)
    assert rest == len(frames[2][2])
    f4, _ = data(frames[3][2], 0)
    f5, _ = data(frames[4][2], 0)
    assert f4[:2] == b"\x00\x00" and f5[:2] == b"\x00\x00"  # nonce 0 each way
    return msg1, msg2, msg3, f4, f5


def main():
    directory = sys.argv[1]
    keys = json.load(open(os.path.join(directory, "one-hop-keys.json")))
    msg1, msg2, msg3, f4, f5 = captured_messages(directory)

    hello = b"\x01" + local_route("echoer") + local_route("app") + bare_data(bare_data(b"Hello Ockam!"))
    echo = b"\x01" + local_route("app") + local_route("echoer") + bare_data(bare_data(b"Hello Ockam!"))
    assert len(hello) + 16 == len(f4) - 2 and len(echo) + 16 == len(f5) - 2

    vector = {
        "protocol_name": "Noise_XX_25519_AESGCM_SHA256",
        "init_prologue": "",
        "init_static": keys["i_s"],
        "init_ephemeral": keys["i_e"],
        "resp_prologue": "",
        "resp_static": keys["r_s"],
        "resp_ephemeral": keys["r_e"],
        "messages": [
            {"payload": "", "ciphertext": msg1.hex()},
            {"payload": "", "ciphertext": msg2.hex()},
            {"payload": "", "ciphertext": msg3.hex()},
            {"payload": hello.hex(), "ciphertext": f4[2:].hex()},
            {"payload": echo.hex(), "ciphertext": f5[2:].hex()},
        ],
    }
    json.dump({"vectors": [vector]}, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
