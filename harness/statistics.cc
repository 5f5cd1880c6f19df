#include "harness/statistics.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace harness {
namespace {

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

// The q-quantile of sorted s by linear interpolation (numpy's default).
double SortedQuantile(const std::vector<double>& s, double q) {
  const double pos = q * static_cast<double>(s.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, s.size() - 1);
  return s[lo] + (pos - static_cast<double>(lo)) * (s[hi] - s[lo]);
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

uint64_t SplitMix64(uint64_t seed, uint64_t k) {
  uint64_t z = seed + k * 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
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
  // scipy uses the larger of U1 and U2 = n1 n2 - U1 and doubles its
  // survival function.
  const double u = std::max(u1, n1 * n2 - u1);
  if (!ties && std::min(n1, n2) <= static_cast<size_t>(kExactUTestMaxSamples)) {
    // c[i][v]: orders of i of the m smaller side's and j of the other side's
    // samples with U == v, for j = 0, 1, ..., k in turn: the largest sample
    // is either from the other side (U as with j - 1) or from the smaller
    // side (it beats all j).
    const size_t m = std::min(n1, n2), k = std::max(n1, n2), umax = m * k;
    std::vector<std::vector<double>> c(m + 1, std::vector<double>(umax + 1));
    for (auto& row : c) row[0] = 1;
    for (size_t j = 1; j <= k; ++j) {
      for (size_t i = 1; i <= m; ++i) {
        for (size_t v = i * j; v >= j; --v) c[i][v] += c[i - 1][v - j];
      }
    }
    double total = 0;
    for (double x : c[m]) total += x;
    // P(U >= u) = P(U <= umax - u) by symmetry, summed from the left as
    // scipy does.
    const size_t top = umax - static_cast<size_t>(u);
    double sf = 0;
    for (size_t v = 0; v <= top; ++v) sf += c[m][v] / total;
    return std::clamp(2 * sf, 0.0, 1.0);
  }
  const double var = n1 * n2 / 12.0 *
                     ((n + 1) - tie_term / (static_cast<double>(n) * (n - 1)));
  if (var <= 0) return 1;  // all tied
  const double z = (u - mu - 0.5) / std::sqrt(var);
  return std::clamp(std::erfc(z / std::sqrt(2.0)), 0.0, 1.0);
}

Comparison Compare(const std::vector<double>& a, const std::vector<double>& b) {
  Comparison c;
  const size_t na = a.size(), nb = b.size();
  c.too_few_samples =
      std::min(na, nb) < static_cast<size_t>(kMinSamplesForUTest);
  if (na == 0 || nb == 0) return c;
  if (!c.too_few_samples) {
    c.p_value = MannWhitneyUPValue(a, b);
    c.significant = *c.p_value < kAlpha;
  }
  const double med_a = Median(a), med_b = Median(b);
  if (!(med_a > 0 && med_b > 0)) return c;
  c.ratio = med_a / med_b;
  if (std::min(na, nb) < static_cast<size_t>(kMinSamplesForMedianCi)) return c;
  std::vector<double> ratios(kBootstrapResamples), ra(na), rb(nb);
  uint64_t k = 0;
  for (double& r : ratios) {
    for (double& x : ra) x = a[SplitMix64(kBootstrapSeed, ++k) % na];
    for (double& x : rb) x = b[SplitMix64(kBootstrapSeed, ++k) % nb];
    const double ma = Median(ra), mb = Median(rb);
    if (!(ma > 0 && mb > 0)) return c;
    r = ma / mb;
  }
  std::sort(ratios.begin(), ratios.end());
  c.ratio_ci_low = SortedQuantile(ratios, kAlpha / 2);
  c.ratio_ci_high = SortedQuantile(ratios, 1 - kAlpha / 2);
  return c;
}

}  // namespace harness
