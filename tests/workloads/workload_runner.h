// File: tests/workloads/workload_runner.h
//
// Runs a workload the way the harness does, for tests: a fresh heap, the
// barrier installed, a collector, and one mutator per instance
// (MutatorScope, Setup, Step in chunks of varying size with a safepoint
// between them, Checksum).  Thread t gets seed + t, as in the harness.
//
// Two drivers.  Threaded (the default): the collector's own threads, one
// mutator thread per instance.  Scripted (`scripted`, one mutator): the
// test thread is both mutator and collector (the manual driver, no
// threads), so the schedule is fixed: every kScriptPeriod chunks a cycle
// starts, marks a little after each chunk while the workload runs with the
// barrier on, and terminates; under kStw, a whole cycle runs at that
// point instead.
#ifndef WBBENCH_TESTS_WORKLOADS_WORKLOAD_RUNNER_H_
#define WBBENCH_TESTS_WORKLOADS_WORKLOAD_RUNNER_H_

#include <cstdint>
#include <vector>

#include "barriers/barrier_kind.h"
#include "gc/gc_config.h"
#include "workloads/workload.h"

namespace workloads::testing {

struct RunSpec {
  WorkloadKind kind = WorkloadKind::kTreeReverse;
  barriers::BarrierKind barrier = barriers::BarrierKind::kBuffered;
  gc::GcMode mode = gc::GcMode::kContinuous;
  bool verify = false;
  int gogc = 100;
  int threads = 1;
  uint64_t seed = 1;
  double scale = 1.0 / 256;
  uint64_t ops = 20000;
  bool scripted = false;
};

struct RunResult {
  std::vector<Counts> counts;  // per thread
  std::vector<uint64_t> checksums;
  uint64_t cycles = 0;
  uint64_t lost = 0;
  uint64_t cgocheck_violations = 0;
};

RunResult RunWorkload(const RunSpec& spec);

}  // namespace workloads::testing

#endif  // WBBENCH_TESTS_WORKLOADS_WORKLOAD_RUNNER_H_
