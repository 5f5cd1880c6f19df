// The statistics against values computed independently with scipy 1.10
// (scipy.stats.mannwhitneyu, default "auto" method) and by hand.
#include "harness/statistics.h"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "subprocess.h"

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
  ASSERT_TRUE(c.ratio.has_value());
  EXPECT_NEAR(*c.ratio, 40.5 / 10, 1e-12);
  ASSERT_TRUE(c.ratio_ci_low && c.ratio_ci_high);
  EXPECT_LE(*c.ratio_ci_low, *c.ratio);
  EXPECT_GE(*c.ratio_ci_high, *c.ratio);
  EXPECT_TRUE(c.significant);
  EXPECT_FALSE(Compare(slow, slow).significant);
  Comparison few = Compare({1, 2, 3}, {4, 5, 6});
  EXPECT_TRUE(few.too_few_samples);
  EXPECT_FALSE(few.p_value.has_value());
}

TEST(StatisticsTest, SplitMix64KnownOutputs) {
  // The reference generator's first outputs from seed 0.
  EXPECT_EQ(SplitMix64(0, 1), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(SplitMix64(0, 2), 0x6e789e6aa1b965f4ULL);
  EXPECT_EQ(SplitMix64(0, 3), 0x06c45d188009454fULL);
}

TEST(StatisticsTest, NoRatioForNonPositiveMedians) {
  Comparison c = Compare({-1, -2, 0, 0, 1, -3}, {1, 2, 3, 4, 5, 6});
  EXPECT_FALSE(c.ratio.has_value());
  EXPECT_FALSE(c.ratio_ci_low.has_value());
  EXPECT_TRUE(c.p_value.has_value());
}

// One case of tests/analysis/fixtures/statistics.txt: samples and what
// analysis/wbstats.py computed from them.
struct FixtureCase {
  std::string name;
  std::map<std::string, std::vector<std::optional<double>>> fields;
};

std::vector<FixtureCase> ReadFixture(const std::string& path) {
  std::ifstream in(path);
  std::vector<FixtureCase> cases;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream words(line);
    std::string key, word;
    words >> key;
    if (key == "case") {
      cases.emplace_back();
      words >> cases.back().name;
      continue;
    }
    if (cases.empty()) continue;
    auto& values = cases.back().fields[key];
    while (words >> word) {
      values.push_back(word == "none" ? std::nullopt
                                      : std::optional(std::stod(word)));
    }
  }
  return cases;
}

std::vector<double> Samples(const std::vector<std::optional<double>>& v) {
  std::vector<double> out;
  for (const auto& x : v) out.push_back(x.value());
  return out;
}

// Both absent, or both present and equal to the relative tolerance `rel`.
// The medians (rel 0), the ratio and its bootstrap interval are the same
// operations in the same order on both sides and agree to the last bit; the
// tolerance allows for a compiler contracting a multiply-add.  The exact
// p-values agree to the last bit too; the normal approximation's differ
// from scipy's in the last few bits (erfc against scipy's ndtr).
void ExpectSame(std::optional<double> cc, std::optional<double> py, double rel,
                const std::string& what) {
  ASSERT_EQ(cc.has_value(), py.has_value())
      << what << ": C++ " << (cc ? std::to_string(*cc) : "none") << ", wbstats "
      << (py ? std::to_string(*py) : "none");
  if (cc) {
    EXPECT_NEAR(*cc, *py, rel * std::abs(*py)) << what;
  }
}

// The console's statistics are analysis/wbstats.py's: the same samples give
// the same medians, intervals, ratio and p-value.  test_wbstats.py checks
// that wbstats still computes what the fixture says.
TEST(StatisticsTest, MatchesWbstatsFixture) {
  // Beside this file (CMake compiles it by its absolute path), unless CTest
  // names the source tree.
  std::string here = __FILE__;
  here = here.substr(0, here.rfind('/'));  // tests/harness
  const std::string source = std::getenv("WBBENCH_SOURCE_DIR")
                                 ? testing_util::SourceDir()
                                 : here + "/../..";
  const std::string path = source + "/tests/analysis/fixtures/statistics.txt";
  std::vector<FixtureCase> cases = ReadFixture(path);
  ASSERT_GE(cases.size(), 10u) << path;
  for (const FixtureCase& fc : cases) {
    SCOPED_TRACE(fc.name);
    const auto& f = fc.fields;
    ASSERT_EQ(f.size(), 7u);
    std::vector<double> a = Samples(f.at("a")), b = Samples(f.at("b"));
    for (const auto& [side, samples] :
         {std::pair{"summary_a", a}, std::pair{"summary_b", b}}) {
      Summary s = Summarize(samples);
      const auto& want = f.at(side);
      ASSERT_EQ(want.size(), 3u);
      ExpectSame(s.median, want[0], 0, std::string(side) + " median");
      ExpectSame(s.ci_low, want[1], 0, std::string(side) + " ci_low");
      ExpectSame(s.ci_high, want[2], 0, std::string(side) + " ci_high");
    }
    Comparison c = Compare(a, b);
    ExpectSame(c.ratio, f.at("ratio").at(0), 1e-12, "ratio");
    ExpectSame(c.ratio_ci_low, f.at("ratio_ci").at(0), 1e-12, "ratio_ci low");
    ExpectSame(c.ratio_ci_high, f.at("ratio_ci").at(1), 1e-12, "ratio_ci high");
    ExpectSame(c.p_value, f.at("p").at(0), 1e-9, "p");
  }
}

}  // namespace
}  // namespace harness
