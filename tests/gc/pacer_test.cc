// File: tests/gc/pacer_test.cc
#include "gc/pacer.h"

#include "gtest/gtest.h"

namespace gc {
namespace {

TEST(PacerTest, GoalIsGogcPercentOverTheMarkedHeap) {
  Pacer p(100);
  p.Plan(uint64_t{64} << 20);
  EXPECT_EQ(p.goal(), uint64_t{128} << 20);
  EXPECT_GT(p.trigger(), uint64_t{64} << 20);
  EXPECT_LT(p.trigger(), p.goal());
  EXPECT_GT(p.hard_goal(), p.goal());
  Pacer half(50);
  half.Plan(uint64_t{64} << 20);
  EXPECT_EQ(half.goal(), uint64_t{96} << 20);
}

TEST(PacerTest, SmallHeapsUseTheMinimum) {
  Pacer p(100);
  p.Plan(1000);
  EXPECT_EQ(p.goal(), 2 * kMinHeapBytes);
}

TEST(PacerTest, OffNeverTriggers) {
  Pacer p(-1);
  p.Plan(uint64_t{1} << 30);
  EXPECT_TRUE(p.Off());
  EXPECT_GT(p.trigger(), uint64_t{1} << 50);
}

TEST(PacerTest, AssistRatioGrowsAsTheRunwayShrinks) {
  Pacer p(100);
  p.Plan(uint64_t{64} << 20);
  p.StartCycle(uint64_t{70} << 20);
  const double early = p.assist_ratio();
  p.StartCycle(uint64_t{120} << 20);
  EXPECT_GT(p.assist_ratio(), early);
  EXPECT_GT(early, 0.0);
}

}  // namespace
}  // namespace gc
