// libFuzzer target: arbitrary bytes as a TCP stream. They go through a
// FrameDecoder in chunk sizes taken from the input itself, every frame that
// comes out goes to decode(), and every message decoded is re-encoded and
// must decode to itself. A crash, a sanitizer report or a failed check here
// is a bug; an error Result is the expected answer to garbage.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "transport/wire.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

void on_frame(std::span<const std::uint8_t> body) {
  auto m = ockam::transport::decode(body);
  if (!m) {
    check(!m.error().message().empty());  // every rejection says why
    return;
  }
  // A decoded message re-encodes to exactly the bytes it came from (the
  // encoding is canonical), and those bytes frame without error.
  const std::vector<std::uint8_t> again = ockam::transport::encode(*m);
  check(again.size() == body.size() && std::equal(again.begin(), again.end(), body.begin()));
  check(ockam::transport::encode_frame(*m).has_value());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte picks the chunk size (1..256), so the fuzzer explores
  // frames split across feed() calls as well as whole ones.
  const std::size_t chunk = std::size_t{data[0]} + 1;
  std::span<const std::uint8_t> stream(data + 1, size - 1);

  ockam::transport::FrameDecoder decoder;
  std::size_t frames = 0;
  while (!stream.empty()) {
    const std::size_t n = std::min(chunk, stream.size());
    auto fed = decoder.feed(stream.first(n), [&](std::span<const std::uint8_t> body) {
      ++frames;
      on_frame(body);
    });
    stream = stream.subspan(n);
    if (!fed) {
      check(decoder.failed());
      check(!decoder.feed(stream).has_value());  // failure is sticky
      break;
    }
  }
  // A decoder buffers at most one partial frame.
  check(decoder.buffered() <= ockam::transport::kFrameHeaderSize + ockam::transport::kMaxFrameSize);

  // The same bytes as one whole message, no framing.
  on_frame(std::span<const std::uint8_t>(data + 1, size - 1));
  return 0;
}
