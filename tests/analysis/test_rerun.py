"""Tests of analysis/rerun.sh with a stand-in for wbbench.

The stand-in records the flags it was given and writes a fixture run to its
--out file (or fails, or writes nothing), so that these tests check what
rerun.sh does with a run: the flags of each suite, the stored file's name
(machine, suite and commit), replacing an older run of the same machine and
suite, regenerating the table, and storing nothing when the run fails.
"""

import json
import os
import re
import shutil
import subprocess
import tempfile
import textwrap
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
RERUN = os.path.join(ROOT, "analysis", "rerun.sh")
VM_FIXTURE = os.path.join(HERE, "fixtures", "good",
                          "vm-epyc-9r14-full-abc1234.json")

FAKE_WBBENCH = textwrap.dedent("""\
    #!/usr/bin/env bash
    # Stand-in for wbbench: records its flags, writes $FAKE_RUN to --out.
    printf '%s\\n' "$@" > "$FAKE_ARGS"
    for a in "$@"; do
      case "$a" in --out=*) out="${a#--out=}" ;; esac
    done
    if [[ -n "${FAKE_RUN:-}" ]]; then cp "$FAKE_RUN" "$out.part" &&
      mv "$out.part" "$out"; fi
    exit "${FAKE_STATUS:-0}"
    """)


class RerunTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="wbbench-rerun-")
        self.addCleanup(shutil.rmtree, self.tmp)
        self.results = os.path.join(self.tmp, "results")
        os.mkdir(self.results)
        self.fake = os.path.join(self.tmp, "wbbench")
        with open(self.fake, "w") as f:
            f.write(FAKE_WBBENCH)
        os.chmod(self.fake, 0o755)
        self.args_file = os.path.join(self.tmp, "args")
        self.env = dict(os.environ, FAKE_ARGS=self.args_file,
                        FAKE_RUN=VM_FIXTURE)

    def rerun(self, *args, **env):
        return subprocess.run(
            ["bash", RERUN, "--results", self.results, *args, self.fake],
            capture_output=True, text=True, env=dict(self.env, **env))

    def flags(self):
        with open(self.args_file) as f:
            return f.read().split()

    def listing(self):
        return sorted(os.listdir(self.results))

    def test_quick_stores_run_named_by_machine_suite_commit(self):
        proc = self.rerun("--quick")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        flags = self.flags()
        out = [f for f in flags if f.startswith("--out=")]
        self.assertEqual(len(out), 1, flags)
        # wbbench writes into the results folder under a hidden temporary
        # name, so the rename into place is atomic.
        self.assertEqual(os.path.dirname(out[0][len("--out="):]),
                         self.results)
        self.assertTrue(os.path.basename(out[0]).startswith(".rerun."))
        self.assertEqual(sorted(f for f in flags if f not in out),
                         ["--barrier=all", "--duration=60ms",
                          "--format=json", "--gc=continuous",
                          "--repetitions=6", "--workload=all"])
        self.assertEqual(self.listing(), [
            "README.md", "plots", "vm-epyc-9r14-quick-abc1234.json"])
        with open(os.path.join(self.results,
                               "vm-epyc-9r14-quick-abc1234.json")) as f, \
                open(VM_FIXTURE) as g:
            self.assertEqual(json.load(f), json.load(g))
        with open(os.path.join(self.results, "README.md")) as f:
            readme = f.read()
        self.assertIn("suite `quick` · commit `abc1234`", readme)

    def test_full_suite_flags(self):
        proc = self.rerun()
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("--repetitions=15", self.flags())
        self.assertIn("--duration=150ms", self.flags())
        self.assertIn("vm-epyc-9r14-full-abc1234.json", self.listing())

    def test_suites_fit_their_time_limits(self):
        # Under gc=continuous --barrier=all is every barrier but none: each
        # runs 3 configurations a repetition, and each workload a baseline.
        # A repetition of one configuration costs about duration x 1.25 +
        # 0.1 s; the suite must leave a margin under its limit.
        configs = 8 * (4 * 3 + 1)
        with open(RERUN) as f:
            script = f.read()
        suites = {m[0]: m[1:] for m in re.findall(
            r"^  (quick|full)\) +reps=(\d+); +duration=(\d+)ms; +"
            r"limit_s=(\d+) ;;$", script, re.M)}
        self.assertEqual(sorted(suites), ["full", "quick"])
        for suite, (reps, ms, limit) in suites.items():
            seconds = configs * int(reps) * (int(ms) / 1000 * 1.25 + 0.1)
            self.assertLess(seconds, 0.8 * int(limit), suite)
            self.assertGreaterEqual(int(reps), 6, suite)  # a CI needs 6
            # The header states the same sizes.
            self.assertIn(f"{reps} repetitions of {ms}ms", script)
        full = suites["full"]
        self.assertLess(configs * int(full[0]) *
                        (int(full[1]) / 1000 * 1.25 + 0.1), 12 * 60)
        quick = suites["quick"]
        self.assertLess(configs * int(quick[0]) *
                        (int(quick[1]) / 1000 * 1.25 + 0.1), 3 * 60)

    def test_repetitions_and_duration_can_be_overridden(self):
        proc = self.rerun("--quick", "--repetitions", "9", "--duration=50ms")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("--repetitions=9", self.flags())
        self.assertIn("--duration=50ms", self.flags())
        self.assertIn("vm-epyc-9r14-quick-abc1234.json", self.listing())

    def test_replaces_older_run_of_same_machine_and_suite_only(self):
        with open(VM_FIXTURE) as f:
            doc = json.load(f)
        doc["context"]["wbbench"]["git_commit"] = "0000000"
        for name in ("vm-epyc-9r14-quick-0000000.json",
                     "vm-epyc-9r14-full-0000000.json"):
            with open(os.path.join(self.results, name), "w") as f:
                json.dump(doc, f)
        proc = self.rerun("--quick")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(self.listing(), [
            "README.md", "plots", "vm-epyc-9r14-full-0000000.json",
            "vm-epyc-9r14-quick-abc1234.json"])
        self.assertIn("replaced vm-epyc-9r14-quick-0000000.json",
                      proc.stderr)

    def test_odd_machine_and_commit_make_a_safe_file_name(self):
        with open(VM_FIXTURE) as f:
            doc = json.load(f)
        doc["context"]["wbbench"]["machine"] = "vm/EPYC 9R14"
        doc["context"]["wbbench"]["git_commit"] = "abc1234 dirty"
        odd = os.path.join(self.tmp, "odd.json")
        with open(odd, "w") as f:
            json.dump(doc, f)
        proc = self.rerun("--quick", FAKE_RUN=odd)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("vm_EPYC_9R14-quick-abc1234_dirty.json",
                      self.listing())
        with open(os.path.join(self.results, "README.md")) as f:
            self.assertIn("· suite `quick` ·", f.read())

    def test_failed_run_stores_nothing(self):
        proc = self.rerun("--quick", FAKE_STATUS="3")
        self.assertEqual(proc.returncode, 1)
        self.assertIn("wbbench failed (exit status 3); nothing stored",
                      proc.stderr)
        self.assertEqual(self.listing(), [])

    def test_run_that_writes_nothing_stores_nothing(self):
        proc = self.rerun("--quick", FAKE_RUN="")
        self.assertEqual(proc.returncode, 1)
        self.assertIn("wrote no run", proc.stderr)
        self.assertEqual(self.listing(), [])

    def test_malformed_run_stores_nothing(self):
        bad = os.path.join(self.tmp, "bad.json")
        with open(bad, "w") as f:
            f.write('{"context": {}, "benchmarks": []}')
        proc = self.rerun("--quick", FAKE_RUN=bad)
        self.assertEqual(proc.returncode, 1)
        self.assertIn("unusable run", proc.stderr)
        self.assertEqual(self.listing(), [])

    def test_missing_binary_and_bad_usage(self):
        proc = subprocess.run(["bash", RERUN, "--results", self.results,
                               os.path.join(self.tmp, "nope")],
                              capture_output=True, text=True)
        self.assertEqual(proc.returncode, 2)
        self.assertEqual(len(proc.stderr.splitlines()), 1, proc.stderr)
        self.assertIn("no wbbench binary", proc.stderr)
        proc = subprocess.run(["bash", RERUN, "--fast"], capture_output=True,
                              text=True)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("unknown option '--fast'", proc.stderr)


if __name__ == "__main__":
    unittest.main()
