"""Instructions and simulated cache misses per store, counted under valgrind.

results/valgrind/*.json are what `wbbench --counters=valgrind --format=json`
writes; analysis/count.sh stores them as <kind>-<algorithm>-<commit>.json:

  tree-reverse-<algorithm>  tree-reverse, every barrier, one file for each
                            shading algorithm (hybrid, dijkstra, yuasa,
                            hybrid-cond);
  workloads-<algorithm>     every workload, unbuffered and buffered (hybrid).

The kind is read from the file's rows (only tree-reverse, or more), never
from its name.  This module reads and checks the files (load_dir) and renders
the section of results/README.md that make_table.py puts after the timed
runs (render).

A file is Google Benchmark JSON like a timed run, with
context.wbbench.counting "valgrind", context.wbbench.valgrind the valgrind
version and simulation flags, context.wbbench.algorithm, and one row per
workload and barrier (one repetition; real_time and cpu_time null, there is
no time).  A barrier row holds the barrier-on configuration's figures per
store of the counted chunks (<event>_per_store), the barrier-off ones
(off_...), check_<event>_per_store (off - baseline),
own_<event>_per_barriered_store ((on - baseline) / barriered fraction) and,
for the generated (JIT) barriers, fast_path_instructions_per_call and
flush_instructions_per_barriered_store; the baseline row (`baseline`, no
barrier code) only <event>_per_store.  harness/valgrind_counts.h says
exactly how they are counted.  A figure a file lacks (or holds as null) is
shown as "—", never as 0.

The counts are deterministic, so each is one number with no interval.  A
file that does not fit raises runs.ResultsError with one line naming it.
"""

import os
from dataclasses import dataclass
from typing import Dict, List, Optional

import runs
from table import DASH, _esc, _row

FOLDER = "valgrind"   # under results/
COUNTING = "valgrind"
SOURCE = "valgrind (simulated)"  # wbbench's counter_sources, if it has none
ALGORITHMS = ["hybrid", "dijkstra", "yuasa", "hybrid-cond"]
TREE = "tree-reverse"
KINDS = [TREE, "workloads"]
# What callgrind counts (harness/valgrind_counts.h, Events).
EVENTS = ["instructions", "data_reads", "data_writes", "d1_misses",
          "ll_misses", "branch_mispredictions"]
COUNTERS = ([f"{p}{e}_per_store" for e in EVENTS
             for p in ("", "off_", "check_")] +
            [f"own_{e}_per_barriered_store" for e in EVENTS] +
            ["fast_path_instructions_per_call",
             "fast_path_instructions_per_barriered_store",
             "flush_instructions_per_barriered_store", "counted_stores",
             "counted_barriered_stores", "counted_chunks", "stores",
             "barriered_stores"])
OWN = "own_instructions_per_barriered_store"
FAST_PATH = "fast_path_instructions_per_call"


@dataclass
class Count:
    """One stored --counters=valgrind file."""
    path: str
    stem: str            # file name without .json
    algorithm: str
    commit: str
    valgrind: str        # version and simulation flags
    source: str
    rows: Dict[tuple, Dict[str, float]]  # (workload, barrier) -> counters

    @property
    def workloads(self) -> List[str]:
        return runs.ordered({w for w, _ in self.rows}, runs.WORKLOADS)

    @property
    def barriers(self) -> List[str]:
        return runs.ordered({b for _, b in self.rows}, runs.BARRIERS)

    @property
    def kind(self) -> str:
        return TREE if self.workloads == [TREE] else "workloads"

    @property
    def name(self) -> str:
        """What count.sh names the file, less the commit."""
        return f"{self.kind}-{runs.file_safe(self.algorithm)}"

    def figure(self, workload: str, barrier: str,
               counter: str) -> Optional[float]:
        return self.rows.get((workload, barrier), {}).get(counter)


def _string(path: str, meta: dict, key: str) -> str:
    value = meta.get(key)
    if not isinstance(value, str) or not value:
        raise runs.ResultsError(f"{path}: context.wbbench.{key} is missing or "
                                "not a string")
    return value


def load_count(path: str) -> Count:
    """Reads and checks one results/valgrind/*.json."""
    _, meta, rows = runs.read_report(path)
    if meta.get("counting") != COUNTING:
        raise runs.ResultsError(
            f"{path}: context.wbbench.counting is {meta.get('counting')!r}, "
            f"not '{COUNTING}' (expected wbbench --counters=valgrind output; "
            "timed runs belong in results/ itself)")
    algorithm = _string(path, meta, "algorithm")
    valgrind = _string(path, meta, "valgrind")
    counted: Dict[tuple, Dict[str, float]] = {}
    for i, row in enumerate(rows):
        name = runs.check_row(path, i, row, COUNTERS)
        run_type = row.get("run_type", "iteration")
        if run_type == "aggregate":
            continue  # one repetition: an aggregate repeats it
        if run_type != "iteration":
            raise runs.ResultsError(f"{path}: benchmarks[{i}] '{name}': "
                                    f"unknown run_type {run_type!r}")
        key = runs.row_key(path, i, name)
        if key in counted:
            raise runs.ResultsError(
                f"{path}: benchmarks[{i}] '{name}': a second row for it (a "
                "count has one repetition)")
        counted[key] = {c: float(row[c]) for c in COUNTERS
                        if row.get(c) is not None}
    if not counted:
        raise runs.ResultsError(f"{path}: no counted rows (run_type "
                                "'iteration')")
    sources = meta.get("counter_sources")
    source = (sources.get("instructions") if isinstance(sources, dict)
              else None)
    return Count(path=path,
                 stem=os.path.splitext(os.path.basename(path))[0],
                 algorithm=algorithm,
                 commit=str(meta.get("git_commit") or "unknown"),
                 valgrind=valgrind,
                 source=source if isinstance(source, str) and source
                 else SOURCE,
                 rows=counted)


def load_dir(folder: str) -> List[Count]:
    """Every folder/*.json, by kind and algorithm; [] when there is none.

    No folder, or one without files, is no section rather than an error.
    Two files of one kind and algorithm are: the tables would not say which
    to believe.
    """
    if not os.path.isdir(folder):
        return []
    counts = [load_count(os.path.join(folder, n))
              for n in runs.json_files(folder)]
    runs.one_per_name(counts, "count", "analysis/count.sh")
    algorithms = runs.ordered({c.algorithm for c in counts}, ALGORITHMS)
    counts.sort(key=lambda c: (KINDS.index(c.kind),
                               algorithms.index(c.algorithm)))
    return counts


def fmt(x: Optional[float], places: int) -> str:
    """x to `places` decimals; "—" when it was not counted; no "-0.0"."""
    if x is None:
        return DASH
    text = f"{x:.{places}f}"
    return f"{0:.{places}f}" if float(text) == 0 else text


def instr(x: Optional[float]) -> str:
    return fmt(x, 1)


def miss(x: Optional[float]) -> str:
    """Misses and mispredictions."""
    return fmt(x, 3)


def _by_value(counts: List[Count], attr: str) -> str:
    """`value` if all counts agree; else each value with its files."""
    values: Dict[str, List[str]] = {}
    for c in counts:
        values.setdefault(getattr(c, attr), []).append(c.name)
    if len(values) == 1:
        return f"`{_esc(next(iter(values)))}`"
    return "; ".join(f"`{_esc(v)}` ({', '.join(names)})"
                     for v, names in sorted(values.items()))


def _stores(counts: List[Count]) -> str:
    stores = sorted({int(r["counted_stores"]) for c in counts
                     for r in c.rows.values() if "counted_stores" in r})
    if not stores:
        return ""
    span = (f"{stores[0]:,}" if len(stores) == 1
            else f"{stores[0]:,} to {stores[-1]:,}")
    return f", {span} stores a configuration"


def _intro(counts: List[Count]) -> List[str]:
    sources = sorted({c.source for c in counts})
    return [
        "## Instructions per store, counted under valgrind",
        "",
        f"Source: **{_esc(', '.join(sources))}**, "
        f"{_by_value(counts, 'valgrind')}: the simulated caches are the same "
        "on every machine.  The counts are deterministic (the same binary "
        "and flags give the same counts on every run), so they have no "
        "interval.  Each configuration runs alone under callgrind, one "
        "mutator, and a figure is per store of the counted chunks (the "
        "workload's code in the timed chunks"
        f"{_stores(counts)}), or per barriered store (bstore) where it says "
        "so.  **Own** = (barrier on − baseline) per barriered store, the "
        "barrier on under gc=incremental with a fixed mark step; **check** = "
        "(barrier off − baseline) per store; the baseline is the workload "
        "with no barrier code.  Fast path/call: the generated (JIT) barrier's fast-path "
        "instructions per call; flush/bstore: the rest of its instructions "
        f"per barriered store.  {DASH}: not counted.  Commit "
        f"{_by_value(counts, 'commit')}; files in `{FOLDER}/`, made by "
        "`analysis/count.sh`.",
        "",
    ]


def _own_by_algorithm(trees: List[Count]) -> List[str]:
    barriers = runs.ordered({b for c in trees for b in c.barriers
                             if b != runs.BASELINE}, runs.BARRIERS)

    def cell(c, b):
        own = instr(c.figure(TREE, b, OWN))
        fast = c.figure(TREE, b, FAST_PATH)
        return own if fast is None else f"{own} ({instr(fast)})"
    lines = [f"### Own instructions per barriered store, `{TREE}`", "",
             "By shading algorithm; in parentheses the fast path's "
             "instructions per call.", "",
             _row(["barrier"] + [f"`{_esc(c.algorithm)}`" for c in trees]),
             _row(["---"] * (len(trees) + 1))]
    for b in barriers:
        lines.append(_row([f"`{_esc(b)}`"] + [cell(c, b) for c in trees]))
    return lines + [""]


_DETAIL = [("instructions/store", "instructions_per_store", instr),
           ("check/store", "check_instructions_per_store", instr),
           ("own instr/bstore", OWN, instr),
           ("fast path/call", FAST_PATH, instr),
           ("flush/bstore", "flush_instructions_per_barriered_store", instr),
           ("D1 misses/store", "d1_misses_per_store", miss),
           ("LL misses/store", "ll_misses_per_store", miss),
           ("own D1/bstore", "own_d1_misses_per_barriered_store", miss),
           ("mispredictions/store", "branch_mispredictions_per_store", miss)]


def _detail(tree: Count) -> List[str]:
    lines = [f"### `{TREE}` in detail, algorithm `{_esc(tree.algorithm)}`",
             "",
             _row(["barrier"] + [h for h, _, _ in _DETAIL]),
             _row(["---"] * (len(_DETAIL) + 1))]
    for b in tree.barriers:
        lines.append(_row([f"`{_esc(b)}`"] +
                          [f(tree.figure(TREE, b, k)) for _, k, f in _DETAIL]))
    return lines + [""]


def _workloads(count: Count) -> List[str]:
    lines = [f"### Every workload, algorithm `{_esc(count.algorithm)}`", "",
             "Instructions and misses per store with the barrier on, beside "
             "the baseline's instructions per store.", "",
             _row(["workload", "barrier", "instructions/store",
                   "baseline instructions/store", "own instr/bstore",
                   "D1 misses/store", "LL misses/store"]),
             _row(["---"] * 7)]
    for w in count.workloads:
        base = instr(count.figure(w, runs.BASELINE, "instructions_per_store"))
        for b in count.barriers:
            if b == runs.BASELINE:
                continue
            lines.append(_row([
                f"`{_esc(w)}`", f"`{_esc(b)}`",
                instr(count.figure(w, b, "instructions_per_store")), base,
                instr(count.figure(w, b, OWN)),
                miss(count.figure(w, b, "d1_misses_per_store")),
                miss(count.figure(w, b, "ll_misses_per_store"))]))
    return lines + [""]


def render(counts: List[Count]) -> str:
    """The README section (markdown, ending in a newline); "" for none."""
    if not counts:
        return ""
    trees = [c for c in counts if c.kind == TREE]
    lines = _intro(counts)
    if trees:
        lines += _own_by_algorithm(trees) + _detail(trees[0])
    for c in counts:
        if c.kind != TREE:
            lines += _workloads(c)
    return "\n".join(lines).rstrip("\n") + "\n"
