// ChunkMeter with a real collector: what a chunk's time holds.  A pause that
// stops the world in the middle of a chunk is accounted outside it; a chunk
// in which the thread sleeps (descheduled) is dropped with its block; and
// under the incremental schedule no mark step runs inside a chunk, and the
// schedule loses nothing under the verifier.
#include "harness/chunk_meter.h"

#include <chrono>
#include <thread>

#include "barriers/barrier_config.h"
#include "gc/collector.h"
#include "gc/heap.h"
#include "gc/mutator.h"
#include "gtest/gtest.h"
#include "harness/clock.h"
#include "workloads/workload.h"

namespace harness {
namespace {

constexpr auto kPause = std::chrono::milliseconds(30);

uint64_t Ticks(std::chrono::nanoseconds d) {
  return static_cast<uint64_t>(static_cast<double>(d.count()) * TscHz() / 1e9);
}

class ChunkMeterTest : public ::testing::Test {
 protected:
  void SetUp() override { saved_ = barriers::InstalledBarrier(); }
  void TearDown() override {
    ASSERT_TRUE(barriers::InstallBarrier(saved_).ok());
  }
  barriers::BarrierConfig saved_;
};

TEST_F(ChunkMeterTest, PauseMidChunkIsAccountedOutsideIt) {
  gc::GcConfig config;
  config.mode = gc::GcMode::kStw;
  config.workers = 0;
  gc::Heap::Init(config);
  gc::Collector collector(config);
  gc::MutatorScope scope(collector);
  gc::G* g = scope.mutator().g();
  ChunkMeter meter(g);
  // Retried: on a busy machine the spinning mutator may be switched out
  // too, which drops the block (rightly); one attempt must keep it.
  for (uint64_t attempt = 1; attempt <= 10 && meter.totals().chunks == 0;
       ++attempt) {
    const uint64_t pause0 = g->pause_ticks;
    // Another thread stops the world and holds it for kPause; this thread
    // starts a chunk once the stop has been requested, and the chunk waits
    // the pause out at its first safepoint.  (A thread that spun until the
    // chunk began could share this one's CPU and switch it out.)
    std::thread stopper([&] {
      collector.StartCycle();
      std::this_thread::sleep_for(kPause);
      ASSERT_TRUE(collector.StartTermination());
      collector.FinishCycle();
    });
    while (!g->preempt.load()) std::this_thread::yield();
    meter.BeginBlock();
    meter.Chunk([&] {
      while (collector.cycles_completed() < attempt) gc::Safepoint();
      return workloads::Counts{1, 1, 0};
    });
    meter.EndBlock();
    stopper.join();  // a wait of the test's own, outside the block
    // The pause is in the G's pause time and out of the chunk.
    EXPECT_GE(g->pause_ticks - pause0, Ticks(kPause));
    EXPECT_GE(meter.last_block().excluded_pause_ticks, Ticks(kPause));
    EXPECT_LT(meter.last_block().ticks, Ticks(kPause) / 3);
  }
  // Waiting at the safepoint is a switch the collector accounted for: the
  // block is kept, with the pause outside its time.
  EXPECT_EQ(meter.totals().chunks, 1u);
  EXPECT_EQ(meter.totals().stores.stores, 1u);
  EXPECT_GE(meter.totals().excluded_pause_ticks, Ticks(kPause));
  EXPECT_LT(meter.totals().ticks, Ticks(kPause) / 3);
}

TEST_F(ChunkMeterTest, DescheduledBlockIsDetectedAndDropped) {
  gc::GcConfig config;
  config.mode = gc::GcMode::kOff;
  gc::Heap::Init(config);
  gc::Collector collector(config);
  gc::MutatorScope scope(collector);
  ChunkMeter meter(scope.mutator().g());
  // The test hook: a chunk that sleeps, so the thread is switched out.
  meter.BeginBlock();
  meter.Chunk([] { return workloads::Counts{1, 1, 0}; });
  meter.Chunk([] {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return workloads::Counts{1, 1, 0};
  });
  meter.EndBlock();
  EXPECT_EQ(meter.blocks(), 1u);
  EXPECT_EQ(meter.dropped_blocks(), 1u);
  EXPECT_EQ(meter.dropped_stores(), 2u);
  EXPECT_EQ(meter.totals().chunks, 0u);
  EXPECT_EQ(meter.totals().ticks, 0u);
  // A block that runs undisturbed is kept (retried: a busy machine may
  // switch the thread out of any one block).
  for (int attempt = 0; attempt < 100 && meter.totals().chunks == 0;
       ++attempt) {
    meter.BeginBlock();
    meter.Chunk([] { return workloads::Counts{1, 1, 0}; });
    meter.EndBlock();
  }
  EXPECT_EQ(meter.totals().chunks, 1u);
}

// Runs tree-reverse under the incremental schedule as the runner does:
// blocks of chunks, Gosched between blocks.  `gosched_in_chunk` is the
// deliberate fault: a step inside a chunk, which the meter must see.
struct IncrementalRun {
  uint64_t mark_step_chunks = 0, mark_steps = 0, cycles = 0, lost = 0;
  uint64_t assist_ticks = 0, on_stores = 0;
  bool verified = true;
};

IncrementalRun RunIncremental(
    barriers::BarrierKind kind, barriers::Algorithm algorithm,
    bool gosched_in_chunk,
    workloads::WorkloadKind workload = workloads::WorkloadKind::kTreeReverse) {
  barriers::BarrierConfig bc;
  bc.kind = kind;
  bc.algorithm = algorithm;
  EXPECT_TRUE(barriers::InstallBarrier(bc).ok());
  gc::GcConfig config;
  config.mode = gc::GcMode::kIncremental;
  config.verify = true;
  barriers::ApplyToGcConfig(bc, &config);
  gc::Heap::Init(config);
  gc::Collector collector(config);
  collector.Start();
  IncrementalRun r;
  {
    gc::MutatorScope scope(collector);
    barriers::ResetWbBuf(scope.mutator().p());
    auto w = workloads::MakeWorkload(workload, kind, algorithm,
                                     {1, 1.0 / 256, 0, 1});
    w->Setup();
    ChunkMeter meter(scope.mutator().g(), &collector);
    for (int block = 0; block < 300; ++block) {
      meter.BeginBlock();
      for (int i = 0; i < kChunksPerBlock; ++i) {
        meter.Chunk([&] {
          const workloads::Counts c0 = w->counts();
          w->Step(256);
          if (gosched_in_chunk) gc::Gosched();
          return workloads::Counts{0, w->counts().stores - c0.stores,
                                   w->counts().barriered - c0.barriered};
        });
        gc::Safepoint();
      }
      meter.EndBlock();
      gc::Gosched();
    }
    r.mark_step_chunks = meter.mark_step_chunks();
    r.assist_ticks = scope.mutator().g()->assist_ticks;
    r.on_stores = meter.totals().on_stores.stores;
  }
  collector.Stop();
  r.mark_steps = collector.mark_steps();
  for (const gc::CycleStats& s : collector.stats().History()) {
    ++r.cycles;
    r.lost += s.lost_objects;
    r.verified &= s.verified && s.accounting_ok;
  }
  return r;
}

TEST_F(ChunkMeterTest, IncrementalScheduleRunsNoMarkStepInsideAChunk) {
  // tree-reverse stores without allocating; binary-trees allocates all the
  // time, so its allocation slow path runs while marking.
  for (workloads::WorkloadKind workload :
       {workloads::WorkloadKind::kTreeReverse,
        workloads::WorkloadKind::kBinaryTrees}) {
    SCOPED_TRACE(static_cast<int>(workload));
    const IncrementalRun r =
        RunIncremental(barriers::BarrierKind::kBuffered,
                       barriers::Algorithm::kHybrid, false, workload);
    EXPECT_GT(r.mark_steps, 0u);
    EXPECT_GE(r.cycles, 2u);
    EXPECT_GT(r.on_stores, 0u);  // the chunks did run with the barrier on
    EXPECT_EQ(r.mark_step_chunks, 0u);
    EXPECT_EQ(r.assist_ticks, 0u);  // allocation assists wait for the steps
    EXPECT_EQ(r.lost, 0u);
    EXPECT_TRUE(r.verified);
  }
}

TEST_F(ChunkMeterTest, MarkStepInsideAChunkIsSeen) {
  const IncrementalRun r = RunIncremental(barriers::BarrierKind::kBuffered,
                                          barriers::Algorithm::kHybrid, true);
  EXPECT_GT(r.mark_step_chunks, 0u);
}

TEST_F(ChunkMeterTest, IncrementalScheduleIsSoundForEveryBarrierAndAlgorithm) {
  for (const barriers::BarrierInfo& b : barriers::AllBarriers()) {
    if (b.kind == barriers::BarrierKind::kNone) continue;
    for (const barriers::AlgorithmInfo& a : barriers::AllAlgorithms()) {
      if (!barriers::Supports(b.kind, a.algorithm)) continue;
      SCOPED_TRACE(std::string(b.name) + "/" + std::string(a.name));
      const IncrementalRun r = RunIncremental(b.kind, a.algorithm, false);
      EXPECT_GE(r.cycles, 2u);
      EXPECT_EQ(r.lost, 0u);
      EXPECT_TRUE(r.verified);
      EXPECT_EQ(r.mark_step_chunks, 0u);
    }
  }
}

}  // namespace
}  // namespace harness
