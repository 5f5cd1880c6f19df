// File: tests/harness/clock_test.cc
//
// The TSC clock and the calibration: the TSC moves forward, the measured TSC
// frequency converts ticks to the same duration CLOCK_MONOTONIC_RAW sees,
// and the core-clock estimate is a plausible frequency and says it is one.
// Durations are compared between two clocks over the same interval, so the
// checks hold however busy the machine is.
#include "harness/clock.h"

#include <time.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace harness {
namespace {

using ::testing::HasSubstr;

int64_t MonotonicRawNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

TEST(ClockTest, RdtscpMovesForward) {
  uint64_t a = Rdtscp();
  uint64_t b = Rdtscp();
  timespec delay{0, 1'000'000};
  nanosleep(&delay, nullptr);
  uint64_t c = Rdtscp();
  EXPECT_LE(a, b);
  EXPECT_LT(b, c);
}

TEST(ClockTest, TscFrequencyConvertsTicksToMonotonicTime) {
  uint64_t t0 = Rdtscp();
  int64_t n0 = MonotonicRawNs();
  timespec delay{0, 50'000'000};
  nanosleep(&delay, nullptr);
  uint64_t t1 = Rdtscp();
  int64_t n1 = MonotonicRawNs();
  double tsc_ns = (t1 - t0) * 1e9 / TscHz();
  double mono_ns = static_cast<double>(n1 - n0);
  // Both clocks saw the same interval: they agree to a few percent (the
  // slack covers a preemption between the two reads at either end).
  EXPECT_NEAR(tsc_ns / mono_ns, 1.0, 0.05);
}

TEST(ClockTest, CalibrationIsPlausibleAndLabelled) {
  const ClockCalibration& cal = GetClockCalibration();
  EXPECT_GT(cal.tsc_hz, 1e8);
  EXPECT_LT(cal.tsc_hz, 1e11);
  EXPECT_GT(cal.core_hz_estimate, 1e8);
  EXPECT_LT(cal.core_hz_estimate, 2e10);
  EXPECT_DOUBLE_EQ(EstimatedCoreHz(), cal.core_hz_estimate);
  EXPECT_THAT(cal.core_method, HasSubstr("estimate"));
  EXPECT_THAT(cal.tsc_method, HasSubstr("CLOCK_MONOTONIC_RAW"));
  if (cal.cpuid_tsc_hz) {
    EXPECT_NEAR(*cal.cpuid_tsc_hz / cal.tsc_hz, 1.0, 0.05);
  }
}

TEST(ClockTest, LongerAddChainsTakeLonger) {
  // Twice as many dependent adds cannot be faster: the chain is serial.
  double one = TimeDependentAdds(uint64_t{1} << 22, 3);
  double four = TimeDependentAdds(uint64_t{1} << 24, 3);
  EXPECT_GT(one, 0);
  EXPECT_GT(four, one);
}

}  // namespace
}  // namespace harness
