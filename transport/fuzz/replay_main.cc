// Replays each seed-corpus file named on the command line through the fuzz
// entry point (it must return, never crash or abort), and checks that the
// file's name tells the truth: every frame of a "valid_*" stream decodes and
// nothing is left over; an "invalid_*" stream has at least one rejected
// frame, a failed frame decoder, or an incomplete frame at its end.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "transport/fuzz/replay.h"
#include "transport/wire.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

// Same input convention as the fuzz target: byte 0 picks the chunk size.
bool stream_is_valid(const std::vector<std::uint8_t>& input, std::size_t& frames) {
  if (input.empty()) return false;
  const std::size_t chunk = std::size_t{input[0]} + 1;
  std::span<const std::uint8_t> stream(input.data() + 1, input.size() - 1);
  ockam::transport::FrameDecoder decoder;
  bool all_ok = true;
  while (!stream.empty()) {
    const std::size_t n = std::min(chunk, stream.size());
    auto fed = decoder.feed(stream.first(n), [&](std::span<const std::uint8_t> body) {
      ++frames;
      if (!ockam::transport::decode(body)) all_ok = false;
    });
    if (!fed) return false;
    stream = stream.subspan(n);
  }
  return all_ok && decoder.idle() && frames > 0;
}

}  // namespace

int main(int argc, char** argv) {
  return ockam::fuzz::replay_corpus(argc, argv, [](const std::vector<std::uint8_t>& bytes) {
    LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
    std::size_t frames = 0;
    const bool valid = stream_is_valid(bytes, frames);
    return ockam::fuzz::ReplayVerdict{valid, std::to_string(frames) + " frame(s)"};
  });
}
