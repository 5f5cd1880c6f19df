"""Tests of analysis/redundancy.py: the --redundancy reports, their README
section, and the sweep with a stand-in for wbbench.

The fixtures in fixtures/redundancy/ are two reports of machine amd-epyc,
commit 479d004 (dijkstra: tree-reverse and list-queue with unbuffered,
buffered and a barrier with no shading record, cardmark; yuasa:
tree-reverse); make_redundancy_fixtures.py writes them and says which cell
is what by hand.

The sweep is run with a stand-in for wbbench (FAKE_WBBENCH below) that
answers --list and writes the fixture of its --algorithm (yuasa's for the
algorithms without one) to --out, so that these tests take no wbbench.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ANALYSIS = os.path.join(ROOT, "analysis")
sys.path.insert(0, ANALYSIS)

import redundancy  # noqa: E402
import runs  # noqa: E402
from table import DASH  # noqa: E402

FIXTURES = os.path.join(HERE, "fixtures", "redundancy")
GOOD = os.path.join(HERE, "fixtures", "good")
VALGRIND = os.path.join(HERE, "fixtures", "valgrind")
DIJKSTRA = "amd-epyc-dijkstra-479d004.json"
YUASA = "amd-epyc-yuasa-479d004.json"
MAKE_TABLE = os.path.join(ANALYSIS, "make_table.py")
SCRIPT = os.path.join(ANALYSIS, "redundancy.py")
HEADING = redundancy.HEADING


def load_fixture(name):
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as f:
        return json.load(f)


def table_after(text, heading):
    """The lines of the first table after heading."""
    lines = text[text.index(heading):].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    end = next((i for i in range(start, len(lines))
                if not lines[i].startswith("|")), len(lines))
    return lines[start:end]


class RenderTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tallies = redundancy.load_dir(FIXTURES)
        cls.text = redundancy.render(cls.tallies)

    def test_load(self):
        self.assertEqual([t.algorithm for t in self.tallies],
                         ["dijkstra", "yuasa"])
        d, y = self.tallies
        self.assertEqual((d.machine, d.commit, d.repetitions, d.name),
                         ("amd-epyc", "479d004", 3, "amd-epyc-dijkstra"))
        self.assertEqual(d.workloads, ["tree-reverse", "list-queue"])
        self.assertEqual(d.barriers, ["unbuffered", "buffered", "cardmark"])
        # Medians over the repetitions, not the aggregate rows' 0.0.
        self.assertAlmostEqual(d.median("tree-reverse", "unbuffered",
                                        redundancy.REDUNDANT), 0.6)
        self.assertIsNone(d.median("list-queue", "buffered",
                                   redundancy.REDUNDANT))
        self.assertAlmostEqual(d.median("list-queue", "buffered",
                                        "incremental_" + redundancy.REDUNDANT),
                               0.5)
        self.assertIsNone(d.median("tree-reverse", "cardmark",
                                   redundancy.MARKED))
        self.assertEqual(d.sweep, {})
        self.assertEqual(y.sweep["refused"], ["cardmark"])

    def test_golden_tables(self):
        self.assertEqual(
            table_after(self.text, "algorithm `dijkstra` · commit"),
            ["| workload | `unbuffered` | `buffered` | `cardmark` |",
             "| --- | --- | --- | --- |",
             f"| `tree-reverse` | 60.0% (65.0%) | 75.0% (85.0%) | {DASH} |",
             f"| `list-queue` | 30.0% (40.0%) | {DASH} | {DASH} |"])
        self.assertEqual(
            table_after(self.text, "algorithm `yuasa` · commit"),
            ["| workload | `unbuffered` | `buffered` |",
             "| --- | --- | --- |",
             f"| `tree-reverse` | 100.0% (100.0%) | 90.0% ({DASH}) |"])

    def test_golden_summary_and_files(self):
        lines = self.text.splitlines()
        self.assertIn(
            "- `dijkstra` (incremental update, insertion; Vechev & Bacon: "
            "**54%** unnecessary): `unbuffered` 45.0% (52.5%), `buffered` "
            f"75.0% [1 of 2] (85.0% [1 of 2]), `cardmark` {DASH}.", lines)
        self.assertIn(
            "- `yuasa` (snapshot-at-the-beginning, deletion; Vechev & Bacon: "
            f"**83%** unnecessary): `unbuffered` 100.0% (100.0%), `buffered` "
            f"90.0% ({DASH}).", lines)
        self.assertIn("- File: `redundancy/amd-epyc-dijkstra-479d004.json`; "
                      "3 repetitions.", lines)
        self.assertIn("- File: `redundancy/amd-epyc-yuasa-479d004.json`; 3 "
                      "repetitions of 20ms, 2026-12-02T03:00:00+00:00; not "
                      "run under this algorithm: `cardmark`.", lines)
        self.assertTrue(self.text.startswith(HEADING + "\n\n"))
        self.assertIn("### Beside Vechev & Bacon (ISMM 2004)", lines)
        self.assertIn("What differs from their figures:", lines)
        self.assertTrue(self.text.endswith("|\n"))

    def test_missing_is_a_dash_never_zero(self):
        # No figure of the fixtures is 0: a "0.0%" would be a missing one.
        self.assertNotRegex(self.text, r"(?<![\d.])0\.0%")
        self.assertEqual(redundancy.percent(None), DASH)
        self.assertEqual(redundancy.percent(0.0), "0.0%")  # a real 0
        self.assertEqual(redundancy.cell_text(None, None), DASH)
        self.assertEqual(redundancy.cell_text(0.25, None), f"25.0% ({DASH})")

    def test_other_algorithms_have_no_counterpart(self):
        doc = load_fixture(YUASA)
        doc["context"]["wbbench"]["algorithm"] = "hybrid"
        tmp = tempfile.mkdtemp(prefix="wbbench-redundancy-")
        self.addCleanup(shutil.rmtree, tmp)
        path = os.path.join(tmp, "amd-epyc-hybrid-479d004.json")
        with open(path, "w") as f:
            json.dump(doc, f)
        line = redundancy.summary_line(redundancy.load_tally(path), True)
        self.assertTrue(line.startswith(
            "- `amd-epyc`, `hybrid` (Go's hybrid, shading old and new; no "
            "counterpart in Vechev & Bacon): "), line)

    def test_same_text_whatever_the_order_on_disk(self):
        tmp = tempfile.mkdtemp(prefix="wbbench-redundancy-")
        self.addCleanup(shutil.rmtree, tmp)
        for name in (YUASA, DIJKSTRA):
            shutil.copy(os.path.join(FIXTURES, name), tmp)
        self.assertEqual(redundancy.render(redundancy.load_dir(tmp)),
                         self.text)


class NoTalliesTest(unittest.TestCase):
    def test_no_folder_or_no_files_is_no_section(self):
        tmp = tempfile.mkdtemp(prefix="wbbench-redundancy-")
        self.addCleanup(shutil.rmtree, tmp)
        self.assertEqual(redundancy.load_dir(os.path.join(tmp, "nope")), [])
        with open(os.path.join(tmp, ".redundancy.abc.json"), "w") as f:
            f.write("half written")  # the sweep's temporary: not read
        self.assertEqual(redundancy.load_dir(tmp), [])
        self.assertEqual(redundancy.render([]), "")


class BadInputTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="wbbench-redundancy-")
        self.addCleanup(shutil.rmtree, self.tmp)
        self.folder = os.path.join(self.tmp, "redundancy")
        shutil.copytree(FIXTURES, self.folder)

    def write(self, name, doc):
        with open(os.path.join(self.folder, name), "w",
                  encoding="utf-8") as f:
            f.write(doc if isinstance(doc, str) else json.dumps(doc))

    def mutate(self, fn, name=DIJKSTRA):
        doc = load_fixture(name)
        fn(doc)
        self.write(name, doc)

    def expect(self, *needles):
        with self.assertRaises(runs.ResultsError) as e:
            redundancy.load_dir(self.folder)
        text = str(e.exception)
        self.assertEqual(len(text.splitlines()), 1, text)
        for needle in needles:
            self.assertIn(needle, text)

    def test_truncated_json(self):
        self.write(DIJKSTRA, '{"context": {')
        self.expect(DIJKSTRA, "not valid JSON")

    def test_timed_run_without_redundancy(self):
        shutil.copy(os.path.join(GOOD, "vm-zen4-full-fed4321.json"),
                    self.folder)
        self.expect("vm-zen4-full-fed4321.json",
                    "no row has 'redundant_store_fraction'", "--redundancy")
        os.unlink(os.path.join(self.folder, "vm-zen4-full-fed4321.json"))
        self.mutate(lambda d: d["context"]["wbbench"].pop("algorithm"))
        self.expect(DIJKSTRA, "context.wbbench.algorithm is missing")

    def test_valgrind_count(self):
        shutil.copy(os.path.join(VALGRIND,
                                 "tree-reverse-hybrid-4c7913a.json"),
                    self.folder)
        self.expect("tree-reverse-hybrid-4c7913a.json",
                    "counting is 'valgrind'", "results/valgrind/")

    def test_not_a_number_or_not_a_share(self):
        def text(d):
            d["benchmarks"][0]["already_marked_fraction"] = "n/a"
        self.mutate(text)
        self.expect(DIJKSTRA, "'already_marked_fraction' is 'n/a'")

        def share(d):
            d["benchmarks"][1]["redundant_store_fraction"] = 1.5
        self.mutate(share)
        self.expect(DIJKSTRA, "'redundant_store_fraction' is 1.5",
                    "not a share from 0 to 1")

    def test_bad_name_errored_row_no_rows(self):
        self.mutate(lambda d: d["benchmarks"][0].update(name="tree-reverse",
                                                        run_name=None))
        self.expect("'<workload>/barrier=<barrier>'")
        self.mutate(lambda d: d["benchmarks"][2].update(
            error_occurred=True, error_message="lost objects\nreally"))
        self.expect("failed (lost objects really)")
        self.mutate(lambda d: d.update(benchmarks=[
            r for r in d["benchmarks"] if r["run_type"] == "aggregate"]))
        self.expect(DIJKSTRA, "no repetition rows")

    def test_two_reports_of_one_machine_and_algorithm(self):
        shutil.copy(os.path.join(FIXTURES, DIJKSTRA),
                    os.path.join(self.folder, "amd-epyc-dijkstra-0000000.json"))
        self.expect("a second report of amd-epyc-dijkstra beside "
                    "amd-epyc-dijkstra-0000000.json")


def make_table(results, out):
    return subprocess.run([sys.executable, MAKE_TABLE, "--results", results,
                           "--out", out], capture_output=True, text=True)


class MakeTableTest(unittest.TestCase):
    CALIBRATION = ("<!-- calibration:begin (written by analysis/calibrate.py;"
                   " rerun it to replace this section) -->\n"
                   "## Calibration against Go 1.19\n\nkept as it was\n"
                   "<!-- calibration:end -->\n")

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="wbbench-redundancy-")
        self.addCleanup(shutil.rmtree, self.tmp)
        self.results = os.path.join(self.tmp, "results")
        shutil.copytree(GOOD, self.results)
        shutil.copytree(VALGRIND, os.path.join(self.results, "valgrind"))
        self.readme = os.path.join(self.results, "README.md")

    def read(self):
        with open(self.readme, encoding="utf-8") as f:
            return f.read()

    def test_no_folder_same_bytes_then_section_last_before_calibration(self):
        with open(self.readme, "w", encoding="utf-8") as f:
            f.write("# old\n\n" + self.CALIBRATION)
        proc = make_table(self.results, self.readme)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertNotIn("redundancy report", proc.stdout)
        without = self.read()
        self.assertNotIn(HEADING, without)
        # The README as make_table made it before redundancy.py existed.
        import make_table as mt
        counts = __import__("instructions").load_dir(
            os.path.join(self.results, "valgrind"))
        old = mt.build(runs.load_dir(self.results), counts)["README.md"]
        self.assertEqual(without.encode("utf-8"),
                         old + b"\n" + self.CALIBRATION.encode("utf-8"))

        shutil.copytree(FIXTURES, os.path.join(self.results, "redundancy"))
        proc = make_table(self.results, self.readme)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("and 2 redundancy report(s)", proc.stdout)
        readme = self.read()
        section = redundancy.render(redundancy.load_dir(
            os.path.join(self.results, "redundancy")))
        at = readme.index(HEADING)
        self.assertGreater(at, readme.index(
            "## Instructions per store, counted under valgrind"))
        self.assertEqual(readme[at:at + len(section)], section)
        self.assertTrue(readme.endswith(section + "\n" + self.CALIBRATION))
        # Everything before the section is as it was without it.
        self.assertEqual(readme[:at], without[:without.index("<!--")])
        first = readme
        self.assertEqual(make_table(self.results, self.readme).returncode, 0)
        self.assertEqual(self.read(), first)

    def test_malformed_report_writes_nothing(self):
        self.assertEqual(make_table(self.results, self.readme).returncode, 0)
        before = self.read()
        os.mkdir(os.path.join(self.results, "redundancy"))
        with open(os.path.join(self.results, "redundancy", DIJKSTRA),
                  "w") as f:
            f.write("[]")
        proc = make_table(self.results, self.readme)
        self.assertEqual(proc.returncode, 2)
        self.assertEqual(proc.stdout, "")
        self.assertEqual(len(proc.stderr.splitlines()), 1, proc.stderr)
        self.assertRegex(proc.stderr, r"^make_table: .*redundancy/amd-epyc-"
                                      r"dijkstra-479d004\.json: not a wbbench")
        self.assertEqual(self.read(), before)


FAKE_WBBENCH = textwrap.dedent("""\
    #!/usr/bin/python3
    # Stand-in for wbbench --redundancy: appends its flags to $FAKE_ARGS;
    # --list prints the barriers; a run refuses the kinds in $FAKE_REFUSE
    # (under every algorithm but dijkstra) as wbbench would, exits
    # $FAKE_STATUS at --algorithm=$FAKE_FAIL_AT, sleeps at $FAKE_SLEEP_AT,
    # and writes the fixture of its --algorithm (yuasa's, relabelled, if
    # there is none) with git_commit $FAKE_COMMIT to --out.
    import json, os, sys, time
    env = os.environ
    with open(env["FAKE_ARGS"], "a") as f:
        f.write(" ".join(sys.argv[1:]) + "\\n")
    if sys.argv[1:] == ["--list"]:
        print("barriers (--barrier):")
        for b in ["unbuffered", "buffered", "cardmark"]:
            print(f"  {b:12} a barrier")
        print("  none         no barrier: plain store (baseline; unsound if "
              "marking)")
        print("")
        print("shading algorithms (--algorithm):")
        print("  hybrid       Go")
        sys.exit(0)
    flags = dict(a[2:].split("=", 1) for a in sys.argv[1:] if "=" in a)
    algorithm = flags["algorithm"]
    if algorithm == env.get("FAKE_FAIL_AT"):
        sys.exit(int(env.get("FAKE_STATUS", "3")))
    if algorithm == env.get("FAKE_SLEEP_AT"):
        time.sleep(60)
    refuse = [b for b in env.get("FAKE_REFUSE", "").split(",") if b]
    asked = (["unbuffered", "buffered", "cardmark"]
             if flags["barrier"] == "all" else flags["barrier"].split(","))
    if algorithm != "dijkstra":
        for b in refuse:
            if b in asked:
                print(f"wbbench: --barrier={b} does not run "
                      f"--algorithm={algorithm}", file=sys.stderr)
                sys.exit(2)
    name = (f"amd-epyc-{algorithm}-479d004.json"
            if algorithm in ("dijkstra", "yuasa")
            else "amd-epyc-yuasa-479d004.json")
    with open(os.path.join(env["FAKE_FIXTURES"], name)) as f:
        doc = json.load(f)
    doc["context"].pop("redundancy_sweep", None)
    doc["context"]["wbbench"]["algorithm"] = env.get("FAKE_ALGORITHM",
                                                     algorithm)
    doc["context"]["wbbench"]["git_commit"] = env.get("FAKE_COMMIT",
                                                      "479d004")
    print("wbbench: wrote", flags["out"], file=sys.stderr)
    with open(flags["out"], "w") as f:
        json.dump(doc, f)
    """)


class SweepTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="wbbench-redundancy-sweep-")
        self.addCleanup(shutil.rmtree, self.tmp)
        self.results = os.path.join(self.tmp, "results")
        shutil.copytree(GOOD, self.results)
        self.folder = os.path.join(self.results, "redundancy")
        self.fake = os.path.join(self.tmp, "wbbench")
        with open(self.fake, "w") as f:
            f.write(FAKE_WBBENCH)
        os.chmod(self.fake, 0o755)
        self.args_file = os.path.join(self.tmp, "args")
        self.env = dict(os.environ, FAKE_ARGS=self.args_file,
                        FAKE_FIXTURES=FIXTURES)

    def sweep(self, *args, **env):
        return subprocess.run(
            [sys.executable, SCRIPT, "--results", self.results, *args,
             self.fake], capture_output=True, text=True,
            env=dict(self.env, **env), timeout=120)

    def calls(self):
        with open(self.args_file) as f:
            return [line.split() for line in f]

    def listing(self):
        return sorted(os.listdir(self.folder))

    def test_stores_four_reports_and_the_readme(self):
        proc = self.sweep()
        self.assertEqual(proc.returncode, 0, proc.stderr)
        calls = self.calls()
        self.assertEqual(calls[0], ["--list"])
        self.assertEqual([c[2] for c in calls[1:]],
                         [f"--algorithm={a}" for a in redundancy.ALGORITHMS])
        for c in calls[1:]:
            self.assertEqual(c[:2], ["--redundancy", "--barrier=all"])
            self.assertEqual(c[3:8], ["--workload=all", "--gc=continuous",
                                      "--repetitions=5", "--duration=20ms",
                                      "--format=json"])
        self.assertEqual(self.listing(), [
            "amd-epyc-dijkstra-479d004.json", "amd-epyc-hybrid-479d004.json",
            "amd-epyc-hybrid-cond-479d004.json",
            "amd-epyc-yuasa-479d004.json"])
        t = redundancy.load_tally(os.path.join(self.folder, self.listing()[0]))
        self.assertEqual(t.sweep["refused"], [])
        self.assertEqual(t.sweep["duration"], "20ms")
        self.assertIn("wbbench --redundancy --barrier=all --algorithm=A",
                      t.sweep["command"])
        # stdout: the summary, then make_table's line.
        self.assertEqual(proc.stdout.splitlines()[0][:13], "- `hybrid` (G")
        self.assertIn("and 4 redundancy report(s)", proc.stdout)
        with open(os.path.join(self.results, "README.md")) as f:
            self.assertIn(HEADING, f.read())

    def test_no_timed_runs_stores_without_a_readme(self):
        shutil.rmtree(self.results)
        os.mkdir(self.results)
        proc = self.sweep()
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(len(self.listing()), 4)
        self.assertIn("has no timed runs; README not regenerated",
                      proc.stderr)
        self.assertFalse(os.path.exists(
            os.path.join(self.results, "README.md")))

    def test_refused_kind_is_left_out_and_run_again(self):
        proc = self.sweep("--repetitions=2", "--duration=10ms",
                          FAKE_REFUSE="cardmark")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        barriers = [c[1] for c in self.calls()[1:]]
        self.assertEqual(barriers, [
            "--barrier=all", "--barrier=unbuffered,buffered",  # hybrid
            "--barrier=all",                                   # dijkstra
            "--barrier=all", "--barrier=unbuffered,buffered",  # yuasa
            "--barrier=all", "--barrier=unbuffered,buffered"])
        self.assertIn("cardmark not run under hybrid", proc.stderr)
        t = redundancy.load_tally(os.path.join(
            self.folder, "amd-epyc-yuasa-479d004.json"))
        self.assertEqual(t.sweep["refused"], ["cardmark"])

    def test_failure_timeout_or_wrong_report_store_nothing(self):
        for env, status, needle in (
                ({"FAKE_FAIL_AT": "yuasa"}, 1, "wbbench failed (exit status "
                                               "3); nothing stored"),
                ({"FAKE_FAIL_AT": "yuasa", "FAKE_STATUS": "2"}, 2,
                 "wbbench rejected its options"),
                ({"FAKE_ALGORITHM": "hybrid"}, 1, "not 'dijkstra'"),
                ({"FAKE_SLEEP_AT": "dijkstra"}, 1, "nothing stored")):
            with self.subTest(env):
                # Time for --list and hybrid's run, not for the sleep.
                args = ["--time-limit=10"] if "FAKE_SLEEP_AT" in env else []
                proc = self.sweep(*args, **env)
                self.assertEqual(proc.returncode, status, proc.stderr)
                last = proc.stderr.strip().splitlines()[-1]
                self.assertTrue(last.startswith("redundancy: "), last)
                self.assertIn(needle, last)
                self.assertEqual(self.listing(), [])  # no temporaries either
                self.assertFalse(os.path.exists(
                    os.path.join(self.results, "README.md")))

    def test_older_commit_replaced(self):
        self.assertEqual(self.sweep(FAKE_COMMIT="0000000").returncode, 0)
        self.assertEqual(len(self.listing()), 4)
        proc = self.sweep()
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertTrue(all(n.endswith("-479d004.json")
                            for n in self.listing()), self.listing())
        self.assertEqual(len(self.listing()), 4)
        self.assertIn("replaced amd-epyc-hybrid-0000000.json", proc.stderr)

    def test_bad_usage(self):
        for args, needle in ((["--duration=fast"], "bad --duration 'fast'"),
                             (["--results", os.path.join(self.tmp, "no")],
                              "no such results folder")):
            with self.subTest(args):
                proc = subprocess.run([sys.executable, SCRIPT, *args,
                                       self.fake], capture_output=True,
                                      text=True, env=self.env)
                self.assertEqual(proc.returncode, 2, proc.stderr)
                self.assertEqual(len(proc.stderr.splitlines()), 1,
                                 proc.stderr)
                self.assertIn(needle, proc.stderr)
        proc = subprocess.run([sys.executable, SCRIPT, "--results",
                               self.results, "/bin/true"],
                              capture_output=True, text=True)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("names no barriers", proc.stderr)


if __name__ == "__main__":
    unittest.main()
