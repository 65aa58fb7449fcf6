#include "transport/fuzz/replay.h"

#include <cstdio>
#include <fstream>
#include <iterator>

namespace ockam::fuzz {

int replay_corpus(int argc, char** argv, const std::function<ReplayVerdict(const std::vector<std::uint8_t>&)>& run) {
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
    const ReplayVerdict verdict = run(bytes);

    const std::string name = path.substr(path.find_last_of('/') + 1);
    const bool says_valid = name.rfind("valid_", 0) == 0;
    const bool says_invalid = name.rfind("invalid_", 0) == 0;
    const char* what = verdict.accepted ? "accepted" : "rejected";
    const std::string detail = verdict.detail.empty() ? "" : ", " + verdict.detail;
    if ((says_valid && !verdict.accepted) || (says_invalid && verdict.accepted) || (!says_valid && !says_invalid)) {
      std::fprintf(stderr, "FAIL %s: %s%s\n", name.c_str(), what, detail.c_str());
      ++failures;
    } else {
      std::printf("ok   %s: %s%s\n", name.c_str(), what, detail.c_str());
    }
  }
  std::printf("replayed %d corpus file(s), %d failure(s)\n", argc - 1, failures);
  return failures == 0 ? 0 : 1;
}

}  // namespace ockam::fuzz
