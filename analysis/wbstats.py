"""Statistics for the results table: medians, their CIs, ratios, U tests.

Everything here is a pure function of its samples, so the table is the same
every time it is regenerated:

* median_ci: the distribution-free 95% confidence interval of a median from
  order statistics, chosen exactly as Go's benchstat does (go-moremath
  stats.QuantileCI: accumulate binomial probabilities outward from the mode,
  ties broken to the left), with the binomial from scipy.stats.binom.  It
  needs at least 6 samples at 95%; with fewer there is no interval.
* ratio_ci: the ratio of two medians with a percentile bootstrap interval
  (splitmix64 with a fixed seed, as harness/statistics.cc: see there for the
  exact definition), defined only when every resampled median is positive.
* u_test: the two-sided Mann-Whitney U test (scipy.stats.mannwhitneyu), as
  Google Benchmark's compare.py and benchstat use to call a difference
  significant at alpha = 0.05; it needs at least 4 samples a side to reach
  p < 0.05.

benchstat switches to a normal approximation above 30 samples; this module
sums the exact binomial for every n, which can only make the interval's
stated coverage more accurate.

The console report (harness/statistics.{h,cc}) computes the same medians,
intervals, ratios and p-values from the same samples, to the last bit for
the bootstrap and to 1e-9 for the p-values: the cases in
tests/analysis/fixtures/statistics.txt are what this module computes
(tests/analysis/test_wbstats.py regenerates and compares them) and what the
C++ computes (tests/harness/statistics_test.cc reads them).
"""

import math
import warnings
from dataclasses import dataclass
from typing import Optional, Sequence, Tuple

import numpy as np
from scipy import stats

CONFIDENCE = 0.95
ALPHA = 0.05
# The smallest n for which the order-statistic CI of a median reaches 95%
# coverage: [x(1), x(6)] covers 1 - 2/64 = 96.9%; with 5 samples the widest
# interval covers only 1 - 2/32 = 93.8%.
MIN_SAMPLES_FOR_CI = 6
# Below 4 samples a side the two-sided U test cannot reach p < 0.05
# (the smallest p with 4+4 is 2/70 = 0.029; with 3+3 it is 0.1).
MIN_SAMPLES_FOR_U_TEST = 4
# The bootstrap is seeded so that the table is reproducible byte for byte.
# (The date of the Go CL that introduced the buffered barrier.)  Both are
# harness/statistics.h's kBootstrapSeed and kBootstrapResamples.
BOOTSTRAP_SEED = 20171026
BOOTSTRAP_RESAMPLES = 10000
# splitmix64's increment and multipliers (Steele, Lea and Flood 2014).
_SM64_GAMMA = np.uint64(0x9e3779b97f4a7c15)
_SM64_M1 = np.uint64(0xbf58476d1ce4e5b9)
_SM64_M2 = np.uint64(0x94d049bb133111eb)


@dataclass(frozen=True)
class QuantileCI:
    """Which order statistics bound a quantile's CI (1-based, as benchstat).

    lo_order < 1 means the lower bound is -inf and hi_order > n means the
    upper bound is +inf: the sample is too small for the confidence asked.
    """
    n: int
    lo_order: int
    hi_order: int
    confidence: float  # actual coverage, >= the confidence asked for

    @property
    def finite(self) -> bool:
        return self.lo_order >= 1 and self.hi_order <= self.n


def quantile_ci(n: int, q: float = 0.5,
                confidence: float = CONFIDENCE) -> QuantileCI:
    """The order statistics bounding the q-quantile of n samples.

    The count of samples below the population quantile is Binomial(n, q);
    pmf(k) is the probability that the quantile lies between the k-th and
    (k+1)-th smallest sample.  Starting from the mode, the more probable
    neighbour is added (the left one on a tie) until the summed probability
    reaches the confidence.  Summing buckets [l, r) gives the interval from
    the l-th to the r-th order statistic.
    """
    if n < 1:
        raise ValueError("quantile_ci needs at least one sample")
    if confidence >= 1:
        return QuantileCI(n, 0, n + 1, 1.0)
    dist = stats.binom(n, q)

    def pmf(k: int) -> float:
        return float(dist.pmf(k)) if 0 <= k <= n else 0.0

    mode = 0 if q == 0 else int(math.ceil((n + 1) * q) - 1)
    accum = pmf(mode)
    left, right = mode, mode + 1
    left_p, right_p = pmf(left - 1), pmf(right)
    while accum < confidence and (left_p > 0 or right_p > 0):
        # Left-biased on a tie; scipy's pmf is not exactly symmetric in the
        # last bits, so a tie is equality to 12 significant digits.
        if left_p >= right_p or math.isclose(left_p, right_p, rel_tol=1e-12):
            accum += left_p
            left -= 1
            left_p = pmf(left - 1)
        else:
            accum += right_p
            right += 1
            right_p = pmf(right)
    return QuantileCI(n, max(left, 0), min(right, n + 1), min(accum, 1.0))


@dataclass(frozen=True)
class Summary:
    """Median of a sample with its 95% CI (None when n is too small)."""
    n: int
    median: float
    minimum: float
    ci_low: Optional[float]
    ci_high: Optional[float]
    cv: Optional[float]  # coefficient of variation (sample stddev / mean)

    @property
    def has_ci(self) -> bool:
        return self.ci_low is not None


def summarize(samples: Sequence[float]) -> Summary:
    """Median, minimum, CV and the benchstat-style 95% CI of the median."""
    xs = np.sort(np.asarray(samples, dtype=float))
    if xs.size == 0:
        raise ValueError("summarize needs at least one sample")
    ci = quantile_ci(xs.size)
    low = high = None
    if ci.finite:
        low, high = float(xs[ci.lo_order - 1]), float(xs[ci.hi_order - 1])
    cv = None
    mean = float(np.mean(xs))
    if xs.size >= 2 and mean != 0:
        cv = float(np.std(xs, ddof=1) / abs(mean))
    return Summary(int(xs.size), float(np.median(xs)), float(xs[0]), low,
                   high, cv)


def splitmix64(seed: int, count: int) -> np.ndarray:
    """Outputs 1..count of splitmix64 started at seed (uint64, mod 2^64).

    Output k is mix(seed + k * gamma): the generator is a counter, so all
    outputs are computed at once; harness/statistics.cc's SplitMix64.
    """
    k = np.arange(1, count + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = np.uint64(seed) + k * _SM64_GAMMA
        z = (z ^ (z >> np.uint64(30))) * _SM64_M1
        z = (z ^ (z >> np.uint64(27))) * _SM64_M2
        return z ^ (z >> np.uint64(31))


def _row_medians(x: np.ndarray) -> np.ndarray:
    """Median of each row, as the C++: the middle one, or the mean of the
    two middle ones computed as (lo + hi) / 2."""
    s = np.sort(x, axis=1)
    n = s.shape[1]
    if n % 2:
        return s[:, n // 2]
    return (s[:, n // 2 - 1] + s[:, n // 2]) / 2


def _sorted_quantile(s: np.ndarray, q: float) -> float:
    """Linear interpolation at q * (len - 1), in the C++'s operation order."""
    pos = q * (len(s) - 1)
    lo = int(math.floor(pos))
    hi = min(lo + 1, len(s) - 1)
    return float(s[lo] + (pos - lo) * (s[hi] - s[lo]))


def ratio_ci(a: Sequence[float], b: Sequence[float]
             ) -> Tuple[Optional[float], Optional[float], Optional[float]]:
    """median(a) / median(b) and its 95% percentile-bootstrap interval.

    Returns (ratio, low, high).  The ratio is None unless both medians are
    positive (a barrier's net cost can be at or below zero within noise,
    and a ratio to that means nothing).  The interval is None with fewer
    than MIN_SAMPLES_FOR_CI samples on a side, or when some resampled
    median is not positive.

    Resample r (of BOOTSTRAP_RESAMPLES) takes splitmix64 outputs
    r*(na+nb)+1 .. r*(na+nb)+na, each modulo na, as indices into a, and the
    next nb, modulo nb, into b; the bounds are the ALPHA/2 and 1 - ALPHA/2
    quantiles of the sorted resampled ratios by linear interpolation.
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if a.size == 0 or b.size == 0:
        return None, None, None
    med_a, med_b = float(np.median(a)), float(np.median(b))
    if not (med_a > 0 and med_b > 0):
        return None, None, None
    ratio = med_a / med_b
    if min(a.size, b.size) < MIN_SAMPLES_FOR_CI:
        return ratio, None, None
    na, nb = a.size, b.size
    draws = splitmix64(BOOTSTRAP_SEED, BOOTSTRAP_RESAMPLES * (na + nb))
    draws = draws.reshape(BOOTSTRAP_RESAMPLES, na + nb)
    ma = _row_medians(a[draws[:, :na] % np.uint64(na)])
    mb = _row_medians(b[draws[:, na:] % np.uint64(nb)])
    if not (np.all(ma > 0) and np.all(mb > 0)):
        return ratio, None, None
    ratios = np.sort(ma / mb)
    return (ratio, _sorted_quantile(ratios, ALPHA / 2),
            _sorted_quantile(ratios, 1 - ALPHA / 2))


@dataclass(frozen=True)
class UTest:
    """Two-sided Mann-Whitney U test of a against b."""
    n_a: int
    n_b: int
    p: Optional[float]  # None when a side has too few samples

    @property
    def too_few(self) -> bool:
        return self.p is None

    @property
    def significant(self) -> bool:
        return self.p is not None and self.p < ALPHA


def u_test(a: Sequence[float], b: Sequence[float]) -> UTest:
    """scipy's two-sided Mann-Whitney U (exact for small untied samples)."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if min(a.size, b.size) < MIN_SAMPLES_FOR_U_TEST:
        return UTest(int(a.size), int(b.size), None)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        p = float(stats.mannwhitneyu(a, b, alternative="two-sided").pvalue)
    if not math.isfinite(p):
        p = 1.0  # all values tied: no evidence of a difference
    return UTest(int(a.size), int(b.size), p)
