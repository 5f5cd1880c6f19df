"""Tests of analysis/instructions.py and analysis/count.sh.

The fixtures in fixtures/valgrind/ are a tiny `wbbench --counters=valgrind`
run (tree-reverse and list-queue, every barrier, hybrid), cut into the files
count.sh stores, with a few figures edited so that the expected cells are
known by hand:

tree-reverse-hybrid-4c7913a.json    tree-reverse as counted: own instructions
  per barriered store unbuffered 248.82, buffered 111.22, cgocheck 354.34,
  batched 110.26; fast path per call 17 (buffered, cgocheck), 14 (batched);
  the baseline's LL misses per store are a real 0 (shown 0.000).
tree-reverse-dijkstra-4c7913a.json  the same under algorithm dijkstra, but
  buffered's own instructions are 120.04, cgocheck's null and batched's
  absent (both "—", beside their fast path).
workloads-hybrid-4c7913a.json       tree-reverse and list-queue, unbuffered,
  buffered and the baseline; list-queue buffered has no D1 misses ("—").

count.sh is run with a stand-in for wbbench that writes one of these files
(with the algorithm it is given) to its --out, so that its tests take no
valgrind.
"""

import json
import os
import re
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

import instructions  # noqa: E402
import runs  # noqa: E402
from table import DASH  # noqa: E402

FIXTURES = os.path.join(HERE, "fixtures", "valgrind")
GOOD = os.path.join(HERE, "fixtures", "good")
HYBRID = "tree-reverse-hybrid-4c7913a.json"
DIJKSTRA = "tree-reverse-dijkstra-4c7913a.json"
WORKLOADS = "workloads-hybrid-4c7913a.json"
MAKE_TABLE = os.path.join(ANALYSIS, "make_table.py")
COUNT = os.path.join(ANALYSIS, "count.sh")
HEADING = "## Instructions per store, counted under valgrind"


def table_rows(text, heading):
    """The lines of the first table after heading."""
    lines = text[text.index(heading):].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    end = next((i for i in range(start, len(lines))
                if not lines[i].startswith("|")), len(lines))
    return lines[start:end]


def cells(text, heading, first, second=None):
    """Cells of the row starting `first` (`second`) in heading's table."""
    start = f"| `{first}` |" + (f" `{second}` |" if second else "")
    for line in table_rows(text, heading):
        if line.startswith(start):
            return [c.strip() for c in line.strip("|").split(" | ")]
    raise AssertionError(f"no row {first} {second or ''} after {heading}")


def load_fixture(name):
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as f:
        return json.load(f)


class Folder(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="wbbench-instructions-")
        self.addCleanup(shutil.rmtree, self.tmp)
        self.folder = os.path.join(self.tmp, "valgrind")
        shutil.copytree(FIXTURES, self.folder)

    def write(self, name, doc):
        path = os.path.join(self.folder, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(doc if isinstance(doc, str) else json.dumps(doc))
        return path


class RenderTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.counts = instructions.load_dir(FIXTURES)
        cls.text = instructions.render(cls.counts)

    def test_kinds_and_order(self):
        self.assertEqual([c.name for c in self.counts],
                         ["tree-reverse-hybrid", "tree-reverse-dijkstra",
                          "workloads-hybrid"])
        self.assertEqual(self.counts[2].workloads,
                         ["tree-reverse", "list-queue"])

    def test_paragraph_names_source_flags_and_commit(self):
        self.assertTrue(self.text.startswith(HEADING + "\n\n"))
        intro = self.text.split("\n\n")[1]
        for needle in ("**valgrind (simulated)**",
                       "`valgrind-3.19.0 --tool=callgrind --cache-sim=yes "
                       "--branch-sim=yes --I1=32768,8,64 --D1=32768,8,64 "
                       "--LL=8388608,16,64`",
                       "deterministic", "per store of the counted chunks",
                       "16,382 to 65,555 stores a configuration",
                       "**Own** = (barrier on − baseline) per barriered store",
                       "**check** = (barrier off − baseline) per store",
                       "Commit `4c7913a`", "`analysis/count.sh`"):
            self.assertIn(needle, intro)

    def test_own_instructions_by_algorithm(self):
        heading = "### Own instructions per barriered store, `tree-reverse`"
        self.assertIn("| barrier | `hybrid` | `dijkstra` |", self.text)
        self.assertEqual(cells(self.text, heading, "unbuffered"),
                         ["`unbuffered`", "248.8", "248.8"])
        self.assertEqual(cells(self.text, heading, "buffered"),
                         ["`buffered`", "111.2 (17.0)", "120.0 (17.0)"])
        # null and absent alike are not counted: a dash, never 0.
        self.assertEqual(cells(self.text, heading, "cgocheck"),
                         ["`cgocheck`", "354.3 (17.0)", f"{DASH} (17.0)"])
        self.assertEqual(cells(self.text, heading, "batched"),
                         ["`batched`", "110.3 (14.0)", f"{DASH} (14.0)"])
        with self.assertRaises(AssertionError):
            cells(self.text, heading, "baseline")

    def test_detail_of_hybrid(self):
        heading = "### `tree-reverse` in detail, algorithm `hybrid`"
        self.assertIn(heading, self.text)
        self.assertEqual(cells(self.text, heading, "buffered"),
                         ["`buffered`", "139.3", "4.5", "111.2", "17.0",
                          "88.2", "0.357", "0.100", "0.136", "1.445"])
        self.assertEqual(cells(self.text, heading, "unbuffered")[4:6],
                         [DASH, DASH])  # not split: no fast path, no flush
        self.assertEqual(cells(self.text, heading, "baseline"),
                         ["`baseline`", "28.1", DASH, DASH, DASH, DASH,
                          "0.221", "0.000", DASH, "0.304"])
        self.assertNotIn("in detail, algorithm `dijkstra`", self.text)

    def test_every_workload(self):
        heading = "### Every workload, algorithm `hybrid`"
        self.assertEqual(cells(self.text, heading, "tree-reverse",
                               "unbuffered"),
                         ["`tree-reverse`", "`unbuffered`", "276.9", "28.1",
                          "248.8", "0.370", "0.096"])
        self.assertEqual(cells(self.text, heading, "list-queue", "buffered"),
                         ["`list-queue`", "`buffered`", "110.7", "29.9",
                          "80.9", DASH, "0.027"])
        self.assertEqual(len(table_rows(self.text, heading)), 2 + 4)
        with self.assertRaises(AssertionError):  # no baseline rows
            cells(self.text, heading, "list-queue", "baseline")

    def test_formats(self):
        self.assertEqual(instructions.instr(None), DASH)
        self.assertEqual(instructions.instr(-0.04), "0.0")
        self.assertEqual(instructions.instr(17), "17.0")
        self.assertEqual(instructions.miss(0), "0.000")
        self.assertEqual(instructions.miss(-0.0004), "0.000")
        self.assertEqual(instructions.miss(0.0966), "0.097")

    def test_same_text_whatever_the_order_on_disk(self):
        tmp = tempfile.mkdtemp(prefix="wbbench-instructions-")
        self.addCleanup(shutil.rmtree, tmp)
        for name in (WORKLOADS, DIJKSTRA, HYBRID):  # created in this order
            shutil.copy(os.path.join(FIXTURES, name), tmp)
        self.assertEqual(instructions.render(instructions.load_dir(tmp)),
                         self.text)
        self.assertEqual(instructions.render(instructions.load_dir(FIXTURES)),
                         self.text)

    def test_workloads_alone(self):
        text = instructions.render(
            [instructions.load_count(os.path.join(FIXTURES, WORKLOADS))])
        self.assertIn("### Every workload", text)
        self.assertNotIn("### Own instructions", text)


class NoCountsTest(unittest.TestCase):
    def test_no_folder_or_no_files_is_no_section(self):
        tmp = tempfile.mkdtemp(prefix="wbbench-instructions-")
        self.addCleanup(shutil.rmtree, tmp)
        self.assertEqual(instructions.load_dir(os.path.join(tmp, "nope")), [])
        with open(os.path.join(tmp, ".count.abc.json"), "w") as f:
            f.write("half written")  # count.sh's temporary: not read
        self.assertEqual(instructions.load_dir(tmp), [])
        self.assertEqual(instructions.render([]), "")


class BadInputTest(Folder):
    def expect(self, *needles):
        with self.assertRaises(runs.ResultsError) as e:
            instructions.load_dir(self.folder)
        text = str(e.exception)
        self.assertEqual(len(text.splitlines()), 1, text)
        for needle in needles:
            self.assertIn(needle, text)

    def mutate(self, fn, name=HYBRID):
        doc = load_fixture(name)
        fn(doc)
        self.write(name, doc)

    def test_truncated_json(self):
        with open(os.path.join(FIXTURES, HYBRID), encoding="utf-8") as f:
            self.write(HYBRID, f.read()[:1000])
        self.expect(HYBRID, "not valid JSON")

    def test_timed_run_is_not_a_count(self):
        shutil.copy(os.path.join(GOOD, "vm-zen4-full-fed4321.json"),
                    self.folder)
        self.expect("vm-zen4-full-fed4321.json", "counting is None",
                    "--counters=valgrind")

    def test_other_counting(self):
        self.mutate(lambda d: d["context"]["wbbench"].update(counting="perf"))
        self.expect(HYBRID, "counting is 'perf'")

    def test_no_rows(self):
        self.mutate(lambda d: d.update(benchmarks=[]))
        self.expect(HYBRID, "no 'benchmarks' rows")

    def test_no_algorithm_or_valgrind(self):
        for key in ("algorithm", "valgrind"):
            with self.subTest(key):
                self.mutate(lambda d: d["context"]["wbbench"].pop(key))
                self.expect(HYBRID, f"context.wbbench.{key} is missing")
                shutil.copy(os.path.join(FIXTURES, HYBRID), self.folder)

    def test_counter_that_is_not_a_number(self):
        def fn(d):
            d["benchmarks"][1]["own_instructions_per_barriered_store"] = "n/a"
        self.mutate(fn)
        self.expect(HYBRID, "own_instructions_per_barriered_store", "'n/a'")

    def test_bad_name_and_second_row(self):
        self.mutate(lambda d: d["benchmarks"][0].update(name="tree-reverse"))
        self.expect("'<workload>/barrier=<barrier>'")
        self.mutate(lambda d: d["benchmarks"].append(d["benchmarks"][0]))
        self.expect("tree-reverse/barrier=unbuffered", "a second row")

    def test_errored_row(self):
        def fn(d):
            d["benchmarks"][2].update(error_occurred=True,
                                      error_message="callgrind: exit 1")
        self.mutate(fn)
        self.expect("failed (callgrind: exit 1)")

    def test_two_counts_of_one_kind_and_algorithm(self):
        shutil.copy(os.path.join(FIXTURES, HYBRID),
                    os.path.join(self.folder, "tree-reverse-hybrid-0000000.json"))
        self.expect("tree-reverse-hybrid-4c7913a.json",
                    "a second count of tree-reverse-hybrid beside "
                    "tree-reverse-hybrid-0000000.json")


def make_table(results, out):
    return subprocess.run([sys.executable, MAKE_TABLE, "--results", results,
                           "--out", out], capture_output=True, text=True)


class MakeTableTest(Folder):
    """The section in results/README.md, as make_table.py writes it."""

    CALIBRATION = ("<!-- calibration:begin (written by analysis/calibrate.py;"
                   " rerun it to replace this section) -->\n"
                   "## Calibration against Go 1.19\n\nkept as it was\n"
                   "<!-- calibration:end -->\n")

    def setUp(self):
        super().setUp()
        self.results = os.path.join(self.tmp, "results")
        shutil.copytree(GOOD, self.results)
        shutil.move(self.folder, self.results)
        self.folder = os.path.join(self.results, "valgrind")
        self.readme = os.path.join(self.results, "README.md")

    def read(self):
        with open(self.readme, encoding="utf-8") as f:
            return f.read()

    def test_section_after_the_runs_and_before_calibration(self):
        with open(self.readme, "w", encoding="utf-8") as f:
            f.write("# old\n\n" + self.CALIBRATION)
        proc = make_table(self.results, self.readme)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("and 3 valgrind count(s)", proc.stdout)
        readme = self.read()
        section = instructions.render(instructions.load_dir(self.folder))
        at = readme.index(HEADING)
        self.assertGreater(at, readme.rindex("## Machine `"))
        self.assertEqual(readme[at:at + len(section)], section)
        self.assertTrue(readme.endswith("\n\n" + self.CALIBRATION))
        first = readme
        # The same bytes again, the calibration still carried over.
        self.assertEqual(make_table(self.results, self.readme).returncode, 0)
        self.assertEqual(self.read(), first)

    def test_timed_runs_do_not_read_the_subfolder(self):
        self.assertEqual(len(runs.load_dir(self.results)),
                         len(runs.json_files(GOOD)))

    def test_no_counts_no_section(self):
        shutil.rmtree(self.folder)
        proc = make_table(self.results, self.readme)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertNotIn("valgrind count", proc.stdout)
        self.assertNotIn(HEADING, self.read())

    def test_malformed_count_writes_nothing(self):
        self.assertEqual(make_table(self.results, self.readme).returncode, 0)
        before = self.read()
        self.write(WORKLOADS, '{"context": {')
        proc = make_table(self.results, self.readme)
        self.assertEqual(proc.returncode, 2)
        self.assertEqual(proc.stdout, "")
        self.assertEqual(len(proc.stderr.splitlines()), 1, proc.stderr)
        self.assertRegex(proc.stderr,
                         r"^make_table: .*valgrind/workloads-hybrid-4c7913a"
                         r"\.json: not valid JSON")
        self.assertEqual(self.read(), before)


FAKE_WBBENCH = textwrap.dedent("""\
    #!/usr/bin/python3
    # Stand-in for wbbench --counters=valgrind: appends its flags to
    # $FAKE_ARGS, writes the fixture of its --workload with its --algorithm
    # (or $FAKE_ALGORITHM) to --out, exits $FAKE_STATUS.
    import json, os, sys
    flags = dict(a[2:].split("=", 1) for a in sys.argv[1:])
    with open(os.environ["FAKE_ARGS"], "a") as f:
        f.write(" ".join(sys.argv[1:]) + "\\n")
    status = int(os.environ.get("FAKE_STATUS", "0"))
    if status == 0:
        name = ("tree-reverse-hybrid-4c7913a.json"
                if flags["workload"] == "tree-reverse"
                else "workloads-hybrid-4c7913a.json")
        with open(os.path.join(os.environ["FAKE_FIXTURES"], name)) as f:
            doc = json.load(f)
        doc["context"]["wbbench"]["algorithm"] = os.environ.get(
            "FAKE_ALGORITHM", flags["algorithm"])
        with open(flags["out"], "w") as f:
            json.dump(doc, f)
    sys.exit(status)
    """)
STORED = ["tree-reverse-dijkstra-4c7913a.json",
          "tree-reverse-hybrid-4c7913a.json",
          "tree-reverse-hybrid-cond-4c7913a.json",
          "tree-reverse-yuasa-4c7913a.json",
          "workloads-hybrid-4c7913a.json"]


class CountTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="wbbench-count-")
        self.addCleanup(shutil.rmtree, self.tmp)
        self.results = os.path.join(self.tmp, "results")
        shutil.copytree(GOOD, self.results)
        self.counts = os.path.join(self.results, "valgrind")
        self.fake = os.path.join(self.tmp, "wbbench")
        with open(self.fake, "w") as f:
            f.write(FAKE_WBBENCH)
        os.chmod(self.fake, 0o755)
        self.args_file = os.path.join(self.tmp, "args")
        # count.sh checks that valgrind is there; the stand-in needs none.
        stub = os.path.join(self.tmp, "stub-bin")
        os.mkdir(stub)
        os.symlink("/bin/false", os.path.join(stub, "valgrind"))
        self.env = dict(os.environ, FAKE_ARGS=self.args_file,
                        FAKE_FIXTURES=FIXTURES,
                        PATH=stub + os.pathsep + os.environ["PATH"])

    def count(self, *args, **env):
        return subprocess.run(
            ["bash", COUNT, "--results", self.results, *args, self.fake],
            capture_output=True, text=True, env=dict(self.env, **env))

    def calls(self):
        with open(self.args_file) as f:
            return [line.split() for line in f]

    def listing(self):
        return sorted(os.listdir(self.counts))

    def test_stores_five_counts_and_the_table(self):
        proc = self.count()
        self.assertEqual(proc.returncode, 0, proc.stderr)
        calls = self.calls()
        plan = [("hybrid", "tree-reverse", "all"),
                ("dijkstra", "tree-reverse", "all"),
                ("yuasa", "tree-reverse", "all"),
                ("hybrid-cond", "tree-reverse", "all"),
                ("hybrid", "all", "unbuffered,buffered")]
        self.assertEqual(len(calls), len(plan))
        for flags, (algorithm, workload, barrier) in zip(calls, plan):
            out = [f for f in flags if f.startswith("--out=")]
            self.assertEqual(len(out), 1, flags)
            # Written under a hidden name in the folder, renamed into place.
            path = out[0][len("--out="):]
            self.assertEqual(os.path.dirname(path), self.counts)
            self.assertTrue(os.path.basename(path).startswith(".count."))
            self.assertEqual(sorted(f for f in flags if f not in out), sorted(
                ["--counters=valgrind", f"--workload={workload}",
                 f"--barrier={barrier}", f"--algorithm={algorithm}",
                 "--format=json"]))
        self.assertEqual(self.listing(), STORED)  # no temporaries left
        with open(os.path.join(self.results, "README.md"),
                  encoding="utf-8") as f:
            readme = f.read()
        self.assertIn("| barrier | `hybrid` | `dijkstra` | `yuasa` | "
                      "`hybrid-cond` |", readme)
        self.assertRegex(proc.stderr, r"count: done in 0m\d+s \(\d+s\)\n$")

    def test_ops_and_scale_are_passed_on(self):
        proc = self.count("--ops", "4096", "--scale=0.005")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        for flags in self.calls():
            self.assertIn("--ops=4096", flags)
            self.assertIn("--scale=0.005", flags)

    def test_replaces_older_counts_of_the_same_kind_only(self):
        os.mkdir(self.counts)
        for name in ("tree-reverse-hybrid-0000000.json",
                     "tree-reverse-hybrid-cond-0000000.json"):
            shutil.copy(os.path.join(FIXTURES, HYBRID),
                        os.path.join(self.counts, name))
        # Named like a hybrid count, but of dijkstra: not replaced.
        doc = load_fixture(WORKLOADS)
        doc["context"]["wbbench"]["algorithm"] = "dijkstra"
        with open(os.path.join(self.counts,
                               "workloads-hybrid-1111111.json"), "w") as f:
            json.dump(doc, f)
        proc = self.count()
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(self.listing(),
                         sorted(STORED + ["workloads-hybrid-1111111.json"]))
        self.assertIn("replaced tree-reverse-hybrid-0000000.json",
                      proc.stderr)

    def test_failed_run_stores_nothing(self):
        proc = self.count(FAKE_STATUS="3")
        self.assertEqual(proc.returncode, 1)
        self.assertIn("wbbench failed (exit status 3); nothing stored",
                      proc.stderr)
        self.assertEqual(self.listing(), [])
        self.assertFalse(os.path.exists(os.path.join(self.results,
                                                     "README.md")))

    def test_wrong_count_stores_nothing(self):
        proc = self.count(FAKE_ALGORITHM="yuasa")
        self.assertEqual(proc.returncode, 1)
        self.assertIn("a count of tree-reverse under yuasa, not of "
                      "tree-reverse under hybrid", proc.stderr)
        self.assertEqual(self.listing(), [])

    def test_usage_errors_of_wbbench_pass_through(self):
        proc = self.count(FAKE_STATUS="2")
        self.assertEqual(proc.returncode, 2)
        self.assertEqual(self.listing(), [])

    def test_no_valgrind(self):
        bin_dir = os.path.join(self.tmp, "bin")
        os.mkdir(bin_dir)
        os.symlink(shutil.which("dirname"), os.path.join(bin_dir, "dirname"))
        proc = subprocess.run(["/bin/bash", COUNT, "--results", self.results,
                               self.fake], capture_output=True, text=True,
                              env=dict(self.env, PATH=bin_dir))
        self.assertEqual(proc.returncode, 2)
        self.assertEqual(proc.stderr.splitlines(), [
            "count: valgrind is not installed: sudo apt-get install valgrind "
            "(./setup.sh installs it)"])
        self.assertFalse(os.path.exists(self.args_file))

    def test_stops_within_ten_minutes(self):
        # The target: the whole table in at most 10 minutes.  The
        # runs get limit_s in all; a run past it gets SIGINT, then SIGKILL
        # after --kill-after; the table takes seconds.
        with open(COUNT) as f:
            script = f.read()
        limit = int(re.search(r"^limit_s=(\d+)$", script, re.M).group(1))
        grace = int(re.search(r"--kill-after=(\d+)", script).group(1))
        self.assertLessEqual(limit + grace + 10, 600)

    def test_bad_usage_and_missing_binary(self):
        for args, needle in ((["--fast"], "unknown option '--fast'"),
                             (["--ops"], "--ops needs a number"),
                             ([os.path.join(self.tmp, "nope")],
                              "no wbbench binary")):
            with self.subTest(args):
                proc = subprocess.run(["bash", COUNT, "--results",
                                       self.results, *args],
                                      capture_output=True, text=True)
                self.assertEqual(proc.returncode, 2)
                self.assertEqual(len(proc.stderr.splitlines()), 1,
                                 proc.stderr)
                self.assertIn(needle, proc.stderr)


if __name__ == "__main__":
    unittest.main()
