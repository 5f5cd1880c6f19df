#include "tests/workloads/workload_runner.h"

#include <algorithm>
#include <cstdlib>
#include <thread>

#include "barriers/barrier_config.h"
#include "barriers/cgocheck.h"
#include "gc/collector.h"
#include "gc/heap.h"
#include "gc/mutator.h"

namespace workloads::testing {

namespace {

// Chunks per scripted cycle: the barrier is on for about half of them.
constexpr uint64_t kScriptPeriod = 8;
// Gray objects the scripted collector marks after each chunk.
constexpr size_t kScriptMarkPerChunk = 64;
// Chunks between the threaded run's requested cycles.
constexpr uint64_t kCollectEvery = 256;

// Hybrid, or the one algorithm a kind runs (satb: yuasa), as wbbench
// chooses when no --algorithm is given.
barriers::Algorithm AlgorithmOf(const RunSpec& spec) {
  return barriers::OnlyAlgorithm(spec.barrier)
      .value_or(barriers::Algorithm::kHybrid);
}

// One mutator's whole run; calls between(chunk) after every chunk.
template <class F>
void RunMutator(gc::Collector& collector, const RunSpec& spec, int thread,
                RunResult& r, F&& between) {
  gc::MutatorScope scope(collector);
  const Params params{spec.seed + static_cast<uint64_t>(thread), spec.scale};
  auto w = MakeWorkload(spec.kind, spec.barrier, AlgorithmOf(spec), params);
  w->Setup();
  // Chunks of 1 to 97 operations, so every workload resumes in the middle
  // of whatever its operations build.
  for (uint64_t done = 0, i = 0; done < spec.ops; ++i) {
    const uint64_t n = std::min<uint64_t>(1 + (i * 37) % 97, spec.ops - done);
    w->Step(n);
    done += n;
    gc::Gosched();  // under kIncremental, the cycle's next step
    between(i);
  }
  r.counts[thread] = w->counts();
  r.checksums[thread] = w->Checksum();
}

// The scripted collector's move after chunk i.
void ScriptStep(gc::Collector& c, uint64_t i) {
  const uint64_t phase = i % kScriptPeriod;
  if (c.config().mode == gc::GcMode::kStw) {
    if (phase == 0) c.RunCycle();
    return;
  }
  if (c.phase() == gc::GcPhase::kOff) {
    if (phase == 0) c.StartCycle();
    return;
  }
  c.MarkSome(kScriptMarkPerChunk);
  if (phase >= kScriptPeriod / 2) {
    c.DrainAll();
    if (c.StartTermination()) c.FinishCycle();
  }
}

}  // namespace

RunResult RunWorkload(const RunSpec& spec) {
  gc::GcConfig gcc;
  gcc.mode = spec.mode;
  gcc.gogc = spec.gogc;
  gcc.verify = spec.verify;
  if (spec.scripted) gcc.workers = 0;
  barriers::BarrierConfig bc;
  bc.kind = spec.barrier;
  bc.algorithm = AlgorithmOf(spec);
  barriers::ApplyToGcConfig(bc, &gcc);
  gc::Heap::Init(gcc);
  if (!barriers::InstallBarrier(bc).ok()) std::abort();
  barriers::ResetCgocheckViolations();

  RunResult r;
  r.counts.resize(spec.threads);
  r.checksums.resize(spec.threads);
  gc::Collector collector(gcc);
  if (spec.scripted) {
    RunMutator(collector, spec, 0, r,
               [&](uint64_t i) { ScriptStep(collector, i); });
    if (collector.phase() != gc::GcPhase::kOff) {
      collector.DrainAll();
      while (!collector.StartTermination()) collector.DrainAll();
      collector.FinishCycle();
    }
  } else {
    collector.Start();
    std::vector<std::thread> threads;
    for (int t = 0; t < spec.threads; ++t) {
      threads.emplace_back([&, t] {
        // Thread 0 also asks for whole cycles now and then (Go's
        // runtime.GC()), so short runs see some, while the others run on.
        RunMutator(collector, spec, t, r, [&](uint64_t i) {
          if (t == 0 && i % kCollectEvery == kCollectEvery / 2) {
            collector.Collect();
          }
        });
      });
    }
    for (std::thread& t : threads) t.join();
    collector.Stop();
  }
  r.cycles = collector.cycles_completed();
  r.lost = collector.stats().TotalLost();
  r.cgocheck_violations = barriers::CgocheckViolations();
  return r;
}

}  // namespace workloads::testing
