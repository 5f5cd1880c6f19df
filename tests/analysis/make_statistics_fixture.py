#!/usr/bin/python3
"""Writes tests/analysis/fixtures/statistics.txt (checked in).

    /usr/bin/python3 tests/analysis/make_statistics_fixture.py

The file holds pairs of samples and what analysis/wbstats.py computes from
them: each side's median with its 95% CI, the ratio of medians with its
bootstrap interval, and the U test's p-value.  harness/statistics.cc must
compute the same (tests/harness/statistics_test.cc reads the file), and
test_wbstats.py checks that wbstats still computes what the file says, so
neither side can drift from the other.

The cases cover both branches of the U test (exact with no ties and a side
of at most 8, including exactly 8 and unequal sizes; the normal
approximation above that or with ties), the minimum sizes for an interval
and for a U test, and medians that are not positive.

Format: one block per case, lines "KEY VALUE...", values as Python's repr
(the shortest text that reads back as the same double) or "none":
    case NAME
    a X...                      the samples
    b X...
    summary_a MEDIAN LOW HIGH   wbstats.summarize (LOW HIGH none without CI)
    summary_b MEDIAN LOW HIGH
    ratio R                     wbstats.ratio_ci: median(a) / median(b)
    ratio_ci LOW HIGH
    p P                         wbstats.u_test
"""

import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "analysis"))

import wbstats  # noqa: E402

FIXTURE = os.path.join(HERE, "fixtures", "statistics.txt")


def _noisy(rng, n, base, spread, digits=3, avoid=()):
    """n distinct samples around base (rounded, as measurements are), none
    of them in avoid."""
    out = []
    while len(out) < n:
        x = round(base + spread * (rng.random() - 0.5), digits)
        if x not in out and x not in avoid:
            out.append(x)
    return out


def _two(rng, a, b, digits=3):
    """Samples (n, base, spread) a and b, no value in both."""
    xs = _noisy(rng, *a, digits)
    return xs, _noisy(rng, *b, digits, avoid=xs)


def cases():
    """(name, a, b, ties expected) in file order."""
    rng = random.Random(20)
    c = []

    def add(name, a, b, ties=False):
        assert (len(set(a + b)) < len(a + b)) == ties, name
        c.append((name, a, b))

    add("exact_8_vs_8", *_two(rng, (8, 12.0, 3.0), (8, 10.0, 3.0)))
    add("exact_8_vs_8_separated", *_two(rng, (8, 20.0, 2.0), (8, 10.0, 2.0)))
    add("exact_8_vs_11", *_two(rng, (8, 5.2, 1.0), (11, 4.9, 1.0)))
    add("exact_11_vs_8", *_two(rng, (11, 4.9, 1.0), (8, 5.3, 1.0)))
    add("exact_6_vs_20", *_two(rng, (6, 31.0, 4.0), (20, 29.0, 4.0)))
    add("exact_4_vs_40", *_two(rng, (4, 1.5, 0.4), (40, 1.2, 0.4)))
    add("exact_u_at_its_mean", [1.0, 4.0, 5.0, 8.0], [2.0, 3.0, 6.0, 7.0])
    add("asymptotic_9_vs_9", *_two(rng, (9, 7.0, 2.0), (9, 6.0, 2.0)))
    add("asymptotic_9_vs_12", *_two(rng, (9, 7.0, 2.0), (12, 7.5, 2.0)))
    add("asymptotic_20_vs_20", *_two(rng, (20, 14.7, 2.0), (20, 4.9, 1.0)))
    add("ties_8_vs_8", [3.0, 3.0, 4.0, 5.0, 5.0, 6.0, 7.0, 7.0],
        [2.0, 3.0, 3.0, 4.0, 4.0, 5.0, 6.0, 6.0], ties=True)
    add("ties_6_vs_21", _noisy(rng, 6, 10.0, 8.0, 0),
        _noisy(rng, 20, 16.0, 30.0, 0) + [10.0], ties=True)
    add("ties_10_vs_12", [round(1 + 0.5 * (i % 4), 1) for i in range(10)],
        [round(1.5 + 0.5 * (i % 3), 1) for i in range(12)], ties=True)
    add("all_tied", [2.5] * 8, [2.5] * 8, ties=True)
    add("five_a_side_no_interval", *_two(rng, (5, 3.0, 1.0), (5, 2.0, 1.0)))
    add("three_a_side_no_u_test", [2.0, 4.0, 6.0], [1.0, 2.5, 3.0])
    add("negative_median_numerator", *_two(rng, (10, -0.05, 0.4), (10, 4.0, 1.0)))
    add("zero_median_denominator", [5.0, 6.0, 7.0, 8.0, 9.0, 10.0],
        [-1.0, -0.5, 0.0, 0.0, 0.5, 1.0], ties=True)
    add("denominator_resamples_below_zero", [5.0] * 8,
        [-1.0, -1.0, -1.0, 2.0, 2.0, 2.0, 2.0, 2.0], ties=True)
    add("numerator_resamples_below_zero", *_two(rng, (9, 0.3, 1.0), (9, 4.0, 1.0)))
    return c


def _num(x):
    return "none" if x is None else repr(float(x))


def render() -> str:
    out = [line.rstrip() for line in
           ["# Made by tests/analysis/make_statistics_fixture.py from "
            "analysis/wbstats.py;",
            "# read by tests/harness/statistics_test.cc.  Do not edit."]]
    for name, a, b in cases():
        sa, sb = wbstats.summarize(a), wbstats.summarize(b)
        ratio, low, high = wbstats.ratio_ci(a, b)
        out += [f"case {name}",
                "a " + " ".join(_num(x) for x in a),
                "b " + " ".join(_num(x) for x in b),
                f"summary_a {_num(sa.median)} {_num(sa.ci_low)} "
                f"{_num(sa.ci_high)}",
                f"summary_b {_num(sb.median)} {_num(sb.ci_low)} "
                f"{_num(sb.ci_high)}",
                f"ratio {_num(ratio)}",
                f"ratio_ci {_num(low)} {_num(high)}",
                f"p {_num(wbstats.u_test(a, b).p)}"]
    return "\n".join(out) + "\n"


def main():
    with open(FIXTURE, "w") as f:
        f.write(render())


if __name__ == "__main__":
    main()
