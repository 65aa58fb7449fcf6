// The libFuzzer entry point for the handshake reader and the Ockam channel
// cipher (noise_fuzz.cc), and the verdict the replay test checks a seed's
// name against.
#ifndef OCKAM_CHANNEL_FUZZ_NOISE_FUZZ_H_
#define OCKAM_CHANNEL_FUZZ_NOISE_FUZZ_H_

#include <cstddef>
#include <cstdint>

namespace ockam::channel::fuzz {

// Runs one input (byte 0 picks the scenario, noise_fuzz.cc lists them) and
// returns true if what it fed was accepted: the handshake message read, or
// every data message decrypted. Aborts on a broken invariant.
bool run_noise_input(const std::uint8_t* data, std::size_t size);

}  // namespace ockam::channel::fuzz

#endif  // OCKAM_CHANNEL_FUZZ_NOISE_FUZZ_H_
