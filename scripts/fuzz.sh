#!/usr/bin/env bash
# Fuzzes the TCP frame decoder and the TransportMessage decoder
# (transport/fuzz/frame_decoder_fuzz.cc) with libFuzzer from Debian's clang,
# outside Bazel, for a fixed number of inputs, starting from a copy of the
# seed corpus in transport/fuzz/corpus/. Exits nonzero on any crash, leak,
# sanitizer report or failed check; prints how many inputs ran.
#
#   bash scripts/fuzz.sh            # 200000 inputs
#   FUZZ_RUNS=1000000 bash scripts/fuzz.sh
#
# Needs clang and libclang-rt-dev (libFuzzer, ASan, UBSan runtimes):
#   apt-get install clang libclang-rt-dev
set -euo pipefail
cd "$(dirname "$0")/.."

runs="${FUZZ_RUNS:-200000}"
max_len="${FUZZ_MAX_LEN:-4096}"
cxx="${CXX_FUZZ:-clang++}"

if ! command -v "$cxx" >/dev/null; then
  echo "fuzz.sh: $cxx not found (apt-get install clang libclang-rt-dev)" >&2
  exit 1
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/ockam_fuzz.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# The decoder needs only the runtime's Address, Route and Error: no oneTBB.
sources=(
  transport/fuzz/frame_decoder_fuzz.cc
  transport/wire.cc
  codec/bare.cc
  runtime/address.cc
  runtime/escape.cc
  runtime/route.cc
  runtime/error.cc
)
echo "fuzz.sh: building with $("$cxx" --version | head -1)"
"$cxx" -std=c++20 -g -O1 -I. \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
  "${sources[@]}" -o "$work/frame_decoder_fuzz"

mkdir -p "$work/corpus" "$work/artifacts"
cp transport/fuzz/corpus/* "$work/corpus/"

echo "fuzz.sh: running $runs inputs (max_len $max_len) from $(ls "$work/corpus" | wc -l) seed files"
status=0
"$work/frame_decoder_fuzz" -runs="$runs" -max_len="$max_len" -seed=1 -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" "$work/corpus" >"$work/log" 2>&1 || status=$?

tail -n 25 "$work/log"
done_line="$(grep -E '^Done [0-9]+ runs' "$work/log" || true)"
if [[ $status -ne 0 || -z "$done_line" ]]; then
  echo "fuzz.sh: FAILED (exit $status). Crashing inputs:" >&2
  for f in "$work"/artifacts/*; do
    [[ -e "$f" ]] || continue
    cp "$f" "transport/fuzz/crash-$(basename "$f")"
    echo "  saved transport/fuzz/crash-$(basename "$f") (fix, then add it to transport/fuzz/corpus/)" >&2
  done
  exit 1
fi
inputs="$(sed -E 's/^Done ([0-9]+) runs.*/\1/' <<<"$done_line")"
echo "fuzz.sh: OK, $inputs inputs run, no crash"
