#!/usr/bin/env python3
"""Converts flynn/noise's test vectors (vectors.txt, key=value lines) to the
cacophony/snow JSON form that //channel:noise_vectors reads.

    apt-get install golang-github-flynn-noise-dev
    python3 flynn_to_json.py \
        /usr/share/gocode/src/github.com/flynn/noise/vectors.txt \
        Noise_XX_25519_AESGCM_SHA256 Noise_NN_25519_AESGCM_SHA256 > flynn-noise-1.0.0.json

Two differences between the formats, both handled here:
- flynn names the ephemeral keys gen_init_ephemeral / gen_resp_ephemeral
  (the bytes its key generator reads, which are the private keys) and has
  one `prologue` for both sides; and it has no handshake hash.
- flynn's transport messages start with the initiator, whichever side wrote
  the last handshake message; cacophony's alternate initiator, responder,
  ... over the whole conversation, so after XX's three handshake messages
  the responder sends first. Each direction's nonces count on their own, so
  reordering the transport messages into strict alternation keeps every
  ciphertext valid.
"""
import json
import sys

# Handshake messages per pattern (only the patterns converted so far).
HANDSHAKE_MESSAGES = {"NN": 2, "XX": 3}


def parse(path):
    entries, current = [], None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            key, _, value = line.partition("=")
            if key == "handshake":
                current = {"handshake": value, "messages": {}}
                entries.append(current)
            elif key.startswith("msg_"):
                _, index, kind = key.split("_")
                current["messages"].setdefault(int(index), {})[kind] = value
            else:
                current[key] = value
    return entries


def convert(entry):
    name = entry["handshake"]
    pattern = name.split("_")[1]
    handshake = HANDSHAKE_MESSAGES[pattern]
    messages = [entry["messages"][i] for i in sorted(entry["messages"])]
    shaped = lambda m: {"payload": m["payload"], "ciphertext": m["ciphertext"]}
    out = [shaped(m) for m in messages[:handshake]]
    # flynn: transport message k (from 0) is the initiator's when k is even.
    from_initiator = [shaped(m) for k, m in enumerate(messages[handshake:]) if k % 2 == 0]
    from_responder = [shaped(m) for k, m in enumerate(messages[handshake:]) if k % 2 == 1]
    for i in range(handshake, len(messages)):
        queue = from_initiator if i % 2 == 0 else from_responder
        if not queue:
            break  # no message of that side left: stop where alternation ends
        out.append(queue.pop(0))
    prologue = entry.get("prologue", "")
    return {
        "protocol_name": name,
        "init_prologue": prologue,
        "init_static": entry["init_static"] if "init_static" in entry else None,
        "init_ephemeral": entry["gen_init_ephemeral"],
        "resp_prologue": prologue,
        "resp_static": entry["resp_static"] if "resp_static" in entry else None,
        "resp_ephemeral": entry["gen_resp_ephemeral"],
        "messages": out,
    }


def main():
    path, wanted = sys.argv[1], set(sys.argv[2:])
    vectors = []
    for entry in parse(path):
        if entry["handshake"] in wanted:
            v = convert(entry)
            vectors.append({k: x for k, x in v.items() if x is not None})
    json.dump({"vectors": vectors}, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
