#!/usr/bin/env bash
# Counts instructions and simulated cache misses per store under valgrind,
# stores the counts under results/valgrind/ and regenerates results/README.md.
#
#   analysis/count.sh [--results DIR] [--ops N] [--scale S] [WBBENCH]
#
# WBBENCH is the built binary (default: build/wbbench in this checkout).
# Five runs of wbbench --counters=valgrind (each configuration alone under
# callgrind, two at a time): tree-reverse with every barrier under each
# shading algorithm (hybrid, dijkstra, yuasa, hybrid-cond), and every
# workload with unbuffered and buffered under hybrid: 76 configurations,
# about 6 minutes on 2 shared cores, at most 10 minutes in all.
# --ops and --scale are passed to wbbench (default: wbbench's); a smaller run
# is stored under the same names, so give it its own --results.
# A wbbench run is stopped (SIGINT, then SIGKILL) when the time is up, and
# nothing is stored then.
#
# Each run is written by wbbench to a temporary file in DIR/valgrind/ and
# checked; once all five are, they are renamed to tree-reverse-<algorithm>-
# <commit>.json and workloads-hybrid-<commit>.json, with the commit that
# wbbench recorded, so a half-written or failed run never appears there.  A
# previous count of the same kind and algorithm (an older commit) is
# replaced: DIR/valgrind/ keeps one file of each.
# Exit status: 0 stored and tabulated; 1 a run failed or timed out; 2 bad
# usage or a missing tool (valgrind not installed, as wbbench says too).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
python=/usr/bin/python3  # Debian's, with numpy, scipy and matplotlib

results="$root/results"
wbbench="$root/build/wbbench"
size_flags=()

usage() { sed -n '2,16s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }
die() { echo "count: $2" >&2; exit "$1"; }

while (($#)); do
  case "$1" in
    --results) (($# >= 2)) || die 2 "--results needs a folder"; results="$2"; shift ;;
    --results=*) results="${1#--results=}" ;;
    --ops) (($# >= 2)) || die 2 "--ops needs a number of stores"; size_flags+=("--ops=$2"); shift ;;
    --ops=*) size_flags+=("$1") ;;
    --scale) (($# >= 2)) || die 2 "--scale needs a size factor, e.g. 0.25"; size_flags+=("--scale=$2"); shift ;;
    --scale=*) size_flags+=("$1") ;;
    -h|--help) usage; exit 0 ;;
    -*) die 2 "unknown option '$1'; accepted: --results DIR, --ops N, --scale S, WBBENCH" ;;
    *) wbbench="$1" ;;
  esac
  shift
done

# The runs: "<algorithm> <workloads> <barriers>" each.  Under callgrind a
# configuration at the default size takes seconds of CPU (tree-reverse about
# 5.5 s), two run at a time: the 76 took 362 s on 2 cores at a load of 2.5
# to 3, of the 570 s the runs may take; that leaves 30 s of the 10 minutes
# for the checks and the table (3 s).
plan=("hybrid tree-reverse all" "dijkstra tree-reverse all"
      "yuasa tree-reverse all" "hybrid-cond tree-reverse all"
      "hybrid all unbuffered,buffered")
limit_s=570

[[ -x "$wbbench" && -f "$wbbench" ]] ||
  die 2 "$wbbench: no wbbench binary there; build it (cmake --build build) or pass its path"
[[ -d "$results" ]] || die 2 "$results: no such results folder"
command -v valgrind >/dev/null ||
  die 2 "valgrind is not installed: sudo apt-get install valgrind (./setup.sh installs it)"
"$python" -c 'import numpy, scipy, matplotlib' 2>/dev/null ||
  die 2 "$python lacks numpy/scipy/matplotlib; run ./setup.sh (python3-numpy python3-scipy python3-matplotlib)"
counts="$results/valgrind"
mkdir -p "$counts"

tmps=()
trap 'rm -f "${tmps[@]}"' EXIT

echo "count: ${#plan[@]} runs under callgrind, at most ${limit_s}s" >&2
SECONDS=0
for i in "${!plan[@]}"; do
  read -r algorithm workloads barriers <<<"${plan[$i]}"
  left=$((limit_s - SECONDS))
  ((left > 0)) || die 1 "out of time before run $((i + 1)); nothing stored"
  tmp="$(mktemp "$counts/.count.XXXXXX.json")"
  tmps+=("$tmp")
  echo "count: [$((i + 1))/${#plan[@]}] --workload=$workloads" \
       "--barrier=$barriers --algorithm=$algorithm" >&2
  status=0
  timeout --signal=INT --kill-after=20 "$left" \
    "$wbbench" --counters=valgrind --workload="$workloads" \
               --barrier="$barriers" --algorithm="$algorithm" \
               ${size_flags[@]+"${size_flags[@]}"} --format=json \
               --out="$tmp" || status=$?
  if ((status == 124 || status == 137)); then
    die 1 "wbbench ran past the ${limit_s}s of all runs and was stopped; nothing stored"
  elif ((status == 2)); then
    exit 2  # bad usage or no valgrind: wbbench said which
  elif ((status != 0)); then
    die 1 "wbbench failed (exit status $status); nothing stored"
  fi
  [[ -s "$tmp" ]] || die 1 "wbbench exited 0 but wrote no count to --out; nothing stored"
done

# Check each count against its plan; print "<temporary> <destination>" for
# each, then the older counts of the same kind and algorithm that they
# replace (found by content: tree-reverse-hybrid-* also matches
# tree-reverse-hybrid-cond-*).
moves="$("$python" - "$here" "$root" "$counts" "${tmps[@]}" -- "${plan[@]}" <<'EOF'
import os, sys
here, root, folder, *rest = sys.argv[1:]
tmps, plan = rest[:rest.index("--")], rest[rest.index("--") + 1:]
sys.path.insert(0, here)
import instructions, runs
names = set()
for tmp, line in zip(tmps, plan):
    algorithm, workloads, _ = line.split()
    try:
        count = instructions.load_count(tmp)
    except runs.ResultsError as e:
        sys.exit(f"count: wbbench wrote an unusable count: {e}")
    kind = instructions.TREE if workloads == instructions.TREE else "workloads"
    if (count.kind, count.algorithm) != (kind, algorithm):
        sys.exit(f"count: {tmp}: a count of {count.kind} under "
                 f"{count.algorithm}, not of {kind} under {algorithm}")
    commit = runs.name_commit({"git_commit": count.commit}, root)
    print(tmp, os.path.join(folder, f"{count.name}-{commit}.json"), sep="\t")
    names.add(count.name)
for name in runs.json_files(folder):
    try:
        older = instructions.load_count(os.path.join(folder, name))
    except runs.ResultsError:
        continue  # not ours to judge; make_table will name it
    if older.name in names:
        print(older.path)
EOF
)" || exit 1

declare -A stored=()
while IFS=$'\t' read -r tmp dest; do
  if [[ -n "$dest" ]]; then
    chmod 0644 "$tmp"
    mv -f "$tmp" "$dest"
    stored["$dest"]=1
    echo "count: stored $dest" >&2
  elif [[ -z "${stored["$tmp"]:-}" ]]; then  # an older count
    rm -f "$tmp"
    echo "count: replaced $(basename "$tmp")" >&2
  fi
done <<<"$moves"
trap - EXIT

status=0
"$python" "$here/make_table.py" --results "$results" || status=$?
echo "count: done in $((SECONDS / 60))m$((SECONDS % 60))s (${SECONDS}s)" >&2
exit "$status"
