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
vm-zen4-full-fed4321.json: a run with the decomposition (own, check,
  interference; the check and incremental configurations under off_ and
  incremental_), gc=continuous, no PMU (cycles are estimates, est_core_hz
  3 GHz so cycles = 3 x ns), 10 repetitions, barriers unbuffered, buffered,
  cgocheck, batched (no `none`, as under gc=continuous) and the baseline.
  own ns per barriered store = scale x (base + 0.2 i), i = 0..9, base 4.0 on
    tree-reverse and 6.0 on list-queue, scale unbuffered 3, buffered 1,
    cgocheck 5, batched 0.9.  tree-reverse buffered: 4.0 .. 5.8, median
    4.90 [4.20, 5.60], cycles 14.7 [12.6, 16.8]; unbuffered 14.7 [12.6,
    16.8], cycles 44.1 [37.8, 50.4]; own ratio unbuffered/buffered exactly
    3.00.
  list-queue buffered has no own cost and no interference (its incremental
    configuration never ran a chunk with the barrier on): dashes, and no
    ratio on list-queue.
  check ns per store 0.30 + 0.02 i: median 0.39 [0.32, 0.46].
  interference ns per store 2.0 + 0.1 i: median 2.45 [2.10, 2.80].
  the concurrent configuration's share (barrier_ns_per_store) = own + 2.0:
    its unbuffered/buffered ratio on tree-reverse is 16.7 / 6.9 = 2.42, so
    a ratio of 3.00 shows that the own cost was used.
  ns per store = share + 1.0; pause ns per store 0.50 + 0.01 i (median
    0.55 [0.51, 0.58]); assist 0.20 + 0.01 i; the baseline's ns per store
    1.0 + 0.01 i, its pause 0.05 + 0.01 i and its assist 0 (measured).
  blocks: 1000 per configuration, dropped 1% (concurrent), 2% (check), 3%
    (incremental): 2.0% of each barrier cell's blocks.

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
            **_row_head(name, family, reps, i, stores, v["ns_per_store"]),
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
    return rows + _aggregates(name, family, reps, rows)


def _row_head(name, family, reps, i, stores, ns):
    return {
        "name": name, "family_index": family,
        "per_family_instance_index": 0, "run_name": name,
        "run_type": "iteration", "repetitions": reps,
        "repetition_index": i, "threads": 1, "iterations": stores,
        "real_time": ns, "cpu_time": ns, "time_unit": "ns",
    }


def _aggregates(name, family, reps, rows):
    """The aggregate rows wbbench writes after a benchmark's repetitions.

    As the first version of this script did, each aggregate is taken over
    the repetitions and the aggregate rows before it (the median over the
    repetitions and the mean, ...).  That is kept so that the checked-in
    fixtures stay byte for byte as they were: the analysis reads only the
    median, and only from a run without repetition rows.
    """
    out = []
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
            xs = np.array([r[k] for r in rows + out], dtype=float)
            val = float(fn(xs)) if np.mean(xs) != 0 or agg != "cv" else 0.0
            row[k] = round(val, 9)
            if agg == "median" and len(xs) >= 6:
                row[k + "_ci_low"] = float(np.sort(xs)[1])
                row[k + "_ci_high"] = float(np.sort(xs)[-2])
        out.append(row)
    return out


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


DECOMP_BASELINE = (
    "own = (ns/store with the barrier on, gc=incremental - baseline) / "
    "barriered fraction; check = barrier code, gc=stw (barrier off) - "
    "baseline; interference = gc=continuous - gc=incremental, barrier-on "
    "chunks; baseline = no barrier code, gc=stw; chunks are mutator time "
    "only (pauses, assists and descheduled blocks left out)")


def decomp_run():
    reps, ghz = 10, 3.0
    scale = {"unbuffered": 3.0, "buffered": 1.0, "cgocheck": 5.0,
             "batched": 0.9}
    bench = []
    family = 0

    def r6(x):
        return round(x, 6)

    for workload, own_base in (("tree-reverse", 4.0), ("list-queue", 6.0)):
        for b in ("unbuffered", "buffered", "cgocheck", "batched"):
            rows = []
            for i in range(reps):
                own = r6(scale[b] * (own_base + 0.2 * i))
                check = r6(0.30 + 0.02 * i)
                interference = r6(2.0 + 0.1 * i)
                share = r6(own + 2.0)
                ns = r6(share + 1.0)
                base = r6(1.0 + 0.01 * i)
                stores = 2000000 + i
                inc_on = r6(base + check + own * 0.96)
                row = {
                    **_row_head(f"{workload}/barrier={b}", family, reps, i,
                                stores, ns),
                    # The concurrent configuration (gc=continuous).
                    "cycles_per_store": r6(ns * ghz),
                    "ns_per_store": ns,
                    "ns_per_store_barrier_on": ns,
                    "barriered_fraction_barrier_on": 0.96,
                    "barrier_cycles_per_store": r6(share * ghz),
                    "barrier_ns_per_store": share,
                    "tsc_ticks_per_store": r6(ns * 2.4),
                    "stores": stores, "barriered_stores": stores // 2,
                    "flushes": stores // 256,
                    "flushes_per_1000_stores": 3.9,
                    "gc_cycles": 12 + i, "mark_ms": 200.0 + i,
                    "max_pause_us": 150.0 + i, "lost_objects": 0,
                    "barrier_on_fraction": 0.97,
                    "pause_ns_per_store": r6(0.50 + 0.01 * i),
                    "assist_ns_per_store": r6(0.20 + 0.01 * i),
                    "blocks": 1000, "dropped_block_fraction": 0.01,
                    # The decomposition.
                    "own_ns_per_barriered_store": own,
                    "own_cycles_per_barriered_store": r6(own * ghz),
                    "check_ns_per_store": check,
                    "check_cycles_per_store": r6(check * ghz),
                    "interference_ns_per_store": interference,
                    "interference_cycles_per_store": r6(interference * ghz),
                    # The check configuration: barrier code, gc=stw.
                    "off_ns_per_store": r6(base + check),
                    "off_cycles_per_store": r6((base + check) * ghz),
                    "off_stores": stores, "off_gc_cycles": 3,
                    "off_pause_ns_per_store": 0.08,
                    "off_assist_ns_per_store": 0.0,
                    "off_blocks": 1000, "off_dropped_block_fraction": 0.02,
                    # The incremental configuration.
                    "incremental_ns_per_store": r6(inc_on - 0.1),
                    "incremental_ns_per_store_barrier_on": inc_on,
                    "incremental_ns_per_store_barrier_off": r6(base + check),
                    "incremental_barriered_fraction_barrier_on": 0.96,
                    "incremental_barrier_on_fraction": 0.9,
                    "incremental_stores": stores,
                    "incremental_gc_cycles": 20 + i,
                    "incremental_mark_steps": 400 + i,
                    "incremental_mark_step_chunks": 380 + i,
                    "incremental_pause_ns_per_store": 0.1,
                    "incremental_assist_ns_per_store": 0.0,
                    "incremental_blocks": 1000,
                    "incremental_dropped_block_fraction": 0.03,
                }
                if workload == "list-queue" and b == "buffered":
                    # No chunk with the barrier on under gc=incremental.
                    for k in ("own_ns_per_barriered_store",
                              "own_cycles_per_barriered_store",
                              "interference_ns_per_store",
                              "interference_cycles_per_store",
                              "incremental_ns_per_store_barrier_on",
                              "incremental_barriered_fraction_barrier_on"):
                        del row[k]
                rows.append(row)
            bench += rows + _aggregates(rows[0]["name"], family, reps, rows)
            family += 1
        rows = []
        for i in range(reps):
            base = r6(1.0 + 0.01 * i)
            stores = 9000000 + i
            rows.append({
                **_row_head(f"{workload}/barrier=baseline", family, reps, i,
                            stores, base),
                "cycles_per_store": r6(base * ghz), "ns_per_store": base,
                "tsc_ticks_per_store": r6(base * 2.4), "stores": stores,
                "barriered_stores": 0, "flushes": 0,
                "flushes_per_1000_stores": 0.0, "gc_cycles": 2,
                "mark_ms": 0.0, "max_pause_us": 900.0 + i,
                "lost_objects": 0, "barrier_on_fraction": 0.0,
                "pause_ns_per_store": r6(0.05 + 0.01 * i),
                "assist_ns_per_store": 0.0,
                "blocks": 1000, "dropped_block_fraction": 0.0,
            })
        bench += rows + _aggregates(rows[0]["name"], family, reps, rows)
        family += 1
    ctx = context("vm-zen4", "fed4321", "estimate", reps, ghz * 1e9)
    meta = ctx["wbbench"]
    meta.update({"est_core_hz_median": 2.9e9, "est_core_hz_p10": 2.8e9,
                 "gc": "continuous", "baseline": DECOMP_BASELINE,
                 "cpu_model": "AMD EPYC 9654 (fixture)"})
    blocks = 1000.0 * reps * (2 * 4 * 3 + 2)
    meta["blocks"] = blocks
    meta["dropped_blocks"] = 1000.0 * reps * 2 * 4 * (0.01 + 0.02 + 0.03)
    return {"context": ctx, "benchmarks": bench}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, doc in (("vm-epyc-9r14-full-abc1234.json", vm_run()),
                      ("hw-xeon-quick-def5678.json", hw_run()),
                      ("vm-zen4-full-fed4321.json", decomp_run())):
        with open(os.path.join(OUT, name), "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
