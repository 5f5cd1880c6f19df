"""Loads and checks stored wbbench runs (results/*.json).

A stored run is what `wbbench --format=json` writes: Google Benchmark JSON
(a `context` block and a `benchmarks` list) with wbbench's metadata under
context.wbbench and its figures as custom counters on each row.  Rows are
named `<workload>/barrier=<barrier>[/...]`; one row per repetition
(run_type "iteration") plus aggregate rows (`_median`, `_mean`, ...).

The samples used for statistics are the per-repetition rows; aggregate rows
are used only when a benchmark has no repetition rows at all.  Since the
decomposition, a barrier row's repetition holds the figures of three
configurations (the check, incremental and concurrent ones, see COUNTERS) and
the decomposition computed from them; older runs hold one configuration's.
A counter that could not be measured is absent from a row (or null,
wbbench's JSON for a non-finite value), and stays absent here, never 0.

Anything that does not fit raises ResultsError with one line that names the
file and what is wrong with it.
"""

import json
import math
import os
import re
import subprocess
from dataclasses import dataclass, field
from typing import Dict, List

# Canonical display order; names not listed here sort after, alphabetically.
# "baseline" is the row wbbench measures every barrier's share against (the
# workload with barrier none and the GC stopped-the-world): it has ns and
# cycles per store but no barrier share of its own.
BASELINE = "baseline"
BARRIERS = ["unbuffered", "buffered", "cgocheck", "batched", "none", BASELINE]
WORKLOADS = ["tree-reverse", "binary-trees", "bulk-copy", "list-queue",
             "hash-churn", "lru", "graph-rewire", "ast-garbage"]

# Per-repetition counters of one configuration, all optional.  In a barrier
# row the plain names are the configuration run with the run's --gc (the
# concurrent one, gc=continuous or concurrent, where there is one); since the
# decomposition the row also holds the check and incremental configurations'
# under CONFIG_PREFIXES ("off_ns_per_store", "incremental_gc_cycles").
CONFIG_COUNTERS = [
    "cycles_per_store", "ns_per_store", "barrier_cycles_per_store",
    "barrier_ns_per_store", "tsc_ticks_per_store", "stores",
    "barriered_stores", "flushes", "flushes_per_1000_stores",
    "flush_ns_per_recorded_pointer", "gc_cycles",
    "mark_ms", "max_pause_us", "lost_objects", "barrier_on_fraction",
    "cpu_ns_per_store", "ns_per_store_barrier_on",
    "barriered_fraction_barrier_on", "ns_per_store_barrier_off",
    "pause_ns_per_store", "assist_ns_per_store", "blocks",
    "dropped_block_fraction", "mark_steps", "mark_step_chunks"]
CONFIG_PREFIXES = ("off_", "incremental_")
# The decomposition of a barrier row's cost (wbbench computes it per
# repetition against the baseline repetition of the same round):
#   own_*: the barrier's own cost per barriered store, gc=incremental,
#          barrier on, minus the baseline (the headline figure);
#   check_*: barrier code compiled in, barrier off (gc=stw), minus the
#          baseline, per store;
#   interference_*: the concurrent configuration's barrier-on chunks minus
#          the incremental configuration's, per store.
OWN_NS = "own_ns_per_barriered_store"
OWN_CYCLES = "own_cycles_per_barriered_store"
CHECK_NS = "check_ns_per_store"
CHECK_CYCLES = "check_cycles_per_store"
INTERFERENCE_NS = "interference_ns_per_store"
INTERFERENCE_CYCLES = "interference_cycles_per_store"
DECOMPOSITION = [OWN_NS, OWN_CYCLES, CHECK_NS, CHECK_CYCLES, INTERFERENCE_NS,
                 INTERFERENCE_CYCLES]

# Per-repetition counters the table reads, all optional.
COUNTERS = (CONFIG_COUNTERS + DECOMPOSITION +
            [p + c for p in CONFIG_PREFIXES for c in CONFIG_COUNTERS])

# Keys of context.wbbench the table cannot do without.
REQUIRED_CONTEXT = ["machine"]
# Where cycles figures come from; "" (or no key) when there are none at all.
CYCLES_SOURCES = ("hardware", "estimate", "")
_NAME = re.compile(r"^(?P<workload>[^/]+)/barrier=(?P<barrier>[^/]+)(?:/.*)?$")


class ResultsError(Exception):
    """A results file (or directory) that cannot be read; str() is one line."""


@dataclass
class Cell:
    """All repetitions of one workload under one barrier."""
    workload: str
    barrier: str
    # counter name -> samples, one per repetition that reported it
    samples: Dict[str, List[float]] = field(default_factory=dict)
    repetitions: int = 0
    # True when there were no repetition rows and the `_median` aggregate
    # row stands in (one value, no CI possible).
    aggregate_only: bool = False

    def values(self, counter: str) -> List[float]:
        return self.samples.get(counter, [])


@dataclass
class Run:
    """One stored results file."""
    path: str
    stem: str          # file name without .json
    machine: str
    suite: str
    commit: str
    meta: dict         # context.wbbench
    context: dict      # the whole context block
    cells: Dict[tuple, Cell]  # (workload, barrier) -> Cell

    @property
    def cycles_estimated(self) -> bool:
        return self.meta.get("cycles_source") == "estimate"

    @property
    def cycles_hardware(self) -> bool:
        return self.meta.get("cycles_source") == "hardware"

    @property
    def has_decomposition(self) -> bool:
        """Whether wbbench decomposed the cost (own, check, interference).

        Runs stored before the decomposition have only the concurrent
        configuration's figures (barrier_ns_per_store and the like).
        """
        keys = DECOMPOSITION + [p + "stores" for p in CONFIG_PREFIXES]
        return any(c.values(k) for c in self.cells.values() for k in keys)

    @property
    def workloads(self) -> List[str]:
        return ordered({w for w, _ in self.cells}, WORKLOADS)

    @property
    def barriers(self) -> List[str]:
        return ordered({b for _, b in self.cells}, BARRIERS)

    @property
    def measured_barriers(self) -> List[str]:
        """The barriers proper: every one but the baseline row."""
        return [b for b in self.barriers if b != BASELINE]


def ordered(names, canonical):
    """names in canonical's order; those not in it after, alphabetically."""
    known = [n for n in canonical if n in names]
    return known + sorted(n for n in names if n not in canonical)


def is_number(value) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


def _fail(path: str, what: str) -> ResultsError:
    return ResultsError(f"{path}: {what}")


def file_safe(name: str) -> str:
    """A machine id or commit as it appears in a results file name."""
    return re.sub(r"[^A-Za-z0-9._+-]+", "_", name).strip("._") or "unknown"


def name_commit(meta: dict, root: str) -> str:
    """The commit in a stored file's name, file_safe.

    wbbench's git_commit; when it was built outside a git checkout (none, or
    "unknown"), the HEAD of the checkout at root.
    """
    commit = str(meta.get("git_commit") or "")
    if commit in ("", "unknown"):
        try:
            commit = subprocess.run(
                ["git", "-C", root, "rev-parse", "--short", "HEAD"],
                capture_output=True, text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            commit = "unknown"
    return file_safe(commit)


def _suite_from_name(stem: str, machine: str, commit: str) -> str:
    """`<machine>-<suite>-<commit>` -> suite; the whole stem otherwise.

    machine and commit are matched as analysis/rerun.sh writes them into the
    name (file_safe).
    """
    machine, commit = file_safe(machine), file_safe(commit) if commit else ""
    rest = stem
    if machine and rest.startswith(machine + "-"):
        rest = rest[len(machine) + 1:]
    if commit and rest.endswith("-" + commit):
        rest = rest[:-len(commit) - 1]
    return rest or stem


def read_report(path: str):
    """Reads a wbbench JSON report: (context, context.wbbench, rows).

    Checks only what every wbbench report has (a context block with
    wbbench's metadata and a non-empty benchmarks list); the caller checks
    the rest.  analysis/instructions.py reads --counters=valgrind reports
    with it.
    """
    try:
        with open(path, "r", encoding="utf-8") as f:
            doc = json.load(f)
    except FileNotFoundError:
        raise _fail(path, "no such file") from None
    except UnicodeDecodeError as e:
        raise _fail(path, f"not UTF-8 text ({e.reason})") from None
    except json.JSONDecodeError as e:
        raise _fail(path, f"not valid JSON (line {e.lineno} column "
                          f"{e.colno}: {e.msg})") from None
    except OSError as e:
        raise _fail(path, f"cannot be read ({e.strerror})") from None

    if not isinstance(doc, dict):
        raise _fail(path, "not a wbbench JSON report (top level is not an "
                          "object)")
    context = doc.get("context")
    if not isinstance(context, dict):
        raise _fail(path, "no 'context' object (expected wbbench "
                          "--format=json output)")
    meta = context.get("wbbench")
    if not isinstance(meta, dict):
        raise _fail(path, "no 'context.wbbench' metadata (expected wbbench "
                          "--format=json output, not plain Google Benchmark)")
    rows = doc.get("benchmarks")
    if not isinstance(rows, list) or not rows:
        raise _fail(path, "no 'benchmarks' rows")
    return context, meta, rows


def load_run(path: str) -> Run:
    """Reads and checks one results file."""
    context, meta, rows = read_report(path)
    for key in REQUIRED_CONTEXT:
        if not isinstance(meta.get(key), str) or not meta[key]:
            raise _fail(path, f"context.wbbench.{key} is missing or not a "
                              "string")
    if meta.get("cycles_source", "") not in CYCLES_SOURCES:
        raise _fail(path, f"context.wbbench.cycles_source is "
                          f"{meta['cycles_source']!r}; accepted: hardware, "
                          "estimate, or empty when cycles were not measured")

    cells: Dict[tuple, Cell] = {}
    medians: Dict[tuple, dict] = {}
    for i, row in enumerate(rows):
        _check_row(path, i, row)
        run_type = row.get("run_type", "iteration")
        name = row["name"]
        if run_type == "aggregate":
            agg = row.get("aggregate_name")
            if not isinstance(agg, str) or not agg:
                raise _fail(path, f"benchmarks[{i}] '{name}': aggregate row "
                                  "without an aggregate_name")
            base = name[:-len(agg) - 1] if name.endswith("_" + agg) else name
            if agg == "median":
                medians[row_key(path, i, base)] = row
            continue
        if run_type != "iteration":
            raise _fail(path, f"benchmarks[{i}] '{name}': unknown run_type "
                              f"{run_type!r}")
        run_name = row.get("run_name", name)
        key = row_key(path, i,
                      run_name if isinstance(run_name, str) else name)
        cell = cells.setdefault(key, Cell(*key))
        cell.repetitions += 1
        _add_counters(cell, row)

    for key, row in medians.items():
        if key not in cells:
            cell = cells[key] = Cell(*key, aggregate_only=True)
            cell.repetitions = 1
            _add_counters(cell, row)

    stem = os.path.splitext(os.path.basename(path))[0]
    commit = str(meta.get("git_commit") or "")
    suite = meta.get("suite")
    if not isinstance(suite, str) or not suite:
        suite = _suite_from_name(stem, meta["machine"], commit)
    return Run(path=path, stem=stem, machine=meta["machine"], suite=suite,
               commit=commit or "unknown", meta=meta, context=context,
               cells=cells)


def row_key(path: str, i: int, name: str) -> tuple:
    """(workload, barrier) of a row named `<workload>/barrier=<barrier>`."""
    m = _NAME.match(name)
    if not m:
        raise _fail(path, f"benchmarks[{i}] name '{name}' is not "
                          "'<workload>/barrier=<barrier>'")
    return (m.group("workload"), m.group("barrier"))


def check_row(path: str, i: int, row, counters) -> str:
    """Checks what every wbbench row has; returns its name.

    An object with a name, that did not fail, whose `counters` that are
    present (and not null) are finite numbers.
    """
    if not isinstance(row, dict):
        raise _fail(path, f"benchmarks[{i}] is not an object")
    name = row.get("name")
    if not isinstance(name, str) or not name:
        raise _fail(path, f"benchmarks[{i}] has no 'name'")
    if row.get("error_occurred"):
        msg = str(row.get("error_message", "")).replace("\n", " ")
        raise _fail(path, f"benchmark '{name}' failed ({msg or 'no message'})"
                          "; rerun it or remove the file")
    for counter in counters:
        if row.get(counter) is not None and not is_number(row[counter]):
            raise _fail(path, f"benchmarks[{i}] '{name}': counter "
                              f"'{counter}' is {row[counter]!r}, not a finite "
                              "number (leave an unmeasured counter out)")
    return name


def _check_row(path: str, i: int, row) -> None:
    name = check_row(path, i, row, COUNTERS)
    for key in ("real_time", "cpu_time"):
        if not is_number(row.get(key)):
            raise _fail(path, f"benchmarks[{i}] '{name}': '{key}' is missing "
                              "or not a finite number")
    if row.get("time_unit") not in ("ns", "us", "ms", "s"):
        raise _fail(path, f"benchmarks[{i}] '{name}': 'time_unit' is "
                          f"{row.get('time_unit')!r}; accepted: ns, us, ms, s")


def _add_counters(cell: Cell, row: dict) -> None:
    for counter in COUNTERS:
        if row.get(counter) is not None:
            cell.samples.setdefault(counter, []).append(float(row[counter]))


def one_per_name(items, what: str, maker: str) -> None:
    """Raises ResultsError when two of `items` (each with .name and .path)
    share a name: a table would not say which to believe."""
    seen = {}
    for item in items:
        if item.name in seen:
            raise ResultsError(
                f"{item.path}: a second {what} of {item.name} beside "
                f"{os.path.basename(seen[item.name].path)}; keep one "
                f"({maker} replaces the older)")
        seen[item.name] = item


def json_files(folder: str) -> List[str]:
    """The names of folder's *.json files, sorted, subfolders left out.

    Hidden files (a run that analysis/rerun.sh or count.sh is still writing)
    are skipped.
    """
    return sorted(n for n in os.listdir(folder)
                  if n.endswith(".json") and not n.startswith(".")
                  and os.path.isfile(os.path.join(folder, n)))


def load_dir(results_dir: str) -> List[Run]:
    """Every results/*.json, sorted by machine, suite and file name.

    Subfolders are not read: results/valgrind/ holds the counts that
    analysis/instructions.py reads, results/calibration/ calibrate.py's
    samples.
    """
    if not os.path.isdir(results_dir):
        raise ResultsError(f"{results_dir}: no such results directory")
    names = json_files(results_dir)
    if not names:
        raise ResultsError(f"{results_dir}: no results files (*.json); run "
                           "analysis/rerun.sh to make one")
    runs = [load_run(os.path.join(results_dir, n)) for n in names]
    runs.sort(key=lambda r: (r.machine, r.suite, r.stem))
    return runs
