#!/usr/bin/env bash
# Tests setup.sh as a user runs it: after setup, a second run installs nothing;
# --check reports a missing package and exits 1 without installing it; a bad
# argument exits 2.
set -u
setup=$1
fail=0
check() { if ! eval "$2"; then echo "FAIL: $1"; fail=1; else echo "ok: $1"; fi; }

out=$("$setup" 2>&1); rc=$?
check "second run exits 0" '[ $rc -eq 0 ]'
check "second run installs nothing" 'grep -q "nothing to install" <<<"$out" && ! grep -q "installing" <<<"$out"'

out=$(WBBENCH_SETUP_EXTRA=wbbench-no-such-package "$setup" --check 2>&1); rc=$?
check "--check exits 1 when something is missing" '[ $rc -eq 1 ]'
check "--check names the missing package" 'grep -q "missing: wbbench-no-such-package" <<<"$out"'

"$setup" --bogus >/dev/null 2>&1; rc=$?
check "bad argument exits 2" '[ $rc -eq 2 ]'
exit $fail
