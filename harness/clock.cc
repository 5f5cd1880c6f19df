// File: harness/clock.cc
//
// The one-time clock calibration: the TSC frequency against
// CLOCK_MONOTONIC_RAW, and the core frequency from a chain of dependent adds.
// Both take the best of a few trials, because a trial can only be slowed down
// (preemption, an interrupt, a steal by the hypervisor), never sped up.
#include "harness/clock.h"

#include <cpuid.h>
#include <time.h>

#include <algorithm>
#include <cstdint>

#include "absl/strings/str_format.h"

namespace harness {
namespace clock_internal {
namespace {

bool DetectRdtscp() {
  unsigned a, b, c, d;
  if (!__get_cpuid(0x80000001, &a, &b, &c, &d)) return false;
  return (d >> 27) & 1;
}

}  // namespace

const bool kHaveRdtscp = DetectRdtscp();

}  // namespace clock_internal

namespace {

// Length of one TSC calibration window: 20 ms gives a frequency good to
// about 1e-6 with clock reads that cost tens of nanoseconds, and keeps the
// whole calibration well under a tenth of a second.
constexpr int64_t kTscWindowNs = 20'000'000;
// Bracketing attempts per TSC/clock pair: the pair whose two TSC reads are
// closest together is the least disturbed one.
constexpr int kPairAttempts = 8;
// Dependent adds per core-clock trial: 2^16 adds is about 20 us at 3 GHz,
// short enough that most trials on a busy machine run undisturbed, long
// enough that the two TSC reads around one (~40 cycles) are 0.1% of it.
constexpr uint64_t kCoreAdds = uint64_t{1} << 16;
// Core-clock trials, about 10 ms in all; the fastest wins (a disturbed
// trial can only be slower), and the spread of the others is reported.
constexpr int kCoreTrials = 400;

int64_t MonotonicRawNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

// A CLOCK_MONOTONIC_RAW reading and the TSC at the same instant (the middle
// of the tightest bracket seen).
struct ClockPair {
  int64_t ns;
  double tsc;
};

ClockPair ReadPair() {
  ClockPair best{0, 0};
  uint64_t best_width = UINT64_MAX;
  for (int i = 0; i < kPairAttempts; ++i) {
    uint64_t before = Rdtscp();
    int64_t ns = MonotonicRawNs();
    uint64_t after = Rdtscp();
    if (after - before < best_width) {
      best_width = after - before;
      best = {ns, (static_cast<double>(before) + after) / 2};
    }
  }
  return best;
}

double MeasureTscHz() {
  ClockPair start = ReadPair();
  timespec delay{0, kTscWindowNs};
  nanosleep(&delay, nullptr);
  ClockPair end = ReadPair();
  return (end.tsc - start.tsc) * 1e9 / static_cast<double>(end.ns - start.ns);
}

std::optional<double> CpuidTscHz() {
  unsigned a, b, c, d;
  // Leaf 0x15: TSC = crystal * ebx / eax, crystal in ecx (Intel; ecx is 0
  // where the crystal is not enumerated).
  if (__get_cpuid_max(0, nullptr) >= 0x15) {
    __cpuid_count(0x15, 0, a, b, c, d);
    if (a != 0 && b != 0 && c != 0) return static_cast<double>(c) * b / a;
  }
  // Leaf 0x40000010: the hypervisor's TSC frequency in kHz (VMware, KVM
  // with the timing leaf).
  __cpuid(0x40000000, a, b, c, d);
  if (a >= 0x40000010) {
    __cpuid(0x40000010, a, b, c, d);
    if (a != 0) return a * 1e3;
  }
  return std::nullopt;
}

bool InvariantTsc() {
  unsigned a, b, c, d;
  if (!__get_cpuid(0x80000007, &a, &b, &c, &d)) return false;
  return (d >> 8) & 1;
}

ClockCalibration Calibrate() {
  ClockCalibration cal;
  cal.rdtscp = clock_internal::kHaveRdtscp;
  cal.invariant_tsc = InvariantTsc();
  cal.cpuid_tsc_hz = CpuidTscHz();
  cal.tsc_hz = MeasureTscHz();
  cal.tsc_method = absl::StrFormat(
      "%s, %.0f ms against CLOCK_MONOTONIC_RAW%s%s",
      cal.rdtscp ? "rdtscp" : "lfence;rdtsc (cpuid lacks rdtscp)",
      kTscWindowNs / 1e6,
      cal.cpuid_tsc_hz
          ? absl::StrFormat(", cpuid says %.3f GHz", *cal.cpuid_tsc_hz / 1e9)
          : "",
      cal.invariant_tsc ? "" : ", TSC NOT invariant");
  std::vector<double> hz = CoreHzTrials(kCoreAdds, kCoreTrials, cal.tsc_hz);
  std::sort(hz.begin(), hz.end());
  cal.core_hz_estimate = hz.back();
  cal.core_hz_median = hz[hz.size() / 2];
  cal.core_hz_p10 = hz[hz.size() / 10];
  cal.core_method = absl::StrFormat(
      "estimate: fastest of %d trials of %d dependent register adds at one "
      "per cycle "
      "(trials' median %.2f GHz, 10th percentile %.2f GHz)",
      kCoreTrials, kCoreAdds, cal.core_hz_median / 1e9, cal.core_hz_p10 / 1e9);
  return cal;
}

}  // namespace

namespace {

// 64 adds per loop trip: the loop counter is a separate chain that runs in
// parallel, so the trip costs 64 cycles, not 65.
constexpr uint64_t kUnroll = 64;

// Runs trips x 64 dependent adds between two reads of `now`.  The addend
// is a register, not an immediate: Golden Cove and later cores fold
// `add $imm, reg` chains at rename and run them several per cycle (on a
// Xeon of family 6 model 207 the immediate chain read 17.7 GHz, the register
// chain 2.97, a chain of 3-cycle imuls 2.95).
template <class Now>
auto TimeAddChain(uint64_t adds, Now now) {
  uint64_t acc = 0;
  uint64_t n = std::max<uint64_t>(adds / kUnroll, 1);
  const uint64_t one = 1;
  const auto start = now();
  asm volatile(
      "1:\n\t"
      ".rept 64\n\t"
      "add %2, %0\n\t"
      ".endr\n\t"
      "dec %1\n\t"
      "jnz 1b\n\t"
      : "+r"(acc), "+r"(n)
      : "r"(one)
      : "cc");
  return now() - start;
}

}  // namespace

double TimeDependentAdds(uint64_t adds, int trials) {
  double best = 1e30;
  for (int t = 0; t < trials; ++t) {
    best = std::min(best, TimeAddChain(adds, MonotonicRawNs) / 1e9);
  }
  return best;
}

std::vector<double> CoreHzTrials(uint64_t adds, int trials, double tsc_hz) {
  const double cycles =
      static_cast<double>(std::max<uint64_t>(adds / kUnroll, 1) * kUnroll);
  std::vector<double> hz;
  hz.reserve(static_cast<size_t>(trials));
  for (int t = 0; t < trials; ++t) {
    const uint64_t ticks = TimeAddChain(adds, Rdtscp);
    hz.push_back(ticks > 0 ? cycles * tsc_hz / static_cast<double>(ticks) : 0);
  }
  return hz;
}

std::string FormatHz(double hz) {
  return absl::StrFormat("%.3f GHz", hz / 1e9);
}

const ClockCalibration& GetClockCalibration() {
  static const ClockCalibration* const kCalibration =
      new ClockCalibration(Calibrate());
  return *kCalibration;
}

}  // namespace harness
