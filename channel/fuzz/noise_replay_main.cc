// Replays each seed-corpus file named on the command line through the
// noise fuzz target (it must return, never crash or abort), and checks that
// the file's name tells the truth: what a "valid_*" seed feeds is accepted
// (the handshake message reads, every data message decrypts), what an
// "invalid_*" seed feeds is rejected.
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "channel/fuzz/noise_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

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
    const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
    const bool accepted = ockam::channel::fuzz::run_noise_input(bytes.data(), bytes.size());

    const std::string name = path.substr(path.find_last_of('/') + 1);
    const bool says_valid = name.rfind("valid_", 0) == 0;
    const bool says_invalid = name.rfind("invalid_", 0) == 0;
    if ((says_valid && !accepted) || (says_invalid && accepted) || (!says_valid && !says_invalid)) {
      std::fprintf(stderr, "FAIL %s: %s\n", name.c_str(), accepted ? "accepted" : "rejected");
      ++failures;
    } else {
      std::printf("ok   %s: %s\n", name.c_str(), accepted ? "accepted" : "rejected");
    }
  }
  std::printf("replayed %d corpus file(s), %d failure(s)\n", argc - 1, failures);
  return failures == 0 ? 0 : 1;
}
