#!/usr/bin/python3
"""Calibration against the real Go runtime: Go 1.19 beside wbbench.

    /usr/bin/python3 analysis/calibrate.py [--quick] [--build DIR]
        [--wbbench PATH] [--micro PATH] [--repetitions N] [--duration D]
        [--results DIR] [--no-write] [--go PATH]

Runs, on this machine and in this one invocation, wbbench and the small Go
programs of analysis/peers/ (built here with Debian's Go 1.19, nothing
downloaded), interleaved: every round runs each of the nine measurements
below once, in an order shuffled per round (fixed seed), and the rounds
repeat --repetitions times.

  wbbench tree-reverse   --barrier=buffered --gc=continuous --scale=1: the
                         barrier's share per barriered store against its
                         baseline (barrier none, gc=stw), measured in the
                         same wbbench invocation;
  Go tree-reverse on     go_tree_reverse.go -gc=continuous (runtime.GC() in a
                         loop, as BenchmarkWriteBarrier), GOMAXPROCS=2: ns
                         per barriered store over the chunks with the
                         barrier on;
  Go tree-reverse on,    the same, GOMAXPROCS=1: the mark then runs on the
  one P                  mutator's own P while the mutator yields between
                         chunks (at its Gosched), none beside it, as
                         wbbench's gc=incremental steps run between chunks:
                         the Go figure beside wbbench's own cost alone;
                         both Go tree-reverse runs use a runtime whose
                         wbBufFlush1 is timed (an overlay of mwbbuf.go), for
                         the flush rows beside wbbench's timed flush;
  Go tree-reverse on,    the GOMAXPROCS=2 run on a runtime whose pacer (an
  one dedicated worker   overlay of mgcpacer.go) starts one dedicated mark
                         worker and no fractional one, which is how
                         wbbench's marker runs beside its mutator;
  Go tree-reverse off    the same program built with -gcflags=-wb=false (no
                         barrier code, as wbbench's baseline), -gc=off;
  wbbench mark           wbbench_micro's BM_MarkThroughput (one marker, a
                         live 2^22-node tree): mark_cpu_ms and mark wall time;
  Go mark                go_tree_mark.go with GOMAXPROCS=1 GODEBUG=gctrace=1:
                         the concurrent mark's CPU (assist + background +
                         idle) and wall time of each forced cycle, averaged
                         over the program's cycles, and its own getrusage
                         CPU of each whole runtime.GC();
  wbbench binary-trees   --barrier=buffered --gc=concurrent --scale=1: ns
                         per store;
  Go binary-trees        go_binary_trees.go, GOMAXPROCS=2, GOGC=100: ns per
                         store of the loop's wall time less the GC pauses,
                         and the mutator thread's CPU ns per store (beside
                         wbbench's task-clock figure: a busy machine
                         stretches wall time, CPU time much less).

Each figure gets its median with the 95% order-statistic CI (benchstat's, as
the results table), and each row the ratio Go / wbbench of the medians with
a 95% bootstrap interval and the Mann-Whitney U test (analysis/wbstats.py).
The Go barrier cost of a round is its "on" sample minus its "off" sample.

Output: the table on stdout; unless --no-write, the section between the
calibration markers of RESULTS/README.md is replaced (appended the first
time; the rest of the file is left byte for byte, and make_table.py keeps
the section when it regenerates the file), and every sample goes to
RESULTS/calibration/<machine>-<commit>.json.  A hand-written
RESULTS/calibration/<machine>-notes.md, where there is one (what a
person found out about this machine's ratios outside 0.75-1.33), is put
into the section as it is.  Both are written to temporary
files and renamed into place, so an interrupted run leaves the old ones.

Sizes: the default (full) run is 20 rounds (benchstat's advice) of 500ms
measurements, about 7 minutes on 2 busy cores; --quick is 6 rounds (the
fewest that give a median a 95% CI) of 200ms, under 2 minutes.
--repetitions and --duration override them.

--from-samples FILE measures nothing: it rewrites the section from a stored
samples file, with the current notes and explanations.

--build DIR names a wbbench build folder (default: build/ beside analysis/)
holding wbbench and wbbench_micro; --wbbench and --micro name the programs
one by one.  Go is looked for as --go, then $WBBENCH_GO, then `go` on PATH,
then /usr/lib/go-1.19/bin/go; it must be Go 1.19.

Exit status: 0 done; 1 a measurement failed; 2 bad usage or a missing tool
(Go 1.19 missing: one line saying how to install it).
"""

import argparse
import datetime
import json
import os
import random
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PEERS = os.path.join(HERE, "peers")
sys.path.insert(0, HERE)

import common  # noqa: E402

EXIT_FAILED = 1
EXIT_USAGE = 2

GO_VERSION_PREFIX = "go1.19"
GO_DEBIAN_PATH = "/usr/lib/go-1.19/bin/go"
GO_INSTALL_HINT = ("calibrate: Go 1.19 not found; install it with: "
                   "sudo apt-get install golang-1.19-go")

BEGIN_MARKER = ("<!-- calibration:begin (written by analysis/calibrate.py; "
                "rerun it to replace this section) -->")
END_MARKER = "<!-- calibration:end -->"
_SECTION = re.compile(
    r"<!-- calibration:begin[^\n]*-->.*?<!-- calibration:end -->\n?", re.S)

# A ratio outside this band is flagged in the table and must be explained.
RATIO_BAND = (0.75, 1.33)

# (repetitions, duration in seconds) per size.  A round is about 20 s on two
# busy cores: each wbbench invocation runs a warm-up, the barrier and the
# baseline (setup + duration each), BM_MarkThroughput has a fixed 2 s
# minimum, and the Go programs build their trees.  Full: 20 rounds, about 7
# minutes; quick: 6 rounds, the fewest with a 95% CI, in about 1.5 minutes.
SIZES = {"full": (20, 0.5), "quick": (6, 0.2)}
# The order of the measurements in a round is shuffled with this seed plus
# the round's index, so a rerun has the same schedule.
ORDER_SEED = 1019  # any fixed value: "1.19"
SUBPROCESS_TIMEOUT_S = 300
# The flush's TSC time per recorded pointer, as both sides report it.
FLUSH_NS = "flush_ns_per_recorded_pointer"


class CalibrationError(Exception):
    """A measurement that failed; str() is one line."""


class UsageError(Exception):
    """Bad usage or a missing tool (exit status 2); str() is one line."""


# --- Finding Go -----------------------------------------------------------

def find_go(explicit: Optional[str] = None,
            environ: Optional[Dict[str, str]] = None,
            fallbacks: Sequence[str] = (GO_DEBIAN_PATH,)):
    """(path, version) of a Go 1.19 toolchain, or raises UsageError.

    An explicit choice (--go, else $WBBENCH_GO) is the only one tried; else
    `go` on PATH, then the fallbacks (Debian's golang-1.19-go).  A Go that is
    not 1.19 is skipped, and named in the error if nothing else is found.
    """
    environ = os.environ if environ is None else environ
    explicit = explicit or environ.get("WBBENCH_GO") or None
    if explicit:
        candidates = [explicit]
    else:
        on_path = shutil.which("go", path=environ.get("PATH", os.defpath))
        candidates = [c for c in [on_path, *fallbacks] if c]
    found, others = common.find_go(candidates, GO_VERSION_PREFIX)
    if found:
        return found
    if others:
        raise UsageError(f"{GO_INSTALL_HINT} ({'; '.join(others)}: the "
                         "calibration is against Go 1.19)")
    raise UsageError(GO_INSTALL_HINT)


# wbBufFlush1 timed, for the overlay of runtime/mwbbuf.go that the
# tree-reverse peer is built with (go build -overlay): each (anchor, text)
# inserts text after the one place anchor occurs in Go 1.19's file.  The
# counters are the runtime's, read by analysis/peers/go_tree_reverse_flush.go.
WBBUF_FLUSH_TIMING = [
    ("\nfunc wbBufFlush1(_p_ *p) {\n",
     "\tt0 := cputicks()\n"),
    ("\tgcw.putBatch(ptrs[:pos])\n\n\t_p_.wbBuf.reset()\n",
     "\tatomic.Xadd64(&WbFlushTicks, cputicks()-t0)\n"
     "\tatomic.Xadd64(&WbFlushPtrs, int64(len(ptrs)))\n"
     "\tatomic.Xadd64(&WbFlushGreyed, int64(pos))\n"
     "\tatomic.Xadd64(&WbFlushCalls, 1)\n"),
]
WBBUF_FLUSH_DECLS = """
// Added by wbbench's analysis/calibrate.py: wbBufFlush1's time (cputicks),
// the pointers it walked and greyed, and its calls.
var WbFlushTicks, WbFlushPtrs, WbFlushGreyed, WbFlushCalls uint64

// WbFlushCputicks reads the clock WbFlushTicks counts.
func WbFlushCputicks() int64 { return cputicks() }
"""


# Go's mark workers arranged as wbbench's, for the overlay of
# runtime/mgcpacer.go that the "dedicated" tree-reverse peer is built with:
# with GOMAXPROCS=2 Go 1.19's pacer asks for no dedicated worker and a
# fractional one (25% of 2 Ps), and idle workers fill the idle P; this asks
# for one dedicated worker and no fractional one, as wbbench's marker is.
PACER_ONE_DEDICATED = [
    ("\tif debug.gcstoptheworld > 0 {\n"
     "\t\tc.dedicatedMarkWorkersNeeded = int64(procs)\n"
     "\t\tc.fractionalUtilizationGoal = 0\n\t}\n",
     "\t// Added by wbbench's analysis/calibrate.py: one dedicated mark\n"
     "\t// worker and no fractional one, as wbbench's marker.\n"
     "\tc.dedicatedMarkWorkersNeeded = 1\n"
     "\tc.fractionalUtilizationGoal = 0\n"),
]


def patch_go_source(source: str, patches, file: str, purpose: str,
                    decls: str = "") -> str:
    """source with each (anchor, text) of patches inserted after the one
    place anchor occurs, and decls appended; CalibrationError naming file
    when an anchor is not found once (another runtime than Go 1.19's)."""
    for anchor, text in patches:
        if source.count(anchor) != 1:
            first = anchor.strip().splitlines()[0]
            raise CalibrationError(
                f"runtime/{file} is not Go 1.19's: expected one {first!r} "
                f"in it to {purpose}")
        at = source.index(anchor) + len(anchor)
        source = source[:at] + text + source[at:]
    return source + decls


def time_wbbuf_flush(source: str) -> str:
    """Go 1.19's runtime/mwbbuf.go with wbBufFlush1 timed (see
    WBBUF_FLUSH_TIMING)."""
    return patch_go_source(source, WBBUF_FLUSH_TIMING, "mwbbuf.go",
                           "time wbBufFlush1", WBBUF_FLUSH_DECLS)


def one_dedicated_worker(source: str) -> str:
    """Go 1.19's runtime/mgcpacer.go starting one dedicated mark worker and
    no fractional one (see PACER_ONE_DEDICATED)."""
    return patch_go_source(source, PACER_ONE_DEDICATED, "mgcpacer.go",
                           "start one dedicated mark worker")


# The runtimes the tree-reverse peer is built on: {overlay name: {file in
# runtime/: its patch}}.
RUNTIME_OVERLAYS = {
    "timed": {"mwbbuf.go": time_wbbuf_flush},
    "dedicated": {"mwbbuf.go": time_wbbuf_flush,
                  "mgcpacer.go": one_dedicated_worker},
}


def write_overlay(go: str, env: Dict[str, str], out_dir: str,
                  name: str) -> str:
    """Writes RUNTIME_OVERLAYS[name]'s patched runtime files and their
    overlay file into out_dir; the overlay file's path (for go build
    -overlay).  Debian's installed runtime is not touched."""
    p = subprocess.run([go, "env", "GOROOT"], capture_output=True, text=True,
                       env=env, timeout=SUBPROCESS_TIMEOUT_S)
    runtime_dir = os.path.join(p.stdout.strip(), "src", "runtime")
    replace = {}
    for file, patch in RUNTIME_OVERLAYS[name].items():
        original = os.path.join(runtime_dir, file)
        if p.returncode != 0 or not os.path.isfile(original):
            raise CalibrationError(
                f"no runtime/{file} under `{go} env GOROOT` "
                f"({p.stdout.strip() or _tail(p.stderr)})")
        with open(original, encoding="utf-8") as f:
            patched = patch(f.read())
        patched_path = os.path.join(out_dir, f"{name}_{file}")
        with open(patched_path, "w", encoding="utf-8") as f:
            f.write(patched)
        replace[original] = patched_path
    overlay = os.path.join(out_dir, f"overlay_{name}.json")
    with open(overlay, "w", encoding="utf-8") as f:
        json.dump({"Replace": replace}, f)
    return overlay


def build_peers(go: str, out_dir: str) -> Dict[str, str]:
    """Builds the Go peers into out_dir; {name: binary path}.

    GOPATH and GOCACHE live in out_dir, modules are off and the proxy is
    off: the peers use the standard library only and nothing is fetched.
    The tree-reverse peer with its barrier is built on a runtime whose
    wbBufFlush1 is timed, as wbbench times its flush, and again on one whose
    mark has one dedicated worker, as wbbench's (RUNTIME_OVERLAYS).
    """
    env = common.go_build_env(out_dir)
    overlays = {name: write_overlay(go, env, out_dir, name)
                for name in RUNTIME_OVERLAYS}
    tree = ["go_tree_reverse.go", "go_tree_reverse_flush.go"]
    builds = {
        "tree_reverse": (tree, [f"-overlay={overlays['timed']}"]),
        "tree_reverse_dedicated": (tree,
                                   [f"-overlay={overlays['dedicated']}"]),
        # No barrier code at all: wbbench's baseline.  Only run with -gc=off.
        "tree_reverse_nowb": (["go_tree_reverse.go"], ["-gcflags=-wb=false"]),
        "tree_mark": (["go_tree_mark.go"], []),
        "binary_trees": (["go_binary_trees.go"], []),
    }
    bins = {}
    for name, (srcs, flags) in builds.items():
        dest = os.path.join(out_dir, name)
        cmd = [go, "build", *flags, "-o", dest,
               *(os.path.join(PEERS, src) for src in srcs)]
        p = subprocess.run(cmd, capture_output=True, text=True, env=env,
                           timeout=SUBPROCESS_TIMEOUT_S)
        if p.returncode != 0:
            raise CalibrationError(
                f"building {srcs[0]} failed: {_tail(p.stderr or p.stdout)}")
        bins[name] = dest
    return bins


# --- Parsing what each side prints ---------------------------------------

def _number(text: str):
    if text == "-":
        return None
    try:
        return int(text)
    except ValueError:
        return float(text)


def parse_peer_line(text: str, program: str) -> Dict[str, object]:
    """The key=value pairs of the peer's `<program>: k=v ...` line.

    Numbers become int or float, "-" (no value) None, the rest strings.
    Raises CalibrationError when the line is missing.
    """
    prefix = program + ":"
    for line in text.splitlines():
        if line.startswith(prefix):
            fields = {}
            for word in line[len(prefix):].split():
                key, sep, value = word.partition("=")
                if not sep:
                    raise CalibrationError(
                        f"{program}: malformed field {word!r} in {line!r}")
                try:
                    fields[key] = _number(value)
                except ValueError:
                    fields[key] = value
            return fields
    raise CalibrationError(f"{program} printed no '{prefix}' line: "
                           f"{_tail(text)}")


GcTraceCycle = common.GcTraceCycle
parse_gctrace = common.parse_gctrace


# mean runtime.GC over 10 cycles, 4194303 nodes: 104.3 ms, cpu 101.2 ms
_GO_MARK_MEAN = re.compile(r"^mean runtime\.GC over \d+ cycles, \d+ nodes: "
                           r"(?P<wall>[\d.]+) ms, cpu (?P<cpu>[\d.]+) ms\s*$",
                           re.M)


def go_mark_sample(stderr: str, stdout: str = "") -> Dict[str, float]:
    """Mean mark CPU and wall ms over go_tree_mark's measured cycles.

    From the gctrace on stderr: the program forces one settling cycle and
    then its measured ones; the cycles the tree's construction triggered are
    not forced.  The first forced cycle (settling, which also sweeps the
    construction's garbage) is left out.  From its summary line on stdout,
    when it prints one: the mean process CPU (getrusage) of a whole
    runtime.GC(), "gc_cpu_ms".
    """
    forced = [c for c in parse_gctrace(stderr) if c.forced]
    if len(forced) < 2:
        raise CalibrationError("go_tree_mark: fewer than two forced cycles in "
                               f"its gctrace: {_tail(stderr)}")
    measured = forced[1:]
    out = {"mark_cpu_ms": statistics.fmean(c.mark_cpu_ms for c in measured),
           "mark_wall_ms": statistics.fmean(c.mark_wall_ms for c in measured),
           "cycles": len(measured), "procs": measured[0].procs}
    m = _GO_MARK_MEAN.search(stdout)
    if m:
        out["gc_cpu_ms"] = float(m["cpu"])
    return out


def parse_wbbench_json(path: str) -> Dict[str, Dict[str, float]]:
    """{row name: counters} of the repetition rows of a wbbench --format=json
    report with one repetition, plus "_context" for context.wbbench."""
    with open(path) as f:
        doc = json.load(f)
    rows = {"_context": doc.get("context", {}).get("wbbench", {})}
    for b in doc.get("benchmarks", []):
        if b.get("run_type", "iteration") != "iteration":
            continue
        rows[b["name"]] = {k: v for k, v in b.items()
                           if isinstance(v, (int, float)) and v is not None}
    return rows


def parse_micro_mark(text: str) -> Dict[str, float]:
    """BM_MarkThroughput's figures from wbbench_micro's JSON on stdout."""
    doc = json.loads(text)
    for b in doc.get("benchmarks", []):
        if not b["name"].startswith("BM_MarkThroughput"):
            continue
        if b.get("run_type", "iteration") != "iteration":
            continue
        scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[b["time_unit"]]
        if "mark_cpu_ms" not in b:
            raise CalibrationError("BM_MarkThroughput reports no mark_cpu_ms")
        return {"mark_cpu_ms": float(b["mark_cpu_ms"]),
                "mark_wall_ms": float(b["real_time"]) * scale,
                "iterations": int(b["iterations"])}
    raise CalibrationError("wbbench_micro printed no BM_MarkThroughput row")


# --- Running -------------------------------------------------------------

def _tail(text: str, n: int = 300) -> str:
    """text on one line, its start and end kept when it is long (a Go
    panic says what went wrong first, then the stacks)."""
    text = " ".join((text or "").split())
    if len(text) <= n:
        return text
    return text[:2 * n // 3] + " ... " + text[-n // 3:]


def _run(cmd: List[str], env: Optional[Dict[str, str]] = None,
         what: str = "") -> subprocess.CompletedProcess:
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, env=env,
                           timeout=SUBPROCESS_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise CalibrationError(f"{what or cmd[0]} ran past "
                               f"{SUBPROCESS_TIMEOUT_S}s")
    if p.returncode != 0:
        raise CalibrationError(f"{what or cmd[0]} failed (exit status "
                               f"{p.returncode}): {_tail(p.stderr or p.stdout)}")
    return p


@dataclass
class Setup:
    wbbench: str
    micro: str
    bins: Dict[str, str]
    duration_s: float
    tmp: str

    @property
    def duration_ms(self) -> str:
        return f"{int(round(self.duration_s * 1000))}ms"


def _go_env(procs: int, **extra) -> Dict[str, str]:
    env = common.go_env_base()
    env["GOMAXPROCS"] = str(procs)
    env.update(extra)
    return env


def _wbbench(s: Setup, workload: str, gc: str) -> Dict[str, Dict]:
    out = os.path.join(s.tmp, f"wbbench-{workload}.json")
    # --time_flush for the flush rows: two TSC reads per flush of 256
    # stores, as the Go peer's timed wbBufFlush1 has.
    _run([s.wbbench, "--barrier=buffered", f"--workload={workload}",
          f"--gc={gc}", "--scale=1", "--repetitions=1", "--time_flush",
          f"--duration={s.duration_ms}", "--format=json", f"--out={out}"],
         what=f"wbbench {workload}")
    rows = parse_wbbench_json(out)
    os.unlink(out)
    return rows


def _row(rows: Dict[str, Dict], name: str) -> Dict[str, float]:
    if name not in rows:
        raise CalibrationError(f"wbbench's report has no row {name!r}")
    return rows[name]


def _measure_wb(s: Setup, workload: str, gc: str, keys: Tuple[str, ...],
                context: Tuple[str, ...] = ()) -> Dict[str, float]:
    """wbbench's buffered row's `keys`, the baseline's ns per store and the
    report context's `context` fields, from one run of `workload`."""
    rows = _wbbench(s, workload, gc)
    on = _row(rows, f"{workload}/barrier=buffered")
    base = _row(rows, f"{workload}/barrier=baseline")
    out = {k: on.get(k) for k in keys}
    out["baseline_ns_per_store"] = base.get("ns_per_store")
    out.update({k: rows["_context"].get(k) for k in context})
    return out


def measure_wb_tree(s: Setup) -> Dict[str, float]:
    return _measure_wb(s, "tree-reverse", "continuous",
                       ("barrier_ns_per_store", "own_ns_per_barriered_store",
                        "ns_per_store_barrier_on",
                        FLUSH_NS, "incremental_" + FLUSH_NS,
                        "barrier_on_fraction", "gc_cycles"),
                       ("machine", "git_commit", "cpu_model", "cores"))


def _go_tree_on(s: Setup, procs: int,
                build: str = "tree_reverse") -> Dict[str, float]:
    p = _run([s.bins[build], "-gc=continuous",
              f"-duration={s.duration_ms}"], env=_go_env(procs),
             what=f"{build} -gc=continuous, GOMAXPROCS={procs}")
    return parse_peer_line(p.stdout, "go_tree_reverse")


def measure_go_tree_on(s: Setup) -> Dict[str, float]:
    return _go_tree_on(s, 2)


def measure_go_tree_on_1p(s: Setup) -> Dict[str, float]:
    return _go_tree_on(s, 1)


def measure_go_tree_on_dedicated(s: Setup) -> Dict[str, float]:
    return _go_tree_on(s, 2, "tree_reverse_dedicated")


def measure_go_tree_off(s: Setup) -> Dict[str, float]:
    p = _run([s.bins["tree_reverse_nowb"], "-gc=off",
              f"-duration={s.duration_ms}"], env=_go_env(2),
             what="go_tree_reverse (-wb=false) -gc=off")
    return parse_peer_line(p.stdout, "go_tree_reverse")


def measure_wb_mark(s: Setup) -> Dict[str, float]:
    p = _run([s.micro, "--benchmark_filter=^BM_MarkThroughput",
              "--benchmark_format=json"], what="wbbench_micro BM_MarkThroughput")
    return parse_micro_mark(p.stdout)


def measure_go_mark(s: Setup) -> Dict[str, float]:
    p = _run([s.bins["tree_mark"]], env=_go_env(1, GODEBUG="gctrace=1"),
             what="go_tree_mark")
    return go_mark_sample(p.stderr, p.stdout)


def measure_wb_bt(s: Setup) -> Dict[str, float]:
    return _measure_wb(s, "binary-trees", "concurrent",
                       ("ns_per_store", "cpu_ns_per_store",
                        "barrier_on_fraction", "gc_cycles"))


def measure_go_bt(s: Setup) -> Dict[str, float]:
    p = _run([s.bins["binary_trees"], f"-duration={s.duration_ms}"],
             env=_go_env(2), what="go_binary_trees")
    return parse_peer_line(p.stdout, "go_binary_trees")


MEASUREMENTS = {
    "wb_tree": measure_wb_tree,
    "go_tree_on": measure_go_tree_on,
    "go_tree_on_1p": measure_go_tree_on_1p,
    "go_tree_on_dedicated": measure_go_tree_on_dedicated,
    "go_tree_off": measure_go_tree_off,
    "wb_mark": measure_wb_mark,
    "go_mark": measure_go_mark,
    "wb_bt": measure_wb_bt,
    "go_bt": measure_go_bt,
}


def round_order(index: int) -> List[str]:
    order = list(MEASUREMENTS)
    random.Random(ORDER_SEED + index).shuffle(order)
    return order


# --- The table -----------------------------------------------------------

@dataclass(frozen=True)
class RowSpec:
    key: str
    label: str
    go: str   # what the Go figure is
    wb: str   # what the wbbench figure is


ROWS = [
    RowSpec("barrier_cost",
            "tree-reverse: barrier cost, ns per barriered store (on − off); "
            "wbbench: own cost + interference",
            "ns/store in chunks with the barrier on, GC continuous − ns/store "
            "of the -wb=false build, GC off",
            "`barrier_ns_per_store`: buffered, --gc=continuous, against the "
            "baseline (barrier none, gc=stw): the barrier's own cost and the "
            "concurrent marker's interference together"),
    RowSpec("barrier_own_1p",
            "tree-reverse: barrier cost, ns per barriered store (on − off), "
            "no marker beside the mutator (Go: GOMAXPROCS=1); wbbench: own "
            "cost alone",
            "as above with GOMAXPROCS=1: the mark runs on the mutator's P "
            "while the mutator yields between chunks, none beside it (an "
            "upper bound: a chunk a stop-the-world phase interrupts keeps "
            "that time)",
            "`own_ns_per_barriered_store`: buffered, barrier on with "
            "gc=incremental (no marker running while the chunks run), "
            "against the baseline; the same wbbench invocation"),
    RowSpec("flush_1p",
            "tree-reverse: flush, ns per recorded pointer, no marker beside "
            "the mutator (Go: GOMAXPROCS=1; wbbench: gc=incremental)",
            "wbBufFlush1's TSC time (a runtime overlay times it) over the "
            "pointers it walks, nil included, GOMAXPROCS=1 run",
            "`incremental_flush_ns_per_recorded_pointer`: ShadeBatch's TSC "
            "time in the flush over the pointers it walks, the own-cost leg"),
    RowSpec("own_outside_flush_1p",
            "tree-reverse: barrier cost outside the flush, ns per barriered "
            "store, no marker beside the mutator",
            "the GOMAXPROCS=1 barrier cost − 2 × its flush ns per pointer "
            "(two pointers recorded per barriered store)",
            "own cost alone − 2 × the flush ns per pointer above"),
    RowSpec("flush_2p",
            "tree-reverse: flush, ns per recorded pointer, marker beside the "
            "mutator (Go: GOMAXPROCS=2; wbbench: --gc=continuous)",
            "as above, GOMAXPROCS=2 run",
            "`flush_ns_per_recorded_pointer`: the concurrent leg's"),
    RowSpec("barrier_cost_dedicated",
            "tree-reverse: barrier cost, ns per barriered store (on − off), "
            "Go with one dedicated mark worker, no fractional one; wbbench: "
            "own cost + interference",
            "as the first row, on a runtime whose pacer (an overlay of "
            "runtime/mgcpacer.go) starts one dedicated mark worker and no "
            "fractional one, GOMAXPROCS=2",
            "as the first row"),
    RowSpec("flush_2p_dedicated",
            "tree-reverse: flush, ns per recorded pointer, marker beside the "
            "mutator, Go with one dedicated mark worker",
            "as the flush with two Ps, on the one-dedicated-worker runtime",
            "as the flush with two Ps"),
    RowSpec("tree_on", "tree-reverse: ns per store, barrier on",
            "chunks with the barrier on, GC continuous",
            "`ns_per_store_barrier_on`, buffered, --gc=continuous"),
    RowSpec("tree_off", "tree-reverse: ns per store, no barrier code",
            "-gcflags=-wb=false build, GOGC=off",
            "baseline row: barrier none, gc=stw"),
    RowSpec("mark_cpu",
            "mark: CPU ms per cycle, live 2^22-node tree, one marker",
            "gctrace assist+background+idle mark CPU, GOMAXPROCS=1",
            "BM_MarkThroughput `mark_cpu_ms`"),
    RowSpec("mark_gc_cpu",
            "mark: process CPU ms per whole runtime.GC(), same tree",
            "getrusage around runtime.GC(): mark + termination + sweep, "
            "no descheduled time (an upper bound on the mark's CPU)",
            "BM_MarkThroughput `mark_cpu_ms` (the mark alone)"),
    RowSpec("mark_wall", "mark: wall ms per cycle, same tree",
            "gctrace concurrent-mark clock, GOMAXPROCS=1",
            "BM_MarkThroughput manual time (root scan + drain)"),
    RowSpec("binary_trees",
            "binary-trees: ns per store (mutator time), GC concurrent",
            "loop wall time − STW pauses, GOGC=100, GOMAXPROCS=2",
            "`ns_per_store`, buffered, --gc=concurrent (safepoint waits "
            "outside)"),
    RowSpec("binary_trees_cpu",
            "binary-trees: mutator CPU ns per store, GC concurrent",
            "the mutator thread's CPU clock (goroutine locked to it)",
            "`cpu_ns_per_store`: the mutator thread's task-clock"),
]


def _minus(a, b, times: float = 1) -> Optional[float]:
    """a - times * b, or None when either is not a number."""
    if not all(isinstance(x, (int, float)) for x in (a, b)):
        return None
    return a - times * b


def _outside_flush(own, flush_per_pointer) -> Optional[float]:
    """A barrier cost per barriered store less its flush's share: both sides
    record two pointers per barriered store."""
    return _minus(own, flush_per_pointer, 2)


def row_samples(rounds: List[Dict[str, Dict]]) -> Dict[str, Dict[str, List[float]]]:
    """{row key: {"go": [...], "wb": [...]}} from the rounds' measurements.

    The Go barrier cost of a round is that round's "on" figure minus its
    "off" figure (wbbench pairs its repetitions with its baseline's the same
    way).  A figure a measurement did not report is left out.
    """
    out = {r.key: {"go": [], "wb": []} for r in ROWS}

    def add(key, side, value):
        if isinstance(value, (int, float)):
            out[key][side].append(float(value))

    for m in rounds:
        on, off = m.get("go_tree_on", {}), m.get("go_tree_off", {})
        on_ns, off_ns = on.get("ns_per_store_on"), off.get("ns_per_store")
        add("barrier_cost", "go", _minus(on_ns, off_ns))
        on_1p = m.get("go_tree_on_1p", {})
        own_1p = _minus(on_1p.get("ns_per_store_on"), off_ns)
        add("barrier_own_1p", "go", own_1p)
        add("flush_1p", "go", on_1p.get(FLUSH_NS))
        add("flush_2p", "go", on.get(FLUSH_NS))
        add("own_outside_flush_1p", "go",
            _outside_flush(own_1p, on_1p.get(FLUSH_NS)))
        ded = m.get("go_tree_on_dedicated", {})
        add("barrier_cost_dedicated", "go",
            _minus(ded.get("ns_per_store_on"), off_ns))
        add("flush_2p_dedicated", "go", ded.get(FLUSH_NS))
        add("tree_on", "go", on_ns)
        add("tree_off", "go", off_ns)
        wt = m.get("wb_tree", {})
        add("barrier_cost", "wb", wt.get("barrier_ns_per_store"))
        add("barrier_own_1p", "wb", wt.get("own_ns_per_barriered_store"))
        add("flush_1p", "wb", wt.get("incremental_" + FLUSH_NS))
        add("flush_2p", "wb", wt.get(FLUSH_NS))
        add("barrier_cost_dedicated", "wb", wt.get("barrier_ns_per_store"))
        add("flush_2p_dedicated", "wb", wt.get(FLUSH_NS))
        add("own_outside_flush_1p", "wb", _outside_flush(
            wt.get("own_ns_per_barriered_store"),
            wt.get("incremental_" + FLUSH_NS)))
        add("tree_on", "wb", wt.get("ns_per_store_barrier_on"))
        add("tree_off", "wb", wt.get("baseline_ns_per_store"))
        add("mark_cpu", "go", m.get("go_mark", {}).get("mark_cpu_ms"))
        add("mark_cpu", "wb", m.get("wb_mark", {}).get("mark_cpu_ms"))
        add("mark_gc_cpu", "go", m.get("go_mark", {}).get("gc_cpu_ms"))
        add("mark_gc_cpu", "wb", m.get("wb_mark", {}).get("mark_cpu_ms"))
        add("mark_wall", "go", m.get("go_mark", {}).get("mark_wall_ms"))
        add("mark_wall", "wb", m.get("wb_mark", {}).get("mark_wall_ms"))
        add("binary_trees", "go", m.get("go_bt", {}).get("ns_per_store_mutator"))
        add("binary_trees", "wb", m.get("wb_bt", {}).get("ns_per_store"))
        add("binary_trees_cpu", "go",
            m.get("go_bt", {}).get("cpu_ns_per_store"))
        add("binary_trees_cpu", "wb",
            m.get("wb_bt", {}).get("cpu_ns_per_store"))
    return out


def summarize_rows(samples):
    """{row key: {go, wb: Summary or None, ratio: (r, lo, hi), p}}."""
    import wbstats
    out = {}
    for r in ROWS:
        go, wb = samples[r.key]["go"], samples[r.key]["wb"]
        entry = {"go": wbstats.summarize(go) if go else None,
                 "wb": wbstats.summarize(wb) if wb else None,
                 "ratio": wbstats.ratio_ci(go, wb) if go and wb else
                 (None, None, None),
                 "p": wbstats.u_test(go, wb).p if go and wb else None}
        out[r.key] = entry
    return out


def _fmt(x: Optional[float]) -> str:
    if x is None:
        return "—"
    a = abs(x)
    if a >= 100:
        return f"{x:.0f}"
    if a >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def _cell(s) -> str:
    if s is None:
        return "—"
    return common.median_ci_cell(s, _fmt, " †")


def outside_band(ratio: Optional[float]) -> bool:
    return ratio is not None and not RATIO_BAND[0] <= ratio <= RATIO_BAND[1]


def _ratio_cell(entry) -> str:
    r, lo, hi = entry["ratio"]
    if r is None:
        return "—"
    text = f"{r:.2f}×"
    if lo is not None:
        text += f" [{lo:.2f}, {hi:.2f}]"
    p = entry["p"]
    if p is not None:
        text += f" p={p:.3f}" if p < 0.05 else f" ~ (p={p:.2f})"
    if outside_band(r):
        text += " **⚠**"
    return text


def table_lines(summary) -> List[str]:
    lines = ["| figure | Go 1.19 | wbbench | Go / wbbench |",
             "| --- | --- | --- | --- |"]
    for r in ROWS:
        e = summary[r.key]
        lines.append(f"| {r.label} | {_cell(e['go'])} | {_cell(e['wb'])} | "
                     f"{_ratio_cell(e)} |")
    return lines


# The prose after the table: what each figure is and where the model
# differs from Go 1.19.  {sources} is replaced by the table of sources.
EXPLANATION_TEMPLATE = os.path.join(HERE, "templates", "calibration.md")


def explanation(sources: str) -> str:
    """The template with its {sources} placeholder filled."""
    with open(EXPLANATION_TEMPLATE, encoding="utf-8") as f:
        return f.read().replace("{sources}", sources)


def render_section(result) -> str:
    """The calibration section of results/README.md, markers included."""
    summary = result["summary"]
    meta = result["meta"]
    flagged = [r.label for r in ROWS if outside_band(summary[r.key]["ratio"][0])]
    lines = [
        BEGIN_MARKER,
        "## Calibration against Go 1.19",
        "",
        f"{meta['go_version']} (Debian golang-1.19-go) beside wbbench commit "
        f"`{meta['git_commit']}` on `{meta['machine']}` "
        f"({meta.get('cpu_model') or '?'}, {meta.get('cores') or '?'} cores), "
        f"{meta['date']}: {meta['repetitions']} interleaved rounds, "
        f"measurements of {meta['duration']} (the mark benchmarks take their "
        "own time).",
        "",
        f"    {meta['command']}",
        "",
        f"Raw samples: `{meta['samples_file']}`.  Cells are medians with "
        "their 95% CI (`†`: too few samples for one); the ratio is "
        "median(Go) / median(wbbench) with a 95% bootstrap interval and the "
        f"Mann-Whitney U test.  **⚠** marks a ratio outside "
        f"{RATIO_BAND[0]}–{RATIO_BAND[1]}.",
        "",
    ]
    lines += table_lines(summary)
    lines.append("")
    ctx = result.get("context", {})
    if ctx:
        lines.append(
            "Barrier on (median share of the loop's time): tree-reverse Go "
            f"{_pct(ctx.get('go_tree_on_fraction'))} (GOMAXPROCS=1: "
            f"{_pct(ctx.get('go_tree_on_1p_fraction'))}), wbbench "
            f"{_pct(ctx.get('wb_tree_on_fraction'))}; binary-trees wbbench "
            f"{_pct(ctx.get('wb_bt_on_fraction'))}.  GC cycles per "
            f"measurement (median): tree-reverse Go "
            f"{_fmt(ctx.get('go_tree_cycles'))}, wbbench "
            f"{_fmt(ctx.get('wb_tree_cycles'))}; binary-trees Go "
            f"{_fmt(ctx.get('go_bt_cycles'))}, wbbench "
            f"{_fmt(ctx.get('wb_bt_cycles'))}.")
        lines.append("")
    notes = result.get("notes")
    if flagged:
        lines.append("Outside " f"{RATIO_BAND[0]}–{RATIO_BAND[1]}: " +
                     "; ".join(flagged) + ".  " +
                     ("The notes below explain them; the differences in the "
                      "model that push each figure follow." if notes else
                      "See the differences in the model below, which push "
                      "each figure one way or the other."))
        lines.append("")
    if notes:
        lines += [f"### Notes on this machine's ratios (`{notes['file']}`, "
                  "written by hand)", "", notes["text"].strip("\n"), ""]
    sources = "\n".join(f"| {r.label} | {r.go} | {r.wb} |" for r in ROWS)
    lines.append(explanation(sources).rstrip("\n"))
    lines.append(END_MARKER)
    return "\n".join(lines) + "\n"


def _pct(x) -> str:
    return "—" if x is None else f"{100 * x:.1f}%"


def replace_section(readme: str, section: str) -> str:
    """readme with its calibration section replaced by `section` (which
    carries the markers), or with it appended after a blank line if it has
    none.  Everything outside the markers is kept byte for byte."""
    if not section.endswith("\n"):
        section += "\n"
    m = _SECTION.search(readme)
    if m:
        return readme[:m.start()] + section + readme[m.end():]
    if readme and not readme.endswith("\n"):
        readme += "\n"
    return readme + ("\n" if readme else "") + section


def extract_section(readme: str) -> Optional[str]:
    """The calibration section of readme, markers included, or None."""
    m = _SECTION.search(readme)
    if not m:
        return None
    text = m.group(0)
    return text if text.endswith("\n") else text + "\n"


def _median(values) -> Optional[float]:
    xs = [float(v) for v in values if isinstance(v, (int, float))]
    return statistics.median(xs) if xs else None


def context_figures(rounds) -> Dict[str, Optional[float]]:
    def col(name, key):
        return _median(m.get(name, {}).get(key) for m in rounds)
    return {"go_tree_on_fraction": col("go_tree_on", "barrier_on_fraction"),
            "go_tree_on_1p_fraction": col("go_tree_on_1p",
                                          "barrier_on_fraction"),
            "wb_tree_on_fraction": col("wb_tree", "barrier_on_fraction"),
            "wb_bt_on_fraction": col("wb_bt", "barrier_on_fraction"),
            "go_tree_cycles": col("go_tree_on", "gc_cycles"),
            "wb_tree_cycles": col("wb_tree", "gc_cycles"),
            "go_bt_cycles": col("go_bt", "gc_cycles"),
            "wb_bt_cycles": col("wb_bt", "gc_cycles")}


def _serializable_summary(summary):
    out = {}
    for key, e in summary.items():
        side = {}
        for name in ("go", "wb"):
            s = e[name]
            side[name] = None if s is None else {
                "n": s.n, "median": s.median, "ci_low": s.ci_low,
                "ci_high": s.ci_high, "cv": s.cv}
        r, lo, hi = e["ratio"]
        side["ratio"] = {"go_over_wbbench": r, "ci_low": lo, "ci_high": hi,
                         "p": e["p"], "outside_band": outside_band(r)}
        out[key] = side
    return out


# --- Main ----------------------------------------------------------------

def _parse_args(argv):
    p = argparse.ArgumentParser(
        description="Calibrate wbbench against Go 1.19 on this machine.",
        epilog="See the module docstring (head analysis/calibrate.py).")
    p.add_argument("--quick", action="store_true",
                   help="6 rounds of 200ms measurements (under 2 minutes)")
    p.add_argument("--build", default=os.path.join(ROOT, "build"),
                   help="wbbench build folder (default %(default)s)")
    p.add_argument("--wbbench", help="the wbbench program (default BUILD/wbbench)")
    p.add_argument("--micro",
                   help="the wbbench_micro program (default BUILD/wbbench_micro)")
    p.add_argument("--repetitions", type=int, help="rounds (default 20; quick 6)")
    p.add_argument("--duration", type=float,
                   help="seconds per measurement (default 0.5; quick 0.2)")
    p.add_argument("--results", default=os.path.join(ROOT, "results"),
                   help="results folder (default %(default)s)")
    p.add_argument("--no-write", action="store_true",
                   help="print the table only; write neither README nor JSON")
    p.add_argument("--from-samples", metavar="FILE",
                   help="measure nothing: rewrite the README section from a "
                        "stored samples file (after editing the notes)")
    p.add_argument("--go", help="the go command (default: $WBBENCH_GO, go on "
                               "PATH, " + GO_DEBIAN_PATH + ")")
    return p.parse_args(argv)


def _portable(path: str) -> str:
    """A program's path as the results record it: relative to the checkout
    when inside it, else its name alone (never this machine's layout)."""
    rel = os.path.relpath(os.path.abspath(path), ROOT)
    return os.path.basename(path) if rel.startswith("..") else rel


def _check_program(path: str, what: str) -> str:
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise UsageError(f"{path}: no {what} program there; build it "
                         f"(cmake --build <build> --target {what}) or pass "
                         "its path")
    return os.path.abspath(path)


def main(argv=None) -> int:
    try:
        args = _parse_args(argv)
    except SystemExit as e:
        return EXIT_USAGE if e.code not in (0, None) else 0
    if args.from_samples:
        return rerender(args.from_samples, args.results, args.no_write)
    try:
        go, version = find_go(args.go)
        size = "quick" if args.quick else "full"
        reps, duration = SIZES[size]
        reps = args.repetitions if args.repetitions is not None else reps
        duration = args.duration if args.duration is not None else duration
        if reps < 1 or not 0 < duration <= 60:
            raise UsageError("--repetitions must be >= 1 and --duration in "
                             "(0, 60] seconds")
        wbbench = _check_program(args.wbbench or
                                 os.path.join(args.build, "wbbench"), "wbbench")
        micro = _check_program(args.micro or
                               os.path.join(args.build, "wbbench_micro"),
                               "wbbench_micro")
        if not args.no_write and not os.path.isdir(args.results):
            raise UsageError(f"{args.results}: no such results folder")
        try:
            import wbstats  # noqa: F401  (numpy, scipy)
        except ImportError as e:
            raise UsageError(f"{sys.executable} lacks numpy/scipy ({e}); run "
                             "it with /usr/bin/python3 after ./setup.sh")
    except UsageError as e:
        print(str(e) if str(e).startswith("calibrate:") else
              f"calibrate: {e}", file=sys.stderr)
        return EXIT_USAGE

    command = ("/usr/bin/python3 analysis/calibrate.py" +
               ("".join(" " + shlex.quote(a) for a in (argv if argv is not None
                                                       else sys.argv[1:]))))
    tmp = tempfile.mkdtemp(prefix="wbbench-calibrate-")
    try:
        print(f"calibrate: {version} at {go}; building the peers",
              file=sys.stderr)
        bins = build_peers(go, tmp)
        setup = Setup(wbbench, micro, bins, duration, tmp)
        rounds, orders = [], []
        for i in range(reps):
            order = round_order(i)
            orders.append(order)
            m = {}
            for name in order:
                print(f"calibrate: round {i + 1}/{reps}: {name}",
                      file=sys.stderr)
                m[name] = MEASUREMENTS[name](setup)
            rounds.append(m)
    except CalibrationError as e:
        print(f"calibrate: {e}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("calibrate: interrupted; nothing written", file=sys.stderr)
        return 130
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    first = rounds[0]["wb_tree"]
    machine = first.get("machine") or "unknown"
    commit = first.get("git_commit") or "unknown"
    if commit == "unknown":
        try:
            commit = subprocess.run(
                ["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                capture_output=True, text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            pass
    import runs
    stem = f"{runs.file_safe(machine)}-{runs.file_safe(commit)}"
    samples_rel = f"calibration/{stem}.json"
    samples = row_samples(rounds)
    summary = summarize_rows(samples)
    result = {
        "meta": {
            "go_version": version, "go": go, "machine": machine,
            "git_commit": commit, "cpu_model": first.get("cpu_model"),
            "cores": first.get("cores"),
            "date": datetime.datetime.now(datetime.timezone.utc)
            .strftime("%Y-%m-%d %H:%M UTC"),
            "repetitions": reps, "duration": f"{int(round(duration * 1000))}ms",
            "command": command, "samples_file": samples_rel,
            "wbbench": _portable(wbbench), "wbbench_micro": _portable(micro),
        },
        "summary": summary,
        "context": context_figures(rounds),
    }
    _add_notes(result, args.results)
    section = render_section(result)
    print("\n".join(table_lines(summary)))
    if args.no_write:
        return 0
    os.makedirs(os.path.join(args.results, "calibration"), exist_ok=True)
    doc = {"meta": result["meta"], "orders": orders, "rounds": rounds,
           "samples": samples, "summary": _serializable_summary(summary),
           "context": result["context"]}
    common.write_atomic(os.path.join(args.results, samples_rel),
                  json.dumps(doc, indent=1, sort_keys=True) + "\n")
    readme_path = _write_section(args.results, section)
    print(f"calibrate: wrote {readme_path} (calibration section) and "
          f"{os.path.join(args.results, samples_rel)}", file=sys.stderr)
    return 0


def _add_notes(result, results_dir: str) -> None:
    """Adds the machine's hand-written notes file, where there is one."""
    import runs
    rel = f"calibration/{runs.file_safe(result['meta']['machine'])}-notes.md"
    try:
        with open(os.path.join(results_dir, rel), encoding="utf-8") as f:
            result["notes"] = {"file": rel, "text": f.read()}
    except FileNotFoundError:
        pass


def _write_section(results_dir: str, section: str) -> str:
    readme_path = os.path.join(results_dir, "README.md")
    try:
        with open(readme_path, encoding="utf-8") as f:
            readme = f.read()
    except FileNotFoundError:
        readme = ""
    common.write_atomic(readme_path, replace_section(readme, section))
    return readme_path


def rerender(samples_file: str, results_dir: str, no_write: bool) -> int:
    """The section again from a stored samples file: the same figures, the
    current notes and explanations.  Measures nothing, needs no Go."""
    try:
        with open(samples_file, encoding="utf-8") as f:
            doc = json.load(f)
        result = {"meta": doc["meta"], "context": doc.get("context", {}),
                  "summary": summarize_rows(
                      {r.key: doc["samples"].get(r.key, {"go": [], "wb": []})
                       for r in ROWS})}
    except (OSError, ValueError, KeyError, TypeError) as e:
        print(f"calibrate: {samples_file}: not a samples file ({e})",
              file=sys.stderr)
        return EXIT_USAGE
    _add_notes(result, results_dir)
    section = render_section(result)
    print("\n".join(table_lines(result["summary"])))
    if not no_write:
        path = _write_section(results_dir, section)
        print(f"calibrate: wrote {path} (calibration section) from "
              f"{samples_file}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
