#!/usr/bin/python3
"""Scaling with mutators: the barrier's own cost against --threads.

    /usr/bin/python3 analysis/scaling.py [--max-threads N] [--repetitions N]
        [--duration D] [--time-limit S] [--results DIR] [WBBENCH]

Runs WBBENCH (default: build/wbbench in this checkout) once per mutator
count T = 1 .. N (N: --max-threads, default this machine's cores):

    wbbench --workload=tree-reverse --barrier=unbuffered,buffered
            --gc=continuous --threads=T --repetitions=R --duration=D
            --format=json --out=...

R and D are wbbench's defaults (12 repetitions of 70ms) unless given.  Per T:
the median and 95% CI of each barrier's own cost per barriered store
(own_ns_per_barriered_store and its cycles twin: gc=incremental, barrier on,
minus the baseline; harness/runner.h), the ratio unbuffered / buffered of
the medians with its bootstrap CI and U test (analysis/wbstats.py), and how
many of the incremental configuration's timed chunks ran while a mark step
ran (incremental_mark_step_chunks): with T > 1 one mutator's mark steps run
while the others' chunks run, so the own cost is no longer measured with
nothing beside it.

Stored, once every T has run and been checked: the raw wbbench reports as
RESULTS/scaling/<machine>-<commit>/threads-<T>.json, the sweep and its
figures as RESULTS/scaling/<machine>-<commit>.json (it names the reports),
and the plot RESULTS/plots/scaling-<machine>-<commit>.svg (own cost and
ratio against T, with Go's 3.83x for reference); machine and commit are
those wbbench recorded.  Everything is written under temporary names and
renamed into place, so a failed or interrupted sweep stores nothing.  An
older sweep of the same machine (another commit) is replaced.  Then the
figures are printed as a markdown table and, if RESULTS holds timed runs,
RESULTS/README.md is regenerated (analysis/make_table.py, which renders the
same section and plot from what is stored here).

Time: about 7 configurations x (R + 1) x (D x 1.25 + 0.1 s x T) per T (43 s
for T = 1, 2 at the defaults); a wbbench still running when the sweep's
time limit (twice that, plus a minute; --time-limit S to set it) is up is
stopped (SIGINT, then SIGKILL), and nothing is stored.

Exit status: 0 stored and tabulated; 1 a run failed, timed out, was
interrupted or wrote an unusable report; 2 bad usage or a missing tool.
"""

import argparse
import datetime
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import Dict, List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

if __name__ == "__main__":
    try:
        import matplotlib  # noqa: F401
        import numpy  # noqa: F401
        import scipy  # noqa: F401
    except ImportError:
        print("scaling: /usr/bin/python3 lacks numpy/scipy/matplotlib; run "
              "./setup.sh (python3-numpy python3-scipy python3-matplotlib)",
              file=sys.stderr)
        sys.exit(2)

import common  # noqa: E402
import figures  # noqa: E402
import runs  # noqa: E402
import wbstats  # noqa: E402
from table import (DASH, NO_CI, _esc, _row, cell_text,  # noqa: E402
                   significance_text)

EXIT_FAILED = 1
EXIT_USAGE = 2

FOLDER = "scaling"  # under results/
KIND = "wbbench scaling with mutators"
WORKLOAD = figures.CLAIM_WORKLOAD
BARRIERS = [figures.CLAIM_NUMERATOR, figures.REFERENCE_BARRIER]
GC = "continuous"
DEFAULT_REPETITIONS = 12   # wbbench's defaults
DEFAULT_DURATION = "70ms"
MAX_THREADS = 256          # wbbench's --threads range is 1-256
# The baseline, and each barrier's check, incremental and concurrent
# configurations.
CONFIGURATIONS = 1 + 3 * len(BARRIERS)
# Setup of one repetition (fresh heap, a tree per mutator, a full
# collection), per mutator: 0.08 s a mutator measured on 2 busy cores.
SETUP_S_PER_MUTATOR = 0.1
STOP_GRACE_S = 20  # after SIGINT, before SIGKILL
# Chunks per block (harness/chunk_meter.h, kChunksPerBlock): the share of
# chunks a mark step ran beside is taken over 32 x the blocks, so it is
# approximate (a repetition's last block can be short).
CHUNKS_PER_BLOCK = 32
STEP_CHUNKS = "incremental_mark_step_chunks"
STEP_BLOCKS = "incremental_blocks"

_DURATION = re.compile(r"^(?:(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h))+$")
_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_UNIT_S = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0,
           "m": 60.0, "h": 3600.0}


class UsageError(Exception):
    """Bad usage or a missing tool (exit status 2); str() is one line."""


class SweepError(Exception):
    """A run that failed (exit status 1); str() is one line."""


# --- Options and plan -------------------------------------------------------

def duration_seconds(text: str) -> float:
    """A wbbench --duration (absl's syntax, e.g. 70ms, 1.5s, 1m30s) in s."""
    if not _DURATION.match(text):
        raise UsageError(f"bad --duration '{text}'; accepted: a duration "
                         "from 10ms to 10m, e.g. 200ms, 1s")
    seconds = sum(float(n) * _UNIT_S[u]
                  for n, u in _DURATION_PART.findall(text))
    if not 0.01 <= seconds <= 600:
        raise UsageError(f"bad --duration '{text}'; accepted: a duration "
                         "from 10ms to 10m, e.g. 200ms, 1s")
    return seconds


def estimate_s(threads: int, repetitions: int, duration_s: float) -> float:
    """What one wbbench run of the sweep should take, in seconds."""
    return (CONFIGURATIONS * (repetitions + 1) *
            (duration_s * 1.25 + SETUP_S_PER_MUTATOR * threads))


def default_limit_s(max_threads: int, repetitions: int,
                    duration_s: float) -> int:
    total = sum(estimate_s(t, repetitions, duration_s)
                for t in range(1, max_threads + 1))
    return int(2 * total + 60)


def _count(low: int, high: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a whole "
                                             "number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is not in {low}-"
                                             f"{high}")
        return value
    return parse


def _parse_args(argv):
    p = argparse.ArgumentParser(
        prog="scaling",
        description="Sweep wbbench --threads 1..N for unbuffered and "
                    "buffered on tree-reverse; store, plot and tabulate "
                    "the own cost and their ratio against the mutators.")
    p.add_argument("wbbench", nargs="?",
                   default=os.path.join(ROOT, "build", "wbbench"),
                   help="the wbbench binary (default: %(default)s)")
    p.add_argument("--max-threads", type=_count(1, MAX_THREADS),
                   default=os.cpu_count() or 1,
                   help="largest mutator count (default: this machine's "
                        "cores, %(default)s)")
    p.add_argument("--repetitions", type=_count(1, 1000),
                   default=DEFAULT_REPETITIONS,
                   help="wbbench --repetitions (default %(default)s)")
    p.add_argument("--duration", default=DEFAULT_DURATION,
                   help="wbbench --duration (default %(default)s)")
    p.add_argument("--time-limit", type=_count(1, 7 * 24 * 3600),
                   default=None, metavar="S",
                   help="seconds the whole sweep may take (default: twice "
                        "the estimate, plus a minute)")
    p.add_argument("--results", default=os.path.join(ROOT, "results"),
                   help="results folder (default %(default)s)")
    return p.parse_args(argv)


def wbbench_args(threads, repetitions: int, duration: str,
                 out: str) -> List[str]:
    """wbbench's flags for the run with `threads` mutators."""
    return [f"--workload={WORKLOAD}", f"--barrier={','.join(BARRIERS)}",
            f"--gc={GC}", f"--threads={threads}",
            f"--repetitions={repetitions}", f"--duration={duration}",
            "--format=json", f"--out={out}"]


# --- The sweep --------------------------------------------------------------

def _stop(proc: subprocess.Popen) -> None:
    """SIGINT to wbbench's process group, then SIGKILL after the grace."""
    for sig, wait in ((signal.SIGINT, STOP_GRACE_S), (signal.SIGKILL, None)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def run_one(wbbench: str, args: List[str], left_s: float) -> None:
    """Runs wbbench in a process group of its own, within left_s seconds.

    Its stdout (the console table) goes to stderr, so that stdout has only
    the sweep's table.
    """
    if left_s <= 0:
        raise SweepError("out of time before the run; nothing stored")
    proc = subprocess.Popen([wbbench, *args], stdout=sys.stderr,
                            start_new_session=True)
    try:
        status = proc.wait(timeout=left_s)
    except subprocess.TimeoutExpired:
        _stop(proc)
        raise SweepError("wbbench ran past the sweep's time limit and was "
                         "stopped; nothing stored") from None
    except KeyboardInterrupt:
        _stop(proc)
        raise SweepError("interrupted; nothing stored") from None
    if status == EXIT_USAGE:
        raise UsageError("wbbench rejected its options (exit status 2, it "
                         "said why above); nothing stored")
    if status != 0:
        raise SweepError(f"wbbench failed (exit status {status}); nothing "
                         "stored")


def check_report(path: str, threads: int) -> runs.Run:
    """The report of the run with `threads` mutators, or SweepError."""
    if not os.path.isfile(path) or os.path.getsize(path) == 0:
        raise SweepError("wbbench exited 0 but wrote no report to --out; "
                         "nothing stored")
    try:
        run = check_run(runs.load_run(path), threads)
    except runs.ResultsError as e:
        raise SweepError(f"wbbench wrote an unusable report: {e}") from None
    if run.meta.get("interrupted"):
        raise SweepError("wbbench was interrupted; nothing stored")
    return run


def check_run(run: runs.Run, threads: int) -> runs.Run:
    """Checks that a report is of this sweep's run with `threads` mutators."""
    if run.meta.get("threads") != threads:
        raise runs.ResultsError(f"{run.path}: context.wbbench.threads is "
                                f"{run.meta.get('threads')!r}, not {threads}")
    for b in BARRIERS:
        if (WORKLOAD, b) not in run.cells:
            raise runs.ResultsError(f"{run.path}: no '{WORKLOAD}/barrier="
                                    f"{b}' rows")
    return run


# --- Figures ----------------------------------------------------------------

@dataclass(frozen=True)
class Point:
    """The figures of the run with `threads` mutators."""
    threads: int
    own_ns: Dict[str, Optional[wbstats.Summary]]
    own_cycles: Dict[str, Optional[wbstats.Summary]]
    ratio: Optional[figures.Ratio]
    ratio_counter: str
    # Per barrier, summed over repetitions: the incremental configuration's
    # timed chunks during which a mark step ran, and about how many chunks
    # it timed (CHUNKS_PER_BLOCK x its blocks); None when not reported.
    step_chunks: Dict[str, Optional[float]]
    chunks: Dict[str, Optional[float]]
    # Share of the blocks dropped in the configurations the own cost is
    # made of (not the concurrent one's, whose mark worker takes a core).
    dropped: Optional[float]
    steal: Optional[float]     # percent
    load: Optional[float]      # 1-minute load as the run started


def _sum(cell: runs.Cell, counter: str) -> Optional[float]:
    values = cell.values(counter)
    return float(sum(values)) if values else None


def own_dropped(run: runs.Run) -> Optional[float]:
    """Dropped share of the baseline's, check and incremental blocks."""
    blocks = dropped = 0.0
    legs = [(runs.BASELINE, "")] + [(b, p) for b in BARRIERS
                                    for p in runs.CONFIG_PREFIXES]
    for barrier, prefix in legs:
        cell = run.cells.get((WORKLOAD, barrier))
        n = cell.values(prefix + "blocks") if cell else []
        share = cell.values(prefix + "dropped_block_fraction") if cell else []
        if not n or len(n) != len(share):
            return None
        blocks += sum(n)
        dropped += sum(a * b for a, b in zip(n, share))
    return dropped / blocks if blocks > 0 else None


def point(run: runs.Run) -> Point:
    counter = figures.ratio_counter(run)
    step_chunks, chunks = {}, {}
    for b in BARRIERS:
        cell = run.cells[(WORKLOAD, b)]
        step_chunks[b] = _sum(cell, STEP_CHUNKS)
        blocks = _sum(cell, STEP_BLOCKS)
        chunks[b] = None if blocks is None else CHUNKS_PER_BLOCK * blocks
    load = run.context.get("load_avg")
    return Point(
        threads=int(run.meta["threads"]),
        own_ns={b: figures.summary(run, WORKLOAD, b, runs.OWN_NS)
                for b in BARRIERS},
        own_cycles={b: figures.summary(run, WORKLOAD, b, runs.OWN_CYCLES)
                    for b in BARRIERS},
        ratio=figures.ratio(run, WORKLOAD, BARRIERS[0], counter, BARRIERS[1]),
        ratio_counter=counter,
        step_chunks=step_chunks, chunks=chunks,
        dropped=own_dropped(run),
        steal=(run.meta.get("steal_percent")
               if runs.is_number(run.meta.get("steal_percent")) else None),
        load=(float(load[0]) if isinstance(load, list) and load
              and runs.is_number(load[0]) else None))


def _summary_json(s: Optional[wbstats.Summary]):
    if s is None:
        return None
    return {"n": s.n, "median": s.median, "ci_low": s.ci_low,
            "ci_high": s.ci_high}


def point_json(p: Point) -> dict:
    """The figures of a point as the stored sweep holds them."""
    r = p.ratio
    return {
        "threads": p.threads,
        "barriers": {b: {runs.OWN_NS: _summary_json(p.own_ns[b]),
                         runs.OWN_CYCLES: _summary_json(p.own_cycles[b]),
                         STEP_CHUNKS: p.step_chunks[b],
                         "approx_incremental_chunks": p.chunks[b]}
                     for b in BARRIERS},
        "ratio": None if r is None else {
            "of": f"{BARRIERS[0]} / {BARRIERS[1]}",
            "counter": p.ratio_counter, "value": r.value, "ci_low": r.low,
            "ci_high": r.high, "u_test_p": r.test.p},
        "dropped_block_fraction_own_configurations": p.dropped,
        "steal_percent": p.steal,
        "load_avg_1m": p.load,
    }


# --- Stored sweeps ----------------------------------------------------------

@dataclass
class Scaling:
    """One stored sweep: RESULTS/scaling/<stem>.json and its reports."""
    path: str
    stem: str
    machine: str
    commit: str
    doc: dict
    runs: List[runs.Run]   # by threads

    @property
    def cycles_prefix(self) -> str:
        return figures.cycles_prefix(self.runs[0])

    def points(self) -> List[Point]:
        return [point(r) for r in self.runs]


def plot_name(s: Scaling) -> str:
    """The plot's file name under plots/."""
    return f"scaling-{s.stem}.svg"


def load_scaling(path: str) -> Scaling:
    """Reads and checks a stored sweep and every report it names."""
    def fail(what):
        return runs.ResultsError(f"{path}: {what}")
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise fail(f"cannot be read as JSON ({e})") from None
    if not isinstance(doc, dict) or doc.get("kind") != KIND:
        raise fail(f"not a stored sweep (no \"kind\": \"{KIND}\"; "
                   "analysis/scaling.py writes them)")
    for key in ("machine", "commit"):
        if not isinstance(doc.get(key), str) or not doc[key]:
            raise fail(f"'{key}' is missing or not a string")
    reports = doc.get("reports")
    if not isinstance(reports, dict) or not reports:
        raise fail("no 'reports' (threads -> wbbench report)")
    folder = os.path.dirname(path)
    loaded = []
    for key, rel in reports.items():
        if not (isinstance(key, str) and key.isdigit() and
                isinstance(rel, str) and rel and not os.path.isabs(rel) and
                ".." not in rel.split("/")):
            raise fail(f"reports[{key!r}] is not threads -> a path inside "
                       f"{FOLDER}/")
        run = check_run(runs.load_run(os.path.join(folder, rel)), int(key))
        if run.machine != doc["machine"]:
            raise fail(f"{rel} is a run of machine '{run.machine}', not "
                       f"'{doc['machine']}'")
        loaded.append(run)
    loaded.sort(key=lambda r: r.meta["threads"])
    return Scaling(path=path,
                   stem=os.path.splitext(os.path.basename(path))[0],
                   machine=doc["machine"], commit=doc["commit"], doc=doc,
                   runs=loaded)


def load_dir(folder: str) -> List[Scaling]:
    """Every folder/*.json, by machine; [] when there is none."""
    if not os.path.isdir(folder):
        return []
    found = [load_scaling(os.path.join(folder, n))
             for n in runs.json_files(folder)]
    return sorted(found, key=lambda s: (s.machine, s.stem))


# --- Table and README section ----------------------------------------------

def _share(step: Optional[float], chunks: Optional[float]) -> str:
    if step is None:
        return DASH
    text = f"{step:.0f}"
    if chunks:
        text += f" ({100 * step / chunks:.1f}%)"
    return text


def table_lines(s: Scaling) -> List[str]:
    """The markdown table of one sweep, a row per mutator count."""
    cyc = s.cycles_prefix
    u, b = BARRIERS
    head = ["mutators", f"`{u}` own ns / bstore", f"`{b}` own ns / bstore",
            f"`{u}` own {cyc}cycles", f"`{b}` own {cyc}cycles",
            f"{u} / {b} [95% CI]", "significance",
            f"mark-step chunks `{u}`", f"mark-step chunks `{b}`",
            "dropped blocks (own)", "steal", "load (1 min) at start"]
    lines = [_row(head), _row(["---"] * len(head))]
    for p in s.points():
        r = p.ratio
        if r is None or r.value is None:
            ratio, sig = DASH + (" (own cost ≤ 0)" if r else ""), DASH
        else:
            ratio = f"{r.value:.2f}×" + (f" [{r.low:.2f}, {r.high:.2f}]"
                                         if r.low is not None else
                                         f" {NO_CI}")
            sig = significance_text(r.test)
        lines.append(_row([
            str(p.threads),
            cell_text(p.own_ns[u]), cell_text(p.own_ns[b]),
            cell_text(p.own_cycles[u], cyc), cell_text(p.own_cycles[b], cyc),
            ratio, sig,
            _share(p.step_chunks[u], p.chunks[u]),
            _share(p.step_chunks[b], p.chunks[b]),
            DASH if p.dropped is None else f"{100 * p.dropped:.1f}%",
            DASH if p.steal is None else f"{p.steal:.1f}%",
            DASH if p.load is None else f"{p.load:.2f}"]))
    return lines


def _sweep_line(s: Scaling) -> str:
    d = s.doc
    cores = s.runs[0].meta.get("cores")
    before, after = d.get("load_avg_before"), d.get("load_avg_after")
    load = ""
    if isinstance(before, list) and isinstance(after, list) and before \
            and after:
        load = (f"; 1-minute load {before[0]:.2f} before the sweep, "
                f"{after[0]:.2f} after")
    return (f"- `{_esc(d.get('command', DASH))}` for T = "
            f"{', '.join(str(r.meta['threads']) for r in s.runs)} on "
            f"{_esc(cores if cores is not None else DASH)} cores, "
            f"{_esc(d.get('date', DASH))}{load}.")


CAVEATS = [
    "With T > 1 mutators the own cost is no longer measured with nothing "
    "beside it: under gc=incremental the mark steps run on the mutators' "
    "own threads between their blocks (one at a time), so a step on one "
    "mutator runs while the others' timed chunks run, their barriers "
    "shading beside its marking.  The mark-step chunks columns count the "
    "timed chunks during which a step ran "
    "(`incremental_mark_step_chunks`, summed over the repetitions; in "
    f"brackets their share of about {CHUNKS_PER_BLOCK} × the incremental "
    "configuration's blocks).  With one mutator it is 0.",
    "With T = cores no core is idle: the OS, other jobs on the machine and "
    "each mutator's mark steps share the cores with the mutators, so "
    "descheduled blocks and noise grow at the last T.  Dropped blocks "
    "(own) is the share of the blocks wbbench dropped as descheduled in the "
    "configurations the own cost is made of (the baseline, and each "
    "barrier's check and incremental ones); the concurrent configuration, "
    "whose mark worker takes a core beside the mutators, drops more, and "
    "does not enter the own cost.",
    "Go's 3.83× is BenchmarkWriteBarrier-12: GOMAXPROCS = 12 Ps with one "
    "goroutine storing and runtime.GC() in a loop beside it; here T is the "
    "number of storing mutators, each with its own buffer.  More Ps in Go "
    "give the collector more cores, not more storing threads, so this sweep "
    "asks a neighbouring question: whether the gap grows with storing "
    "threads.",
]


def section_lines(s: Scaling) -> List[str]:
    """One sweep's subsection: what ran, the table, the plot, the caveats."""
    cores = s.runs[0].meta.get("cores")
    unit = ("cycles (hardware counter)" if figures.ratio_in_cycles(s.runs[0])
            else "ns (clock)")
    lines = [f"### `{_esc(s.machine)}` · commit `{_esc(s.commit)}`", "",
             f"- File: `{FOLDER}/{_esc(os.path.basename(s.path))}`, with "
             f"the raw wbbench report of each T under `{FOLDER}/"
             f"{_esc(s.stem)}/`.", _sweep_line(s),
             f"- **Cycles**: {figures.cycles_label(s.runs[0])}.",
             f"- The ratio is taken on the own cost in {unit}.", ""]
    lines += table_lines(s)
    lines += ["", f"![Own cost and ratio against mutators, "
                  f"{_esc(s.machine)}](plots/{plot_name(s)})", ""]
    if isinstance(cores, int) and cores <= 2:
        lines += [f"This machine has {cores} cores: the sweep has "
                  f"{len(s.runs)} point(s), too few to show a trend; "
                  "the figures are here so that a machine with more cores "
                  "can be put beside them.", ""]
    return lines


def render(scalings: List[Scaling]) -> str:
    """The README section (markdown, ending in a newline); "" for none."""
    if not scalings:
        return ""
    lines = [
        "## Scaling with mutators",
        "",
        "Made by `/usr/bin/python3 analysis/scaling.py` (`--max-threads`, "
        "`--repetitions` and `--duration` change the sweep): wbbench on "
        "`tree-reverse` with "
        "`unbuffered` and `buffered` for T = 1 .. cores mutator threads "
        "(`--threads`), one wbbench run per T.  Each cell is the median "
        "[95% CI] of the barrier's **own cost per barriered store** "
        "(gc=incremental, barrier on, minus the baseline; bstore = "
        "barriered store), and the ratio of the medians with its bootstrap "
        "interval and U test, as in the tables above.  Read with care:",
        "",
    ]
    lines += [f"- {c}" for c in CAVEATS] + [""]
    for s in scalings:
        lines += section_lines(s)
    return "\n".join(lines).rstrip("\n") + "\n"


# --- The plot ---------------------------------------------------------------

def plot(s: Scaling) -> bytes:
    """Own cost (ns) and ratio against mutators, 95% CI whiskers."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    import plots
    points = s.points()
    threads = [p.threads for p in points]
    go = figures.GO_CLAIM
    with plt.rc_context(plots._RC):
        fig, (cost, ratio) = plt.subplots(1, 2, figsize=(10, 4.2))
        no_ci = False
        for j, b in enumerate(BARRIERS):
            offset = (j - 0.5) * 0.08
            no_ci |= _series(cost, [
                (p.threads + offset, (m.median, m.ci_low, m.ci_high))
                for p, m in ((p, p.own_ns[b]) for p in points)
                if m is not None], plots._colour(b, j), b)
        cost.set_title("own cost", fontsize=8)
        ratio.set_title(f"{BARRIERS[0]} / {BARRIERS[1]}", fontsize=8)
        cost.set_ylabel("own ns per barriered store")
        cost.axhline(0, color="black", linewidth=0.6)
        cost.legend(title="barrier", fontsize=7, title_fontsize=7,
                    frameon=False)
        values = [(p.threads, (p.ratio.value, p.ratio.low, p.ratio.high))
                  for p in points
                  if p.ratio is not None and p.ratio.value is not None]
        no_ci |= _series(ratio, values, plots._colour(BARRIERS[0], 0),
                         f"{BARRIERS[0]} / {BARRIERS[1]}")
        ratio.axhline(1, color="black", linewidth=0.6)
        ratio.axhline(go.ratio, color="#555555", linewidth=0.8,
                      linestyle="--",
                      label=f"Go {go.benchmark}: {go.ratio:.2f}× "
                            "(12 Ps, one storing goroutine)")
        unit = ("own cycles, hardware counter"
                if figures.ratio_in_cycles(s.runs[0]) else "own ns, clock")
        ratio.set_ylabel(f"{BARRIERS[0]} / {BARRIERS[1]} ({unit})")
        top = max([go.ratio] + [high or med for _, (med, _, high) in values])
        ratio.set_ylim(0, top * 1.15)
        ratio.legend(fontsize=7, frameon=False, loc="lower right")
        for ax in (cost, ratio):
            ax.set_xlabel("mutator threads (--threads)")
            ax.set_xlim(min(threads) - 0.5, max(threads) + 0.5)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        fig.suptitle(
            f"{s.machine} · commit {s.commit} · {WORKLOAD}: median, "
            "whiskers 95% CI (ratio: bootstrap)" +
            plots._NO_CI_NOTE[no_ci], fontsize=8)
        fig.tight_layout()
        return plots._svg(fig)


def _series(ax, values, colour, label) -> bool:
    """A line of medians with CI whiskers; True if some point has no CI.

    values: [(x, (median, low, high))], low and high None without a CI.
    """
    if not values:
        return False
    ax.plot([x for x, _ in values], [v[0] for _, v in values], marker="o",
            color=colour, label=label, linewidth=1)
    no_ci = False
    for x, (med, low, high) in values:
        if low is None or high is None:
            no_ci = True
            ax.annotate(NO_CI, (x, med), ha="center", va="bottom",
                        fontsize=8)
        else:
            ax.errorbar([x], [med], yerr=[[med - low], [high - med]],
                        fmt="none", ecolor=colour, elinewidth=0.8, capsize=3)
    return no_ci


# --- Storing ----------------------------------------------------------------

def _older_of_machine(folder: str, machine: str, keep: str) -> List[str]:
    """Stored sweeps of this machine other than `keep` (found by content)."""
    older = []
    for name in runs.json_files(folder):
        path = os.path.join(folder, name)
        if name == keep:
            continue
        try:
            with open(path, encoding="utf-8") as f:
                doc = json.load(f)
        except (OSError, ValueError):
            continue  # not ours to judge; make_table will name it
        if isinstance(doc, dict) and doc.get("kind") == KIND and \
                runs.file_safe(str(doc.get("machine"))) == machine:
            older.append(path)
    return older


def store(staging: str, folder: str, stem: str, doc: dict,
          svg: bytes, plots_dir: str) -> str:
    """Renames the staged reports into place, then the sweep and the plot.

    Returns the stored sweep's path.  An older sweep of the same machine is
    removed after the new one is in place.
    """
    dest_dir = os.path.join(folder, stem)
    dest = os.path.join(folder, stem + ".json")
    svg_name = f"scaling-{stem}.svg"
    data = (json.dumps(doc, indent=1, sort_keys=True) + "\n").encode()
    os.makedirs(plots_dir, exist_ok=True)
    staged = []
    try:
        staged.append(common.stage_file(folder, stem + ".json", data))
        staged.append(common.stage_file(plots_dir, svg_name, svg))
        os.chmod(staging, 0o755)
        trash = None
        if os.path.isdir(dest_dir):  # the same machine and commit again
            trash = tempfile.mkdtemp(prefix=".old.", dir=folder)
            os.rename(dest_dir, os.path.join(trash, stem))
        os.rename(staging, dest_dir)
    except BaseException:
        for tmp in staged:
            os.unlink(tmp)
        raise
    os.replace(staged[0], dest)
    os.replace(staged[1], os.path.join(plots_dir, svg_name))
    if trash:
        shutil.rmtree(trash)
    for path in _older_of_machine(folder, runs.file_safe(doc["machine"]),
                                  stem + ".json"):
        old = os.path.splitext(path)[0]
        os.unlink(path)
        if os.path.isdir(old):
            shutil.rmtree(old)
        svg_old = os.path.join(plots_dir,
                               f"scaling-{os.path.basename(old)}.svg")
        if os.path.exists(svg_old):
            os.unlink(svg_old)
        print(f"scaling: replaced {os.path.basename(path)}", file=sys.stderr)
    return dest


# --- Main -------------------------------------------------------------------

def _sweep(args, staging: str, limit_s: float) -> Dict[int, runs.Run]:
    started = time.monotonic()
    done: Dict[int, runs.Run] = {}
    for t in range(1, args.max_threads + 1):
        out = os.path.join(staging, f"threads-{t}.json")
        print(f"scaling: [{t}/{args.max_threads}] --threads={t}",
              file=sys.stderr)
        run_one(args.wbbench,
                wbbench_args(t, args.repetitions, args.duration, out),
                limit_s - (time.monotonic() - started))
        run = check_report(out, t)
        if done:
            first = done[1]
            for what, a, b in (("machine", first.machine, run.machine),
                               ("commit", first.commit, run.commit)):
                if a != b:
                    raise SweepError(f"the run with {t} mutators is of {what} "
                                     f"'{b}', the first of '{a}'; nothing "
                                     "stored")
        done[t] = run
    return done


def main(argv=None) -> int:
    args = _parse_args(argv)
    try:
        duration_s = duration_seconds(args.duration)
        if not (os.path.isfile(args.wbbench) and
                os.access(args.wbbench, os.X_OK)):
            raise UsageError(f"{args.wbbench}: no wbbench binary there; "
                             "build it (cmake --build build --target "
                             "wbbench) or pass its path")
        if not os.path.isdir(args.results):
            raise UsageError(f"{args.results}: no such results folder")
    except UsageError as e:
        print(f"scaling: {e}", file=sys.stderr)
        return EXIT_USAGE
    limit_s = args.time_limit or default_limit_s(
        args.max_threads, args.repetitions, duration_s)
    estimate = sum(estimate_s(t, args.repetitions, duration_s)
                   for t in range(1, args.max_threads + 1))
    print(f"scaling: T = 1..{args.max_threads}, {args.repetitions} "
          f"repetitions of {args.duration}: about {estimate:.0f}s, at most "
          f"{limit_s}s", file=sys.stderr)
    folder = os.path.join(args.results, FOLDER)
    os.makedirs(folder, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=".scaling.", dir=folder)
    load_before = list(os.getloadavg())
    date = datetime.datetime.now(datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%S+00:00")
    started = time.monotonic()
    try:
        done = _sweep(args, staging, limit_s)
        first = done[1]
        machine = runs.file_safe(first.machine)
        stem = f"{machine}-{runs.name_commit(first.meta, ROOT)}"
        doc = {
            "kind": KIND, "machine": first.machine, "commit": first.commit,
            "workload": WORKLOAD, "barriers": BARRIERS, "gc": GC,
            "repetitions": args.repetitions, "duration": args.duration,
            "max_threads": args.max_threads, "date": date,
            "command": " ".join(["wbbench"] + wbbench_args(
                "T", args.repetitions, args.duration, "...")),
            "elapsed_s": round(time.monotonic() - started, 1),
            "time_limit_s": limit_s,
            "load_avg_before": load_before,
            "load_avg_after": list(os.getloadavg()),
            "reports": {str(t): f"{stem}/threads-{t}.json" for t in done},
            "figures": [point_json(point(r)) for r in done.values()],
        }
        sweep = Scaling(path=os.path.join(folder, stem + ".json"), stem=stem,
                        machine=first.machine, commit=first.commit, doc=doc,
                        runs=list(done.values()))
        svg = plot(sweep)
        dest = store(staging, folder, stem, doc, svg,
                     os.path.join(args.results, "plots"))
    except UsageError as e:
        print(f"scaling: {e}", file=sys.stderr)
        return EXIT_USAGE
    except SweepError as e:
        print(f"scaling: {e}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    print(f"scaling: stored {dest} and plots/{plot_name(sweep)} in "
          f"{doc['elapsed_s']:.0f}s", file=sys.stderr)
    print("\n".join(table_lines(sweep)))
    if not runs.json_files(args.results):
        print(f"scaling: {args.results} has no timed runs; README not "
              "regenerated", file=sys.stderr)
        return 0
    import make_table
    return make_table.main(["--results", args.results])


if __name__ == "__main__":
    sys.exit(main())
