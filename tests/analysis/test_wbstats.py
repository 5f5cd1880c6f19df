"""Tests of analysis/wbstats.py against values known independently.

The order-statistic CIs are checked against the cases in go-moremath's
stats/quantileci_test.go (what benchstat uses) and against the textbook
table for n = 10; the U test against the exact null distribution; the
bootstrap against its own fixed seed; and the fixture shared with the
console's statistics (harness/statistics.cc) against what wbstats computes.
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "analysis"))

import wbstats  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_statistics_fixture  # noqa: E402


class QuantileCITest(unittest.TestCase):
    def check(self, n, q, conf, lo, hi, coverage):
        ci = wbstats.quantile_ci(n, q, conf)
        self.assertEqual((ci.lo_order, ci.hi_order), (lo, hi),
                         f"QuantileCI({n}, {q}, {conf})")
        self.assertAlmostEqual(ci.confidence, coverage, places=9)

    def test_matches_benchstat_cases(self):
        # From go-moremath stats/quantileci_test.go (exact binomial branch).
        self.check(4, 0.5, 0.001, 2, 3, 0.375)
        self.check(4, 0.25, 0.001, 1, 2, 0.421875)
        self.check(4, 0.5, 0.375, 2, 3, 0.375)
        self.check(4, 0.5, 0.3750001, 1, 3, 0.625)  # left-biased on a tie
        self.check(4, 0.5, 0.99, 0, 5, 1.0)
        self.check(4, 0.5, 0.99 - 0.0625, 0, 4, 0.9375)
        self.check(5, 0.5, 0.001, 2, 3, 0.3125)
        self.check(5, 0.5, 0.3125001, 2, 4, 0.625)
        self.check(5, 0.5, 0.99, 0, 6, 1.0)
        self.check(5, 0.5, 0.99 - 0.03125, 0, 5, 1 - 0.03125)

    def test_median_95_known_orders(self):
        # n = 10: [x(2), x(9)], coverage 1 - 2 * 11/1024 (standard tables).
        self.check(10, 0.5, 0.95, 2, 9, 1 - 22 / 1024)
        # n = 6 is the smallest with a finite interval: [x(1), x(6)].
        self.check(6, 0.5, 0.95, 1, 6, 1 - 2 / 64)
        self.assertTrue(wbstats.quantile_ci(6).finite)
        for n in range(1, 6):
            self.assertFalse(wbstats.quantile_ci(n).finite, n)


class SummarizeTest(unittest.TestCase):
    def test_known_sample(self):
        s = wbstats.summarize([19, 10, 15, 12, 17, 11, 18, 13, 16, 14])
        self.assertEqual(s.n, 10)
        self.assertEqual(s.median, 14.5)
        self.assertEqual(s.minimum, 10)
        self.assertEqual((s.ci_low, s.ci_high), (11, 18))
        self.assertAlmostEqual(s.cv, 3.0276503540974917 / 14.5)

    def test_too_few_samples_have_no_ci(self):
        s = wbstats.summarize([3.0, 1.0, 2.0, 5.0, 4.0])
        self.assertEqual(s.median, 3.0)
        self.assertFalse(s.has_ci)
        self.assertIsNone(s.ci_low)
        self.assertIsNone(s.ci_high)

    def test_empty_is_an_error(self):
        with self.assertRaises(ValueError):
            wbstats.summarize([])


class UTestTest(unittest.TestCase):
    def test_fully_separated_samples_give_the_exact_minimum_p(self):
        # Exact two-sided p of complete separation is 2 / C(n+m, n).
        t = wbstats.u_test([1, 2, 3, 4, 5], [6, 7, 8, 9, 10])
        self.assertAlmostEqual(t.p, 2 / 252)
        self.assertTrue(t.significant)
        t = wbstats.u_test([6, 7, 8, 9], [1, 2, 3, 4])
        self.assertAlmostEqual(t.p, 2 / 70)
        self.assertTrue(t.significant)

    def test_known_overlap(self):
        # a = [1,2,3,5], b = [4,6,7,8]: one pair (5 > 4) has a above b, so
        # U = 1; of the C(8,4) = 70 equally likely orders, 2 have U <= 1,
        # so the exact two-sided p is 4/70.
        t = wbstats.u_test([1, 2, 3, 5], [4, 6, 7, 8])
        self.assertAlmostEqual(t.p, 4 / 70)
        self.assertFalse(t.significant)

    def test_too_few_samples(self):
        t = wbstats.u_test([1, 2, 3], [4, 5, 6])
        self.assertTrue(t.too_few)
        self.assertFalse(t.significant)
        self.assertIsNone(t.p)

    def test_identical_samples_are_not_significant(self):
        t = wbstats.u_test([1.0] * 6, [1.0] * 6)
        self.assertEqual(t.p, 1.0)
        self.assertFalse(t.significant)


class RatioTest(unittest.TestCase):
    def test_ratio_of_medians_with_interval_around_it(self):
        b = [10 + i for i in range(10)]
        a = [4 * x for x in b]
        ratio, low, high = wbstats.ratio_ci(a, b)
        self.assertEqual(ratio, 4.0)
        self.assertLess(low, 4.0)
        self.assertGreater(high, 4.0)
        # The bootstrap is seeded: the same samples give the same interval.
        self.assertEqual(wbstats.ratio_ci(a, b), (ratio, low, high))

    def test_no_ratio_when_a_median_is_not_positive(self):
        self.assertEqual(wbstats.ratio_ci([1, 2, 3, 4, 5, 6],
                                          [-1, -2, 0, 0, 1, -3]),
                         (None, None, None))

    def test_no_interval_with_too_few_samples(self):
        ratio, low, high = wbstats.ratio_ci([2, 4, 6], [1, 2, 3])
        self.assertEqual(ratio, 2.0)
        self.assertIsNone(low)
        self.assertIsNone(high)

    def test_no_interval_when_denominator_can_resample_to_zero(self):
        ratio, low, high = wbstats.ratio_ci([5] * 8,
                                            [-1, -1, -1, 2, 2, 2, 2, 2])
        self.assertEqual(ratio, 2.5)
        self.assertIsNone(low)


class SharedWithTheConsoleTest(unittest.TestCase):
    """The fixture harness/statistics.cc is checked against (its test
    StatisticsTest.MatchesWbstatsFixture) is what wbstats computes now."""

    def test_splitmix64_known_outputs(self):
        # The reference generator's first outputs from seed 0.
        self.assertEqual([int(x) for x in wbstats.splitmix64(0, 3)],
                         [0xe220a8397b1dcdaf, 0x6e789e6aa1b965f4,
                          0x06c45d188009454f])

    def test_fixture_is_what_wbstats_computes(self):
        with open(make_statistics_fixture.FIXTURE, encoding="utf-8") as f:
            stored = f.read()
        self.assertEqual(
            make_statistics_fixture.render(), stored,
            "wbstats no longer computes tests/analysis/fixtures/"
            "statistics.txt; if the change is meant, change "
            "harness/statistics.cc the same way and rerun "
            "tests/analysis/make_statistics_fixture.py")

    def test_fixture_covers_both_u_test_branches(self):
        names = [name for name, _, _ in make_statistics_fixture.cases()]
        for want in ("exact_8_vs_8", "exact_8_vs_11", "exact_6_vs_20",
                     "asymptotic_9_vs_9", "ties_8_vs_8",
                     "negative_median_numerator"):
            self.assertIn(want, names)


if __name__ == "__main__":
    unittest.main()
