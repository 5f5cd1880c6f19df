"""Tests of analysis/scaling.py with a stand-in for wbbench.

The stand-in, fixtures/scaling/fake-wbbench, records the flags of each call
and copies fixtures/scaling/threads-<T>.json to its --out (or fails, sleeps, or writes
nothing), so that these tests check the sweep's control flow, what it
stores, the figures, and the README section make_table.py renders from it,
without running wbbench.

The fixtures are real runs on the 2-core development VM, trimmed:

    wbbench --workload=tree-reverse --barrier=unbuffered,buffered
            --gc=continuous --threads=T --repetitions=6 --duration=10ms
            --format=json --out=threads-T.json        (T = 1, 2)

with the aggregate rows dropped and each row cut to its names, times and
own_*, check_ns_per_store, ns_per_store, incremental_mark_step_chunks,
incremental_mark_steps, and the blocks and dropped_block_fraction of the
baseline and of the check (off_) and incremental configurations.  Their
figures by hand:
  T=1 unbuffered own ns 16.14 16.62 17.97 19.10 19.76 30.28: median 18.53,
      CI [x(1), x(6)] = [16.14, 30.28]; buffered 6.26 7.62 7.83 7.90 8.47
      9.53: median 7.86 [6.26, 9.53]; ratio 18.53 / 7.86 = 2.36, the two
      samples fully separated: exact U test p = 2/924 = 0.002; no mark-step
      chunks; of the baseline's, check and incremental blocks 142 of 3383
      were dropped (4.2%).
  T=2 unbuffered median 24.60, buffered 15.83: ratio 1.55; mark-step
      chunks 14 of 32 x 107 blocks (0.4%) and 13 of 32 x 135 (0.3%);
      dropped 151 of 2951 blocks (5.1%).
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures", "scaling")
FAKE_WBBENCH = os.path.join(FIXTURES, "fake-wbbench")
# A timed run, so that the sweep regenerates a README.
TIMED_RUN = os.path.join(HERE, "fixtures", "good",
                         "vm-zen4-full-fed4321.json")
ANALYSIS = os.path.join(os.path.dirname(os.path.dirname(HERE)), "analysis")
sys.path.insert(0, ANALYSIS)
SCALING = os.path.join(ANALYSIS, "scaling.py")
MAKE_TABLE = os.path.join(ANALYSIS, "make_table.py")
# The fixtures' machine and commit, as the sweep names its files.
STEM = "amd-epyc-e7acc3a"

import scaling  # noqa: E402


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def listing(folder):
    """Every path under folder, relative, hidden ones included."""
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        rel = os.path.relpath(dirpath, folder)
        for name in dirnames + filenames:
            found.append(os.path.normpath(os.path.join(rel, name)))
    return sorted(found)


class Base(unittest.TestCase):
    """A results folder in a temporary folder; the stand-in records there."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="wbbench-scaling-")
        self.addCleanup(shutil.rmtree, self.tmp)
        self.results = os.path.join(self.tmp, "results")
        self.args_file = os.path.join(self.tmp, "args")
        os.mkdir(self.results)
        self.env = dict(os.environ, FAKE_ARGS=self.args_file,
                        FAKE_REPORTS=FIXTURES)

    def sweep(self, *args, binary=FAKE_WBBENCH, **env):
        return subprocess.run(
            [sys.executable, SCALING, "--results", self.results,
             "--max-threads", "2", *args, binary],
            capture_output=True, text=True, env=dict(self.env, **env))

    def calls(self):
        with open(self.args_file) as f:
            return [line.split() for line in f.read().splitlines()]

    def reports(self, **changes):
        """A copy of the fixture reports; changes: T -> f(doc) -> doc."""
        folder = tempfile.mkdtemp(dir=self.tmp)
        for t in (1, 2):
            doc = read_json(os.path.join(FIXTURES, f"threads-{t}.json"))
            if f"t{t}" in changes:
                doc = changes[f"t{t}"](doc)
            with open(os.path.join(folder, f"threads-{t}.json"), "w") as f:
                json.dump(doc, f)
        return folder


class SweepTest(Base):
    def test_one_run_per_thread_count_with_the_sweeps_flags(self):
        proc = self.sweep()
        self.assertEqual(proc.returncode, 0, proc.stderr)
        calls = self.calls()
        self.assertEqual(len(calls), 2)
        for t, flags in enumerate(calls, 1):
            out = [f for f in flags if f.startswith("--out=")]
            self.assertEqual(len(out), 1, flags)
            # Written under a hidden folder beside the stored sweeps, so
            # that they are renamed into place.
            staging = os.path.dirname(out[0][len("--out="):])
            self.assertEqual(os.path.dirname(staging),
                             os.path.join(self.results, "scaling"))
            self.assertTrue(os.path.basename(staging).startswith("."))
            self.assertEqual(sorted(f for f in flags if f not in out), [
                "--barrier=unbuffered,buffered", "--duration=70ms",
                "--format=json", "--gc=continuous", "--repetitions=12",
                f"--threads={t}", "--workload=tree-reverse"])

    def test_stores_reports_sweep_and_plot(self):
        proc = self.sweep()
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(listing(self.results), [
            "plots", f"plots/scaling-{STEM}.svg", "scaling",
            f"scaling/{STEM}", f"scaling/{STEM}.json",
            f"scaling/{STEM}/threads-1.json",
            f"scaling/{STEM}/threads-2.json"])
        for t in (1, 2):
            self.assertEqual(
                read_json(os.path.join(self.results, "scaling", STEM,
                                       f"threads-{t}.json")),
                read_json(os.path.join(FIXTURES, f"threads-{t}.json")))
        doc = read_json(os.path.join(self.results, "scaling", STEM + ".json"))
        self.assertEqual(doc["kind"], scaling.KIND)
        self.assertEqual((doc["machine"], doc["commit"]),
                         ("amd-epyc", "e7acc3a"))
        self.assertEqual(doc["reports"], {
            "1": f"{STEM}/threads-1.json", "2": f"{STEM}/threads-2.json"})
        self.assertEqual(doc["command"],
                         "wbbench --workload=tree-reverse "
                         "--barrier=unbuffered,buffered --gc=continuous "
                         "--threads=T --repetitions=12 --duration=70ms "
                         "--format=json --out=...")
        self.assertEqual(len(doc["load_avg_before"]), 3)
        self.assertIn("README not regenerated", proc.stderr)
        with open(os.path.join(self.results, "plots",
                               f"scaling-{STEM}.svg"), "rb") as f:
            svg = f.read()
        self.assertIn(b"</svg>", svg)
        self.assertIn(b"3.83", svg)  # Go's figure, for reference

    def test_figures_of_known_samples(self):
        proc = self.sweep()
        self.assertEqual(proc.returncode, 0, proc.stderr)
        doc = read_json(os.path.join(self.results, "scaling", STEM + ".json"))
        one, two = doc["figures"]
        own = one["barriers"]["unbuffered"][scaling.runs.OWN_NS]
        self.assertEqual(own["n"], 6)
        self.assertAlmostEqual(own["median"], 18.5326, places=3)
        self.assertAlmostEqual(own["ci_low"], 16.1380, places=3)
        self.assertAlmostEqual(own["ci_high"], 30.2777, places=3)
        self.assertAlmostEqual(
            one["barriers"]["buffered"][scaling.runs.OWN_NS]["median"],
            7.8638, places=3)
        self.assertEqual(one["ratio"]["counter"], scaling.runs.OWN_NS)
        self.assertAlmostEqual(one["ratio"]["value"], 2.3567, places=3)
        self.assertAlmostEqual(one["ratio"]["u_test_p"], 2 / 924, places=6)
        self.assertEqual(one["barriers"]["unbuffered"][scaling.STEP_CHUNKS],
                         0)
        self.assertEqual(two["barriers"]["unbuffered"][scaling.STEP_CHUNKS],
                         14)
        self.assertEqual(
            two["barriers"]["unbuffered"]["approx_incremental_chunks"],
            32 * 107)
        # stdout is the table alone, a row per thread count.
        rows = [line.split(" | ") for line in proc.stdout.splitlines()]
        self.assertEqual(len(rows), 4, proc.stdout)
        self.assertTrue(proc.stdout.startswith("| mutators | `unbuffered` "
                                               "own ns / bstore |"))
        self.assertEqual(rows[2][1:3], ["18.5 [16.1, 30.3]",
                                        "7.86 [6.26, 9.53]"])
        self.assertTrue(rows[2][3].startswith("≈"))  # estimated cycles
        self.assertTrue(rows[2][5].startswith("2.36× ["), rows[2][5])
        self.assertEqual(rows[2][6], "p=0.002")
        self.assertEqual(rows[2][7:9], ["0 (0.0%)", "0 (0.0%)"])
        self.assertEqual(rows[3][7:9], ["14 (0.4%)", "13 (0.3%)"])
        # Dropped blocks of the configurations of the own cost only.
        self.assertEqual([rows[2][9], rows[3][9]], ["4.2%", "5.1%"])
        self.assertAlmostEqual(
            one["dropped_block_fraction_own_configurations"], 142 / 3383)
        self.assertTrue(rows[3][5].startswith("1.55× ["), rows[3][5])

    def test_repetitions_duration_and_threads_can_be_set(self):
        proc = self.sweep("--repetitions", "7", "--duration=20ms",
                          "--max-threads=1")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        (flags,) = self.calls()
        self.assertIn("--repetitions=7", flags)
        self.assertIn("--duration=20ms", flags)
        self.assertIn("--threads=1", flags)
        doc = read_json(os.path.join(self.results, "scaling", STEM + ".json"))
        self.assertEqual(sorted(doc["reports"]), ["1"])
        self.assertEqual((doc["repetitions"], doc["duration"]), (7, "20ms"))

    def test_replaces_older_sweep_of_the_same_machine_only(self):
        older = self.reports(
            t1=lambda d: _set(d, git_commit="0000000"),
            t2=lambda d: _set(d, git_commit="0000000"))
        other = self.reports(t1=lambda d: _set(d, machine="other"),
                             t2=lambda d: _set(d, machine="other"))
        for folder in (older, other):
            self.assertEqual(self.sweep(FAKE_REPORTS=folder).returncode, 0)
        self.assertIn("scaling/amd-epyc-0000000.json",
                      listing(self.results))
        proc = self.sweep()
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("replaced amd-epyc-0000000.json", proc.stderr)
        names = listing(self.results)
        self.assertEqual([n for n in names if n.endswith((".svg", ".json"))
                          and "threads" not in n], [
            f"plots/scaling-{STEM}.svg", "plots/scaling-other-e7acc3a.svg",
            f"scaling/{STEM}.json", "scaling/other-e7acc3a.json"])
        self.assertNotIn("scaling/amd-epyc-0000000", names)
        # The same machine and commit again: its reports are replaced.
        proc = self.sweep(FAKE_REPORTS=self.reports(
            t2=lambda d: _set(d, steal_percent=9.5)))
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(read_json(os.path.join(
            self.results, "scaling", STEM, "threads-2.json"))
            ["context"]["wbbench"]["steal_percent"], 9.5)
        self.assertEqual(listing(self.results), names)

    def test_regenerates_the_readme_when_there_are_timed_runs(self):
        shutil.copy(TIMED_RUN, self.results)
        proc = self.sweep()
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("1 scaling sweep(s)", proc.stdout)
        with open(os.path.join(self.results, "README.md"),
                  encoding="utf-8") as f:
            readme = f.read()
        section = readme[readme.index("## Scaling with mutators"):]
        self.assertIn(f"### `amd-epyc` · commit `e7acc3a`", section)
        self.assertIn(f"(plots/scaling-{STEM}.svg)", section)
        self.assertIn("`incremental_mark_step_chunks`", section)
        self.assertIn("With T = cores no core is idle", section)
        self.assertIn("BenchmarkWriteBarrier-12", section)
        self.assertIn("This machine has 2 cores", section)
        self.assertIn("| 2 | 24.6 [", section)
        # make_table keeps the plot (it renders the same bytes), and gives
        # the same bytes again.
        svg = os.path.join(self.results, "plots", f"scaling-{STEM}.svg")
        with open(svg, "rb") as f:
            first = f.read()
        proc = subprocess.run([sys.executable, MAKE_TABLE, "--results",
                               self.results], capture_output=True, text=True)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        with open(svg, "rb") as f:
            self.assertEqual(f.read(), first)
        with open(os.path.join(self.results, "README.md"),
                  encoding="utf-8") as f:
            self.assertEqual(f.read(), readme)


def _set(doc, **meta):
    doc["context"]["wbbench"].update(meta)
    return doc


class FailureTest(Base):
    """Nothing stored, one line saying why, exit status 1 or 2."""

    def assert_nothing_stored(self):
        left = [n for n in listing(self.results) if n != "scaling"]
        self.assertEqual(left, [])

    def test_failed_run(self):
        proc = self.sweep(FAKE_FAIL_AT="2")
        self.assertEqual(proc.returncode, 1)
        self.assertIn("wbbench failed (exit status 3); nothing stored",
                      proc.stderr)
        self.assertEqual(len(self.calls()), 2)
        self.assert_nothing_stored()

    def test_wbbench_usage_error_is_exit_2(self):
        proc = self.sweep(FAKE_FAIL_AT="1", FAKE_STATUS="2")
        self.assertEqual(proc.returncode, 2)
        self.assertIn("rejected its options", proc.stderr)
        self.assertEqual(len(self.calls()), 1)
        self.assert_nothing_stored()

    def test_run_that_writes_nothing(self):
        proc = self.sweep("--max-threads=3")  # no fixture for T=3
        self.assertEqual(proc.returncode, 1)
        self.assertIn("wrote no report", proc.stderr)
        self.assert_nothing_stored()

    def test_time_limit_stops_wbbench(self):
        proc = self.sweep("--time-limit", "3", FAKE_SLEEP_AT="2")
        self.assertEqual(proc.returncode, 1)
        self.assertIn("time limit and was stopped; nothing stored",
                      proc.stderr)
        self.assert_nothing_stored()

    def test_report_of_another_thread_count(self):
        wrong = self.reports(t2=lambda d: read_json(
            os.path.join(FIXTURES, "threads-1.json")))
        proc = self.sweep(FAKE_REPORTS=wrong)
        self.assertEqual(proc.returncode, 1)
        self.assertIn("unusable report", proc.stderr)
        self.assertIn("threads is 1, not 2", proc.stderr)
        self.assert_nothing_stored()

    def test_runs_of_different_commits(self):
        proc = self.sweep(FAKE_REPORTS=self.reports(
            t2=lambda d: _set(d, git_commit="1234567")))
        self.assertEqual(proc.returncode, 1)
        self.assertIn("commit '1234567', the first of 'e7acc3a'",
                      proc.stderr)
        self.assert_nothing_stored()

    def test_interrupted_run(self):
        proc = self.sweep(FAKE_REPORTS=self.reports(
            t1=lambda d: _set(d, interrupted=True)))
        self.assertEqual(proc.returncode, 1)
        self.assertIn("interrupted", proc.stderr)
        self.assert_nothing_stored()

    def test_missing_binary_and_results_folder(self):
        proc = self.sweep(binary=os.path.join(self.tmp, "nope"))
        self.assertEqual(proc.returncode, 2)
        self.assertEqual(len(proc.stderr.splitlines()), 1, proc.stderr)
        self.assertIn("no wbbench binary there", proc.stderr)
        proc = subprocess.run(
            [sys.executable, SCALING, "--results",
             os.path.join(self.tmp, "none"), FAKE_WBBENCH],
            capture_output=True, text=True, env=self.env)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("no such results folder", proc.stderr)
        self.assertFalse(os.path.exists(self.args_file))

    def test_bad_options(self):
        for args in (["--max-threads=0"], ["--max-threads=two"],
                     ["--max-threads=257"], ["--repetitions=0"],
                     ["--duration=5ms"], ["--duration=fast"],
                     ["--time-limit=-1"], ["--fast"]):
            proc = self.sweep(*args)
            self.assertEqual(proc.returncode, 2, args)
            self.assertTrue(proc.stderr.strip(), args)
        self.assertFalse(os.path.exists(self.args_file))
        self.assert_nothing_stored()


class StoredSweepTest(Base):
    """Loading a stored sweep, as make_table.py does."""

    def setUp(self):
        super().setUp()
        proc = self.sweep()
        assert proc.returncode == 0, proc.stderr
        self.folder = os.path.join(self.results, "scaling")
        self.path = os.path.join(self.folder, STEM + ".json")

    def test_load_and_plot_are_deterministic(self):
        (s,) = scaling.load_dir(self.folder)
        self.assertEqual([r.meta["threads"] for r in s.runs], [1, 2])
        self.assertEqual(scaling.plot(s), scaling.plot(s))
        with open(os.path.join(self.results, "plots",
                               scaling.plot_name(s)), "rb") as f:
            self.assertEqual(f.read(), scaling.plot(s))
        self.assertEqual(scaling.load_dir(os.path.join(self.tmp, "none")), [])

    def test_too_few_repetitions_and_missing_own_cost(self):
        path = os.path.join(self.folder, STEM, "threads-2.json")
        doc = read_json(path)
        doc["benchmarks"] = [
            r for r in doc["benchmarks"] if r["repetition_index"] < 5 and
            not (r["name"].endswith("=buffered"))] + [
            dict(r, **{scaling.runs.OWN_NS: None,
                       scaling.runs.OWN_CYCLES: None})
            for r in doc["benchmarks"] if r["name"].endswith("=buffered")]
        with open(path, "w") as f:
            json.dump(doc, f)
        (s,) = scaling.load_dir(self.folder)
        row = scaling.table_lines(s)[3].split(" | ")
        self.assertTrue(row[1].endswith(" †"), row[1])  # 5 reps: no CI
        self.assertEqual(row[2], "—")
        self.assertEqual(row[5:7], ["—", "—"])
        self.assertIn(b"</svg>", scaling.plot(s))

    def test_bad_stored_sweeps_name_the_file(self):
        cases = {
            "not a stored sweep": {"kind": "other"},
            "no 'reports'": {"reports": {}},
            "inside scaling/": {"reports": {"1": "../x.json"}},
            "no such file": {"reports": {"1": f"{STEM}/threads-9.json"}},
            "threads is 2, not 1": {"reports": {
                "1": f"{STEM}/threads-2.json"}},
        }
        original = read_json(self.path)
        for what, change in cases.items():
            doc = dict(original, **change)
            with open(self.path, "w") as f:
                json.dump(doc, f)
            with self.assertRaises(scaling.runs.ResultsError) as e:
                scaling.load_dir(self.folder)
            # The sweep, or the report of it that is wrong.
            self.assertIn(os.path.splitext(self.path)[0], str(e.exception))
            self.assertIn(what, str(e.exception))
        # make_table stops on it: one line, exit 2.
        shutil.copy(TIMED_RUN, self.results)
        proc = subprocess.run([sys.executable, MAKE_TABLE, "--results",
                               self.results], capture_output=True, text=True)
        self.assertEqual(proc.returncode, 2)
        self.assertEqual(len(proc.stderr.splitlines()), 1, proc.stderr)


class EstimateTest(unittest.TestCase):
    def test_documented_estimate_and_limit(self):
        # The docstring's 43 s for T = 1, 2 at the defaults, and a limit
        # that leaves room for a busy machine.
        reps, dur = scaling.DEFAULT_REPETITIONS, scaling.duration_seconds(
            scaling.DEFAULT_DURATION)
        total = sum(scaling.estimate_s(t, reps, dur) for t in (1, 2))
        self.assertEqual(round(total), 43)
        self.assertIn("(43 s\nfor T = 1, 2 at the defaults)",
                      scaling.__doc__)
        self.assertGreater(scaling.default_limit_s(2, reps, dur), 3 * total)

    def test_durations(self):
        self.assertAlmostEqual(scaling.duration_seconds("70ms"), 0.07)
        self.assertAlmostEqual(scaling.duration_seconds("1m30s"), 90)
        self.assertAlmostEqual(scaling.duration_seconds("1.5s"), 1.5)
        for bad in ("9ms", "11m", "70", "ms", "-1s"):
            with self.assertRaises(scaling.UsageError):
                scaling.duration_seconds(bad)


if __name__ == "__main__":
    unittest.main()
