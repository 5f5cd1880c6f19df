// File: harness/metadata.h
//
// What a report says about the machine and the build: CPU model, cores,
// kernel, compiler and flags, git commit, TSC and estimated core clock, and
// the CPU steal time over the run (/proc/stat), which on a shared VM says how
// much of a figure may be someone else's.
#ifndef WBBENCH_HARNESS_METADATA_H_
#define WBBENCH_HARNESS_METADATA_H_

#include <cstdint>

#include "harness/report.h"

namespace harness {

// Fills the machine and build fields of `meta` (not the run's own fields).
void FillMachineMetadata(Metadata* meta);

// Aggregate CPU time counters from /proc/stat's "cpu" line, in jiffies.
struct CpuTimes {
  uint64_t total = 0;
  uint64_t steal = 0;
};
CpuTimes ReadCpuTimes();
// Percent of CPU time stolen between two readings.
double StealPercent(const CpuTimes& before, const CpuTimes& after);

}  // namespace harness

#endif  // WBBENCH_HARNESS_METADATA_H_
