"""SVG plots of one run, with 95% CI bars, written deterministically.

Two plots per run: the barrier's cost per barriered store (grouped bars,
workloads x barriers) and the ratio to `buffered` on a log axis with Go's
published 3.83x drawn for reference.  The cost is the own cost in runs with
the decomposition, the concurrent configuration's share in runs stored
before it (figures.cost_counters).  Bars without an interval (too few
repetitions) have no error bar; cells that were not measured are left empty
and labelled "—" on the axis.

The Agg backend, a fixed svg.hashsalt, text kept as text (svg.fonttype
'none') and no Date/Creator metadata make the same figures give the same
bytes on every run.
"""

import io
import math
import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import (FixedLocator, FuncFormatter,  # noqa: E402
                               NullLocator)

import figures  # noqa: E402
import runs  # noqa: E402

_RC = {
    "svg.hashsalt": "wbbench",
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
_METADATA = {"Date": None, "Creator": None}
# One colour per barrier, stable across plots (colour-blind-safe palette).
_COLOURS = {"unbuffered": "#d55e00", "buffered": "#0072b2",
            "cgocheck": "#cc79a7", "batched": "#009e73", "none": "#999999"}
_NO_CI_NOTE = {False: "", True: "; †: no CI (fewer than 6 repetitions)"}
_EXTRA = ["#e69f00", "#56b4e9", "#f0e442", "#000000"]


def _colour(barrier: str, i: int) -> str:
    return _COLOURS.get(barrier, _EXTRA[i % len(_EXTRA)])


def _title(run: runs.Run) -> str:
    return f"{run.machine} · suite {run.suite} · commit {run.commit}"


def _svg(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", metadata=_METADATA)
    plt.close(fig)
    return buf.getvalue()


def _grouped(ax, run, barriers, value_of, base=0.0):
    """Grouped bars; value_of(w, b) -> (median, low, high) or None.

    Whiskers show the CI where there is one; a bar without one (fewer than
    6 repetitions) is marked "†".  Cells without a value are marked "—" at
    height base.  Returns True if some bar has no CI.
    """
    workloads = run.workloads
    width = 0.8 / max(len(barriers), 1)
    any_without_ci = False
    for j, b in enumerate(barriers):
        xs, ys, err_x, err_y, err_lo, err_hi = [], [], [], [], [], []
        for i, w in enumerate(workloads):
            x = i - 0.4 + width * (j + 0.5)
            v = value_of(w, b)
            if v is None:
                ax.annotate("—", (x, base), ha="center", va="bottom",
                            fontsize=9, color="#555555")
                continue
            med, low, high = v
            xs.append(x)
            ys.append(med)
            if low is None or high is None:
                any_without_ci = True
                ax.annotate("†", (x, med), ha="center", va="bottom",
                            fontsize=8)
            else:
                err_x.append(x)
                err_y.append(med)
                err_lo.append(med - low)
                err_hi.append(high - med)
        if xs:  # a barrier with no value anywhere stays out of the legend
            ax.bar(xs, ys, width, label=b, color=_colour(b, j))
        if err_x:
            ax.errorbar(err_x, err_y, yerr=[err_lo, err_hi], fmt="none",
                        ecolor="black", elinewidth=0.8, capsize=2)
    if not ax.patches:
        ax.text(0.5, 0.5, "— not measured in this run", ha="center",
                va="center", transform=ax.transAxes, color="#555555")
    ax.set_xlim(-0.5, len(workloads) - 0.5)
    ax.set_xticks(range(len(workloads)))
    ax.set_xticklabels(workloads, rotation=30, ha="right")
    return any_without_ci


# What the cost plot's bars are, in runs with the decomposition (wbbench's
# own description of it is too long for a title).
_OWN_NOTE = ("own cost: gc=incremental, barrier on, minus the baseline (no "
             "barrier code, gc=stw), per barriered store")


def cost_plot(run: runs.Run) -> bytes:
    """Median barrier cycles per barriered store with 95% CI bars."""
    counter = figures.cost_counters(run)[0]

    def value_of(w, b):
        s = figures.summary(run, w, b, counter)
        return None if s is None else (s.median, s.ci_low, s.ci_high)

    with plt.rc_context(_RC):
        fig, ax = plt.subplots(figsize=(8, 4.2))
        no_ci = _grouped(ax, run, run.measured_barriers, value_of)
        what, _, source = figures.cycles_short(run).partition(" (")
        own = "own " if run.has_decomposition else ""
        ax.set_ylabel(f"{own}barrier {what} per barriered store\n({source}")
        ax.axhline(0, color="black", linewidth=0.6)
        note = (_OWN_NOTE if run.has_decomposition
                else "baseline: " + figures.baseline_label(run))
        ax.set_title("\n".join(
            [_title(run)] + textwrap.wrap(
                note + "; bars: median, whiskers: 95% CI" +
                _NO_CI_NOTE[no_ci], 110)), fontsize=8)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(title="barrier", fontsize=7, title_fontsize=7,
                      frameon=False, loc="upper left", bbox_to_anchor=(1, 1))
        fig.tight_layout()
        return _svg(fig)


def ratio_plot(run: runs.Run) -> bytes:
    """Ratio of each barrier's net cost to buffered's, log scale."""
    counter = figures.ratio_counter(run)
    barriers = [b for b in run.measured_barriers
                if b != figures.REFERENCE_BARRIER]

    def value_of(w, b):
        r = figures.ratio(run, w, b, counter)
        if r is None or r.value is None:
            return None
        return (r.value, r.low, r.high)

    with plt.rc_context(_RC):
        fig, ax = plt.subplots(figsize=(8, 4.2))
        ax.set_yscale("log")
        no_ci = _grouped(ax, run, barriers, value_of, base=1.0)
        ax.axhline(1, color="black", linewidth=0.6)
        go = figures.GO_CLAIM
        ax.axhline(go.ratio, color=_colour("unbuffered", 0), linewidth=0.8,
                   linestyle="--",
                   label=f"Go CL 73712: eager/buffered {go.ratio:.2f}×")
        unit = ("cycles, hardware counter" if figures.ratio_in_cycles(run)
                else "ns, clock")
        what = "own" if run.has_decomposition else "net"
        ax.set_ylabel(f"{what} barrier cost / buffered's\n({unit}; log "
                      "scale)")
        ax.set_title(_title(run) + "\nbars: ratio of medians, whiskers: 95% "
                     "bootstrap CI" + _NO_CI_NOTE[no_ci], fontsize=8)
        ax.legend(fontsize=7, frameon=False, loc="upper left",
                  bbox_to_anchor=(1, 1))
        lo, hi = ax.get_ylim()
        lo = min(lo, 0.5) if math.isfinite(lo) and lo > 0 else 0.5
        hi = max(hi, go.ratio * 1.3) if math.isfinite(hi) else go.ratio * 1.3
        ax.set_ylim(lo, hi)
        # Ticks at powers of two, written as ratios (1×, 2×, 4×).
        ticks = [2.0 ** k for k in range(-8, 9) if lo <= 2.0 ** k <= hi]
        ax.yaxis.set_major_locator(FixedLocator(ticks))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}×"))
        ax.yaxis.set_minor_locator(NullLocator())
        fig.tight_layout()
        return _svg(fig)
