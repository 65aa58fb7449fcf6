// Replays each seed-corpus file named on the command line through the
// noise fuzz target (it must return, never crash or abort), and checks that
// the file's name tells the truth: what a "valid_*" seed feeds is accepted
// (the handshake message reads, every data message decrypts), what an
// "invalid_*" seed feeds is rejected.
#include <cstdint>
#include <vector>

#include "channel/fuzz/noise_fuzz.h"
#include "transport/fuzz/replay.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

int main(int argc, char** argv) {
  return ockam::fuzz::replay_corpus(argc, argv, [](const std::vector<std::uint8_t>& bytes) {
    LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
    return ockam::fuzz::ReplayVerdict{ockam::channel::fuzz::run_noise_input(bytes.data(), bytes.size()), ""};
  });
}
