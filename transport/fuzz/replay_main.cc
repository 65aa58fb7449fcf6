// Replays each seed-corpus file named on the command line through the fuzz
// entry point (it must return, never crash or abort), and checks that the
// file's name tells the truth: every frame of a "valid_*" stream decodes and
// nothing is left over; an "invalid_*" stream has at least one rejected
// frame, a failed frame decoder, or an incomplete frame at its end.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

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
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s corpus-file...\n", argv[0]);
    return 2;
  }
  int failures = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string path = argv[i];
    std::ifstream f(path, std::ios::binary);
    if (!f) {
      std::fprintf(stderr, "cannot read %s\n", path.c_str());
      return 1;
    }
    std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    LLVMFuzzerTestOneInput(bytes.data(), bytes.size());

    const std::string name = path.substr(path.find_last_of('/') + 1);
    std::size_t frames = 0;
    const bool valid = stream_is_valid(bytes, frames);
    const bool says_valid = name.rfind("valid_", 0) == 0;
    const bool says_invalid = name.rfind("invalid_", 0) == 0;
    if ((says_valid && !valid) || (says_invalid && valid) || (!says_valid && !says_invalid)) {
      std::fprintf(stderr, "FAIL %s: decodes as %s (%zu frame(s))\n", name.c_str(), valid ? "valid" : "invalid",
                   frames);
      ++failures;
    } else {
      std::printf("ok   %s: %s, %zu frame(s)\n", name.c_str(), valid ? "valid" : "rejected", frames);
    }
  }
  std::printf("replayed %d corpus file(s), %d failure(s)\n", argc - 1, failures);
  return failures == 0 ? 0 : 1;
}
