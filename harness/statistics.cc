#include "harness/statistics.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

namespace harness {
namespace {

// Resamples for the ratio interval: 2000 keeps the 2.5th/97.5th percentile
// estimates stable to a few tenths of a percent and costs microseconds.
constexpr int kBootstrapResamples = 2000;
constexpr uint64_t kBootstrapSeed = 0x5eed;
// scipy's "auto" method uses the exact U distribution below this size.
constexpr size_t kExactUTestLimit = 8;

double SortedMedian(const std::vector<double>& s) {
  size_t n = s.size();
  return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

double Median(std::vector<double> s) {
  std::sort(s.begin(), s.end());
  return SortedMedian(s);
}

// P(X == k) for X ~ Binomial(n, 1/2); 0 outside [0, n].
double BinomialPmfHalf(int n, int k) {
  if (k < 0 || k > n) return 0;
  return std::exp(std::lgamma(n + 1.0) - std::lgamma(k + 1.0) -
                  std::lgamma(n - k + 1.0) + n * std::log(0.5));
}

// benchstat's QuantileCI for the median (go-moremath stats): starting from
// the mode of Binomial(n, 1/2), add the more probable neighbouring bucket
// (the left one on a tie) until the coverage reaches 1 - alpha.  Buckets
// [left, right) bound the interval by order statistics left..right
// (1-based); analysis/wbstats.py computes the same.
std::optional<std::pair<int, int>> MedianCiOrders(int n) {
  const int mode = static_cast<int>(std::ceil((n + 1) * 0.5)) - 1;
  double accum = BinomialPmfHalf(n, mode);
  int left = mode, right = mode + 1;
  while (accum < 1 - kAlpha) {
    double lp = BinomialPmfHalf(n, left - 1), rp = BinomialPmfHalf(n, right);
    if (lp <= 0 && rp <= 0) break;
    if (lp >= rp || std::abs(lp - rp) <= 1e-12 * std::max(lp, rp)) {
      accum += lp;
      --left;
    } else {
      accum += rp;
      ++right;
    }
  }
  if (left < 1 || right > n) return std::nullopt;
  return std::pair{left, right};
}

double Percentile(std::vector<double>& s, double q) {
  std::sort(s.begin(), s.end());
  double pos = q * (s.size() - 1);
  size_t lo = static_cast<size_t>(std::floor(pos));
  size_t hi = std::min(lo + 1, s.size() - 1);
  return s[lo] + (pos - lo) * (s[hi] - s[lo]);
}

}  // namespace

Summary Summarize(std::vector<double> samples) {
  Summary s;
  s.n = static_cast<int>(samples.size());
  if (samples.empty()) return s;
  std::sort(samples.begin(), samples.end());
  s.median = SortedMedian(samples);
  s.min = samples.front();
  s.mean = std::accumulate(samples.begin(), samples.end(), 0.0) / s.n;
  double ss = 0;
  for (double x : samples) ss += (x - s.mean) * (x - s.mean);
  s.stddev = s.n > 1 ? std::sqrt(ss / (s.n - 1)) : 0;
  if (auto orders = MedianCiOrders(s.n)) {
    s.ci_low = samples[orders->first - 1];
    s.ci_high = samples[orders->second - 1];
  }
  return s;
}

double MannWhitneyUPValue(const std::vector<double>& a,
                          const std::vector<double>& b) {
  const size_t n1 = a.size(), n2 = b.size(), n = n1 + n2;
  if (n1 == 0 || n2 == 0) return 1;
  // Ranks with ties averaged.
  std::vector<std::pair<double, int>> all;
  for (double x : a) all.push_back({x, 0});
  for (double x : b) all.push_back({x, 1});
  std::sort(all.begin(), all.end());
  double r1 = 0, tie_term = 0;
  bool ties = false;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && all[j].first == all[i].first) ++j;
    double rank = (i + 1 + j) / 2.0;  // average of ranks i+1..j
    for (size_t k = i; k < j; ++k) {
      if (all[k].second == 0) r1 += rank;
    }
    double t = static_cast<double>(j - i);
    if (t > 1) ties = true;
    tie_term += t * t * t - t;
    i = j;
  }
  const double u1 = r1 - n1 * (n1 + 1) / 2.0;
  const double mu = n1 * n2 / 2.0;
  if (!ties && n1 < kExactUTestLimit && n2 < kExactUTestLimit) {
    // counts[i][j][u]: arrangements of i a's and j b's with U == u, built by
    // the recurrence on whether the largest element is an a or a b.
    const size_t umax = n1 * n2;
    std::vector<std::vector<std::vector<double>>> c(
        n1 + 1, std::vector<std::vector<double>>(
                    n2 + 1, std::vector<double>(umax + 1, 0)));
    for (size_t i = 0; i <= n1; ++i) {
      for (size_t j = 0; j <= n2; ++j) {
        if (i == 0 || j == 0) {
          c[i][j][0] = 1;
          continue;
        }
        for (size_t u = 0; u <= i * j; ++u) {
          double v = c[i][j - 1][u];            // largest is a b: no a beats it
          if (u >= j) v += c[i - 1][j][u - j];  // largest is an a: beats j
          c[i][j][u] = v;
        }
      }
    }
    double total = 0, le = 0, ge = 0;
    for (size_t u = 0; u <= umax; ++u) {
      total += c[n1][n2][u];
      if (u <= u1) le += c[n1][n2][u];
      if (u >= u1) ge += c[n1][n2][u];
    }
    return std::min(1.0, 2 * std::min(le, ge) / total);
  }
  const double var = n1 * n2 / 12.0 *
                     ((n + 1) - tie_term / (static_cast<double>(n) * (n - 1)));
  if (var <= 0) return 1;
  const double z = std::max(0.0, std::abs(u1 - mu) - 0.5) / std::sqrt(var);
  return std::min(1.0, std::erfc(z / std::sqrt(2.0)));
}

Comparison Compare(const std::vector<double>& a, const std::vector<double>& b) {
  Comparison c;
  if (a.empty() || b.empty()) {
    c.too_few_samples = true;
    return c;
  }
  c.ratio = Median(a) / Median(b);
  c.too_few_samples =
      static_cast<int>(std::min(a.size(), b.size())) < kMinSamplesForUTest;
  if (c.too_few_samples) return c;
  c.p_value = MannWhitneyUPValue(a, b);
  c.significant = *c.p_value < kAlpha;
  std::mt19937_64 rng(kBootstrapSeed);
  std::vector<double> ratios, ra(a.size()), rb(b.size());
  std::uniform_int_distribution<size_t> pick_a(0, a.size() - 1);
  std::uniform_int_distribution<size_t> pick_b(0, b.size() - 1);
  for (int i = 0; i < kBootstrapResamples; ++i) {
    for (double& x : ra) x = a[pick_a(rng)];
    for (double& x : rb) x = b[pick_b(rng)];
    ratios.push_back(Median(ra) / Median(rb));
  }
  c.ratio_ci_low = Percentile(ratios, kAlpha / 2);
  c.ratio_ci_high = Percentile(ratios, 1 - kAlpha / 2);
  return c;
}

}  // namespace harness
