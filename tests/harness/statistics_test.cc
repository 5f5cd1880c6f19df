// The statistics against values computed independently with scipy 1.10
// (scipy.stats.mannwhitneyu, default "auto" method) and by hand.
#include "harness/statistics.h"

#include "gtest/gtest.h"

namespace harness {
namespace {

TEST(StatisticsTest, MedianMinAndOrderStatisticCi) {
  Summary s = Summarize({5, 1, 4, 2, 3, 9, 8, 7, 6, 10});
  EXPECT_EQ(s.n, 10);
  EXPECT_DOUBLE_EQ(s.median, 5.5);
  EXPECT_DOUBLE_EQ(s.min, 1);
  // n=10: P(X<=1)=11/1024 keeps coverage >= 95% at k=2, not at k=3.
  ASSERT_TRUE(s.ci_low && s.ci_high);
  EXPECT_DOUBLE_EQ(*s.ci_low, 2);
  EXPECT_DOUBLE_EQ(*s.ci_high, 9);
}

// Order statistics of benchstat's interval (go-moremath QuantileCI), as
// analysis/wbstats.py computes them with scipy: asymmetric, left-biased.
TEST(StatisticsTest, CiOrdersMatchBenchstat) {
  const std::pair<int, std::pair<int, int>> kCases[] = {
      {7, {1, 7}},  {8, {1, 7}},   {9, {2, 8}},
      {11, {2, 9}}, {12, {3, 10}}, {20, {6, 15}}};
  for (const auto& [n, orders] : kCases) {
    std::vector<double> x;
    for (int i = 1; i <= n; ++i) x.push_back(i);
    Summary s = Summarize(x);
    ASSERT_TRUE(s.ci_low.has_value()) << n;
    EXPECT_EQ(*s.ci_low, orders.first) << n;
    EXPECT_EQ(*s.ci_high, orders.second) << n;
  }
}

TEST(StatisticsTest, SixSamplesGiveTheFullRangeFiveGiveNoCi) {
  Summary six = Summarize({3, 1, 2, 6, 5, 4});
  ASSERT_TRUE(six.ci_low.has_value());
  EXPECT_DOUBLE_EQ(*six.ci_low, 1);
  EXPECT_DOUBLE_EQ(*six.ci_high, 6);
  EXPECT_FALSE(Summarize({1, 2, 3, 4, 5}).ci_low.has_value());
}

TEST(StatisticsTest, MannWhitneyMatchesScipy) {
  EXPECT_NEAR(MannWhitneyUPValue({1, 2, 3, 4, 5}, {6, 7, 8, 9, 10}),
              0.007936507936507936, 1e-12);  // exact
  EXPECT_NEAR(MannWhitneyUPValue({1.1, 2.3, 0.7}, {4.4, 3.3, 5.1, 2.0}),
              0.11428571428571428, 1e-12);  // exact, unequal sizes
  EXPECT_NEAR(MannWhitneyUPValue(
                  {1, 2, 3, 4, 5, 6, 7, 8, 9, 10},
                  {5.5, 6.5, 7.5, 8.5, 9.5, 10.5, 11.5, 12.5, 13.5, 14.5}),
              0.009108496398030965, 1e-9);  // normal approximation
  EXPECT_NEAR(MannWhitneyUPValue({1, 2, 2, 3, 4, 5, 6, 7, 8},
                                 {2, 3, 4, 5, 6, 7, 8, 9, 9}),
              0.18282241456253878, 1e-9);  // ties
}

TEST(StatisticsTest, CompareRatioIntervalAndSignificance) {
  std::vector<double> slow = {40, 41, 39, 42, 40, 43, 38, 41, 40, 42};
  std::vector<double> fast = {10, 11, 10, 9, 10, 12, 10, 11, 9, 10};
  Comparison c = Compare(slow, fast);
  EXPECT_NEAR(c.ratio, 40.5 / 10, 1e-12);
  ASSERT_TRUE(c.ratio_ci_low && c.ratio_ci_high);
  EXPECT_LE(*c.ratio_ci_low, c.ratio);
  EXPECT_GE(*c.ratio_ci_high, c.ratio);
  EXPECT_TRUE(c.significant);
  EXPECT_FALSE(Compare(slow, slow).significant);
  Comparison few = Compare({1, 2, 3}, {4, 5, 6});
  EXPECT_TRUE(few.too_few_samples);
  EXPECT_FALSE(few.p_value.has_value());
}

}  // namespace
}  // namespace harness
