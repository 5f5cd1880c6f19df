"""What several analysis scripts share: finding and building with Go, Go's
gctrace lines, writing files atomically, and the "median [CI]" cell.

calibrate.py, mark_peers.py, make_table.py, scaling.py and table.py use
these; each keeps its own messages and formats (passed in), so that what
they print and write is the same as before they shared this module.
"""

import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple

# --- Go ------------------------------------------------------------------

# Go environment variables that would change what `go` builds or how the
# peers run; the peers are built and run without them.
_GO_ENV_DROP = ("GOROOT", "GOFLAGS", "GOOS", "GOARCH", "GOEXPERIMENT",
                "GODEBUG", "GOGC", "GOMAXPROCS", "GOMEMLIMIT")


def go_env_base() -> Dict[str, str]:
    """os.environ without the variables that change Go's build or runtime."""
    env = dict(os.environ)
    for k in _GO_ENV_DROP:
        env.pop(k, None)
    return env


def go_version(go: str) -> Optional[str]:
    """`go version`'s version word (go1.19.8), or None if go does not run."""
    try:
        out = subprocess.run([go, "version"], capture_output=True, text=True,
                             timeout=60, env=go_env_base()).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.search(r"\bgo version (go[0-9][^\s]*)", out)
    return m.group(1) if m else None


def find_go(candidates: Sequence[Optional[str]], prefix: str
            ) -> Tuple[Optional[Tuple[str, str]], List[str]]:
    """The first executable candidate whose version is `prefix` (go1.19) or
    a point release of it: ((absolute path, version), []), else (None,
    ["PATH is VERSION", ...] for the executable ones of other versions)."""
    others = []
    for go in candidates:
        if not (go and os.path.isfile(go) and os.access(go, os.X_OK)):
            continue
        version = go_version(go)
        if version and (version == prefix or
                        version.startswith(prefix + ".")):
            return (os.path.abspath(go), version), []
        if version:
            others.append(f"{go} is {version}")
    return None, others


def go_build_env(out_dir: str) -> Dict[str, str]:
    """The environment for `go build` of the peers: GOPATH and GOCACHE in
    out_dir, modules and the proxy off (the peers use the standard library
    only and nothing is fetched), no cgo, the local toolchain."""
    env = go_env_base()
    env.update(GOCACHE=os.path.join(out_dir, "gocache"),
               GOPATH=os.path.join(out_dir, "gopath"), GO111MODULE="off",
               GOPROXY="off", GOFLAGS="", CGO_ENABLED="0",
               GOTOOLCHAIN="local")
    return env


# --- GODEBUG=gctrace=1 ---------------------------------------------------

# gc 3 @0.512s 4%: 0.012+98+0.004 ms clock, 0.012+0/97/0+0.004 ms cpu,
#     65->65->64 MB, 129 MB goal, 1 P (forced)
_GCTRACE = re.compile(
    r"^gc (?P<n>\d+) @\S+ \S+: (?P<c1>[\d.]+)\+(?P<c2>[\d.]+)\+(?P<c3>[\d.]+)"
    r" ms clock, (?P<u1>[\d.]+)\+(?P<assist>[\d.]+)/(?P<bg>[\d.]+)/"
    r"(?P<idle>[\d.]+)\+(?P<u3>[\d.]+) ms cpu,.*?(?P<procs>\d+) P"
    r"(?P<forced> \(forced\))?\s*$")


@dataclass(frozen=True)
class GcTraceCycle:
    n: int
    mark_wall_ms: float  # the concurrent mark phase's wall clock
    mark_cpu_ms: float   # assist + background + idle mark CPU
    background_cpu_ms: float  # the dedicated and fractional workers' share
    procs: int
    forced: bool


def parse_gctrace(text: str) -> List[GcTraceCycle]:
    """Every `gc N ...` line of GODEBUG=gctrace=1 output (Go 1.19 format)."""
    cycles = []
    for line in text.splitlines():
        m = _GCTRACE.match(line.strip())
        if m:
            cycles.append(GcTraceCycle(
                int(m["n"]), float(m["c2"]),
                float(m["assist"]) + float(m["bg"]) + float(m["idle"]),
                float(m["bg"]), int(m["procs"]), bool(m["forced"])))
    return cycles


# --- Writing files -------------------------------------------------------

def stage_file(folder: str, name: str, data: bytes) -> str:
    """data in a new temporary file (mode 0644) in folder, to be renamed
    onto folder/name; its path.  Nothing is left behind on failure."""
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
    except BaseException:
        os.unlink(tmp)
        raise
    return tmp


def write_atomic(path: str, data) -> None:
    """Replaces path with data (str as UTF-8, or bytes) in one rename."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    tmp = stage_file(os.path.dirname(os.path.abspath(path)),
                     os.path.basename(path), data)
    try:
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


# --- Table cells ---------------------------------------------------------

def median_ci_cell(s, fmt: Callable[[float], str], no_ci: str,
                   median_fmt: Optional[Callable[[float], str]] = None) -> str:
    """A wbstats.Summary as "MEDIAN [LOW, HIGH]", or "MEDIAN" + no_ci
    without an interval; the bounds by fmt, the median by median_fmt (by
    default fmt too)."""
    median = (median_fmt or fmt)(s.median)
    if s.has_ci:
        return f"{median} [{fmt(s.ci_low)}, {fmt(s.ci_high)}]"
    return median + no_ci
