// File: harness/clock.h
//
// The clocks that remain when a machine has no hardware PMU (most VMs).
//
// The time-stamp counter ticks at a constant rate on every CPU that
// advertises an invariant TSC, independent of the core clock, so a TSC figure
// is a wall-clock time in ticks: it is reported as "tsc_ticks" together with
// the TSC frequency, and never under the name of core cycles (docs/design.md,
// "Measuring").  The TSC frequency is measured once against
// CLOCK_MONOTONIC_RAW (not slewed by NTP); cpuid's own figure is kept beside
// it as a cross-check where the CPU or the hypervisor publishes one.
//
// The core clock, which the TSC does not show, is estimated once by timing
// many short chains of dependent register adds (the fastest chain wins: a
// disturbed one can only be slower): every add needs the previous result,
// an add has one cycle of latency on every x86-64 core, so the chain runs at
// one add per core cycle and adds per second is the core frequency.  The
// figure is an estimate (turbo, frequency changes and a busy SMT sibling are
// invisible to it) and is labelled so wherever it is used.
//
// Rdtscp() is inline and safe to call from any thread.  The calibration runs
// once, on first use, and takes about 30 ms; later calls return the cached
// figures.  Some hypervisors clear the RDTSCP cpuid bit while the instruction
// still works; Rdtscp() follows cpuid and uses LFENCE; RDTSC instead, which
// orders the read the same way.
#ifndef WBBENCH_HARNESS_CLOCK_H_
#define WBBENCH_HARNESS_CLOCK_H_

#include <x86intrin.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace harness {

namespace clock_internal {
// Whether cpuid advertises RDTSCP (leaf 0x80000001, EDX bit 27).  Set during
// static initialization; reads false (the safe LFENCE; RDTSC path) before.
extern const bool kHaveRdtscp;
}  // namespace clock_internal

// Reads the TSC after every earlier instruction has executed, and before any
// later one starts (RDTSCP; LFENCE, or LFENCE; RDTSC; LFENCE where cpuid does
// not advertise RDTSCP).
inline uint64_t Rdtscp() {
  uint64_t t;
  if (clock_internal::kHaveRdtscp) {
    unsigned aux;
    t = __rdtscp(&aux);
  } else {
    _mm_lfence();
    t = __rdtsc();
  }
  _mm_lfence();
  return t;
}

// What the one-time calibration found.
struct ClockCalibration {
  double tsc_hz = 0;  // TSC ticks per second, measured
  // TSC frequency published by cpuid (leaf 0x15 or the hypervisor's leaf
  // 0x40000010), where present: a cross-check for tsc_hz.
  std::optional<double> cpuid_tsc_hz;
  bool rdtscp = false;          // cpuid advertises RDTSCP
  bool invariant_tsc = false;   // cpuid 0x80000007 EDX bit 8
  double core_hz_estimate = 0;  // from the dependent-add chain: fastest trial
  double core_hz_median = 0;    // the trials' median and 10th percentile:
  double core_hz_p10 = 0;       // how much a busy machine slowed them
  std::string tsc_method;       // how tsc_hz was obtained, for reports
  std::string core_method;      // how core_hz_estimate was obtained
};

// The calibration, run on first call (about 50 ms) and cached.
const ClockCalibration& GetClockCalibration();

// TSC ticks per second.
inline double TscHz() { return GetClockCalibration().tsc_hz; }

// Core clock estimated from a dependent-add chain: an estimate, never a
// measurement; label every figure derived from it as such.
inline double EstimatedCoreHz() {
  return GetClockCalibration().core_hz_estimate;
}

// A clock rate for reports: "2.995 GHz".
std::string FormatHz(double hz);

// Seconds that `adds` dependent adds (rounded down to a multiple of 64, at
// least 64) take on the calling thread, the fastest of `trials` runs.
// Exposed for tests and the benchmark.
double TimeDependentAdds(uint64_t adds, int trials);

// The core clock each of `trials` chains of `adds` dependent adds shows,
// timed with the TSC (ticking at `tsc_hz`), in trial order.
std::vector<double> CoreHzTrials(uint64_t adds, int trials, double tsc_hz);

}  // namespace harness

#endif  // WBBENCH_HARNESS_CLOCK_H_
