// File: harness/statistics.h
//
// The statistics wbbench prints: median with a distribution-free 95%
// confidence interval (order statistics, as Go's benchstat), the minimum, the
// ratio of two medians with a bootstrap interval, and the two-sided
// Mann-Whitney U test that Google Benchmark's compare.py and benchstat use to
// call a difference significant.
//
// analysis/wbstats.py computes the same numbers from the same samples (the
// results tables); tests/analysis/fixtures/statistics.txt holds cases both
// are checked against, so neither can drift.  The shared definition:
//
// * Ratio: median(a) / median(b), only when both medians are positive.
// * Its interval: with at least kMinSamplesForMedianCi samples a side,
//   kBootstrapResamples percentile-bootstrap resamples drawn with splitmix64
//   seeded kBootstrapSeed.  The k-th output (k = 1, 2, ...) of the generator
//   is mix(seed + k * 0x9e3779b97f4a7c15) (mod 2^64); resample r takes
//   outputs r*(na+nb)+1 .. r*(na+nb)+na as indices (output % na) into a,
//   then the next nb as indices (output % nb) into b.  No interval unless
//   every resampled median of a and of b is positive.  The bounds are the
//   kAlpha/2 and 1-kAlpha/2 quantiles of the sorted resampled ratios r[0..R)
//   by linear interpolation: pos = q * (R - 1), lo = floor(pos),
//   r[lo] + (pos - lo) * (r[min(lo + 1, R - 1)] - r[lo]).
// * U test: with at least kMinSamplesForUTest samples a side, as
//   scipy.stats.mannwhitneyu (scipy 1.10, method "auto", two-sided): exact
//   null distribution when there are no ties and min(na, nb) <= 8, otherwise
//   the normal approximation with tie and continuity correction.
//
// The machines this runs on are noisy; comparisons are only made between
// samples taken interleaved in one run.  All functions are pure.
#ifndef WBBENCH_HARNESS_STATISTICS_H_
#define WBBENCH_HARNESS_STATISTICS_H_

#include <cstdint>
#include <optional>
#include <vector>

namespace harness {

// Two-sided significance level, as compare.py and benchstat.
inline constexpr double kAlpha = 0.05;
// Fewer samples than this per side cannot reach p < 0.05 in a U test
// (benchstat's advice); compare.py warns below 9.
inline constexpr int kMinSamplesForUTest = 4;
// The order-statistic CI of a median at 95% needs at least 6 samples
// (fewer cannot reach 95% coverage; no interval is given then).  The ratio's
// bootstrap interval needs as many a side.
inline constexpr int kMinSamplesForMedianCi = 6;
// The ratio's bootstrap (analysis/wbstats.py's BOOTSTRAP_RESAMPLES and
// BOOTSTRAP_SEED; the seed is the date of the Go CL that introduced the
// buffered barrier).
inline constexpr int kBootstrapResamples = 10000;
inline constexpr uint64_t kBootstrapSeed = 20171026;
// scipy's "auto" method is exact (without ties) when a side has at most
// this many samples.
inline constexpr int kExactUTestMaxSamples = 8;

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
  // median(a) / median(b); absent unless both medians are positive.
  std::optional<double> ratio;
  // Absent with fewer than kMinSamplesForMedianCi samples a side or when a
  // resampled median is not positive.
  std::optional<double> ratio_ci_low, ratio_ci_high;
  // Two-sided Mann-Whitney U p-value; absent with too few samples.
  std::optional<double> p_value;
  bool significant = false;
  bool too_few_samples = false;  // for the U test
};

// Compares a against b (ratio a/b), as the header comment defines.
Comparison Compare(const std::vector<double>& a, const std::vector<double>& b);

// Two-sided Mann-Whitney U p-value, as the header comment defines (any
// sizes; 1 when a side is empty).
double MannWhitneyUPValue(const std::vector<double>& a,
                          const std::vector<double>& b);

// The k-th output (k >= 1) of splitmix64 started at `seed`.
uint64_t SplitMix64(uint64_t seed, uint64_t k);

}  // namespace harness

#endif  // WBBENCH_HARNESS_STATISTICS_H_
