// The replay test of a libFuzzer target's seed corpus: reads each file named
// on the command line, hands its bytes to `run` (which feeds them to the
// fuzz entry point, so a seed that crashes it fails the test, and says
// whether the target accepted them), and checks that the file's name tells
// the truth: a "valid_*" seed is accepted, an "invalid_*" one rejected, and
// every seed is one or the other.
#ifndef OCKAM_TRANSPORT_FUZZ_REPLAY_H_
#define OCKAM_TRANSPORT_FUZZ_REPLAY_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace ockam::fuzz {

struct ReplayVerdict {
  bool accepted = false;
  std::string detail;  // shown after the verdict, e.g. "3 frame(s)"
};

// main()'s exit status: 0 if every seed's name matched, 1 otherwise, 2 for
// no argument.
int replay_corpus(int argc, char** argv, const std::function<ReplayVerdict(const std::vector<std::uint8_t>&)>& run);

}  // namespace ockam::fuzz

#endif  // OCKAM_TRANSPORT_FUZZ_REPLAY_H_
