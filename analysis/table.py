"""Renders results/README.md from loaded runs.

One section per machine, one subsection per stored run (suite and commit):
what the run was, then workloads x barriers tables, each cell a median with
its 95% CI.  A run with the decomposition leads with the barrier's own cost
per barriered store (cycles, then ns), then the check, the interference, the
pauses and the assists per store, the ratio to `buffered` on the own cost,
and the concurrent configuration's figures (its barrier share and ns per
store), clearly labelled as such.  A run stored before the decomposition has
only the concurrent configuration's figures: its barrier share in cycles per
barriered store, ns per store, and the ratio to `buffered` on that share.
Then the comparison with Go's published 3.83x, and the plots.  Every figure
is labelled with its source (hardware counter, or estimate from the
TSC-calibrated clock) and its baseline.  A counter a run could not measure
is shown as "—", never as 0.

The output depends only on the runs, so regenerating it gives the same bytes.
"""

import os
from typing import Dict, List, Optional

import common
import figures
import runs
import wbstats

DASH = "—"
NO_CI = "†"       # fewer than 6 repetitions: no 95% CI
AGG_ONLY = "‡"    # only the `_median` aggregate row was stored
# A run or cell that dropped more of its blocks than this is flagged, as
# wbbench's console report does.
DROPPED_WARN = 0.2

HOW_TO_READ = """\
## How to read these tables

- Each cell is the **median over repetitions** with its **95% confidence
  interval** in brackets, `14.5 [11.0, 18.0]`.  The interval comes from
  order statistics, as Go's benchstat computes it, and makes no assumption
  about the distribution.  It needs at least 6 repetitions; a value marked
  `{no_ci}` had fewer, so it has no interval.
- **What is timed.**  wbbench times the mutator in short chunks of stores.
  The chunk figures are mutator time only: time the mutator spent blocked
  (at safepoints, in stop-the-world pauses, at the heap goal) and time it
  spent assisting the marker are left out and reported on their own, as
  **pause** and **assist ns per store**; blocks of chunks during which the
  mutator was descheduled or migrated to another core are dropped, and the
  share dropped is given with each run.  Runs stored before the
  decomposition report neither pauses, assists nor dropped blocks.
- **The baseline** of every figure is the same workload with no barrier
  code at all (barrier `none`) and the collector stopping the world
  (gc=stw), run in the same round as the barriers; each repetition is
  paired with the baseline's repetition of that round.
- **The decomposition.**  Each barrier runs in three configurations per
  repetition, and its cost is split into parts, each against its own
  baseline:
  - **Own cost per barriered store** (the headline): the barrier's own
    work, fast path, buffer flushes and shading, with nothing else running
    while the timed chunks run (gc=incremental: the marker works only
    between chunks).  It is the incremental configuration's ns per store
    with the barrier on, minus the baseline, divided by the share of those
    stores that were barriered.  wbbench computes on − baseline as (on −
    off, paired within the incremental configuration's heap and moment) +
    check, so that the drift of the machine between repetitions cancels
    out of the part that holds the barrier's work (where that
    configuration ran no chunk with the barrier off: on − baseline).
  - **Check per store**: the barrier code compiled in but the barrier off
    (gc=stw, so it never turns on), minus the baseline: what testing
    whether the barrier is on costs every store.
  - **Interference per store**: what the concurrent marker running beside
    the mutator adds: the concurrent configuration's (gc=continuous)
    barrier-on chunks minus the incremental configuration's, per store.  It
    is contention for caches and memory, not the barrier's own work.
  - Within noise any of these can be zero or negative.
- **The concurrent configuration** (gc=continuous, the marker running beside
  the mutator) is the only one in runs stored before the decomposition.  Its
  **barrier share per barriered store** (in those runs: **Barrier cost per
  barriered store**) is the workload with the barrier on, minus the
  baseline, divided by the stores made while the barrier was on: own cost
  and interference together.  Its **ns per store** is the gross time per
  pointer store with the barrier enabled, the workload's own work included.
- **Source of cycles.**  A figure written `≈12.3` is an *estimate*: TSC
  time multiplied by a core clock estimated from a chain of dependent adds.
  wbbench uses it on machines without a hardware cycle counter.  Figures
  without `≈` come from the hardware cycle counter.  ns figures always come
  from the TSC-calibrated clock.
- **Ratio to buffered** is median(barrier) / median(buffered) on the same
  workload, of the own cost (the concurrent share in runs without the
  decomposition), with a 95% bootstrap interval (fixed seed).  After it
  comes the two-sided Mann-Whitney U test (as in compare.py and benchstat):
  `p=0.001` alone means significant at α = 0.05; `~ (p=0.48)` means no
  significant difference.  At least 4 repetitions a side are needed for the
  test.
- `{dash}` means the run did not measure that figure (the counter was
  unavailable, that workload/barrier was not run, or, for the own cost, no
  chunk ran with the barrier on).  It never means zero.
- The machine is noisy if its steal time, its share of dropped blocks or
  its CV is high.  Compare runs only within one stored file: its barriers
  were interleaved.
""".format(no_ci=NO_CI, dash=DASH)


def fmt(x: float) -> str:
    """Three significant figures or so, deterministically."""
    a = abs(x)
    if a >= 100:
        s = f"{x:.0f}"
    elif a >= 10:
        s = f"{x:.1f}"
    else:
        s = f"{x:.2f}"
    return "0.00" if s in ("-0.00", "-0", "-0.0") else s


def fmt_count(x: float) -> str:
    """A count (or the median of counts, which may end in .5)."""
    return f"{x:.0f}" if x == int(x) else f"{x:.1f}"


def cell_text(s: Optional[wbstats.Summary], prefix: str = "",
              aggregate_only: bool = False) -> str:
    if s is None:
        return DASH
    if aggregate_only:
        return f"{prefix}{fmt(s.median)} {AGG_ONLY}"
    return prefix + common.median_ci_cell(s, fmt, " " + NO_CI)


def ratio_text(r: Optional[figures.Ratio], what: str = "net cost") -> str:
    if r is None:
        return DASH
    if r.value is None:
        return f"{DASH} ({what} ≤ 0)"
    text = f"{r.value:.2f}×"
    if r.low is not None:
        text += f" [{r.low:.2f}, {r.high:.2f}]"
    else:
        text += f" {NO_CI}"
    return text + " " + significance_text(r.test)


def significance_text(t: wbstats.UTest) -> str:
    if t.too_few:
        return (f"(U test needs ≥{wbstats.MIN_SAMPLES_FOR_U_TEST} reps a "
                f"side; n={t.n_a}+{t.n_b})")
    if t.significant:
        return f"p={t.p:.3f}"
    return f"~ (p={t.p:.2f})"


def _esc(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _row(cells: List[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _matrix(run: runs.Run, render, with_baseline=False) -> List[str]:
    """A workloads x barriers markdown table; render(w, b) -> cell text.

    The baseline row is a column only where it has a figure of its own (not
    in barrier shares or ratios, which are measured against it).
    """
    barriers = run.barriers if with_baseline else run.measured_barriers
    lines = [_row(["workload"] + [f"`{_esc(b)}`" for b in barriers]),
             _row(["---"] * (len(barriers) + 1))]
    for w in run.workloads:
        lines.append(_row([f"`{_esc(w)}`"] +
                          [render(w, b) for b in barriers]))
    return lines


def _counter_matrix(run: runs.Run, counter: str, prefix: str = "",
                    with_baseline=False):
    def render(w, b):
        cell = run.cells.get((w, b))
        s = figures.summary(run, w, b, counter)
        return cell_text(s, prefix, bool(cell and cell.aggregate_only))
    return _matrix(run, render, with_baseline)


def _ratio_matrix(run: runs.Run, counter: str, what: str = "net cost"):
    def render(w, b):
        if b == figures.REFERENCE_BARRIER:
            return ("1 (reference)" if (w, b) in run.cells and
                    run.cells[(w, b)].values(counter) else DASH)
        return ratio_text(figures.ratio(run, w, b, counter), what)
    return _matrix(run, render)


def _meta(run: runs.Run, key: str, default: str = DASH) -> str:
    v = run.meta.get(key)
    return default if v is None or v == "" else _esc(v)


def _run_header(run: runs.Run) -> List[str]:
    m = run.meta
    ctx = run.context
    lines = [
        f"### `{_esc(run.machine)}` · suite `{_esc(run.suite)}` · commit "
        f"`{_esc(run.commit)}`", "",
        f"- File: `{_esc(os.path.basename(run.path))}`, run "
        f"{_esc(ctx.get('date', DASH))}.",
        f"- CPU: {_meta(run, 'cpu_model')}, {_meta(run, 'cores')} cores; "
        f"kernel {_meta(run, 'kernel')}.",
        f"- Built with {_meta(run, 'compiler')} `{_meta(run, 'flags')}`; "
        f"Google Benchmark library build: "
        f"{_esc(ctx.get('library_build_type', DASH))}.",
        f"- GC `{_meta(run, 'gc')}`, shading `{_meta(run, 'algorithm')}`, "
        f"{_meta(run, 'threads')} mutator thread(s), "
        f"{_meta(run, 'repetitions')} repetitions.",
        f"- **Cycles**: {figures.cycles_label(run)}.",
    ]
    if m.get("counters_missing_reason"):
        lines.append("- Counters missing: "
                     f"{_meta(run, 'counters_missing_reason')}.")
    sources = m.get("counter_sources")
    if isinstance(sources, dict) and sources:
        parts = [f"{_esc(k)}: {_esc(sources[k])}" for k in sorted(sources)]
        lines.append("- Counter sources: " + "; ".join(parts) + ".")
    if run.has_decomposition:
        lines.append("- **Figures and their baselines**, as wbbench recorded "
                     f"them: {_esc(figures.baseline_label(run))}.")
    else:
        lines.append(f"- **Baseline** of every barrier figure: "
                     f"{_esc(figures.baseline_label(run))}.")
    steal = m.get("steal_percent")
    if runs.is_number(steal):
        note = " (high: treat small differences as noise)" if steal > 5 else ""
        lines.append(f"- Steal time during the run: {steal:.1f}%{note}.")
    blocks, dropped = m.get("blocks"), m.get("dropped_blocks")
    if runs.is_number(blocks) and blocks > 0 and runs.is_number(dropped):
        share = dropped / blocks
        note = (" (over 20%: the machine was too busy for these figures)"
                if share > DROPPED_WARN else "")
        lines.append(f"- Blocks of timed chunks: {blocks:.0f}, of which "
                     f"{dropped:.0f} ({100 * share:.1f}%) were dropped because "
                     f"the mutator was descheduled or migrated{note}.")
    if m.get("interrupted"):
        lines.append("- **Interrupted run**: it stopped early, so some cells "
                     "have fewer repetitions or are missing.")
    lost = sum(sum(c.values(p + "lost_objects")) for c in run.cells.values()
               for p in ("",) + runs.CONFIG_PREFIXES)
    if lost:
        lines.append(f"- **The verifier reported {lost:.0f} lost objects in "
                     "this run: its figures are from an unsound "
                     "configuration.**")
    return lines


def _ratio_cells(r: Optional[figures.Ratio]) -> List[str]:
    """[ratio with CI, significance] for the claim tables."""
    if r is None or r.value is None:
        return [DASH, DASH]
    text = f"{r.value:.2f}×" + (f" [{r.low:.2f}, {r.high:.2f}]"
                                if r.low is not None else f" {NO_CI}")
    return [text, significance_text(r.test)]


def _claim_table(run: runs.Run) -> List[str]:
    go = figures.GO_CLAIM
    claims = figures.claim_ratios(run)
    lines = [
        _row(["", "eager (unbuffered)", "buffered", "eager / buffered",
              "significance"]),
        _row(["---"] * 5),
        _row([f"Go: {go.benchmark}, {go.source}",
              f"{go.eager_ns} ns/op", f"{go.buffered_ns} ns/op",
              f"{go.ratio:.2f}×", f"{go.change} ({go.spread})"]),
    ]
    if run.has_decomposition:
        config = figures.main_config_label(run)
        rows = (("own", "own ns per barriered store (gc=incremental, net of "
                        "baseline)"),
                ("gross", f"ns per store, barrier on, in {config}"),
                ("net", f"barrier share per barriered store in {config}, "
                        "net of baseline"))
    else:
        rows = tuple((key, figures.CLAIM_FIGURES[key][1])
                     for key in ("gross", "net"))
    for key, what in rows:
        counter = figures.CLAIM_FIGURES[key][0]
        r = claims[key]
        u = figures.summary(run, figures.CLAIM_WORKLOAD,
                            figures.CLAIM_NUMERATOR, counter)
        b = figures.summary(run, figures.CLAIM_WORKLOAD,
                            figures.REFERENCE_BARRIER, counter)
        lines.append(_row([f"ours: `{figures.CLAIM_WORKLOAD}`, {what}",
                           cell_text(u), cell_text(b), *_ratio_cells(r)]))
    return lines


def plot_names(run: runs.Run) -> Dict[str, str]:
    """File names (under plots/) of the plots of one run."""
    return {"cost": f"{run.stem}-barrier-cost.svg",
            "ratio": f"{run.stem}-ratio.svg"}


def _ratio_unit(run: runs.Run) -> str:
    return ("cycles (hardware counter)" if figures.ratio_in_cycles(run)
            else "ns (clock)")


def _run_section(run: runs.Run) -> List[str]:
    lines = _run_header(run)
    if run.has_decomposition:
        lines += _decomposed_tables(run)
    else:
        lines += _concurrent_only_tables(run)
    lines += ["", "<details><summary>All figures per cell</summary>", ""]
    if run.has_decomposition:
        lines += ["The decomposition, and the check and incremental "
                  "configurations:", ""]
        lines += _decomposition_details_table(run)
        lines += ["", f"{_capital(figures.main_config_label(run))}:", ""]
    lines += _details_table(run)
    lines += ["", "</details>", ""]
    return lines


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _concurrent_only_tables(run: runs.Run) -> List[str]:
    """A run stored before the decomposition: one configuration's figures."""
    prefix = figures.cycles_prefix(run)
    counter = figures.ratio_counter(run)
    names = plot_names(run)
    lines = [
        "",
        "#### Barrier cost: cycles per barriered store",
        "",
        "Median [95% CI] of the barrier's net share: the workload with the "
        "barrier on, minus the baseline named above, per barriered store.  "
        f"Source: {figures.cycles_label(run)}.",
        "",
    ]
    lines += _counter_matrix(run, "barrier_cycles_per_store", prefix)
    lines += [
        "",
        f"![Barrier cost per barriered store, {_esc(run.machine)}]"
        f"(plots/{names['cost']})",
        "",
        "#### ns per store",
        "",
        "Median [95% CI] of the gross wall-clock ns per pointer store, "
        "barrier on, from the clock; `baseline` is the run's baseline (where "
        "the run has one).",
        "",
    ]
    lines += _counter_matrix(run, "ns_per_store", with_baseline=True)
    lines += [
        "",
        "#### Ratio to `buffered`",
        "",
        f"The barrier's net cost per barriered store, in {_ratio_unit(run)}, "
        "divided by `buffered`'s on the same workload.  The interval is a 95% "
        "bootstrap interval; significance is from the Mann-Whitney U test.",
        "",
    ]
    lines += _ratio_matrix(run, counter)
    lines += _ratio_plot(run)
    lines += _claim_section(run)
    return lines


def _ratio_plot(run: runs.Run) -> List[str]:
    return ["", f"![Ratio to buffered, {_esc(run.machine)}]"
                f"(plots/{plot_names(run)['ratio']})"]


def _claim_section(run: runs.Run) -> List[str]:
    which = ("; the summary at the top shows the first, the own cost"
             if run.has_decomposition else "")
    lines = [
        "",
        "#### The seed's claim beside ours",
        "",
        "Go's figure is the gross ns per benchmark op: half the iterations "
        "swap two pointers, so one op is half a barriered store.  Compare "
        f"the ratios, not the ns.  Ours are medians [95% CI]{which}.",
        "",
    ]
    lines += _claim_table(run)
    return lines


def _decomposed_tables(run: runs.Run) -> List[str]:
    """A run with the decomposition: own cost first, the rest after."""
    prefix = figures.cycles_prefix(run)
    config = figures.main_config_label(run)
    names = plot_names(run)
    own = ("the barrier's own cost (fast path, buffer flushes and shading) "
           "with nothing else running while the timed chunks ran: "
           "gc=incremental with the barrier on, minus the baseline (the "
           "workload with no barrier code, gc=stw), per barriered store")
    lines = [
        "",
        "#### Own cost: cycles per barriered store",
        "",
        f"Median [95% CI] of {own}.  Source: {figures.cycles_label(run)}.",
        "",
    ]
    lines += _counter_matrix(run, runs.OWN_CYCLES, prefix)
    lines += [
        "",
        "#### Own cost: ns per barriered store",
        "",
        "Median [95% CI] of the same own cost, in ns from the clock.",
        "",
    ]
    lines += _counter_matrix(run, runs.OWN_NS)
    lines += [
        "",
        f"![Own barrier cost per barriered store, {_esc(run.machine)}]"
        f"(plots/{names['cost']})",
        "",
        "#### Check: ns per store",
        "",
        "Median [95% CI] of the check: the workload with the barrier code "
        "compiled in but the barrier off (gc=stw, so it never turns on), "
        "minus the baseline, per store.",
        "",
    ]
    lines += _counter_matrix(run, runs.CHECK_NS)
    lines += [
        "",
        "#### Interference: ns per store",
        "",
        f"Median [95% CI] of the interference: the barrier-on chunks of "
        f"{config} minus those of the incremental configuration "
        "(gc=incremental), per store: what the marker running beside the "
        "mutator adds.",
        "",
    ]
    lines += _counter_matrix(run, runs.INTERFERENCE_NS)
    for counter, title, what in (
            ("pause_ns_per_store", "Pauses",
             "blocked at safepoints, in stop-the-world pauses or at the heap "
             "goal"),
            ("assist_ns_per_store", "Assists", "assisting the marker")):
        lines += [
            "",
            f"#### {title}: ns per store",
            "",
            f"Median [95% CI] of the mutator's time {what}, per store, in "
            f"{config}; `baseline` is the baseline's own (gc=stw).  This "
            "time is left out of every chunk figure above.",
            "",
        ]
        lines += _counter_matrix(run, counter, with_baseline=True)
    lines += [
        "",
        "#### Ratio to `buffered`",
        "",
        f"The barrier's own cost per barriered store, in {_ratio_unit(run)}, "
        "divided by `buffered`'s on the same workload.  The interval is a 95% "
        "bootstrap interval; significance is from the Mann-Whitney U test.",
        "",
    ]
    lines += _ratio_matrix(run, figures.ratio_counter(run), "own cost")
    lines += _ratio_plot(run)
    lines += [
        "",
        f"#### {_capital(config)}: barrier share, cycles per barriered store",
        "",
        f"Median [95% CI] of the share of {config}: the workload with the "
        "barrier on, minus the baseline, per barriered store, so own cost "
        "and interference together.  Its chunks, too, leave pauses, assists "
        f"and dropped blocks out.  Source: {figures.cycles_label(run)}.",
        "",
    ]
    lines += _counter_matrix(run, "barrier_cycles_per_store", prefix)
    lines += [
        "",
        f"#### {_capital(config)}: ns per store",
        "",
        "Median [95% CI] of the gross wall-clock ns per pointer store in "
        f"{config}, barrier on, from the clock; `baseline` is the run's "
        "baseline.",
        "",
    ]
    lines += _counter_matrix(run, "ns_per_store", with_baseline=True)
    lines += _claim_section(run)
    return lines


def _dropped_share(cell: runs.Cell) -> Optional[float]:
    """Share of the blocks of all a cell's configurations that were dropped.

    Summed over repetitions and configurations as wbbench sums it for the
    whole run; None where a configuration's blocks and share do not pair up.
    """
    blocks = dropped = 0.0
    for p in ("",) + runs.CONFIG_PREFIXES:
        n = cell.values(p + "blocks")
        f = cell.values(p + "dropped_block_fraction")
        if len(n) != len(f):
            return None
        blocks += sum(n)
        dropped += sum(a * b for a, b in zip(n, f))
    return dropped / blocks if blocks > 0 else None


def _median(cell: runs.Cell, counter: str, pre: str = "", scale: float = 1.0,
            suffix: str = "") -> str:
    v = cell.values(counter)
    if not v:
        return DASH
    return pre + fmt(wbstats.summarize(v).median * scale) + suffix


def _count(cell: runs.Cell, counter: str) -> str:
    v = cell.values(counter)
    return DASH if not v else fmt_count(wbstats.summarize(v).median)


def _decomposition_details_table(run: runs.Run) -> List[str]:
    prefix = figures.cycles_prefix(run)
    head = ["workload", "barrier", "reps", "own ns / barriered store",
            f"min own {prefix}cycles", "check ns / store",
            "interference ns / store",
            "incremental ns / store, barrier on",
            "incremental ns / store, barrier off",
            "incremental barrier on", "incremental GC cycles",
            "incremental mark steps", "check config ns / store",
            "pause ns / store", "assist ns / store", "dropped blocks"]
    lines = [_row(head), _row(["---"] * len(head))]
    for w in run.workloads:
        for b in run.barriers:
            cell = run.cells.get((w, b))
            if cell is None:
                continue
            oc = cell.values(runs.OWN_CYCLES)
            dropped = _dropped_share(cell)
            drop_text = DASH if dropped is None else f"{100 * dropped:.1f}%"
            if dropped is not None and dropped > DROPPED_WARN:
                drop_text = f"**{drop_text}**"
            lines.append(_row([
                f"`{_esc(w)}`", f"`{_esc(b)}`", str(cell.repetitions),
                cell_text(figures.summary(run, w, b, runs.OWN_NS),
                          aggregate_only=cell.aggregate_only),
                DASH if not oc else prefix + fmt(min(oc)),
                _median(cell, runs.CHECK_NS),
                _median(cell, runs.INTERFERENCE_NS),
                _median(cell, "incremental_ns_per_store_barrier_on"),
                _median(cell, "incremental_ns_per_store_barrier_off"),
                _median(cell, "incremental_barrier_on_fraction", scale=100,
                        suffix="%"),
                _count(cell, "incremental_gc_cycles"),
                _count(cell, "incremental_mark_steps"),
                _median(cell, "off_ns_per_store"),
                _median(cell, "pause_ns_per_store"),
                _median(cell, "assist_ns_per_store"),
                drop_text,
            ]))
    return lines


def _details_table(run: runs.Run) -> List[str]:
    prefix = figures.cycles_prefix(run)
    head = ["workload", "barrier", "reps", "barrier ns / barriered store",
            f"min barrier {prefix}cycles", "CV of barrier cycles",
            f"{prefix}cycles / store", "TSC ticks / store", "stores",
            "barriered stores", "flushes", "flushes / 1000 stores",
            "GC cycles", "mark ms", "max pause µs", "barrier on"]
    lines = [_row(head), _row(["---"] * len(head))]
    med, count = _median, _count

    for w in run.workloads:
        for b in run.barriers:
            cell = run.cells.get((w, b))
            if cell is None:
                continue
            bc = cell.values("barrier_cycles_per_store")
            s = wbstats.summarize(bc) if bc else None
            lines.append(_row([
                f"`{_esc(w)}`", f"`{_esc(b)}`", str(cell.repetitions),
                cell_text(figures.summary(run, w, b, "barrier_ns_per_store"),
                          aggregate_only=cell.aggregate_only),
                DASH if s is None else prefix + fmt(s.minimum),
                DASH if s is None or s.cv is None else f"{100 * s.cv:.1f}%",
                med(cell, "cycles_per_store", prefix),
                med(cell, "tsc_ticks_per_store"),
                count(cell, "stores"), count(cell, "barriered_stores"),
                count(cell, "flushes"), med(cell, "flushes_per_1000_stores"),
                count(cell, "gc_cycles"), med(cell, "mark_ms"),
                med(cell, "max_pause_us"),
                med(cell, "barrier_on_fraction", scale=100, suffix="%"),
            ]))
    return lines


_CYCLES_KIND = {"estimate": "estimate (TSC)", "hardware": "hardware",
                "": "not measured"}
_CLAIM_WHAT = {"own": "own ns per barriered store",
               "gross": "ns per store, barrier on"}


def _summary_table(all_runs: List[runs.Run]) -> List[str]:
    go = figures.GO_CLAIM
    lines = [
        _row(["machine", "suite", "commit", "cycles", "figure",
              f"`{figures.CLAIM_WORKLOAD}` unbuffered / buffered [95% CI]",
              "significance"]),
        _row(["---"] * 7),
        _row(["Go (published)", go.benchmark, "7e343134", "—",
              "ns per op, barrier on",
              f"{go.ratio:.2f}× ({go.eager_ns} → {go.buffered_ns} ns/op)",
              go.spread]),
    ]
    for run in all_runs:
        key = figures.claim_key(run)
        lines.append(_row([f"`{_esc(run.machine)}`", f"`{_esc(run.suite)}`",
                           f"`{_esc(run.commit)}`",
                           _CYCLES_KIND[run.meta.get("cycles_source")
                                        or ""],
                           _CLAIM_WHAT[key],
                           *_ratio_cells(figures.claim_ratios(run)[key])]))
    return lines


def render(all_runs: List[runs.Run]) -> str:
    """The whole of results/README.md."""
    lines = [
        "# wbbench results",
        "",
        "Generated by `analysis/make_table.py` from the stored runs in this "
        "folder.  Do not edit it by hand: rerun the script.  To add a run "
        "from your machine, use `analysis/rerun.sh` (or `--quick`).",
        "",
        "## Summary: the seed's claim beside ours",
        "",
    ]
    lines += _summary_table(all_runs)
    lines += ["", HOW_TO_READ.rstrip("\n"), "",
              f"{NO_CI} fewer than {wbstats.MIN_SAMPLES_FOR_CI} repetitions: "
              "no 95% CI.  "
              f"{AGG_ONLY} only the stored median aggregate: no CI.", ""]
    machine = None
    for run in all_runs:
        if run.machine != machine:
            machine = run.machine
            lines += [f"## Machine `{_esc(machine)}`", ""]
        lines += _run_section(run)
    return "\n".join(lines).rstrip("\n") + "\n"
