// File: tests/torture/article_scenarios_test.cc
//
// The two scenarios behind Go's hybrid write barrier (the proposal
// "Eliminate STW stack re-scanning", golang.org/issue/17503), scripted step
// by step with the manual driver: no collector threads; the test thread is
// the collector and runs the mutators (g1, g2) in turn, so every
// interleaving is exactly the one written here.  Each runs under every real
// barrier kind (unbuffered, buffered, cgocheck, batched), and each sound
// case has an unsound twin that differs only in the algorithm or the
// stack-scan policy and must lose the object: the sound result is not the
// script's doing.
//
// Scenario 1, the deletion (Yuasa) barrier without a full stack snapshot.
//   g1 is parked; the marker scans its stack and blackens C.  g2 is running
//   and its stack not yet scanned; one of its stack slots holds the only
//   pointer to white D.  g2 makes black C point to D (a deletion barrier
//   shades only the old value of C's field) and then drops D from its stack
//   (a stack write: no barrier).  When g2 finally scans its own stack, D is
//   not there, and the only path to D starts at black C: the sweep would
//   free D.  Yuasa's fix is to scan every stack in the start pause; Go's
//   hybrid barrier also shades the new value while the stack is grey.
//
// Scenario 2, the hybrid barrier: a black stack cannot come to hold the only
//   pointer to a white object.  g1's stack is black (scanned at its
//   safepoint).  A stack can only get a pointer by allocating (new objects
//   are black) or by loading it from the heap; and to become the only
//   pointer, the heap edge it was loaded from must then be deleted, which
//   shades the old value.  Scripted: g1 loads B and then D from the heap
//   onto its black stack and deletes B -> D.  With only an insertion
//   (Dijkstra) barrier and no stack rescan, or with no barrier, D is lost.
#include <cstdint>
#include <memory>

#include "barriers/barrier_config.h"
#include "barriers/call_site.h"
#include "barriers/registry.h"
#include "gc/collector.h"
#include "gc/heap.h"
#include "gc/mutator.h"
#include "gc/shadow_stack.h"
#include "gtest/gtest.h"
#include "tests/gc/marker_test_util.h"
#include "tests/torture/script.h"

namespace torture {
namespace {

using barriers::Algorithm;
using barriers::BarrierKind;
using gc::StackScanPolicy;
using gc::testing::FieldSlot;
using gc::testing::IsMarked;

// Scenario 1 under (kind, algorithm, policy); returns the lost objects.
uint64_t BlackCGetsWhiteDFromAGreyStack(BarrierKind kind, Algorithm algorithm,
                                        StackScanPolicy policy) {
  Script s(kind, algorithm, policy);
  gc::Mutator g1(s.c()), g2(s.c());
  s.Enter(g1);
  auto g1_stack = std::make_unique<gc::RootFrame>(1);
  const uintptr_t c = NewNode();
  g1_stack->Set(0, c);
  g1.Leave();  // parked: the marker scans g1's stack
  s.Enter(g2);
  auto g2_stack = std::make_unique<gc::RootFrame>(1);
  const uintptr_t d = NewNode();
  g2_stack->Set(0, d);  // the only pointer to D

  s.c().StartCycle();  // by g2's thread; g2 keeps running, unscanned
  s.c().DrainAll();    // the marker scans parked g1: C black
  EXPECT_TRUE(IsMarked(c));
  s.Write(c, 0, d);     // black C -> white D
  g2_stack->Set(0, 0);  // g2 drops D from its stack: no barrier
  gc::Safepoint();      // g2 scans its own stack now: no D there
  const uint64_t lost = s.FinishAndVerify();

  g2_stack.reset();
  g2.Leave();
  s.Enter(g1);
  g1_stack.reset();
  g1.Leave();
  return lost;
}

// Scenario 2 under (kind, algorithm, policy, knobs); returns the lost objects.
uint64_t BlackStackLoadsWhiteDAndTheHeapEdgeIsDeleted(
    BarrierKind kind, Algorithm algorithm, StackScanPolicy policy,
    gc::UnsafeKnobs knobs = {}) {
  Script s(kind, algorithm, policy, knobs);
  gc::Mutator g1(s.c());
  s.Enter(g1);
  gc::RootFrame g1_stack(3);
  const uintptr_t a = NewNode(), b = NewNode(), d = NewNode();
  g1_stack.Set(0, a);
  s.Write(a, 0, b);  // A -> B -> D, all in the heap
  s.Write(b, 0, d);

  s.c().StartCycle();
  gc::Safepoint();  // g1 scans its own stack: black; A grey; B, D white
  EXPECT_TRUE(g1.g()->stack_black.load());
  EXPECT_FALSE(IsMarked(d));
  g1_stack.Set(1, barriers::LoadPlain(FieldSlot(a, 0)));  // B onto the stack
  g1_stack.Set(2, barriers::LoadPlain(FieldSlot(b, 0)));  // D onto the stack
  s.Write(b, 0, 0);  // delete B -> D: the black stack holds the only pointer
  const uint64_t lost = s.FinishAndVerify();
  g1.Leave();
  return lost;
}

class ArticleScenarioTest : public ScenarioTest {};

// --- Scenario 1 --------------------------------------------------------------

TEST_P(ArticleScenarioTest, DeletionBarrierWithoutStackSnapshotLosesD) {
  if (!Runs(Algorithm::kYuasa)) GTEST_SKIP() << "does not run this algorithm";
  EXPECT_EQ(
      BlackCGetsWhiteDFromAGreyStack(kind(), Algorithm::kYuasa,
                                     StackScanPolicy::kPerMutatorConcurrent),
      1u);
}

TEST_P(ArticleScenarioTest, DeletionBarrierWithStartSnapshotKeepsD) {
  if (!Runs(Algorithm::kYuasa)) GTEST_SKIP() << "does not run this algorithm";
  EXPECT_EQ(BlackCGetsWhiteDFromAGreyStack(kind(), Algorithm::kYuasa,
                                           StackScanPolicy::kStwAtStart),
            0u);
}

TEST_P(ArticleScenarioTest, HybridBarrierShadesDWhileTheStackIsGrey) {
  for (Algorithm a : {Algorithm::kHybrid, Algorithm::kHybridCond}) {
    if (!Runs(a)) continue;
    EXPECT_EQ(BlackCGetsWhiteDFromAGreyStack(
                  kind(), a, StackScanPolicy::kPerMutatorConcurrent),
              0u)
        << barriers::InfoFor(a).name;
  }
}

// --- Scenario 2 --------------------------------------------------------------

TEST_P(ArticleScenarioTest, HybridBarrierBlackStackNeverHoldsTheOnlyPointer) {
  for (Algorithm a : {Algorithm::kHybrid, Algorithm::kHybridCond}) {
    if (!Runs(a)) continue;
    EXPECT_EQ(BlackStackLoadsWhiteDAndTheHeapEdgeIsDeleted(
                  kind(), a, StackScanPolicy::kPerMutatorConcurrent),
              0u)
        << barriers::InfoFor(a).name;
  }
}

TEST_P(ArticleScenarioTest,
       InsertionBarrierWithoutRescanLetsTheBlackStackHideD) {
  if (!Runs(Algorithm::kDijkstra))
    GTEST_SKIP() << "does not run this algorithm";
  EXPECT_EQ(
      BlackStackLoadsWhiteDAndTheHeapEdgeIsDeleted(
          kind(), Algorithm::kDijkstra, StackScanPolicy::kPerMutatorConcurrent),
      1u);
}

TEST_P(ArticleScenarioTest, InsertionBarrierWithTerminationRescanFindsD) {
  if (!Runs(Algorithm::kDijkstra))
    GTEST_SKIP() << "does not run this algorithm";
  EXPECT_EQ(
      BlackStackLoadsWhiteDAndTheHeapEdgeIsDeleted(
          kind(), Algorithm::kDijkstra, StackScanPolicy::kRescanAtTermination),
      0u);
}

INSTANTIATE_TEST_SUITE_P(SoundBarriers, ArticleScenarioTest,
                         ::testing::ValuesIn(barriers::SoundBarriers()),
                         KindName);

TEST(ArticleScenarioNoBarrierTest, WithoutAnyBarrierTheBlackStackHidesD) {
  EXPECT_EQ(BlackStackLoadsWhiteDAndTheHeapEdgeIsDeleted(
                BarrierKind::kNone, Algorithm::kHybrid,
                StackScanPolicy::kPerMutatorConcurrent,
                {.barrier_off_during_mark = true}),
            1u);
}

TEST(ArticleScenarioNoBarrierTest, WithoutAnyBarrierGreyStackHidesDInBlackC) {
  EXPECT_EQ(
      BlackCGetsWhiteDFromAGreyStack(BarrierKind::kNone, Algorithm::kHybrid,
                                     StackScanPolicy::kPerMutatorConcurrent),
      1u);
}

}  // namespace
}  // namespace torture
