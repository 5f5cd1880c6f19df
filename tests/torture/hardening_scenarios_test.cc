// File: tests/torture/hardening_scenarios_test.cc
//
// Scripted scenarios (tests/torture/script.h) for holes that the random
// torture program reached rarely or never, each under every real barrier
// kind: a scenario loses an object exactly when the collector leaves out
// the step it is named after.
//
// A freed global range is a deletion.  g1's stack is black; the only
// pointer to white D sits in a global slot; g1 loads D onto its stack and
// frees the range (GlobalSlots' destructor zeroes it) before the marker's
// globals job has run.  Under a deletion barrier (hybrid, hybrid-cond,
// yuasa) the freed values must be shaded as a barriered store of nil would
// shade them, or D is reachable only from a black stack and is lost.
//
// A mutator that exits mid-mark hands over its barrier buffer.  g1's stack
// is black and holds the only pointer to white D besides A -> D; g2
// deletes A -> D (its barrier records D in g2's buffer, or under the
// unbuffered barrier greys D into g2's gray buffer) and exits.  Unless
// Unregister flushes g2's buffer and disposes its gray work, D is lost.
//
// A mark worker stopped mid-drain hands over its gray objects.  Under the
// threaded driver, the worker scans a wide graph (an array of nodes, each
// with four leaves) and is stopped at its first pause check where it holds
// more than a workbuf of gray objects (a test interrupt, deterministic,
// standing in for the termination attempt that stops it by timing).  Unless
// it disposes them, the cycle terminates with them unscanned.
//
// A store after the last preclean pass is the remark's.  Under a
// card-marking barrier (cardmark) a store shades nothing: it dirties the
// slot's card.  A is allocated black mid-mark; g1's stack holds A and grey
// B, whose field holds the only pointer to white D.  The preclean passes
// run (finding nothing dirty); then g1 copies B -> D into A and deletes
// B -> D.  Only the termination pause's card rescan (the remark) finds
// D in A's dirty card; without it D is lost.  The same store made before
// the preclean is the preclean's, and the remark is not needed for it.
//
// A barrier that shades at once publishes what it greys.  After the marker
// has run out of work, a store shades white D (unbuffered: at once;
// cgocheck: its one-entry buffer flushes).  D must reach the global list,
// as a buffered flush's gray objects do, so that the marker finds it before
// mark termination: otherwise the termination pause finds hidden work and
// retries, which is not the barrier's cost.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "barriers/algorithm.h"
#include "barriers/barrier_kind.h"
#include "gc/card_table.h"
#include "gc/globals.h"
#include "gc/heap.h"
#include "gc/mutator.h"
#include "gc/shadow_stack.h"
#include "gc/type_descriptor.h"
#include "gc/work_buf.h"
#include "gtest/gtest.h"
#include "tests/torture/script.h"

namespace torture {
namespace {

using barriers::Algorithm;
using barriers::BarrierKind;
using gc::testing::IsMarked;

uint64_t FreedGlobalRangeHidesD(BarrierKind kind, Algorithm algorithm) {
  Script s(kind, algorithm, barriers::InfoFor(algorithm).stack_scan);
  gc::Mutator g1(s.c());
  s.Enter(g1);
  uint64_t lost = 0;
  {
    gc::RootFrame stack(1);
    auto shared = std::make_unique<gc::GlobalSlots>(1);
    const uintptr_t d = NewNode();
    s.Store(shared->SlotAddress(0), d);  // the only pointer to D
    s.c().StartCycle();
    gc::Safepoint();  // g1 scans its own stack: black
    EXPECT_TRUE(g1.g()->stack_black.load());
    EXPECT_FALSE(IsMarked(d));
    stack.Set(0, shared->Load(0));  // D onto the black stack
    shared.reset();                 // the range is freed: D's edge deleted
    lost = s.FinishAndVerify();
  }
  g1.Leave();
  return lost;
}

uint64_t MutatorExitsMidMarkWithDInItsBuffer(BarrierKind kind) {
  Script s(kind, Algorithm::kHybrid,
           gc::StackScanPolicy::kPerMutatorConcurrent);
  gc::Mutator g1(s.c());
  s.Enter(g1);
  gc::RootFrame g1_stack(2);
  const uintptr_t a = NewNode(), d = NewNode();
  g1_stack.Set(0, a);
  s.Write(a, 0, d);
  s.c().StartCycle();
  gc::Safepoint();     // g1 scans its own stack: black; A grey, D white
  g1_stack.Set(1, d);  // D onto the black stack
  g1.Leave();
  {
    gc::Mutator g2(s.c());
    s.Enter(g2);
    s.Write(a, 0, 0);  // delete A -> D: D in g2's buffer
    g2.Leave();
  }  // g2 exits
  s.Enter(g1);
  const uint64_t lost = s.FinishAndVerify();
  g1.Leave();
  return lost;
}

// Mid nodes in the array, four leaves each.  Scanning the array greys 400
// objects, which fit in the worker's own two workbufs (none reaches the
// global list), and each mid scanned adds four leaves, so at its first pause
// check (256 objects scanned) the worker still holds over 300 gray objects,
// more than a workbuf (WorkBuf::kCapacity), and the global list is empty.
constexpr size_t kFanOut = 400;
static_assert(kFanOut > gc::WorkBuf::kCapacity + 51 &&
              kFanOut + 4 < 2 * gc::WorkBuf::kCapacity);

const gc::Type& ArrayType() {
  static const gc::Type* t = new gc::Type("slot", sizeof(uintptr_t), {0});
  return *t;
}

std::atomic<int> worker_interrupts{0};

bool InterruptOnceHoldingMoreThanAWorkbuf(size_t held) {
  if (held <= gc::WorkBuf::kCapacity) return false;
  int expected = 0;
  return worker_interrupts.compare_exchange_strong(expected, 1);
}

TEST(HardeningWorkerTest, AWorkerStoppedMidDrainHandsOverItsGrayObjects) {
  const barriers::BarrierConfig saved = barriers::InstalledBarrier();
  const Config config{.name = "worker",
                      .kind = BarrierKind::kBuffered,
                      .algorithm = Algorithm::kHybrid,
                      .mode = gc::GcMode::kConcurrent,
                      .stack_scan = gc::StackScanPolicy::kPerMutatorConcurrent,
                      .knobs = {},
                      .sound = true};
  gc::GcConfig gcc = InstallBarrierFor(config, gc::kWbBufDefaultEntries);
  gcc.gogc = -1;  // cycles only on Collect()
  gc::Heap::Init(gcc);
  {
    gc::Collector c(gcc);
    c.Start();
    {
      gc::MutatorScope m(c);
      gc::RootFrame stack(1);
      stack.Set(
          0, reinterpret_cast<uintptr_t>(gc::Allocate(ArrayType(), kFanOut)));
      for (size_t i = 0; i < kFanOut; ++i) {
        const uintptr_t mid = NewNode();
        for (int f = 0; f < gc::testing::kNodeFields; ++f) {
          *gc::testing::FieldSlot(mid, f) = NewNode();  // barrier off
        }
        reinterpret_cast<uintptr_t*>(stack.Get(0))[i] = mid;
      }
      worker_interrupts = 0;
      gc::Collector::SetWorkerInterruptForTesting(
          &InterruptOnceHoldingMoreThanAWorkbuf);
      c.Collect();  // parked: the worker scans this stack
      gc::Collector::SetWorkerInterruptForTesting(nullptr);
    }
    c.Stop();
    EXPECT_EQ(worker_interrupts.load(), 1) << "the worker was not stopped";
    EXPECT_GE(c.cycles_completed(), 1u);
    EXPECT_EQ(c.stats().TotalLost(), 0u);
  }
  EXPECT_TRUE(barriers::InstallBarrier(saved).ok());
}

TEST(HardeningPublishTest, ABarrierThatShadesAtOncePublishesItsWork) {
  for (BarrierKind kind : {BarrierKind::kUnbuffered, BarrierKind::kCgocheck}) {
    Script s(kind, Algorithm::kHybrid,
             gc::StackScanPolicy::kPerMutatorConcurrent);
    gc::Mutator g1(s.c());
    s.Enter(g1);
    {
      gc::RootFrame stack(2);
      const uintptr_t a = NewNode(), d = NewNode();
      stack.Set(0, a);
      stack.Set(1, d);
      s.c().StartCycle();  // by g1's thread: its stack stays unscanned
      s.c().DrainAll();    // the globals; nothing else is reachable yet
      ASSERT_FALSE(IsMarked(d));
      s.Write(a, 0, d);  // shades D (the stack is grey)
      EXPECT_TRUE(IsMarked(d));
      EXPECT_TRUE(s.c().MarkSome(1))
          << barriers::BarrierName(kind) << ": D stayed in the P";
      gc::Safepoint();  // g1 scans its stack
      EXPECT_EQ(s.FinishAndVerify(), 0u);
      EXPECT_EQ(s.c().stats().History().back().termination_retries, 0)
          << barriers::BarrierName(kind);
    }
    g1.Leave();
  }
}

class HardeningScenarioTest : public ScenarioTest {};

TEST_P(HardeningScenarioTest, FreeingAGlobalRangeMidMarkShadesWhatItHeld) {
  for (Algorithm a :
       {Algorithm::kHybrid, Algorithm::kHybridCond, Algorithm::kYuasa}) {
    if (!Runs(a)) continue;
    EXPECT_EQ(FreedGlobalRangeHidesD(kind(), a), 0u)
        << barriers::InfoFor(a).name;
  }
}

TEST_P(HardeningScenarioTest, AMutatorThatExitsMidMarkHandsOverItsBuffer) {
  if (!Runs(Algorithm::kHybrid)) GTEST_SKIP() << "does not run this algorithm";
  EXPECT_EQ(MutatorExitsMidMarkWithDInItsBuffer(kind()), 0u);
}

INSTANTIATE_TEST_SUITE_P(SoundBarriers, HardeningScenarioTest,
                         ::testing::ValuesIn(barriers::SoundBarriers()),
                         KindName);

// Returns the objects lost when g1 hides D in black A's card, after the
// preclean passes (or before them, with `before_preclean`).
uint64_t HideDInABlackCard(BarrierKind kind, bool before_preclean,
                           gc::UnsafeKnobs knobs) {
  Script s(kind, Algorithm::kDijkstra,
           barriers::InfoFor(Algorithm::kDijkstra).stack_scan, knobs);
  gc::Mutator g1(s.c());
  s.Enter(g1);
  uint64_t lost = 0;
  {
    gc::RootFrame stack(2);
    const uintptr_t b = NewNode(), d = NewNode();
    stack.Set(0, b);
    s.Write(b, 0, d);  // the only pointer to D
    s.c().StartCycle();
    gc::Safepoint();                // g1 scans its own stack: B grey, D white
    const uintptr_t a = NewNode();  // allocated black
    stack.Set(1, a);
    EXPECT_TRUE(IsMarked(a));
    EXPECT_FALSE(IsMarked(d));
    if (!before_preclean) {
      EXPECT_EQ(s.c().Preclean(), 0u);  // nothing dirty: the passes end
    }
    s.Write(a, 0, gc::LoadSlot(gc::testing::FieldSlot(b, 0)));  // A -> D
    s.Write(b, 0, 0);                                           // delete B -> D
    EXPECT_TRUE(gc::CardIsDirty(
        reinterpret_cast<uintptr_t>(gc::testing::FieldSlot(a, 0))));
    EXPECT_FALSE(IsMarked(d)) << "the store shaded: not a card barrier";
    lost = s.FinishAndVerify();
  }
  g1.Leave();
  return lost;
}

class CardScenarioTest : public ScenarioTest {};

TEST_P(CardScenarioTest, AStoreAfterThePrecleanIsTheRemarks) {
  EXPECT_EQ(HideDInABlackCard(kind(), /*before_preclean=*/false, {}), 0u);
  EXPECT_EQ(HideDInABlackCard(kind(), /*before_preclean=*/false,
                              {.skip_card_remark = true}),
            1u)
      << "without the remark's card rescan D must be lost";
}

TEST_P(CardScenarioTest, AStoreBeforeThePrecleanIsThePrecleans) {
  EXPECT_EQ(HideDInABlackCard(kind(), /*before_preclean=*/true,
                              {.skip_card_remark = true}),
            0u);
}

INSTANTIATE_TEST_SUITE_P(CardBarriers, CardScenarioTest,
                         ::testing::ValuesIn(barriers::BarriersWhere(
                             [](const barriers::BarrierTraits& t) {
                               return t.cards;
                             })),
                         KindName);

}  // namespace
}  // namespace torture
