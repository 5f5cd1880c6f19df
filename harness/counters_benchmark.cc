// File: harness/counters_benchmark.cc
//
// What measuring costs: one rdtscp, one clock_gettime for comparison, one
// perf_event group read(2) of the auto set (on a VM without a PMU the group
// holds task-clock alone), and a full ThreadCounters::Read (group read,
// scaling, plausibility checks, fallback figures).  The group read is the
// figure recorded in the run metadata (counters_group_read_ns).
#include <perfmon/pfmlib_perf_event.h>
#include <time.h>

#include "benchmark/benchmark.h"
#include "harness/clock.h"
#include "harness/counter_set.h"
#include "harness/perf_group.h"
#include "harness/thread_counters.h"

namespace harness {
namespace {

void BM_Rdtscp(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(Rdtscp());
}
BENCHMARK(BM_Rdtscp);

void BM_ClockGettimeMonotonic(benchmark::State& state) {
  timespec ts;
  for (auto _ : state) {
    clock_gettime(CLOCK_MONOTONIC, &ts);
    benchmark::DoNotOptimize(ts);
  }
}
BENCHMARK(BM_ClockGettimeMonotonic);

// One group read(2) of the auto set, opened on this thread as
// ThreadCounters opens it; "members" says how many events the group holds
// on this machine.
void BM_GroupRead(benchmark::State& state) {
  absl::StatusOr<CounterSet> set = CounterSet::Parse("auto");
  if (!set.ok()) {
    state.SkipWithError(set.status().ToString().c_str());
    return;
  }
  PerfGroup group(PerfEventApi::System());
  for (const EventSpec& e : set->events()) group.Add(*e.attr, 0);
  if (group.size() == 0) {
    state.SkipWithError("no perf_event counter opened on this machine");
    return;
  }
  group.Enable();
  GroupValues values;
  for (auto _ : state) {
    benchmark::DoNotOptimize(group.Read(&values));
  }
  group.Disable();
  state.counters["members"] = static_cast<double>(group.size());
}
BENCHMARK(BM_GroupRead);

void BM_ThreadCountersRead(benchmark::State& state) {
  absl::StatusOr<CounterSet> set = CounterSet::Parse("auto");
  if (!set.ok()) {
    state.SkipWithError(set.status().ToString().c_str());
    return;
  }
  ThreadCounters tc = ThreadCounters::Open(*set);
  tc.Start();
  for (auto _ : state) {
    CounterReadings r = tc.Read();
    benchmark::DoNotOptimize(r);
  }
  tc.Stop();
}
BENCHMARK(BM_ThreadCountersRead);

}  // namespace
}  // namespace harness
