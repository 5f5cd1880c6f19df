// File: workloads/rng.h
//
// The workloads' deterministic random numbers: xoshiro256** (Blackman and
// Vigna) seeded through splitmix64, so any 64-bit seed (Params::seed, 0
// included) gives a well-mixed state.  Plain C++ with no managed state: the
// tests' reference models draw from the same generator to replay a
// workload's decisions exactly.
#ifndef WBBENCH_WORKLOADS_RNG_H_
#define WBBENCH_WORKLOADS_RNG_H_

#include <cstdint>

namespace workloads {

class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (uint64_t& s : s_) {
      seed += 0x9e3779b97f4a7c15ull;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
      s = z ^ (z >> 31);
    }
  }

  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, n), n > 0 (Lemire's multiply-shift; the bias is below
  // n / 2^64, far under anything a workload could notice).
  uint64_t Below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >>
                                 64);
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

  uint64_t s_[4];
};

}  // namespace workloads

#endif  // WBBENCH_WORKLOADS_RNG_H_
