#!/usr/bin/env bash
# The README's quick start has exactly two commands, and .ci/run runs the
# second (the test command) word for word.
set -u
root=$1
cmds=$(grep -E '^    \./setup\.sh' "$root/README.md")
n=$(grep -c . <<<"$cmds")
[ "$n" -eq 2 ] || { echo "FAIL: README has $n setup commands, want 2"; exit 1; }
run_cmd=$(sed -n 1p <<<"$cmds" | sed 's/^    //')
test_cmd=$(sed -n 2p <<<"$cmds" | sed 's/^    //')
grep -q -- '--barrier=buffered' <<<"$run_cmd" || { echo "FAIL: first command does not run wbbench --barrier=buffered"; exit 1; }
grep -qxF -- "$test_cmd" "$root/.ci/run" || { echo "FAIL: .ci/run does not contain: $test_cmd"; exit 1; }
echo "ok: README and .ci/run agree"
