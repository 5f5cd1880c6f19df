#!/usr/bin/python3
"""Pins the fast path of every generated barrier, counted under valgrind.

Runs `wbbench --counters=valgrind` on a small tree-reverse for the JIT
barriers (buffered, cgocheck, batched) under every algorithm in the pins
file, and compares each barrier's fast_path_instructions_per_call (the
instructions a store that does not fill the buffer runs in the generated
code) with its pin.  A longer fast path fails, with both numbers; a shorter
one passes and says to lower the pin.  A barrier spelled `buffered+nil`
runs with --filter=nil; a pin may have decimals (a filter's skip path and
its recording path average to a fraction per call on tree-reverse).

  fast_path_pins.py WBBENCH PINS            the check (exit 1 if longer)
  fast_path_pins.py WBBENCH PINS --print    the measured counts, as pins
  fast_path_pins.py WBBENCH PINS --nop-self-test
      the check must fail: runs it with WBBENCH_JIT_TEST_NOPS=1 (the
      generator adds a nop to every fast path) on buffered/hybrid and
      expects it to report that fast path one instruction longer.
"""
import json
import os
import subprocess
import sys
import tempfile

SMALL = ["--counters=valgrind", "--workload=tree-reverse", "--scale=0.005",
         "--ops=16384", "--format=json"]


def read_pins(path):
    pins = {}
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            barrier, algorithm, count = line.split()
            n = float(count)
            pins[(barrier, algorithm)] = int(n) if n.is_integer() else n
    return pins


def split_filter(pinned_barrier):
    """("buffered", "nil") for "buffered+nil"; ("buffered", "none") else."""
    barrier, _, filt = pinned_barrier.partition("+")
    return barrier, filt or "none"


def measure(wbbench, pinned_barriers, algorithm, env=None):
    """{pinned barrier: fast path instructions per call}, one valgrind run
    per --filter."""
    got = {}
    for filt in sorted({split_filter(b)[1] for b in pinned_barriers}):
        names = {split_filter(b)[0]: b for b in pinned_barriers
                 if split_filter(b)[1] == filt}
        for barrier, n in measure_one(wbbench, sorted(names), algorithm, filt,
                                      env).items():
            got[names[barrier]] = n
    return got


def measure_one(wbbench, barriers, algorithm, filt, env):
    """{barrier: fast path instructions per call} from one valgrind run."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "run.json")
        cmd = [wbbench, *SMALL, "--barrier=" + ",".join(barriers),
               "--algorithm=" + algorithm, "--filter=" + filt, "--out=" + out]
        r = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"fast_path_pins: {' '.join(cmd)} failed "
                     f"({r.returncode}): {r.stderr.strip()}")
        with open(out) as f:
            rows = json.load(f)["benchmarks"]
    got = {}
    for row in rows:
        barrier = row["name"].split("/barrier=", 1)[1]
        if barrier in barriers:
            got[barrier] = row["fast_path_instructions_per_call"]
    return got


def check(wbbench, pins, env=None):
    """(failures, notes): one line per fast path longer / shorter than pinned."""
    failures, notes = [], []
    algorithms = sorted({a for _, a in pins})
    for algorithm in algorithms:
        barriers = sorted(b for b, a in pins if a == algorithm)
        got = measure(wbbench, barriers, algorithm, env)
        for barrier in barriers:
            pinned = pins[(barrier, algorithm)]
            measured = got.get(barrier)
            name = f"{barrier} --algorithm={algorithm}"
            if measured is None:
                failures.append(f"{name}: no fast path count in the report")
            elif measured > pinned:
                failures.append(
                    f"{name}: fast path is {measured:g} instructions, pinned "
                    f"at {pinned} (longer by {measured - pinned:g})")
            elif measured < pinned:
                notes.append(f"{name}: fast path is {measured:g} instructions, "
                             f"pinned at {pinned}: lower the pin")
    return failures, notes


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    wbbench, pins_path = sys.argv[1], sys.argv[2]
    mode = sys.argv[3] if len(sys.argv) > 3 else ""
    pins = read_pins(pins_path)
    if mode == "--print":
        for algorithm in sorted({a for _, a in pins}):
            barriers = sorted(b for b, a in pins if a == algorithm)
            for b, n in sorted(measure(wbbench, barriers, algorithm).items()):
                print(f"{b} {algorithm} {n:g}")
        return 0
    if mode == "--nop-self-test":
        env = dict(os.environ, WBBENCH_JIT_TEST_NOPS="1")
        one = {("buffered", "hybrid"): pins[("buffered", "hybrid")]}
        failures, _ = check(wbbench, one, env)
        want = (f"fast path is {one[('buffered', 'hybrid')] + 1} instructions,"
                f" pinned at {one[('buffered', 'hybrid')]}")
        if len(failures) == 1 and want in failures[0]:
            print(f"fast_path_pins: a nop was caught: {failures[0]}")
            return 0
        print(f"fast_path_pins: a nop in the fast path was not caught "
              f"(expected '{want}', got {failures})", file=sys.stderr)
        return 1
    failures, notes = check(wbbench, pins)
    for n in notes:
        print(f"fast_path_pins: {n}")
    for f in failures:
        print(f"fast_path_pins: {f}", file=sys.stderr)
    if not failures:
        print(f"fast_path_pins: {len(pins)} fast paths within their pins")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
