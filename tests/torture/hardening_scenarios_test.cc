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
#include <cstdint>
#include <memory>
#include <string>

#include "barriers/algorithm.h"
#include "barriers/barrier_kind.h"
#include "gc/globals.h"
#include "gc/mutator.h"
#include "gc/shadow_stack.h"
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

class HardeningScenarioTest : public ScenarioTest {};

TEST_P(HardeningScenarioTest, FreeingAGlobalRangeMidMarkShadesWhatItHeld) {
  for (Algorithm a :
       {Algorithm::kHybrid, Algorithm::kHybridCond, Algorithm::kYuasa}) {
    EXPECT_EQ(FreedGlobalRangeHidesD(kind(), a), 0u)
        << barriers::InfoFor(a).name;
  }
}

INSTANTIATE_TEST_SUITE_P(SoundBarriers, HardeningScenarioTest,
                         ::testing::ValuesIn(RealBarrierKinds()), KindName);

}  // namespace
}  // namespace torture
