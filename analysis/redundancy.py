#!/usr/bin/python3
"""Redundant barrier work: the share of barriered stores whose shading
changed nothing, beside Vechev & Bacon's limit study (issue #21, item 4).

    /usr/bin/python3 analysis/redundancy.py [--repetitions N] [--duration D]
        [--time-limit S] [--results DIR] [WBBENCH]

Runs WBBENCH (default: build/wbbench in this checkout) once per shading
algorithm A in hybrid, dijkstra, yuasa, hybrid-cond:

    wbbench --redundancy --barrier=all --algorithm=A --workload=all
            --gc=continuous --repetitions=R --duration=D
            --format=json --out=...

R is 5 and D 20ms unless given: the figures are counts of what shading
found (gc::ShadeTally), not timings, so clock noise does not enter them and
a few repetitions suffice.  They do vary between repetitions with where in
the collection cycles the timed chunks fall (by tens of points on some
cells at 20ms), which the median of five damps.  `--barrier=all` is
every barrier that is sound under concurrent marking and runs the
algorithm; should a wbbench refuse a kind under an algorithm
("--barrier=X does not run --algorithm=Y", exit status 2), the run is made
again with the kinds `wbbench --list` names, less those it refused.

Each barrier row of a report then holds, for the concurrent configuration
(plain names) and the incremental one (incremental_): the share of
barriered stores whose shading marked nothing (redundant_store_fraction:
every pointer the store recorded was nil, outside the heap or already
marked when shading reached it, or its record was dropped), the share of
recorded non-nil heap pointers already marked (already_marked_fraction),
of recorded nil pointers (nil_recorded_fraction), and the entries shaded.
A barrier with no shading record (card marking), or a cell where no store
was barriered, has none of them: "—" in the table, never 0.

Stored, once all four runs have finished and been checked: each report as
RESULTS/redundancy/<machine>-<algorithm>-<commit>.json (machine and commit
as wbbench recorded them), with context.redundancy_sweep (the command,
duration, date, elapsed time, kinds refused) beside wbbench's context.
The reports are written under temporary names in that folder and renamed
into place only once all four are written, so a failed, timed-out or
interrupted sweep stores nothing.  An
older report of the same machine and algorithm (another commit) is
replaced.  Then the summary is printed and RESULTS/README.md regenerated
(analysis/make_table.py, which renders the section "Redundant barrier work"
from what is stored here, with load_dir and render).

Time: about 4 x 8 workloads x (1 + 3 x 4 barriers) configurations x (R + 1)
x (D + 0.12 s): 349 s at the defaults (the sweep took 265 s on 2 shared
cores at a load of 5, and make_table 10 s more).  A wbbench still running
when the sweep's time limit (twice the estimate, plus a minute;
--time-limit S to set it) is up is stopped (SIGINT, then SIGKILL), and
nothing is stored.

Exit status: 0 stored and tabulated; 1 a run failed, timed out, was
interrupted or wrote an unusable report; 2 bad usage or a missing tool.
"""

import argparse
import datetime
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

if __name__ == "__main__":  # wbstats (through scaling) and make_table's plots
    try:
        import matplotlib, numpy, scipy  # noqa: F401,E401
    except ImportError:
        print("redundancy: /usr/bin/python3 lacks numpy/scipy/matplotlib; "
              "run ./setup.sh (python3-numpy python3-scipy "
              "python3-matplotlib)", file=sys.stderr)
        sys.exit(2)

import common  # noqa: E402
import runs  # noqa: E402
import scaling  # noqa: E402
from table import DASH, _esc, _row  # noqa: E402

EXIT_FAILED = 1
EXIT_USAGE = 2

FOLDER = "redundancy"  # under results/
ALGORITHMS = ["hybrid", "dijkstra", "yuasa", "hybrid-cond"]
GC = "continuous"
DEFAULT_REPETITIONS = 5
DEFAULT_DURATION = "20ms"
HEADING = "## Redundant barrier work"
SWEEP = "redundancy_sweep"  # what the sweep adds to a report's context

REDUNDANT = "redundant_store_fraction"
MARKED = "already_marked_fraction"
NIL = "nil_recorded_fraction"
ENTRIES = "shaded_entries"
FRACTIONS = [REDUNDANT, MARKED, NIL]
INCREMENTAL = "incremental_"
COUNTERS = [p + c for p in ("", INCREMENTAL)
            for c in FRACTIONS + [ENTRIES]]

# Vechev & Bacon, "Write barrier elision for concurrent garbage
# collectors", ISMM 2004: the share of barrier executions their trace-based
# limit study found unnecessary, by barrier family, and our algorithm of
# that family.
VECHEV_BACON = {"dijkstra": ("incremental update, insertion", 54),
                "yuasa": ("snapshot-at-the-beginning, deletion", 83)}
NO_COUNTERPART = {"hybrid": "Go's hybrid, shading old and new",
                  "hybrid-cond": "the paper's hybrid, shading new only "
                                 "while the stack is grey"}

# The sweep's size, for the estimate: workloads, barriers under
# gc=continuous, configurations (the baseline, and each barrier's check,
# incremental and concurrent ones) and a repetition's setup besides D.
WORKLOADS = len(runs.WORKLOADS)
BARRIERS = 4
CONFIGURATIONS = 1 + 3 * BARRIERS
SETUP_S = 0.12
_REFUSED = re.compile(r"--barrier=([A-Za-z0-9_.-]+) does not run "
                      r"--algorithm=([A-Za-z0-9_.-]+)")


# --- Reading ---------------------------------------------------------------

@dataclass
class Tally:
    """One stored wbbench --redundancy report (one algorithm)."""
    path: str
    stem: str            # file name without .json
    machine: str
    algorithm: str
    commit: str
    repetitions: Optional[int]
    sweep: dict          # context.redundancy_sweep ({} without one)
    # (workload, barrier) -> counter -> samples, one a repetition
    rows: Dict[Tuple[str, str], Dict[str, List[float]]] = field(
        default_factory=dict)

    @property
    def name(self) -> str:
        """What redundancy.py names the file, less the commit."""
        return (f"{runs.file_safe(self.machine)}-"
                f"{runs.file_safe(self.algorithm)}")

    @property
    def workloads(self) -> List[str]:
        return runs.ordered({w for w, _ in self.rows}, runs.WORKLOADS)

    @property
    def barriers(self) -> List[str]:
        """The barriers proper (the baseline row shades nothing)."""
        return runs.ordered({b for _, b in self.rows if b != runs.BASELINE},
                            runs.BARRIERS)

    def median(self, workload: str, barrier: str,
               counter: str) -> Optional[float]:
        """The median over repetitions; None when no repetition has it."""
        values = self.rows.get((workload, barrier), {}).get(counter)
        return statistics.median(values) if values else None

    def mean(self, barrier: str, counter: str) -> Tuple[Optional[float], int]:
        """(mean over workloads of the medians, how many workloads had one)."""
        medians = [m for m in (self.median(w, barrier, counter)
                               for w in self.workloads) if m is not None]
        return (statistics.fmean(medians) if medians else None), len(medians)


def _string(path: str, meta: dict, key: str) -> str:
    value = meta.get(key)
    if not isinstance(value, str) or not value:
        raise runs.ResultsError(f"{path}: context.wbbench.{key} is missing or "
                                "not a string")
    return value


def load_tally(path: str) -> Tally:
    """Reads and checks one results/redundancy/*.json."""
    context, meta, rows = runs.read_report(path)
    machine = _string(path, meta, "machine")
    algorithm = _string(path, meta, "algorithm")
    if meta.get("counting"):
        raise runs.ResultsError(
            f"{path}: context.wbbench.counting is {meta['counting']!r} (a "
            "count under valgrind belongs in results/valgrind/)")
    tallied: Dict[Tuple[str, str], Dict[str, List[float]]] = {}
    for i, row in enumerate(rows):
        name = runs.check_row(path, i, row, COUNTERS)
        run_type = row.get("run_type", "iteration")
        if run_type == "aggregate":
            continue  # the medians are taken here, over the repetitions
        if run_type != "iteration":
            raise runs.ResultsError(f"{path}: benchmarks[{i}] '{name}': "
                                    f"unknown run_type {run_type!r}")
        run_name = row.get("run_name", name)
        key = runs.row_key(path, i,
                           run_name if isinstance(run_name, str) else name)
        cell = tallied.setdefault(key, {})
        for c in COUNTERS:
            value = row.get(c)
            if value is None:
                continue
            if c not in (ENTRIES, INCREMENTAL + ENTRIES) and \
                    not 0 <= value <= 1:
                raise runs.ResultsError(
                    f"{path}: benchmarks[{i}] '{name}': '{c}' is {value!r}, "
                    "not a share from 0 to 1")
            cell.setdefault(c, []).append(float(value))
    if not tallied:
        raise runs.ResultsError(f"{path}: no repetition rows (run_type "
                                "'iteration')")
    if not any(cell.get(c) for cell in tallied.values()
               for c in (REDUNDANT, INCREMENTAL + REDUNDANT)):
        raise runs.ResultsError(
            f"{path}: no row has '{REDUNDANT}' (expected wbbench "
            "--redundancy output; analysis/redundancy.py makes it)")
    sweep = context.get(SWEEP)
    repetitions = meta.get("repetitions")
    return Tally(path=path,
                 stem=os.path.splitext(os.path.basename(path))[0],
                 machine=machine, algorithm=algorithm,
                 commit=str(meta.get("git_commit") or "unknown"),
                 repetitions=repetitions if isinstance(repetitions, int)
                 and not isinstance(repetitions, bool) else None,
                 sweep=sweep if isinstance(sweep, dict) else {},
                 rows=tallied)


def load_dir(folder: str) -> List[Tally]:
    """Every folder/*.json, by machine and algorithm; [] when there is none.

    Two reports of one machine and algorithm are an error: the table would
    not say which to believe.
    """
    if not os.path.isdir(folder):
        return []
    tallies = [load_tally(os.path.join(folder, n))
               for n in runs.json_files(folder)]
    runs.one_per_name(tallies, "report", "analysis/redundancy.py")
    algorithms = runs.ordered({t.algorithm for t in tallies}, ALGORITHMS)
    tallies.sort(key=lambda t: (t.machine, algorithms.index(t.algorithm)))
    return tallies


# --- Table and README section ----------------------------------------------

def percent(x: Optional[float]) -> str:
    """A share as "54.1%"; "—" when it was not tallied (never 0)."""
    return DASH if x is None else f"{100 * x:.1f}%"


def cell_text(redundant: Optional[float], marked: Optional[float]) -> str:
    """"R% (M%)": redundant stores, and already-marked heap pointers."""
    if redundant is None and marked is None:
        return DASH
    return f"{percent(redundant)} ({percent(marked)})"


def table_lines(t: Tally) -> List[str]:
    """Workload x barrier, the concurrent configuration's medians."""
    lines = [_row(["workload"] + [f"`{_esc(b)}`" for b in t.barriers]),
             _row(["---"] * (len(t.barriers) + 1))]
    for w in t.workloads:
        lines.append(_row([f"`{_esc(w)}`"] + [
            cell_text(t.median(w, b, REDUNDANT), t.median(w, b, MARKED))
            for b in t.barriers]))
    return lines


def family(algorithm: str) -> str:
    """What the algorithm is, and Vechev & Bacon's figure for its family."""
    if algorithm in VECHEV_BACON:
        what, share = VECHEV_BACON[algorithm]
        return f"{what}; Vechev & Bacon: **{share}%** unnecessary"
    return (f"{NO_COUNTERPART.get(algorithm, 'not in the study')}; no "
            "counterpart in Vechev & Bacon")


def summary_line(t: Tally, with_machine: bool) -> str:
    """Per barrier, the mean over workloads of the medians; "[k of n]"
    after a mean taken over fewer than all n workloads."""
    n = len(t.workloads)

    def mean(b, counter):
        value, k = t.mean(b, counter)
        return percent(value) + (f" [{k} of {n}]" if 0 < k < n else "")
    parts = []
    for b in t.barriers:
        if t.mean(b, REDUNDANT)[0] is None and t.mean(b, MARKED)[0] is None:
            parts.append(f"`{_esc(b)}` {DASH}")
        else:
            parts.append(f"`{_esc(b)}` {mean(b, REDUNDANT)} "
                         f"({mean(b, MARKED)})")
    where = f"`{_esc(t.machine)}`, " if with_machine else ""
    return (f"- {where}`{_esc(t.algorithm)}` ({family(t.algorithm)}): "
            f"{', '.join(parts)}.")


DIFFERENCES = [
    "**What counts as redundant.**  Vechev & Bacon call a barrier "
    "execution unnecessary when their conditions on the objects involved "
    "show that eliding it could not lose a live object; ours counts a "
    "store as redundant when, in this run, shading its record marked "
    "nothing: every pointer it recorded was nil, outside "
    "the heap or already marked when shading reached it (or the record was "
    "dropped because marking had ended).  The two are not bounds of each "
    "other: a store whose shading marks an object that another path would "
    "have reached anyway is effective here and unnecessary there, and a "
    "store whose pointer happened to be marked already in this run may be "
    "needed under another interleaving.",
    "**Theirs is a limit study** over traces of Java programs (an oracle "
    "over whole executions); ours is a tally of what one implementation's "
    "shading found, over eight synthetic workloads, one mutator, and only "
    "for the stores barriered while marking was on.",
    "**Timing moves our figure.**  The later in a cycle a store comes, the "
    "more of the heap is marked already, so the share depends on where in "
    "the cycles the timed chunks fall (repetitions differ by tens of "
    "points on some cells: hence the median); a buffered barrier's record "
    "is shaded at its flush, later than the store, and floating garbage "
    "(objects marked this cycle that died since) counts as marked too.",
    "**Black allocation.**  As in Go, objects allocated while marking are "
    "allocated marked, so a store of a pointer to an object allocated "
    "during the cycle marks nothing: allocation-heavy workloads "
    "(`binary-trees`, `ast-garbage`) come out near 100%.  A deletion "
    "barrier's record of a nil old value (an initialising store) marks "
    "nothing either; that share is stored as "
    f"`{NIL}`, not tabulated.",
]


def _file_line(t: Tally) -> str:
    s = t.sweep
    reps = DASH if t.repetitions is None else str(t.repetitions)
    text = (f"- File: `{FOLDER}/{_esc(os.path.basename(t.path))}`; "
            f"{reps} repetitions")
    if isinstance(s.get("duration"), str):
        text += f" of {_esc(s['duration'])}"
    if isinstance(s.get("date"), str):
        text += f", {_esc(s['date'])}"
    refused = s.get("refused")
    if isinstance(refused, list) and refused:
        text += (f"; not run under this algorithm: "
                 f"{', '.join(f'`{_esc(b)}`' for b in refused)}")
    return text + "."


def section_lines(t: Tally) -> List[str]:
    """One report's subsection: what ran and its table."""
    return ([f"### `{_esc(t.machine)}` · algorithm `{_esc(t.algorithm)}` · "
             f"commit `{_esc(t.commit)}`", "", _file_line(t), ""] +
            table_lines(t) + [""])


def render(tallies: List[Tally]) -> str:
    """The README section (markdown, ending in a newline); "" for none."""
    if not tallies:
        return ""
    machines = {t.machine for t in tallies}
    lines = [
        HEADING,
        "",
        "Made by `/usr/bin/python3 analysis/redundancy.py`: `wbbench "
        "--redundancy --barrier=all --algorithm=A --workload=all "
        f"--gc={GC}` for each shading algorithm A, shading tallying what it "
        "finds (issue #21, item 4).  Each cell is the median over "
        "repetitions, in the concurrent configuration, of the share of "
        "**barriered stores whose shading marked nothing** "
        f"(`{REDUNDANT}`), and in brackets the share of the recorded "
        "non-nil heap pointers that were **already marked** when shading "
        f"reached them (`{MARKED}`).  {DASH}: not tallied (a barrier with "
        "no shading record, or no store barriered); in brackets alone: "
        "every pointer recorded was nil or outside the heap.  The incremental "
        "configuration's figures (`incremental_...`) are in the same files.",
        "",
        "### Beside Vechev & Bacon (ISMM 2004)",
        "",
        "Vechev & Bacon's limit study found 54% of incremental-update "
        "barriers and 83% of snapshot barriers unnecessary; `dijkstra` is "
        "our incremental-update (insertion) barrier, `yuasa` our snapshot "
        "(deletion) one.  Per algorithm and barrier, the mean over "
        "workloads of the cells below, redundant stores (already marked); "
        "[k of n]: over the k of n workloads that have the figure:",
        "",
    ]
    lines += [summary_line(t, len(machines) > 1) for t in tallies] + [""]
    lines += ["What differs from their figures:", ""]
    lines += [f"- {d}" for d in DIFFERENCES] + [""]
    for t in tallies:
        lines += section_lines(t)
    return "\n".join(lines).rstrip("\n") + "\n"


# --- The sweep --------------------------------------------------------------

def estimate_s(repetitions: int, duration_s: float, barriers: int) -> float:
    """What the four wbbench runs should take, in seconds."""
    return (len(ALGORITHMS) * WORKLOADS * (1 + 3 * barriers) *
            (repetitions + 1) * (duration_s + SETUP_S))


def default_limit_s(repetitions: int, duration_s: float,
                    barriers: int) -> int:
    return int(2 * estimate_s(repetitions, duration_s, barriers) + 60)


def wbbench_args(algorithm: str, barriers: str, repetitions: int,
                 duration: str, out: str) -> List[str]:
    """wbbench's flags for the run of one algorithm."""
    return ["--redundancy", f"--barrier={barriers}",
            f"--algorithm={algorithm}", "--workload=all", f"--gc={GC}",
            f"--repetitions={repetitions}", f"--duration={duration}",
            "--format=json", f"--out={out}"]


def list_barriers(wbbench: str) -> List[str]:
    """The barrier kinds `wbbench --list` names that are sound while
    marking (`none`, the plain store, is not)."""
    try:
        proc = subprocess.run([wbbench, "--list"], capture_output=True,
                              text=True, timeout=120)
    except (OSError, subprocess.SubprocessError) as e:
        raise scaling.UsageError(f"{wbbench} --list did not run ({e})"
                                 ) from None
    kinds, inside = [], False
    for line in proc.stdout.splitlines():
        if line.startswith("barriers (--barrier)"):
            inside = True
        elif inside and not line.startswith("  "):
            break
        elif inside:
            m = re.match(r"^  (\S+)\s+(.*)$", line)
            if m and m.group(1) != "none" and "unsound" not in m.group(2):
                kinds.append(m.group(1))
    if proc.returncode != 0 or not kinds:
        raise scaling.UsageError(f"{wbbench} --list names no barriers (exit "
                                 f"status {proc.returncode}); is it wbbench?")
    return kinds


def run_one(wbbench: str, args: List[str], left_s: float) -> Tuple[int, str]:
    """Runs wbbench in a process group of its own within left_s seconds:
    (exit status, its stderr).  Its stdout (the console table) and stderr go
    to stderr as it runs, so that stdout has only the summary."""
    if left_s <= 0:
        raise scaling.SweepError("out of time before the run; nothing stored")
    proc = subprocess.Popen([wbbench, *args], stdout=sys.stderr,
                            stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    said: List[str] = []

    def tee():
        for line in proc.stderr:
            said.append(line)
            sys.stderr.write(line)
    reader = threading.Thread(target=tee, daemon=True)
    reader.start()
    try:
        status = proc.wait(timeout=left_s)
    except subprocess.TimeoutExpired:
        scaling._stop(proc)
        raise scaling.SweepError("wbbench ran past the sweep's time limit "
                                 "and was stopped; nothing stored") from None
    except KeyboardInterrupt:
        scaling._stop(proc)
        raise scaling.SweepError("interrupted; nothing stored") from None
    reader.join(timeout=10)
    return status, "".join(said)


def run_algorithm(wbbench: str, algorithm: str, kinds: List[str],
                  repetitions: int, duration: str, out: str,
                  deadline: float) -> List[str]:
    """Runs one algorithm with --barrier=all; where wbbench refuses a kind
    under it, again with the other kinds.  Returns the kinds refused."""
    refused: List[str] = []
    spec = "all"
    while True:
        status, said = run_one(
            wbbench, wbbench_args(algorithm, spec, repetitions, duration, out),
            deadline - time.monotonic())
        if status == 0:
            return refused
        new = [b for b, a in _REFUSED.findall(said)
               if a == algorithm and b not in refused]
        if status == EXIT_USAGE and new:
            refused += new
            left = [k for k in kinds if k not in refused]
            if not left:
                raise scaling.SweepError(f"wbbench runs no barrier under "
                                         f"--algorithm={algorithm}; nothing "
                                         "stored")
            spec = ",".join(left)
            print(f"redundancy: {', '.join(new)} not run under {algorithm}; "
                  f"again with --barrier={spec}", file=sys.stderr)
            continue
        if status == EXIT_USAGE:
            raise scaling.UsageError("wbbench rejected its options (exit "
                                     "status 2, it said why above); nothing "
                                     "stored")
        raise scaling.SweepError(f"wbbench failed (exit status {status}); "
                                 "nothing stored")


def check_report(path: str, algorithm: str) -> Tally:
    """The report of one algorithm's run, or SweepError."""
    if not os.path.isfile(path) or os.path.getsize(path) == 0:
        raise scaling.SweepError("wbbench exited 0 but wrote no report to "
                                 "--out; nothing stored")
    try:
        t = load_tally(path)
        _, meta, _ = runs.read_report(path)
    except runs.ResultsError as e:
        raise scaling.SweepError(f"wbbench wrote an unusable report: {e}"
                                 ) from None
    if meta.get("interrupted"):
        raise scaling.SweepError("wbbench was interrupted; nothing stored")
    if t.algorithm != algorithm:
        raise scaling.SweepError(f"{path}: a run of algorithm "
                                 f"'{t.algorithm}', not '{algorithm}'; "
                                 "nothing stored")
    return t


def _sweep(args, kinds: List[str], folder: str, staged: List[str],
           limit_s: float) -> List[Tuple[Tally, List[str], float]]:
    """Runs every algorithm into temporary files in folder (listed in
    staged as they are made): [(its tally, kinds refused, seconds)]."""
    started = time.monotonic()
    done = []
    for i, algorithm in enumerate(ALGORITHMS):
        fd, out = tempfile.mkstemp(prefix=".redundancy.", suffix=".json",
                                   dir=folder)
        os.close(fd)
        staged.append(out)
        print(f"redundancy: [{i + 1}/{len(ALGORITHMS)}] "
              f"--algorithm={algorithm}", file=sys.stderr)
        began = time.monotonic()
        refused = run_algorithm(args.wbbench, algorithm, kinds,
                                args.repetitions, args.duration, out,
                                started + limit_s)
        t = check_report(out, algorithm)
        if done:
            first = done[0][0]
            for what, a, b in (("machine", first.machine, t.machine),
                               ("commit", first.commit, t.commit)):
                if a != b:
                    raise scaling.SweepError(
                        f"the run of {algorithm} is of {what} '{b}', the "
                        f"first of '{a}'; nothing stored")
        done.append((t, refused, time.monotonic() - began))
    return done


def _older(folder: str, name: str, keep: List[str]) -> List[str]:
    """Stored reports of the machine and algorithm `name` (found by
    content), other than those in keep."""
    older = []
    for n in runs.json_files(folder):
        path = os.path.join(folder, n)
        if path in keep:
            continue
        try:
            if load_tally(path).name == name:
                older.append(path)
        except runs.ResultsError:
            continue  # not ours to judge; make_table will name it
    return older


def store(folder: str, done, sweep: dict) -> List[str]:
    """Writes each report with context.redundancy_sweep under a temporary
    name, renames them all into place, then removes the older reports they
    replace.  Returns the stored paths."""
    staged = []
    try:
        for t, refused, elapsed in done:
            with open(t.path, encoding="utf-8") as f:
                doc = json.load(f)
            doc["context"][SWEEP] = dict(sweep, refused=refused,
                                         elapsed_s=round(elapsed, 1))
            commit = runs.name_commit({"git_commit": t.commit}, ROOT)
            name = f"{t.name}-{commit}.json"
            data = (json.dumps(doc, indent=2) + "\n").encode("utf-8")
            staged.append((common.stage_file(folder, name, data),
                           os.path.join(folder, name), t.name))
    except BaseException:
        for tmp, _, _ in staged:
            os.unlink(tmp)
        raise
    for tmp, dest, _ in staged:
        os.replace(tmp, dest)
    dests = [dest for _, dest, _ in staged]
    for _, _, name in staged:
        for path in _older(folder, name, dests):
            os.unlink(path)
            print(f"redundancy: replaced {os.path.basename(path)}",
                  file=sys.stderr)
    return dests


def _parse_args(argv):
    p = argparse.ArgumentParser(
        prog="redundancy",
        description="Run wbbench --redundancy for every shading algorithm "
                    "and every workload; store and tabulate the share of "
                    "barriered stores whose shading changed nothing.")
    p.add_argument("wbbench", nargs="?",
                   default=os.path.join(ROOT, "build", "wbbench"),
                   help="the wbbench binary (default: %(default)s)")
    p.add_argument("--repetitions", type=scaling._count(1, 1000),
                   default=DEFAULT_REPETITIONS,
                   help="wbbench --repetitions (default %(default)s)")
    p.add_argument("--duration", default=DEFAULT_DURATION,
                   help="wbbench --duration (default %(default)s)")
    p.add_argument("--time-limit", type=scaling._count(1, 7 * 24 * 3600),
                   default=None, metavar="S",
                   help="seconds the whole sweep may take (default: twice "
                        "the estimate, plus a minute)")
    p.add_argument("--results", default=os.path.join(ROOT, "results"),
                   help="results folder (default %(default)s)")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = _parse_args(argv)
    try:
        duration_s = scaling.duration_seconds(args.duration)
        if not (os.path.isfile(args.wbbench) and
                os.access(args.wbbench, os.X_OK)):
            raise scaling.UsageError(f"{args.wbbench}: no wbbench binary "
                                     "there; build it (cmake --build build "
                                     "--target wbbench) or pass its path")
        if not os.path.isdir(args.results):
            raise scaling.UsageError(f"{args.results}: no such results "
                                     "folder")
        kinds = list_barriers(args.wbbench)
    except scaling.UsageError as e:
        print(f"redundancy: {e}", file=sys.stderr)
        return EXIT_USAGE
    estimate = estimate_s(args.repetitions, duration_s, len(kinds))
    limit_s = args.time_limit or default_limit_s(args.repetitions,
                                                 duration_s, len(kinds))
    print(f"redundancy: {len(ALGORITHMS)} algorithms x every workload, "
          f"{args.repetitions} repetitions of {args.duration}: about "
          f"{estimate:.0f}s, at most {limit_s}s", file=sys.stderr)
    folder = os.path.join(args.results, FOLDER)
    os.makedirs(folder, exist_ok=True)
    date = datetime.datetime.now(datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%S+00:00")
    started = time.monotonic()
    staged: List[str] = []
    try:
        done = _sweep(args, kinds, folder, staged, limit_s)
        sweep = {"command": " ".join(["wbbench"] + wbbench_args(
                     "A", "all", args.repetitions, args.duration, "...")),
                 "duration": args.duration, "date": date,
                 "sweep_elapsed_s": round(time.monotonic() - started, 1),
                 "time_limit_s": limit_s}
        stored = store(folder, done, sweep)
    except scaling.UsageError as e:
        print(f"redundancy: {e}", file=sys.stderr)
        return EXIT_USAGE
    except scaling.SweepError as e:
        print(f"redundancy: {e}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        for tmp in staged:
            if os.path.exists(tmp):
                os.unlink(tmp)
    for path in stored:
        print(f"redundancy: stored {path}", file=sys.stderr)
    print(f"redundancy: done in {sweep['sweep_elapsed_s']:.0f}s",
          file=sys.stderr)
    tallies = [load_tally(p) for p in stored]
    print("\n".join(summary_line(t, False) for t in tallies))
    import make_table
    return make_table.regenerate(args.results, "redundancy")


if __name__ == "__main__":
    sys.exit(main())
