"""Turns a loaded run into the figures the table and plots show.

For every (workload, barrier) cell: the median and 95% CI of each counter,
and the ratio of the barrier's cost to `buffered` on the same workload with
its bootstrap CI and Mann-Whitney U test.  The cost is the barrier's own
cost per barriered store (own_*_per_barriered_store) in runs that have the
decomposition, and the concurrent configuration's share
(barrier_*_per_store) in runs stored before it.  Also the comparison with the
claim the project started from: Go CL 73712 (commit 7e343134) made
BenchmarkWriteBarrier go from 73.5 to 19.2 ns/op, 3.83x, by buffering the
barrier; ours is unbuffered/buffered on tree-reverse.

Labels say where each figure comes from, so that nothing estimated from the
TSC is ever shown as a hardware cycle count.
"""

from dataclasses import dataclass
from typing import Dict, Optional

import runs
import wbstats

REFERENCE_BARRIER = "buffered"
CLAIM_WORKLOAD = "tree-reverse"
CLAIM_NUMERATOR = "unbuffered"


@dataclass(frozen=True)
class GoClaim:
    """The seed's claim, as published."""
    source: str = ("Go CL 73712, golang/go commit 7e343134 "
                   "(buffered write barrier, 2017)")
    benchmark: str = "BenchmarkWriteBarrier-12"
    eager_ns: float = 73.5
    buffered_ns: float = 19.2
    change: str = "−73.90%"
    spread: str = "±20% → ±27%, n=19+18"

    @property
    def ratio(self) -> float:
        return self.eager_ns / self.buffered_ns


GO_CLAIM = GoClaim()


@dataclass(frozen=True)
class Ratio:
    """median(barrier) / median(reference) with CI and U test."""
    value: Optional[float]
    low: Optional[float]
    high: Optional[float]
    test: wbstats.UTest


def cycles_label(run: runs.Run) -> str:
    """What the cycles figures of this run are, in words."""
    if run.cycles_estimated:
        hz = run.meta.get("est_core_hz")
        clock = (f" ({hz / 1e9:.2f} GHz)" if runs.is_number(hz) else "")
        median = run.meta.get("est_core_hz_median")
        p10 = run.meta.get("est_core_hz_p10")
        if clock and runs.is_number(median) and runs.is_number(p10):
            clock = (f" ({hz / 1e9:.2f} GHz, the fastest of the calibration's "
                     f"trials; their median {median / 1e9:.2f} GHz, 10th "
                     f"percentile {p10 / 1e9:.2f} GHz)")
        return ("≈ estimated cycles: TSC time × the core clock estimated "
                f"from a chain of dependent adds{clock}, as this machine has "
                "no hardware cycle counter")
    if run.cycles_hardware:
        return "core cycles from the hardware counter (perf_event)"
    return "no cycle figures (neither a hardware counter nor an estimate)"


def cycles_short(run: runs.Run) -> str:
    """cycles_label for an axis or a table column."""
    if run.cycles_estimated:
        return "≈ cycles (estimate: TSC time × estimated core clock)"
    if run.cycles_hardware:
        return "cycles (hardware counter)"
    return "cycles (not measured)"


def cycles_prefix(run: runs.Run) -> str:
    """Marks every estimated cycles figure where it is printed."""
    return "≈" if run.cycles_estimated else ""


def baseline_label(run: runs.Run) -> str:
    base = run.meta.get("baseline")
    if not isinstance(base, str) or not base:
        base = "not recorded in the run"
    return base


def main_config_label(run: runs.Run) -> str:
    """The configuration a barrier row's unprefixed counters describe.

    That is the one run with the run's own --gc: the concurrent
    configuration under gc=continuous or concurrent.
    """
    gc = run.meta.get("gc")
    if not isinstance(gc, str) or not gc:
        return "the run's configuration (gc not recorded)"
    if gc in ("continuous", "concurrent"):
        return f"the concurrent configuration (gc={gc})"
    return f"the gc={gc} configuration"


def cost_counters(run: runs.Run):
    """(cycles counter, ns counter) of the barrier's cost per barriered store.

    The own cost where the run has the decomposition; the concurrent
    configuration's share (own cost and interference together) in runs
    stored before it.
    """
    if run.has_decomposition:
        return runs.OWN_CYCLES, runs.OWN_NS
    return "barrier_cycles_per_store", "barrier_ns_per_store"


def ratio_counter(run: runs.Run) -> str:
    """The counter the ratio to buffered is taken on.

    The cost of cost_counters: in hardware cycles where the machine has
    them; otherwise in ns, which is measured (an estimated cycle count is TSC
    time times a constant and would only dress the same ratio up as cycles).
    """
    cycles, ns = cost_counters(run)
    return cycles if run.cycles_hardware else ns


def ratio_in_cycles(run: runs.Run) -> bool:
    return ratio_counter(run) == cost_counters(run)[0]


def summary(run: runs.Run, workload: str, barrier: str,
            counter: str) -> Optional[wbstats.Summary]:
    """Median and CI of a counter in a cell; None if never measured."""
    cell = run.cells.get((workload, barrier))
    if cell is None or not cell.values(counter):
        return None
    return wbstats.summarize(cell.values(counter))


def ratio(run: runs.Run, workload: str, barrier: str, counter: str,
          reference: str = REFERENCE_BARRIER) -> Optional[Ratio]:
    """barrier / reference on one workload; None if either is missing."""
    a = run.cells.get((workload, barrier))
    b = run.cells.get((workload, reference))
    if a is None or b is None or not a.values(counter) \
            or not b.values(counter):
        return None
    xs, ys = a.values(counter), b.values(counter)
    value, low, high = wbstats.ratio_ci(xs, ys)
    return Ratio(value, low, high, wbstats.u_test(xs, ys))


def claim_ratios(run: runs.Run) -> Dict[str, Optional[Ratio]]:
    """Ours beside Go's claim: unbuffered/buffered on tree-reverse.

    'gross' is ns per store with the barrier on (what Go's ns/op measures),
    'net' is the concurrent configuration's share per barriered store (own
    cost and interference), 'own' the barrier's own cost per barriered store
    (None in runs without the decomposition).
    """
    return {
        "gross": ratio(run, CLAIM_WORKLOAD, CLAIM_NUMERATOR, "ns_per_store"),
        "net": ratio(run, CLAIM_WORKLOAD, CLAIM_NUMERATOR,
                     "barrier_ns_per_store"),
        "own": ratio(run, CLAIM_WORKLOAD, CLAIM_NUMERATOR, runs.OWN_NS),
    }


def claim_key(run: runs.Run) -> str:
    """Which of claim_ratios sums the run up beside Go's 3.83x.

    The own cost where the run has the decomposition (the barrier's own
    work, as Go's change is about); the gross ns per store in runs stored
    before it.
    """
    return "own" if run.has_decomposition else "gross"


CLAIM_FIGURES = {
    "own": (runs.OWN_NS, "own ns per barriered store"),
    "gross": ("ns_per_store", "ns per store, barrier on"),
    "net": ("barrier_ns_per_store",
            "barrier ns per barriered store, net of baseline"),
}
