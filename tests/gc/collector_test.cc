// File: tests/gc/collector_test.cc
//
// The concurrent marker, driven step by step (manual driver, no threads) for
// the scripted cases and by its own threads for the randomized ones.  Every
// scripted unsound case has a sound twin that differs only in the knob.
#include "gc/collector.h"

#include <chrono>
#include <memory>
#include <random>
#include <thread>
#include <vector>

#include "gc/globals.h"
#include "gc/heap.h"
#include "gc/mutator.h"
#include "gc/shadow_stack.h"
#include "gtest/gtest.h"
#include "tests/gc/marker_test_util.h"

namespace gc {
namespace {

using testing::Field;
using testing::FieldSlot;
using testing::IsMarked;
using testing::NodeType;
using testing::Shades;
using testing::TestStore;

GcConfig ManualConfig(
    StackScanPolicy policy = StackScanPolicy::kPerMutatorConcurrent) {
  GcConfig c;
  c.workers = 0;
  c.verify = true;
  c.stack_scan = policy;
  return c;
}

uintptr_t NewNode() {
  return reinterpret_cast<uintptr_t>(Allocate(NodeType()));
}

class CollectorTest : public ::testing::Test {
 protected:
  void SetUp() override { Heap::Init(GcConfig()); }
};

TEST_F(CollectorTest, PhasesFollowTheCycle) {
  Collector c(ManualConfig());
  EXPECT_EQ(c.phase(), GcPhase::kOff);
  c.StartCycle();
  EXPECT_EQ(c.phase(), GcPhase::kMark);
  EXPECT_EQ(write_barrier_enabled.load(), 1);
  c.DrainAll();
  ASSERT_TRUE(c.StartTermination());
  EXPECT_EQ(c.phase(), GcPhase::kMarkTermination);
  c.FinishCycle();
  EXPECT_EQ(c.phase(), GcPhase::kOff);
  EXPECT_EQ(write_barrier_enabled.load(), 0);
  EXPECT_EQ(c.cycles_completed(), 1u);
  EXPECT_DEATH(c.FinishCycle(), "FinishCycle before StartTermination");
}

TEST_F(CollectorTest, MarksReachableGraphAndAccountingBalances) {
  Collector c(ManualConfig());
  MutatorScope m(c);
  RootFrame roots(2);
  // A chain of 1000 nodes from roots[0]; 500 unreachable nodes.
  uintptr_t head = NewNode();
  roots.Set(0, head);
  for (int i = 0; i < 999; ++i) {
    uintptr_t n = NewNode();
    TestStore(FieldSlot(n, 0), roots.Get(0));
    roots.Set(0, n);
  }
  for (int i = 0; i < 500; ++i) NewNode();
  c.RunCycle();
  CheckmarkResult r = c.last_checkmark();
  EXPECT_TRUE(r.ran);
  EXPECT_EQ(r.lost_objects, 0u);
  EXPECT_EQ(r.reachable_objects, 1000u);
  EXPECT_TRUE(r.accounting_ok()) << r.ToString();
  // Nothing died during the cycle, so the mark is exactly the reachable set.
  EXPECT_EQ(r.marked_bytes, r.reachable_bytes) << r.ToString();
  EXPECT_EQ(c.stats().History().back().objects_marked, 1000u);
}

TEST_F(CollectorTest, AllocatesBlackDuringMark) {
  Collector c(ManualConfig());
  MutatorScope m(c);
  c.StartCycle();
  uintptr_t fresh = NewNode();  // held by nothing
  EXPECT_TRUE(IsMarked(fresh));
  c.DrainAll();
  ASSERT_TRUE(c.StartTermination());
  CheckmarkResult r = c.VerifyNow();
  EXPECT_EQ(r.black_bytes, FindObject(fresh).size());
  EXPECT_TRUE(r.ok()) << r.ToString();
  c.FinishCycle();
}

TEST_F(CollectorTest, RunningMutatorScansItsOwnStackAtSafepoint) {
  Collector c(ManualConfig());
  MutatorScope m(c);
  RootFrame roots(1);
  uintptr_t a = NewNode();
  roots.Set(0, a);
  c.StartCycle();
  c.DrainAll();  // the marker may not touch a running mutator's stack
  EXPECT_FALSE(IsMarked(a));
  EXPECT_TRUE(c.StacksPending());
  EXPECT_FALSE(m.mutator().g()->stack_black.load());
  Safepoint();
  EXPECT_TRUE(IsMarked(a));
  EXPECT_FALSE(c.StacksPending());
  EXPECT_TRUE(m.mutator().g()->stack_black.load());
  c.DrainAll();
  ASSERT_TRUE(c.StartTermination());
  c.FinishCycle();
  EXPECT_EQ(c.last_checkmark().lost_objects, 0u);
}

TEST_F(CollectorTest, ParkedMutatorStackIsScannedByTheMarker) {
  Collector c(ManualConfig());
  Mutator parked(c);
  uintptr_t b;
  {
    parked.Enter();
    auto roots = std::make_unique<RootFrame>(1);  // outlives this Enter
    b = NewNode();
    roots->Set(0, b);
    parked.Leave();
    c.StartCycle();
    EXPECT_TRUE(c.StacksPending());
    EXPECT_FALSE(IsMarked(b));
    EXPECT_TRUE(c.MarkSome(0));  // root jobs: globals and parked stacks
    EXPECT_TRUE(IsMarked(b));
    EXPECT_FALSE(c.StacksPending());
    c.DrainAll();
    ASSERT_TRUE(c.StartTermination());
    c.FinishCycle();
    EXPECT_EQ(c.last_checkmark().lost_objects, 0u);
    EXPECT_EQ(c.last_checkmark().reachable_objects, 1u);
    parked.Enter();
    roots.reset();
    parked.Leave();
  }
}

TEST_F(CollectorTest, YuasaSnapshotScansEveryStackInTheStartPause) {
  Collector c(ManualConfig(StackScanPolicy::kStwAtStart));
  MutatorScope m(c);
  RootFrame roots(1);
  uintptr_t a = NewNode();
  roots.Set(0, a);
  c.StartCycle();
  EXPECT_TRUE(IsMarked(a));
  EXPECT_FALSE(c.StacksPending());
  c.DrainAll();
  ASSERT_TRUE(c.StartTermination());
  c.FinishCycle();
}

TEST_F(CollectorTest, GlobalsAreRoots) {
  Collector c(ManualConfig());
  MutatorScope m(c);
  GlobalSlots globals(2);
  uintptr_t a = NewNode();
  TestStore(globals.SlotAddress(1), a);
  c.RunCycle();
  EXPECT_EQ(c.last_checkmark().reachable_objects, 1u);
  EXPECT_EQ(c.last_checkmark().lost_objects, 0u);
}

TEST_F(CollectorTest, TerminationRetriesWhenBufferFlushProducesWork) {
  Collector c(ManualConfig());
  MutatorScope m(c);
  RootFrame roots(1);
  uintptr_t a = NewNode();
  uintptr_t gone = NewNode();
  roots.Set(0, a);
  TestStore(FieldSlot(a, 0), gone);
  c.StartCycle();
  Safepoint();  // a grey
  // The hybrid barrier records `gone` (the old value) in the P's buffer; the
  // buffer is far from full, so nothing is shaded yet.
  TestStore(FieldSlot(a, 0), 0);
  EXPECT_FALSE(m.mutator().p()->wb_buf.Empty());
  c.DrainAll();
  EXPECT_FALSE(IsMarked(gone));
  // Flushing the buffer greys `gone`: back to marking.
  EXPECT_FALSE(c.StartTermination());
  EXPECT_EQ(c.phase(), GcPhase::kMark);
  EXPECT_TRUE(IsMarked(gone));
  EXPECT_TRUE(m.mutator().p()->wb_buf.Empty());
  c.DrainAll();
  ASSERT_TRUE(c.StartTermination());
  c.FinishCycle();
  EXPECT_EQ(c.stats().History().back().termination_retries, 1);
  EXPECT_EQ(c.last_checkmark().lost_objects, 0u);
  EXPECT_EQ(c.stats().History().back().pauses_ns.size(), 3u);
}

// The hiding scenario: the only pointer to B moves from the heap (a.f0) to a
// stack that was already scanned, and the heap copy is deleted.  Returns the
// lost objects the verifier reports.
template <Shades kShades>
uint64_t HideInScannedStack(const GcConfig& config, UnsafeKnobs knobs = {}) {
  Collector c(config, knobs);
  MutatorScope m(c);
  RootFrame roots(2);
  uintptr_t a = NewNode();
  uintptr_t b = NewNode();
  roots.Set(0, a);
  TestStore<kShades>(FieldSlot(a, 0), b);
  c.StartCycle();
  Safepoint();                             // stack scanned: a grey
  roots.Set(1, Field(a, 0));               // stack write, no barrier
  TestStore<kShades>(FieldSlot(a, 0), 0);  // delete the heap copy
  c.DrainAll();
  while (!c.StartTermination()) c.DrainAll();
  CheckmarkResult r = c.VerifyNow();
  c.FinishCycle();
  return r.lost_objects;
}

TEST_F(CollectorTest, NoBarrierUnderConcurrentMarkLosesObjects) {
  EXPECT_EQ(HideInScannedStack<Shades::kHybrid>(ManualConfig()), 0u);
  Heap::Init(GcConfig());
  EXPECT_EQ(HideInScannedStack<Shades::kHybrid>(
                ManualConfig(), UnsafeKnobs{.barrier_off_during_mark = true}),
            1u);
}

TEST_F(CollectorTest, DijkstraNeedsTheTerminationRescan) {
  EXPECT_EQ(HideInScannedStack<Shades::kDijkstra>(
                ManualConfig(StackScanPolicy::kRescanAtTermination)),
            0u);
  Heap::Init(GcConfig());
  EXPECT_EQ(HideInScannedStack<Shades::kDijkstra>(
                ManualConfig(StackScanPolicy::kPerMutatorConcurrent)),
            1u);
}

// Yuasa without the snapshot: g2, running and not yet scanned, makes black
// x point to white d (a deletion barrier does not shade the new value), then
// drops d from its stack before its own scan.  g1 is parked, so the marker
// scans its stack and blackens x meanwhile.  Returns the lost objects.
uint64_t YuasaScenario(StackScanPolicy policy) {
  Collector c(ManualConfig(policy));
  Mutator g1(c), g2(c);
  g1.Enter();
  auto r1 = std::make_unique<RootFrame>(1);
  uintptr_t x = NewNode();
  r1->Set(0, x);
  g1.Leave();
  g2.Enter();
  auto r2 = std::make_unique<RootFrame>(1);
  uintptr_t d = NewNode();
  r2->Set(0, d);

  c.StartCycle();  // by g2's thread; g2 stays running
  c.DrainAll();    // scans parked g1: x black
  EXPECT_TRUE(IsMarked(x));
  TestStore<Shades::kYuasa>(FieldSlot(x, 0), d);  // black x -> white d
  r2->Set(0, 0);                                  // drop d from the stack
  Safepoint();                                    // g2 scans its stack now
  c.DrainAll();
  while (!c.StartTermination()) c.DrainAll();
  CheckmarkResult r = c.VerifyNow();
  c.FinishCycle();
  r2.reset();
  g2.Leave();
  g1.Enter();
  r1.reset();
  g1.Leave();
  return r.lost_objects;
}

TEST_F(CollectorTest, YuasaNeedsTheStartSnapshot) {
  EXPECT_EQ(YuasaScenario(StackScanPolicy::kStwAtStart), 0u);
  Heap::Init(GcConfig());
  EXPECT_EQ(YuasaScenario(StackScanPolicy::kPerMutatorConcurrent), 1u);
}

TEST_F(CollectorTest, CollectFromAMutatorThreadWithWorkers) {
  GcConfig config = ManualConfig();
  config.workers = 2;
  Collector c(config);
  c.Start();
  {
    MutatorScope m(c);
    RootFrame roots(1);
    uintptr_t a = NewNode();
    roots.Set(0, a);
    TestStore(FieldSlot(a, 1), NewNode());
    c.Collect();  // parks this mutator while the coordinator runs the cycle
    c.Collect();
    EXPECT_GE(c.cycles_completed(), 2u);
    CheckmarkResult r = c.last_checkmark();
    EXPECT_EQ(r.reachable_objects, 2u);
    EXPECT_TRUE(r.ok()) << r.ToString();
  }
  c.Stop();
}

TEST(GcTraceTest, LineLooksLikeGos) {
  CycleStats s;
  s.cycle = 7;
  s.start_time_ns = 1'204'000'000;
  s.start_pause_ns = 21'000;
  s.mark_wall_ns = 3'100'000;
  s.termination_pause_ns = 44'000;
  s.heap_live_start = uint64_t{12} << 20;
  s.heap_live_end = uint64_t{13} << 20;
  s.bytes_marked = uint64_t{6} << 20;
  s.heap_goal = uint64_t{14} << 20;
  s.workers = 2;
  EXPECT_EQ(GcTraceLine(s),
            "gc 7 @1.204s: 0.021+3.100+0.044 ms clock, 0.021+0.000/0.000+0.044 "
            "ms cpu, 12->13->6 MB, 14 MB goal, 2 workers, 0 retries");
}

}  // namespace
}  // namespace gc
