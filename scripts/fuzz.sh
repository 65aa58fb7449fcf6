#!/usr/bin/env bash
# Fuzzes, with libFuzzer from Debian's clang, outside Bazel, each for a fixed
# number of inputs and starting from a copy of its seed corpus:
#   frame   the TCP frame decoder and the TransportMessage decoder
#           (transport/fuzz/frame_decoder_fuzz.cc, transport/fuzz/corpus/)
#   noise   the Noise XX handshake reader on each side and message, and the
#           Ockam secure channel's data-message decryptor
#           (channel/fuzz/noise_fuzz.cc, channel/fuzz/corpus/); links
#           OpenSSL's libcrypto (libssl-dev)
# Exits nonzero on any crash, leak, sanitizer report or failed check; prints
# how many inputs each ran. About 20 s for frame and 60 s for noise on the
# 2-core dev box (the noise target does up to six X25519 operations an
# input).
#
#   bash scripts/fuzz.sh                      # 200000 frame, 60000 noise inputs
#   FUZZ_RUNS=1000000 NOISE_FUZZ_RUNS=300000 bash scripts/fuzz.sh
#   bash scripts/fuzz.sh noise                # one target only
#
# Needs clang and libclang-rt-dev (libFuzzer, ASan, UBSan runtimes):
#   apt-get install clang libclang-rt-dev
set -euo pipefail
cd "$(dirname "$0")/.."

max_len="${FUZZ_MAX_LEN:-4096}"
cxx="${CXX_FUZZ:-clang++}"

if ! command -v "$cxx" >/dev/null; then
  echo "fuzz.sh: $cxx not found (apt-get install clang libclang-rt-dev)" >&2
  exit 1
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/ockam_fuzz.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# The frame decoder needs only the runtime's Address, Route and Error: no oneTBB.
frame_sources=(
  transport/fuzz/frame_decoder_fuzz.cc
  transport/wire.cc
  codec/bare.cc
  runtime/address.cc
  runtime/escape.cc
  runtime/route.cc
  runtime/error.cc
)
# The handshake and the channel cipher need //crypto, OpenSSL and Error.
noise_sources=(
  channel/fuzz/noise_fuzz.cc
  channel/noise_xx.cc
  channel/symmetric_state.cc
  channel/cipher_state.cc
  channel/ockam_channel_cipher.cc
  crypto/aes_gcm.cc
  crypto/errors.cc
  crypto/hex.cc
  crypto/hkdf.cc
  crypto/hmac.cc
  crypto/secret.cc
  crypto/sha256.cc
  crypto/x25519.cc
  runtime/error.cc
)

# fuzz NAME RUNS CORPUS_DIR LINK_FLAGS SOURCES...
fuzz() {
  local name="$1" runs="$2" corpus="$3" link="$4"
  shift 4
  local dir="$work/$name"
  mkdir -p "$dir/corpus" "$dir/artifacts"
  echo "fuzz.sh [$name]: building with $("$cxx" --version | head -1)"
  # shellcheck disable=SC2086  # $link is a list of flags
  "$cxx" -std=c++20 -g -O1 -I. \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
    "$@" $link -o "$dir/fuzz"
  cp "$corpus"/* "$dir/corpus/"
  echo "fuzz.sh [$name]: running $runs inputs (max_len $max_len) from $(ls "$dir/corpus" | wc -l) seed files"
  local status=0 start=$SECONDS
  "$dir/fuzz" -runs="$runs" -max_len="$max_len" -seed=1 -print_final_stats=1 \
    -artifact_prefix="$dir/artifacts/" "$dir/corpus" >"$dir/log" 2>&1 || status=$?
  tail -n 25 "$dir/log"
  local done_line
  done_line="$(grep -E '^Done [0-9]+ runs' "$dir/log" || true)"
  if [[ $status -ne 0 || -z "$done_line" ]]; then
    echo "fuzz.sh [$name]: FAILED (exit $status). Crashing inputs:" >&2
    for f in "$dir"/artifacts/*; do
      [[ -e "$f" ]] || continue
      cp "$f" "$corpus/../crash-$(basename "$f")"
      echo "  saved $corpus/../crash-$(basename "$f") (fix, then add it to $corpus/)" >&2
    done
    return 1
  fi
  echo "fuzz.sh [$name]: OK, $(sed -E 's/^Done ([0-9]+) runs.*/\1/' <<<"$done_line") inputs run in $((SECONDS - start)) s, no crash"
}

targets=("${@:-frame noise}")
status=0
for target in ${targets[*]}; do
  case "$target" in
    frame) fuzz frame "${FUZZ_RUNS:-200000}" transport/fuzz/corpus "" "${frame_sources[@]}" || status=1 ;;
    noise) fuzz noise "${NOISE_FUZZ_RUNS:-60000}" channel/fuzz/corpus "-lcrypto" "${noise_sources[@]}" || status=1 ;;
    *) echo "fuzz.sh: unknown target '$target' (frame, noise)" >&2; exit 2 ;;
  esac
done
if [[ $status -ne 0 ]]; then
  echo "fuzz.sh: FAILED" >&2
  exit 1
fi
echo "fuzz.sh: OK, every target ran without a crash"
