#!/usr/bin/python3
"""Writes the fixtures in tests/analysis/fixtures/redundancy/ (checked in).

Two `wbbench --redundancy` reports of machine amd-epyc, commit 479d004, cut
to the rows and counters analysis/redundancy.py reads (the context is a real
run's, trimmed), with figures chosen so that the cells are known by hand.
Three repetitions each, and `_median` aggregate rows holding 0.0 that the
loader must ignore (it takes its own medians over the repetitions).

amd-epyc-dijkstra-479d004.json  tree-reverse and list-queue; barriers
  unbuffered, buffered, cardmark (no shading record: no tally at all) and
  the baseline (shades nothing).
    tree-reverse unbuffered  redundant 0.50 0.60 0.90 -> 60.0%,
                             already marked 0.55 0.65 0.95 -> 65.0%
    tree-reverse buffered    redundant 0.70 0.80 0.75 -> 75.0%,
                             already marked 0.80 0.90 0.85 -> 85.0%
    list-queue unbuffered    redundant 0.20 0.40 0.30 -> 30.0%,
                             already marked 0.30 0.50 0.40 -> 40.0%
    list-queue buffered      no store barriered in the concurrent
                             configuration: only incremental_ figures
  Means over workloads: unbuffered 45.0% (52.5%), buffered 75.0% (85.0%)
  on 1 of 2 workloads, cardmark —.  No redundancy_sweep in the context (a
  report stored by hand): repetitions from context.wbbench only.
amd-epyc-yuasa-479d004.json  tree-reverse only; unbuffered and buffered.
    unbuffered  redundant 1 1 1 -> 100.0%, already marked 1 1 1 -> 100.0%
    buffered    redundant 0.9 0.9 0.9 -> 90.0%; every recorded pointer nil
                (nil_recorded_fraction 1), so no already-marked share: —
  context.redundancy_sweep: duration 20ms, date 2026-12-02T03:00:00+00:00,
  cardmark refused.

Run it again after changing it:  /usr/bin/python3 make_redundancy_fixtures.py
"""

import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixtures", "redundancy")


def context(algorithm, sweep=None):
    ctx = {
        "date": "2026-12-02T02:42:56+0000", "host_name": "vm",
        "executable": "wbbench", "num_cpus": 2,
        "library_build_type": "release",
        "wbbench": {"machine": "amd-epyc", "cpu_model": "AMD EPYC",
                    "cores": 2, "git_commit": "479d004",
                    "cycles_source": "estimate", "interrupted": False,
                    "gc": "continuous", "algorithm": algorithm,
                    "threads": 1, "repetitions": 3, "ops": None,
                    "scale": 0.25, "counting": "", "valgrind": ""}}
    if sweep:
        ctx["redundancy_sweep"] = sweep
    return ctx


def rows(cells):
    """cells: [(workload, barrier, [per-repetition {counter: value}])]."""
    out = []
    for workload, barrier, reps in cells:
        name = f"{workload}/barrier={barrier}"
        for i, counters in enumerate(reps):
            out.append(dict({"name": name, "run_name": name,
                             "run_type": "iteration", "repetitions": 3,
                             "repetition_index": i, "threads": 1,
                             "iterations": 1, "real_time": 2.0e7,
                             "cpu_time": 2.0e7, "time_unit": "ns"},
                            **counters))
        keys = {k for c in reps for k in c}
        out.append(dict({"name": name + "_median", "run_name": name,
                         "run_type": "aggregate", "aggregate_name": "median",
                         "repetitions": 3, "threads": 1, "iterations": 3,
                         "real_time": 2.0e7, "cpu_time": 2.0e7,
                         "time_unit": "ns"}, **{k: 0.0 for k in keys}))
    return out


def tally(redundant, marked, nil=0.0, entries=1000, prefix=""):
    t = {prefix + "redundant_store_fraction": redundant,
         prefix + "nil_recorded_fraction": nil,
         prefix + "shaded_entries": entries}
    if marked is not None:
        t[prefix + "already_marked_fraction"] = marked
    return t


def both(redundant, marked, **kw):
    """The concurrent and the incremental configurations' tally."""
    return dict(tally(redundant, marked, **kw),
                **tally(redundant, marked, prefix="incremental_", **kw))


def main():
    os.makedirs(OUT, exist_ok=True)
    dijkstra = [
        ("tree-reverse", "unbuffered",
         [both(r, m) for r, m in ((0.5, 0.55), (0.6, 0.65), (0.9, 0.95))]),
        ("tree-reverse", "buffered",
         [both(r, m) for r, m in ((0.7, 0.8), (0.8, 0.9), (0.75, 0.85))]),
        ("tree-reverse", "cardmark", [{}, {}, {}]),
        ("tree-reverse", "baseline", [{}, {}, {}]),
        ("list-queue", "unbuffered",
         [both(r, m) for r, m in ((0.2, 0.3), (0.4, 0.5), (0.3, 0.4))]),
        ("list-queue", "buffered",
         [tally(0.5, 0.5, prefix="incremental_") for _ in range(3)]),
        ("list-queue", "cardmark", [{}, {}, {}]),
        ("list-queue", "baseline", [{}, {}, {}]),
    ]
    yuasa = [
        ("tree-reverse", "unbuffered", [both(1, 1) for _ in range(3)]),
        ("tree-reverse", "buffered",
         [both(0.9, None, nil=1.0) for _ in range(3)]),
        ("tree-reverse", "baseline", [{}, {}, {}]),
    ]
    for algorithm, cells, sweep in (
            ("dijkstra", dijkstra, None),
            ("yuasa", yuasa, {"command": "wbbench --redundancy ...",
                              "duration": "20ms",
                              "date": "2026-12-02T03:00:00+00:00",
                              "refused": ["cardmark"], "elapsed_s": 61.5})):
        doc = {"context": context(algorithm, sweep), "benchmarks": rows(cells)}
        path = os.path.join(OUT, f"amd-epyc-{algorithm}-479d004.json")
        with open(path, "w", encoding="utf-8") as f:
            f.write(json.dumps(doc, indent=1) + "\n")
        print("wrote", path)


if __name__ == "__main__":
    main()
