// bazel run //channel:noise_vectors -- FILE.json [FILE.json ...]
//
// Runs the Noise_XX_25519_AESGCM_SHA256 vectors of each file
// (channel/noise_vectors.h says the format) and prints one line per vector,
// then "N passed, M failed, K skipped" over all files. Exits 0 only if at
// least one vector ran and none failed; 2 for a file that cannot be read or
// is not JSON.
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "channel/noise_vectors.h"

namespace {

// `bazel run` starts the binary in its runfiles tree; a relative FILE is
// meant from where the command was typed (BUILD_WORKING_DIRECTORY).
std::string resolve(const std::string& path) {
  const char* cwd = std::getenv("BUILD_WORKING_DIRECTORY");
  if (path.empty() || path[0] == '/' || cwd == nullptr) return path;
  return std::string(cwd) + "/" + path;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: " << argv[0] << " FILE.json [FILE.json ...]\n";
    return 2;
  }
  ockam::channel::VectorSummary total;
  for (int i = 1; i < argc; ++i) {
    std::ifstream in(resolve(argv[i]));
    if (!in) {
      std::cerr << "noise_vectors: cannot read " << argv[i] << "\n";
      return 2;
    }
    const auto file = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (file.is_discarded()) {
      std::cerr << "noise_vectors: " << argv[i] << " is not valid JSON\n";
      return 2;
    }
    std::cout << argv[i] << ":\n";
    const auto summary = ockam::channel::run_noise_vectors(file, std::cout);
    total.passed += summary.passed;
    total.failed += summary.failed;
    total.skipped += summary.skipped;
  }
  std::cout << ockam::channel::summary_line(total) << "\n";
  return total.failed == 0 && total.passed > 0 ? 0 : 1;
}
