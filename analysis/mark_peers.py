#!/usr/bin/python3
"""Mark throughput side by side: wbbench's marker, Go 1.19 and Boehm GC.

Every program marks the same live binary tree: 2^22 - 1 nodes of two
pointers (16 bytes, 64 MiB), allocated children before their parent, with
one marker thread:

* wbbench: BM_MarkThroughput from the wbbench_micro binary given on the
  command line (mark_cpu_ms and the manual time, both per mark);
* Go: analysis/peers/go_tree_mark.go built with Go 1.19 and run with
  GOMAXPROCS=1 GODEBUG=gctrace=1.  Two rows: "go1.19" is each forced
  cycle's mark phase from its gctrace line (assist + background + idle
  "cpu", and the mark's clock; the settling cycle is left out); gctrace's
  cpu figures are worker run times from the runtime's clock, which count
  time the thread was descheduled on a busy machine.  "go1.19 ru" is the
  program's own figure for each whole runtime.GC(): process CPU from
  getrusage, and wall; it includes termination and the sweep, so it bounds
  Go's mark CPU from above, with no descheduled time in it;
* Boehm: analysis/peers/boehm_tree_mark.c built against libgc (GC_MARKERS=1;
  GC_EVENT_MARK_START..MARK_END of each timed GC_gcollect).

The three run interleaved, in a rotating order, for --rounds rounds; each
run gives one sample per program (its mean over the collections it timed).
The table prints per program the median mark CPU and wall ms with the
benchstat-style 95% CI of the median (analysis/wbstats.py; it needs 6 rounds
or more), and the ratios Go / wbbench and Boehm / wbbench with bootstrap
intervals: above 1, wbbench marks faster.

    /usr/bin/python3 analysis/mark_peers.py build/wbbench_micro [--rounds N]

Go and Boehm are peers, not dependencies: without Go 1.19 or libgc's headers
the script names the Debian package to install and exits 2, as it does for
a wbbench_micro path that is not an executable.  Run it with /usr/bin/python3
(Debian's numpy and scipy).
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from typing import Dict, List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import common  # noqa: E402  (the standard library only)

PEERS = os.path.join(HERE, "peers")
GO_SOURCE = os.path.join(PEERS, "go_tree_mark.go")
BOEHM_SOURCE = os.path.join(PEERS, "boehm_tree_mark.c")
DEFAULT_GO = "/usr/lib/go-1.19/bin/go"
PROGRAMS = ("wbbench", "go", "boehm")
# Table rows: the programs, plus Go's getrusage figures.
ROWS = ("wbbench", "go", "go_ru", "boehm")
NAMES = {"wbbench": "wbbench", "go": "go1.19", "go_ru": "go1.19 ru",
         "boehm": "boehm"}


class Usage(Exception):
    """Something the user can fix: one line, exit status 2."""


class RunError(Exception):
    """A program failed or printed nothing usable: exit status 1."""


def find_go(explicit: Optional[str]) -> str:
    candidates = [explicit] if explicit else [DEFAULT_GO, shutil.which("go")]
    found, _ = common.find_go(candidates, "go1.19")
    if found:
        return found[0]
    raise Usage("mark_peers: Go 1.19 not found (looked for "
                f"{explicit or DEFAULT_GO + ' and go on PATH'}); install it "
                "with: apt-get install golang-1.19-go")


def check_libgc(cc: str) -> None:
    """Fails with a Usage unless `cc` finds Boehm GC's header."""
    try:
        ok = subprocess.run([cc, "-E", "-x", "c", "-"],
                            input="#include <gc/gc.h>\n", capture_output=True,
                            text=True, timeout=60).returncode == 0
    except OSError:
        ok = False
    if not ok:
        raise Usage(f"mark_peers: Boehm GC's gc/gc.h not found by {cc}; "
                    "install it with: apt-get install libgc-dev")


def build_peers(go: str, cc: str, out_dir: str) -> Dict[str, str]:
    env = common.go_build_env(out_dir)
    bins = {"go": os.path.join(out_dir, "go_tree_mark"),
            "boehm": os.path.join(out_dir, "boehm_tree_mark")}
    for cmd, e in ((
            [go, "build", "-o", bins["go"], GO_SOURCE], env), (
            [cc, "-O2", "-o", bins["boehm"], BOEHM_SOURCE, "-lgc"], None)):
        r = subprocess.run(cmd, capture_output=True, text=True, env=e)
        if r.returncode != 0:
            raise RunError(f"mark_peers: {' '.join(cmd)} failed: "
                           f"{r.stderr.strip()}")
    return bins


# --- Parsing each program's output ------------------------------------------

_GO_RUSAGE = re.compile(r"^runtime\.GC \d+: (?P<wall>[\d.]+) ms, "
                        r"cpu (?P<cpu>[\d.]+) ms$")

_BOEHM = re.compile(r"^boehm collection \d+: mark wall (?P<wall>[\d.]+) ms "
                    r"cpu (?P<cpu>[\d.]+) ms;")


def parse_go(text: str) -> Dict[str, Dict[str, float]]:
    """Rows go (gctrace: mean mark CPU and wall ms over the forced cycles
    after the first) and go_ru (mean whole runtime.GC() process CPU and
    wall, from the program's own lines)."""
    lines = text.splitlines()
    cycles = [c for c in common.parse_gctrace(text) if c.forced]
    rusage = [m for m in map(_GO_RUSAGE.match, lines) if m]
    if len(cycles) < 2 or not rusage:
        raise RunError("mark_peers: go_tree_mark printed fewer than two forced "
                       "gctrace cycles or no runtime.GC line")
    cycles = cycles[1:]  # the settling cycle also sweeps the build's garbage
    return {"go": {"cpu": statistics.fmean(c.mark_cpu_ms for c in cycles),
                   "wall": statistics.fmean(c.mark_wall_ms for c in cycles)},
            "go_ru": {"cpu": statistics.fmean(float(m["cpu"]) for m in rusage),
                      "wall": statistics.fmean(float(m["wall"])
                                               for m in rusage)}}


def parse_boehm(text: str) -> Dict[str, Dict[str, float]]:
    cycles = [m for m in map(_BOEHM.match, text.splitlines()) if m]
    if not cycles:
        raise RunError("mark_peers: boehm_tree_mark printed no collection")
    return {"boehm": {"cpu": statistics.fmean(float(m["cpu"]) for m in cycles),
                      "wall": statistics.fmean(float(m["wall"])
                                               for m in cycles)}}


def parse_wbbench(text: str) -> Dict[str, Dict[str, float]]:
    for b in json.loads(text).get("benchmarks", []):
        if (b["name"].startswith("BM_MarkThroughput/") and
                b.get("run_type", "iteration") == "iteration"):
            scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}
            return {"wbbench": {
                "cpu": float(b["mark_cpu_ms"]),
                "wall": float(b["real_time"]) * scale[b["time_unit"]]}}
    raise RunError("mark_peers: wbbench_micro printed no BM_MarkThroughput")


# --- Running -----------------------------------------------------------------

def run_one(program: str,
            cmds: Dict[str, List[str]]) -> Dict[str, Dict[str, float]]:
    env = dict(os.environ)
    if program == "go":
        env.update(GOMAXPROCS="1", GODEBUG="gctrace=1")
    elif program == "boehm":
        env.update(GC_MARKERS="1")
    r = subprocess.run(cmds[program], capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise RunError(f"mark_peers: {' '.join(cmds[program])} exited "
                       f"{r.returncode}: {r.stderr.strip()[-300:]}")
    parse = {"wbbench": parse_wbbench, "go": parse_go, "boehm": parse_boehm}
    return parse[program](r.stdout + "\n" + r.stderr if program == "go"
                          else r.stdout)


def measure(cmds: Dict[str, List[str]], rounds: int,
            log=sys.stderr) -> Dict[str, Dict[str, List[float]]]:
    samples = {r: {"cpu": [], "wall": []} for r in ROWS}
    for i in range(rounds):
        k = i % len(PROGRAMS)
        for p in PROGRAMS[k:] + PROGRAMS[:k]:  # rotate who goes first
            for row, s in run_one(p, cmds).items():
                samples[row]["cpu"].append(s["cpu"])
                samples[row]["wall"].append(s["wall"])
                print(f"round {i + 1}/{rounds} {NAMES[row]}: cpu "
                      f"{s['cpu']:.1f} ms, wall {s['wall']:.1f} ms", file=log,
                      flush=True)
    return samples


# --- Table ---------------------------------------------------------------------

def _cell(summary) -> str:
    return common.median_ci_cell(summary, lambda x: f"{x:.1f}",
                                 f" (no CI: n={summary.n})",
                                 median_fmt=lambda x: f"{x:7.1f}")


def _ratio_cell(r) -> str:
    ratio, low, high = r
    if ratio is None:
        return "-"
    if low is None:
        return f"{ratio:.2f}"
    return f"{ratio:.2f} [{low:.2f}, {high:.2f}]"


def table(samples, wbstats) -> List[str]:
    lines = [f"{'program':<10}  {'mark CPU ms, median [95% CI]':<30}  "
             "mark wall ms, median [95% CI]"]
    for r in ROWS:
        lines.append(f"{NAMES[r]:<10}  "
                     f"{_cell(wbstats.summarize(samples[r]['cpu'])):<30}  "
                     f"{_cell(wbstats.summarize(samples[r]['wall']))}")
    lines.append("")
    lines.append("ratio (above 1: wbbench marks faster)   CPU"
                 + " " * 20 + "wall")
    for r in ROWS[1:]:
        cpu = wbstats.ratio_ci(samples[r]["cpu"], samples["wbbench"]["cpu"])
        wall = wbstats.ratio_ci(samples[r]["wall"], samples["wbbench"]["wall"])
        lines.append(f"{NAMES[r] + ' / wbbench':<40}{_ratio_cell(cpu):<23}"
                     f"{_ratio_cell(wall)}")
    return lines


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        description="Mark throughput of wbbench, Go 1.19 and Boehm GC, "
        "side by side.")
    ap.add_argument("wbbench_micro", help="path of the wbbench_micro binary")
    ap.add_argument("--rounds", type=int, default=10,
                    help="interleaved rounds (default 10; 6+ for a CI)")
    ap.add_argument("--go", help=f"the go command (default {DEFAULT_GO}, "
                    "then go on PATH)")
    ap.add_argument("--cc", default="cc", help="C compiler (default cc)")
    args = ap.parse_args(argv)
    try:
        if args.rounds < 1:
            raise Usage(f"mark_peers: --rounds={args.rounds}: must be >= 1")
        micro = os.path.abspath(args.wbbench_micro)
        if not (os.path.isfile(micro) and os.access(micro, os.X_OK)):
            raise Usage(f"mark_peers: {args.wbbench_micro}: not an executable "
                        "(build it with: cmake --build build --target "
                        "wbbench_micro)")
        go = find_go(args.go)
        check_libgc(args.cc)
        sys.path.insert(0, HERE)
        import wbstats  # numpy and scipy: after the one-line checks
        with tempfile.TemporaryDirectory(prefix="wbbench-mark-peers-") as tmp:
            bins = build_peers(go, args.cc, tmp)
            cmds = {"wbbench": [micro, "--benchmark_filter=^BM_MarkThroughput/",
                                "--benchmark_format=json"],
                    "go": [bins["go"]], "boehm": [bins["boehm"]]}
            samples = measure(cmds, args.rounds)
    except Usage as e:
        print(e, file=sys.stderr)
        return 2
    except RunError as e:
        print(e, file=sys.stderr)
        return 1
    print(f"mark_peers: {args.rounds} interleaved rounds; 2^22 - 1 16-byte "
          "nodes (64 MiB), one marker thread; each sample is one run's mean")
    print("\n".join(table(samples, wbstats)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
