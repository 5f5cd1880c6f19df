// File: tests/gc/collector_test.cc
//
// The concurrent marker, driven step by step (manual driver, no threads) for
// the scripted cases and by its own threads for the randomized ones.  The
// scripted unsound cases (a stack hiding an object from the marker, with and
// without the barrier half or stack-scan policy that prevents it) are the
// hybrid barrier's two scenarios in tests/torture/article_scenarios_test.cc,
// run there with the real barriers.
#include "gc/collector.h"

#include <chrono>
#include <memory>
#include <random>
#include <thread>
#include <vector>

#include "gc/globals.h"
#include "gc/heap.h"
#include "gc/heap_bits.h"
#include "gc/mutator.h"
#include "gc/shade.h"
#include "gc/shadow_stack.h"
#include "gtest/gtest.h"
#include "tests/gc/marker_test_util.h"

namespace gc {
namespace {

using testing::FieldSlot;
using testing::IsMarked;
using testing::NodeType;
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

// kIncremental with a fixed step budget (GcConfig::incremental_step_work):
// how many steps a cycle takes follows from the budget and the heap alone,
// never from a clock.  A budget larger than the heap marks it in one step;
// a small one needs a step per budget's worth of scan work.
uint64_t StepsForOneCycle(uint64_t step_work) {
  GcConfig config = ManualConfig();
  config.mode = GcMode::kIncremental;
  config.incremental_step_work = step_work;
  Collector c(config);
  MutatorScope m(c);
  RootFrame roots(1);
  for (int i = 0; i < 4000; ++i) {
    uintptr_t n = NewNode();
    TestStore(FieldSlot(n, 0), roots.Get(0));
    roots.Set(0, n);
  }
  const uint64_t steps0 = c.mark_steps();
  while (c.cycles_completed() == 0) Gosched();
  return c.mark_steps() - steps0;
}

TEST_F(CollectorTest, FixedIncrementalStepsFollowTheWorkNotTheClock) {
  // Start the cycle, mark everything, terminate.
  EXPECT_LE(StepsForOneCycle(uint64_t{1} << 30), 3u);
  const uint64_t small = StepsForOneCycle(4096);
  EXPECT_GT(small, 10u);
  EXPECT_EQ(StepsForOneCycle(4096), small);
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

// --redundancy's tally (gc::ShadeTally): per entry of two words, whether
// shading it marked anything, and per word what shading found.
TEST_F(CollectorTest, ShadingTalliesWhatItFindsPerEntry) {
  GcConfig config = ManualConfig();
  config.tally_shading = true;
  Collector c(config);
  MutatorScope m(c);
  RootFrame roots(2);
  const uintptr_t white = NewNode(), marked = NewNode();
  roots.Set(0, white);
  roots.Set(1, marked);
  c.StartCycle();
  ASSERT_TRUE(FindObject(marked).TryMark());
  uintptr_t outside = 0;
  const uintptr_t entries[] = {
      0,      0,                                      // nil, nil
      marked, reinterpret_cast<uintptr_t>(&outside),  // marked, not heap
      marked, white,                                  // marks white
  };
  P* p = m.mutator().p();
  const ShadeTally before = p->shade_tally;
  ShadeBatch(p, entries, 6, 2);
  const ShadeTally t = p->shade_tally - before;
  EXPECT_EQ(t.entries, 3u);
  EXPECT_EQ(t.effective_entries, 1u);
  EXPECT_EQ(t.words, 6u);
  EXPECT_EQ(t.nil_words, 2u);
  EXPECT_EQ(t.non_heap_words, 1u);
  EXPECT_EQ(t.marked_words, 2u);
  EXPECT_TRUE(IsMarked(white));
  c.DrainAll();
  ASSERT_TRUE(c.StartTermination());
  c.FinishCycle();
}

// Without --redundancy the tally stays untouched.
TEST_F(CollectorTest, ShadingTalliesNothingUnlessAsked) {
  Collector c(ManualConfig());
  MutatorScope m(c);
  RootFrame roots(1);
  roots.Set(0, NewNode());
  c.StartCycle();
  const uintptr_t entries[] = {roots.Get(0), 0};
  P* p = m.mutator().p();
  ShadeBatch(p, entries, 2, 2);
  EXPECT_EQ(p->shade_tally.entries, 0u);
  EXPECT_EQ(p->shade_tally.words, 0u);
  c.DrainAll();
  ASSERT_TRUE(c.StartTermination());
  c.FinishCycle();
}

// The literal accounting: with the graph left alone while marking (no
// pointer store, nothing dropped), the marked bytes are exactly the reachable
// bytes plus the bytes allocated black.  (A mutating program also marks
// floating garbage, objects shaded and then dropped, so in general the
// verifier checks marked == shaded + allocated black instead.)
uintptr_t BuildChain(RootFrame& roots, int nodes, int garbage) {
  roots.Set(0, NewNode());
  for (int i = 1; i < nodes; ++i) {
    const uintptr_t n = NewNode();
    TestStore(FieldSlot(n, 0), roots.Get(0));
    roots.Set(0, n);
  }
  for (int i = 0; i < garbage; ++i) NewNode();
  return FindObject(roots.Get(0)).size();
}

TEST_F(CollectorTest, QuiescentMarkIsReachablePlusAllocatedBlack) {
  Collector c(ManualConfig());
  MutatorScope m(c);
  RootFrame roots(1);
  const size_t node = BuildChain(roots, 300, 200);
  c.StartCycle();
  for (int i = 0; i < 50; ++i) NewNode();  // black, and reachable from nothing
  Safepoint();
  c.DrainAll();
  ASSERT_TRUE(c.StartTermination());
  const CheckmarkResult r = c.VerifyNow();
  EXPECT_EQ(r.reachable_bytes, 300 * node);
  EXPECT_EQ(r.black_bytes, 50 * node);
  EXPECT_EQ(r.marked_bytes, r.reachable_bytes + r.black_bytes) << r.ToString();
  EXPECT_TRUE(r.ok()) << r.ToString();
  c.FinishCycle();
}

TEST_F(CollectorTest, ParkedMutatorMarkedByWorkersIsExactlyReachable) {
  GcConfig config = ManualConfig();
  config.workers = 2;
  config.gogc = -1;
  Collector c(config);
  c.Start();
  {
    MutatorScope m(c);
    RootFrame roots(1);
    const size_t node = BuildChain(roots, 3000, 1000);
    {
      ParkScope park;  // the workers scan this stack; nothing runs meanwhile
      std::thread([&c] { c.RunCycle(); }).join();
    }
    const CheckmarkResult r = c.last_checkmark();
    ASSERT_TRUE(r.ran);
    EXPECT_EQ(r.reachable_bytes, 3000 * node);
    EXPECT_EQ(r.black_bytes, 0u);
    EXPECT_EQ(r.marked_bytes, r.reachable_bytes) << r.ToString();
    EXPECT_TRUE(r.ok()) << r.ToString();
  }
  c.Stop();
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

// The marker scans by the heap bitmap (gc/heap_bits.h), the verifier by
// type: clearing the one bit that leads to an object loses it, and the
// verifier says so.
TEST_F(CollectorTest, TheMarkerScansByTheHeapBitsAndAWrongBitIsALoss) {
  for (const bool break_bit : {false, true}) {
    Heap::Init(GcConfig());
    Collector c(ManualConfig());
    MutatorScope m(c);
    RootFrame roots(1);
    const uintptr_t a = NewNode();
    const uintptr_t b = NewNode();
    TestStore(FieldSlot(a, 2), b);
    roots.Set(0, a);
    if (break_bit) WriteHeapBits(a + 2 * kPtrSize, 1, 0);
    c.StartCycle();
    Safepoint();
    c.DrainAll();
    ASSERT_TRUE(c.StartTermination());
    c.FinishCycle();
    EXPECT_EQ(c.last_checkmark().lost_objects, break_bit ? 1u : 0u)
        << (break_bit ? "bit cleared" : "bits as allocated");
  }
}

// A pointer kept past its object's sweep (Go's "found pointer to free
// object") fails the verifier, which names where it was held.  The freed
// object is noscan, so that shading it reads none of its (poisoned) bytes.
TEST_F(CollectorTest, APointerToAFreedObjectFailsTheVerifier) {
  Collector c(ManualConfig());
  MutatorScope m(c);
  RootFrame roots(2);
  roots.Set(0, NewNode());
  // Keeps the freed blob's span in use, so the pointer still finds it.
  roots.Set(1, reinterpret_cast<uintptr_t>(Allocate(testing::BlobType())));
  const uintptr_t stale =
      reinterpret_cast<uintptr_t>(Allocate(testing::BlobType()));
  c.RunCycle();  // nothing holds `stale`: freed by the sweep
  Heap::Get().FinishSweep();
  ASSERT_TRUE(FindObject(stale));
  ASSERT_TRUE(FindObject(stale).span->IsFree(FindObject(stale).index));
  TestStore(FieldSlot(roots.Get(0), 1), stale);
  c.RunCycle();
  const CheckmarkResult& r = c.last_checkmark();
  EXPECT_EQ(r.dangling_pointers, 1u);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.ToString().find("to a free object, held at"), std::string::npos)
      << r.ToString();
  EXPECT_FALSE(c.stats().History().back().accounting_ok);
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
