#!/usr/bin/env bash
# Reruns the wbbench suite on this machine, stores the run under results/ and
# regenerates results/README.md.
#
#   analysis/rerun.sh [--quick] [--results DIR] [--repetitions N]
#                     [--duration D] [WBBENCH]
#
# WBBENCH is the built binary (default: build/wbbench in this checkout).
# Both suites run --gc=continuous: every barrier but none (unsound there) on
# all 8 workloads, each barrier in 3 configurations a repetition (check,
# incremental, concurrent) plus each workload's baseline: 104 configurations.
# --quick:  6 repetitions of 60ms (6 is the fewest that give a median a 95%
#           CI); about 2 minutes, at most 3.
# full:     15 repetitions of 150ms (benchstat advises 10, ideally 20);
#           about 8 minutes, at most 15 on 2 cores.
# --repetitions and --duration override the suite's (the time limit stays).
# wbbench is stopped (SIGINT, then SIGKILL) if it runs past the limit, and
# nothing is stored then.
#
# The run is written by wbbench to a temporary file in the results folder,
# checked, and renamed to <machine>-<suite>-<commit>.json, with the machine
# and commit that wbbench recorded in it, so a half-written or failed run never
# appears under results/.  A previous run of the same machine and suite (an
# older commit) is replaced: results/ keeps one file per machine and suite.
# Exit status: 0 stored and tabulated; 1 the run failed or timed out; 2 bad
# usage or a missing tool.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
python=/usr/bin/python3  # Debian's, with numpy, scipy and matplotlib

suite=full
reps_flag=""
duration_flag=""
results="$root/results"
wbbench="$root/build/wbbench"

usage() { sed -n '2,16s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }
die() { echo "rerun: $2" >&2; exit "$1"; }

while (($#)); do
  case "$1" in
    --quick) suite=quick ;;
    --full) suite=full ;;
    --results) (($# >= 2)) || die 2 "--results needs a folder"; results="$2"; shift ;;
    --results=*) results="${1#--results=}" ;;
    --repetitions) (($# >= 2)) || die 2 "--repetitions needs a number"; reps_flag="$2"; shift ;;
    --repetitions=*) reps_flag="${1#--repetitions=}" ;;
    --duration) (($# >= 2)) || die 2 "--duration needs a time, e.g. 200ms"; duration_flag="$2"; shift ;;
    --duration=*) duration_flag="${1#--duration=}" ;;
    -h|--help) usage; exit 0 ;;
    -*) die 2 "unknown option '$1'; accepted: --quick, --full, --results DIR, --repetitions N, --duration D, WBBENCH" ;;
    *) wbbench="$1" ;;
  esac
  shift
done

# A repetition of one configuration takes about duration x 1.25 (a quarter
# of warm-up) + 0.1s of setup; with 104 configurations and one warm-up:
#   quick: 104 x 6 x (0.075 + 0.1) s  = 109 s of the 170 s limit
#   full:  104 x 15 x (0.1875 + 0.1) s = 449 s of the 870 s limit
case "$suite" in
  quick) reps=6;  duration=60ms;  limit_s=170 ;;
  full)  reps=15; duration=150ms; limit_s=870 ;;
esac
reps="${reps_flag:-$reps}"
duration="${duration_flag:-$duration}"

[[ -x "$wbbench" && -f "$wbbench" ]] ||
  die 2 "$wbbench: no wbbench binary there; build it (cmake --build build) or pass its path"
[[ -d "$results" ]] || die 2 "$results: no such results folder"
"$python" -c 'import numpy, scipy, matplotlib' 2>/dev/null ||
  die 2 "$python lacks numpy/scipy/matplotlib; run ./setup.sh (python3-numpy python3-scipy python3-matplotlib)"

tmp="$(mktemp "$results/.rerun.XXXXXX.json")"
trap 'rm -f "$tmp"' EXIT

echo "rerun: $suite suite: every barrier and workload, $reps repetitions of" \
     "$duration, at most ${limit_s}s" >&2
status=0
timeout --signal=INT --kill-after=20 "$limit_s" \
  "$wbbench" --barrier=all --workload=all --gc=continuous \
             --repetitions="$reps" --duration="$duration" --format=json \
             --out="$tmp" || status=$?
if ((status == 124 || status == 137)); then
  die 1 "wbbench ran past ${limit_s}s and was stopped; nothing stored"
elif ((status != 0)); then
  die 1 "wbbench failed (exit status $status); nothing stored"
fi
[[ -s "$tmp" ]] || die 1 "wbbench exited 0 but wrote no run to --out; nothing stored"

# Check the run; print its machine and commit as names safe for a file, then
# the older runs of this machine and suite that it replaces (found by content:
# a file name alone cannot tell machine "a-b" suite "c" from "a" suite "b-c").
info="$("$python" - "$tmp" "$here" "$root" "$results" "$suite" <<'EOF'
import glob, os, sys
path, here, root, folder, suite = sys.argv[1:6]
sys.path.insert(0, here)
import runs
try:
    run = runs.load_run(path)
except runs.ResultsError as e:
    sys.exit(f"rerun: wbbench wrote an unusable run: {e}")
machine = runs.file_safe(run.machine)
print(machine, runs.name_commit(run.meta, root))
for older in sorted(glob.glob(os.path.join(folder, f"{machine}-{suite}-*.json"))):
    try:
        other = runs.load_run(older)
    except runs.ResultsError:
        continue  # not ours to judge; make_table will name it
    if runs.file_safe(other.machine) == machine:  # glob fixed the suite
        print(older)
EOF
)" || exit 1
read -r machine commit <<<"${info%%$'\n'*}"
mapfile -t older < <(tail -n +2 <<<"$info")
dest="$results/$machine-$suite-$commit.json"

chmod 0644 "$tmp"
mv -f "$tmp" "$dest"
trap - EXIT
for f in "${older[@]}"; do
  if [[ "$f" != "$dest" ]]; then
    rm -f "$f"
    echo "rerun: replaced $(basename "$f")" >&2
  fi
done
echo "rerun: stored $dest" >&2

exec "$python" "$here/make_table.py" --results "$results"
