"""Renders results/README.md from loaded runs.

One section per machine, one subsection per stored run (suite and commit):
what the run was, then workloads x barriers tables of the barrier's net cost
in cycles per barriered store, ns per store, and the ratio to `buffered`,
each cell a median with its 95% CI, then the comparison with Go's published
3.83x, and the plots.  Every figure is labelled with its source (hardware
counter, or estimate from the TSC-calibrated clock) and its baseline.  A
counter a run could not measure is shown as "—", never as 0.

The output depends only on the runs, so regenerating it gives the same bytes.
"""

import os
from typing import Dict, List, Optional

import figures
import runs
import wbstats

DASH = "—"
NO_CI = "†"       # fewer than 6 repetitions: no 95% CI
AGG_ONLY = "‡"    # only the `_median` aggregate row was stored

HOW_TO_READ = """\
## How to read these tables

- Each cell is the **median over repetitions** with its **95% confidence
  interval** in brackets, `14.5 [11.0, 18.0]`.  The interval comes from
  order statistics, as Go's benchstat computes it, and makes no assumption
  about the distribution.  It needs at least 6 repetitions; a value marked
  `{no_ci}` had fewer, so it has no interval.
- **Barrier cost per barriered store** is the barrier's own share.  It is
  this workload with the barrier on, minus the run's baseline (named above
  each table), divided by the stores made while the barrier was on.  Within
  noise it can be zero or negative.
- **ns per store** is the gross time per pointer store with the barrier
  enabled.  It includes the workload's own work.
- **Source of cycles.**  A figure written `≈12.3` is an *estimate*: TSC
  time multiplied by a core clock estimated from a chain of dependent adds.
  wbbench uses it on machines without a hardware cycle counter.  Figures
  without `≈` come from the hardware cycle counter.  ns figures always come
  from the TSC-calibrated clock.
- **Ratio to buffered** is median(barrier) / median(buffered) on the same
  workload, with a 95% bootstrap interval (fixed seed).  After it comes the
  two-sided Mann-Whitney U test (as in compare.py and benchstat):
  `p=0.001` alone means significant at α = 0.05; `~ (p=0.48)` means no
  significant difference.  At least 4 repetitions a side are needed for the
  test.
- `{dash}` means the run did not measure that figure (the counter was
  unavailable, or that workload/barrier was not run).  It never means zero.
- The machine is noisy if its steal time or CV is high.  Compare runs only
  within one stored file: its barriers were interleaved.
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
    if not s.has_ci:
        return f"{prefix}{fmt(s.median)} {NO_CI}"
    return f"{prefix}{fmt(s.median)} [{fmt(s.ci_low)}, {fmt(s.ci_high)}]"


def ratio_text(r: Optional[figures.Ratio]) -> str:
    if r is None:
        return DASH
    if r.value is None:
        return f"{DASH} (net cost ≤ 0)"
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


def _ratio_matrix(run: runs.Run, counter: str):
    def render(w, b):
        if b == figures.REFERENCE_BARRIER:
            return ("1 (reference)" if (w, b) in run.cells and
                    run.cells[(w, b)].values(counter) else DASH)
        return ratio_text(figures.ratio(run, w, b, counter))
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
    lines.append(f"- **Baseline** of every barrier figure: "
                 f"{_esc(figures.baseline_label(run))}.")
    steal = m.get("steal_percent")
    if runs.is_number(steal):
        note = " (high: treat small differences as noise)" if steal > 5 else ""
        lines.append(f"- Steal time during the run: {steal:.1f}%{note}.")
    if m.get("interrupted"):
        lines.append("- **Interrupted run**: it stopped early, so some cells "
                     "have fewer repetitions or are missing.")
    lost = sum(sum(c.values("lost_objects")) for c in run.cells.values())
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
    for key, counter, what in (
            ("gross", "ns_per_store", "ns per store, barrier on"),
            ("net", "barrier_ns_per_store",
             "barrier ns per barriered store, net of baseline")):
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


def _run_section(run: runs.Run) -> List[str]:
    prefix = figures.cycles_prefix(run)
    counter = figures.ratio_counter(run)
    unit = ("cycles (hardware counter)" if counter.startswith("barrier_cycles")
            else "ns (clock)")
    names = plot_names(run)
    lines = _run_header(run)
    lines += [
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
        f"The barrier's net cost per barriered store, in {unit}, divided by "
        "`buffered`'s on the same workload.  The interval is a 95% "
        "bootstrap interval; significance is from the Mann-Whitney U test.",
        "",
    ]
    lines += _ratio_matrix(run, counter)
    lines += [
        "",
        f"![Ratio to buffered, {_esc(run.machine)}](plots/{names['ratio']})",
        "",
        "#### The seed's claim beside ours",
        "",
        "Go's figure is the gross ns per benchmark op: half the iterations "
        "swap two pointers, so one op is half a barriered store.  Compare "
        "the ratios, not the ns.  Ours are medians [95% CI].",
        "",
    ]
    lines += _claim_table(run)
    lines += ["", "<details><summary>All figures per cell</summary>", ""]
    lines += _details_table(run)
    lines += ["", "</details>", ""]
    return lines


def _details_table(run: runs.Run) -> List[str]:
    prefix = figures.cycles_prefix(run)
    head = ["workload", "barrier", "reps", "barrier ns / barriered store",
            f"min barrier {prefix}cycles", "CV of barrier cycles",
            f"{prefix}cycles / store", "TSC ticks / store", "stores",
            "barriered stores", "flushes", "flushes / 1000 stores",
            "GC cycles", "mark ms", "max pause µs", "barrier on"]
    lines = [_row(head), _row(["---"] * len(head))]

    def med(cell, counter, pre="", scale=1.0, suffix=""):
        v = cell.values(counter)
        if not v:
            return DASH
        return pre + fmt(wbstats.summarize(v).median * scale) + suffix

    def count(cell, counter):
        v = cell.values(counter)
        return DASH if not v else fmt_count(wbstats.summarize(v).median)

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


def _summary_table(all_runs: List[runs.Run]) -> List[str]:
    go = figures.GO_CLAIM
    lines = [
        _row(["machine", "suite", "commit", "cycles",
              f"`{figures.CLAIM_WORKLOAD}` unbuffered / buffered, ns per "
              "store [95% CI]", "significance"]),
        _row(["---"] * 6),
        _row(["Go (published)", go.benchmark, "7e343134", "—",
              f"{go.ratio:.2f}× ({go.eager_ns} → {go.buffered_ns} ns/op)",
              go.spread]),
    ]
    for run in all_runs:
        lines.append(_row([f"`{_esc(run.machine)}`", f"`{_esc(run.suite)}`",
                           f"`{_esc(run.commit)}`",
                           _CYCLES_KIND[run.meta.get("cycles_source")
                                        or ""],
                           *_ratio_cells(figures.claim_ratios(run)["gross"])]))
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
