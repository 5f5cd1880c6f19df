#!/usr/bin/python3
"""Writes the fixture runs in tests/analysis/fixtures/ (checked in).

The values are chosen so that the expected figures are known by hand:

vm-epyc-9r14-full-abc1234.json: a VM without a PMU (cycles are estimates,
  est_core_hz 2 GHz so cycles = 2 x ns), 10 repetitions.
  tree-reverse:
    buffered    barrier ns 5.0, 5.5, ... 9.5  -> cycles 10..19
                median 14.5 cycles, 95% CI [11, 18] (order stats 2 and 9)
    unbuffered  4 x buffered -> ratio of medians exactly 4.00
    cgocheck    2 x buffered;  batched 0.8 x buffered
    none        barrier ns -0.25 .. +0.20: net cost <= 0, no ratio
    gross ns per store = barrier ns + 1: buffered median 8.25,
    unbuffered median 30.0 -> 3.64x
  binary-trees: buffered, unbuffered and none only (cgocheck and batched
    were not run); buffered's barrier ns are 3.0 .. 7.5.
    baseline    the row wbbench measures shares against: ns per store
                0.90 .. 1.35 (median 1.12), no barrier share
  Counters absent everywhere: max_pause_us.  Absent for `none`: flushes.
hw-xeon-quick-def5678.json: hardware cycles, 5 repetitions (no CI),
  tree-reverse, buffered cycles 10..14 and unbuffered 30..34: fully
  separated, so the exact two-sided U test gives p = 2/252 = 0.0079.

Run it again after changing it:  /usr/bin/python3 make_fixtures.py
"""

import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixtures", "good")


def context(machine, commit, cycles_source, reps, est_core_hz):
    return {
        "date": "2026-11-23T08:00:00+00:00",
        "host_name": machine.split("-")[0],
        "executable": "build/wbbench",
        "num_cpus": 2,
        "mhz_per_cpu": 2445,
        "cpu_scaling_enabled": False,
        "caches": [],
        "load_avg": [0.5, 0.4, 0.3],
        "library_build_type": "release",
        "wbbench": {
            "machine": machine,
            "cpu_model": ("AMD EPYC 9R14 (fixture)" if cycles_source ==
                          "estimate" else "Intel Xeon (fixture)"),
            "cores": 2,
            "tsc_hz": 2.4e9,
            "est_core_hz": est_core_hz,
            "kernel": "6.1.0-fixture",
            "compiler": "GNU 12.2.0",
            "flags": "-O2",
            "git_commit": commit,
            "cycles_source": cycles_source,
            "counter_sources": ({"cycles": "estimate (TSC-calibrated)",
                                 "task-clock": "software"}
                                if cycles_source == "estimate" else
                                {"cycles": "hardware"}),
            "counters_missing_reason": ("PMU not available (virtualized)"
                                        if cycles_source == "estimate"
                                        else ""),
            "counter_read_ns": None,
            "steal_percent": 0.3,
            "interrupted": False,
            "baseline": "same workload, barrier none, gc=stw",
            "gc": "concurrent",
            "algorithm": "hybrid",
            "threads": 1,
            "repetitions": reps,
        },
    }


def rows_for(name, family, reps, per_rep, est_core_hz, drop=()):
    """Repetition rows and aggregate rows for one benchmark.

    per_rep(i) -> dict of barrier_ns_per_store and ns_per_store; cycles are
    ns x est_core_hz / 1e9.
    """
    rows = []
    for i in range(reps):
        v = per_rep(i)
        ghz = est_core_hz / 1e9
        stores = 1000000 + i
        row = {
            "name": name, "family_index": family,
            "per_family_instance_index": 0, "run_name": name,
            "run_type": "iteration", "repetitions": reps,
            "repetition_index": i, "threads": 1, "iterations": stores,
            "real_time": v["ns_per_store"], "cpu_time": v["ns_per_store"],
            "time_unit": "ns",
            "cycles_per_store": round(v["ns_per_store"] * ghz, 6),
            "ns_per_store": v["ns_per_store"],
            "barrier_cycles_per_store": round(v["barrier_ns_per_store"] * ghz,
                                              6),
            "barrier_ns_per_store": v["barrier_ns_per_store"],
            "tsc_ticks_per_store": round(v["ns_per_store"] * 2.4, 6),
            "stores": stores, "barriered_stores": stores // 2,
            "flushes": stores // 256, "gc_cycles": 12 + i,
            "max_pause_us": 150.0 + i, "lost_objects": 0,
            "barrier_on_fraction": 0.95,
        }
        for k in drop:
            row.pop(k, None)
        rows.append(row)
    keys = [k for k in rows[0] if k not in (
        "name", "family_index", "per_family_instance_index", "run_name",
        "run_type", "repetitions", "repetition_index", "threads",
        "iterations", "time_unit")]
    # As wbbench writes them: mean, median (with the CI bounds of each
    # counter as <counter>_ci_low/_ci_high), stddev, cv, min.
    for agg, fn in (("mean", np.mean), ("median", np.median),
                    ("stddev", lambda x: np.std(x, ddof=1)),
                    ("cv", lambda x: np.std(x, ddof=1) / np.mean(x)),
                    ("min", np.min)):
        row = {"name": f"{name}_{agg}", "family_index": family,
               "per_family_instance_index": 0, "run_name": name,
               "run_type": "aggregate", "repetitions": reps, "threads": 1,
               "aggregate_name": agg,
               "aggregate_unit": "percentage" if agg == "cv" else "time",
               "iterations": reps, "time_unit": "ns"}
        for k in keys:
            xs = np.array([r[k] for r in rows], dtype=float)
            val = float(fn(xs)) if np.mean(xs) != 0 or agg != "cv" else 0.0
            row[k] = round(val, 9)
            if agg == "median" and len(xs) >= 6:
                row[k + "_ci_low"] = float(np.sort(xs)[1])
                row[k + "_ci_high"] = float(np.sort(xs)[-2])
        rows.append(row)
    return rows


def vm_run():
    reps, hz = 10, 2.0e9
    scale = {"unbuffered": 4.0, "buffered": 1.0, "cgocheck": 2.0,
             "batched": 0.8}
    bench = []
    family = 0
    for workload, base, barriers in (
            ("tree-reverse", 5.0, ["unbuffered", "buffered", "cgocheck",
                                   "batched", "none"]),
            ("binary-trees", 3.0, ["unbuffered", "buffered", "none"])):
        for b in barriers:
            if b == "none":
                def per_rep(i):
                    net = round(-0.25 + 0.05 * i, 6)
                    return {"barrier_ns_per_store": net,
                            "ns_per_store": round(1.0 + net, 6)}
                drop = ("max_pause_us", "flushes")
            else:
                def per_rep(i, s=scale[b], base=base):
                    net = round(s * (base + 0.5 * i), 6)
                    return {"barrier_ns_per_store": net,
                            "ns_per_store": round(net + 1.0, 6)}
                drop = ("max_pause_us",)
            bench += rows_for(f"{workload}/barrier={b}", family, reps, per_rep,
                              hz, drop)
            family += 1
        if workload == "tree-reverse":
            # The baseline row wbbench adds: barrier none, GC stopped; no
            # barrier share of its own.  ns per store 0.90 .. 1.35.
            def per_rep(i):
                return {"barrier_ns_per_store": 0.0,
                        "ns_per_store": round(0.9 + 0.05 * i, 6)}
            bench += rows_for(f"{workload}/barrier=baseline", family, reps,
                              per_rep, hz, ("max_pause_us", "flushes",
                                            "barrier_cycles_per_store",
                                            "barrier_ns_per_store"))
            family += 1
    return {"context": context("vm-epyc-9r14", "abc1234", "estimate", reps,
                               hz),
            "benchmarks": bench}


def hw_run():
    reps, hz = 5, 1.0e9  # 1 GHz: cycles = ns
    bench = []
    for family, (b, base) in enumerate((("unbuffered", 30.0),
                                        ("buffered", 10.0))):
        def per_rep(i, base=base):
            return {"barrier_ns_per_store": base + i,
                    "ns_per_store": base + i + 1.0}
        bench += rows_for(f"tree-reverse/barrier={b}", family, reps, per_rep,
                          hz)
    return {"context": context("hw-xeon", "def5678", "hardware", reps, hz),
            "benchmarks": bench}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, doc in (("vm-epyc-9r14-full-abc1234.json", vm_run()),
                      ("hw-xeon-quick-def5678.json", hw_run())):
        with open(os.path.join(OUT, name), "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
