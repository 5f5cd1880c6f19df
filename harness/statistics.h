// File: harness/statistics.h
//
// The statistics wbbench prints: median with a distribution-free 95%
// confidence interval (order statistics, as Go's benchstat), the minimum, the
// ratio of two medians with a bootstrap interval, and the two-sided
// Mann-Whitney U test that Google Benchmark's compare.py and benchstat use to
// call a difference significant.
//
// The machines this runs on are noisy; comparisons are only made between
// samples taken interleaved in one run.  All functions are pure.
#ifndef WBBENCH_HARNESS_STATISTICS_H_
#define WBBENCH_HARNESS_STATISTICS_H_

#include <optional>
#include <vector>

namespace harness {

// Two-sided significance level, as compare.py and benchstat.
inline constexpr double kAlpha = 0.05;
// Fewer samples than this per side cannot reach p < 0.05 in a U test
// (benchstat's advice); compare.py warns below 9.
inline constexpr int kMinSamplesForUTest = 4;
// The order-statistic CI of a median at 95% needs at least 6 samples
// (fewer cannot reach 95% coverage; no interval is given then).
inline constexpr int kMinSamplesForMedianCi = 6;

struct Summary {
  int n = 0;
  double median = 0;
  double min = 0;
  double mean = 0;
  double stddev = 0;
  // 95% CI of the median; absent with fewer than kMinSamplesForMedianCi.
  std::optional<double> ci_low, ci_high;
};

Summary Summarize(std::vector<double> samples);

struct Comparison {
  double ratio = 0;  // median(a) / median(b)
  std::optional<double> ratio_ci_low, ratio_ci_high;
  // Two-sided Mann-Whitney U p-value; absent with too few samples.
  std::optional<double> p_value;
  bool significant = false;
  bool too_few_samples = false;
};

// Compares a against b (ratio a/b).  The bootstrap uses a fixed seed so the
// same samples always give the same interval.
Comparison Compare(const std::vector<double>& a, const std::vector<double>& b);

// Two-sided Mann-Whitney U p-value: exact for small samples without ties,
// normal approximation with tie and continuity correction otherwise (as
// scipy.stats.mannwhitneyu's "auto" method).
double MannWhitneyUPValue(const std::vector<double>& a,
                          const std::vector<double>& b);

}  // namespace harness

#endif  // WBBENCH_HARNESS_STATISTICS_H_
