"""Tests of analysis/make_table.py on the fixture runs in fixtures/good.

make_table.py is run as a user runs it (a subprocess of this Python), into
temporary folders: the table and plots it writes, that a second run gives the
same bytes, and that a missing or malformed results file gives one line on
stderr, exit status 2 and no output at all.  The expected figures are those
make_fixtures.py documents.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MAKE_TABLE = os.path.join(ROOT, "analysis", "make_table.py")
GOOD = os.path.join(HERE, "fixtures", "good")
VM = "vm-epyc-9r14-full-abc1234"
HW = "hw-xeon-quick-def5678"


def make_table(results, out):
    return subprocess.run([sys.executable, MAKE_TABLE, "--results", results,
                           "--out", out], capture_output=True, text=True)


def snapshot(folder):
    """{relative path: bytes} of every file under folder."""
    files = {}
    for dirpath, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(dirpath, name)
            with open(path, "rb") as f:
                files[os.path.relpath(path, folder)] = f.read()
    return files


def section(readme, machine):
    """The part of the README about one machine."""
    start = readme.index(f"## Machine `{machine}`")
    end = readme.find("\n## Machine", start + 1)
    return readme[start:] if end < 0 else readme[start:end]


def table_row(text, heading, workload):
    """Cells of `workload`'s row in the first table after heading."""
    after = text[text.index(heading):]
    for line in after.splitlines():
        if line.startswith(f"| `{workload}` |"):
            return [c.strip() for c in line.strip("|").split(" | ")]
    raise AssertionError(f"no row {workload} after {heading}")


class Base(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="wbbench-analysis-")
        self.addCleanup(shutil.rmtree, self.tmp)
        self.results = os.path.join(self.tmp, "results")
        shutil.copytree(GOOD, self.results)
        self.out = os.path.join(self.tmp, "out")
        os.mkdir(self.out)
        self.readme_path = os.path.join(self.out, "README.md")


class GeneratedTableTest(unittest.TestCase):
    """The table from the good fixtures, generated once for all its tests."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="wbbench-analysis-")
        cls.out = os.path.join(cls.tmp, "out")
        os.mkdir(cls.out)
        cls.readme_path = os.path.join(cls.out, "README.md")
        cls.proc = make_table(GOOD, cls.readme_path)
        with open(cls.readme_path, encoding="utf-8") as f:
            cls.readme = f.read()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def test_succeeds_quietly(self):
        self.assertEqual(self.proc.returncode, 0, self.proc.stderr)
        self.assertEqual(self.proc.stderr, "")
        self.assertIn("wrote", self.proc.stdout)

    def test_writes_readme_and_plots(self):
        plots = sorted(os.listdir(os.path.join(self.out, "plots")))
        self.assertEqual(plots, [f"{HW}-barrier-cost.svg", f"{HW}-ratio.svg",
                                 f"{VM}-barrier-cost.svg", f"{VM}-ratio.svg"])
        for name in plots:
            self.assertIn(f"](plots/{name})", self.readme)
            with open(os.path.join(self.out, "plots", name), "rb") as f:
                svg = f.read()
            self.assertTrue(svg.startswith(b"<?xml"), name)
            self.assertIn(b"</svg>", svg)
            self.assertNotIn(b"<dc:date>", svg)  # no timestamp

    def test_no_temporary_files_left(self):
        left = [p for p in snapshot(self.out) if ".tmp" in p]
        self.assertEqual(left, [])

    def test_median_and_ci_of_known_sample(self):
        # buffered on tree-reverse: cycles 10..19, median 14.5, [x(2), x(9)]
        vm = section(self.readme, "vm-epyc-9r14")
        row = table_row(vm, "#### Barrier cost: cycles per barriered store",
                        "tree-reverse")
        self.assertEqual(row[0], "`tree-reverse`")
        self.assertEqual(row[2], "≈14.5 [11.0, 18.0]")  # buffered
        self.assertEqual(row[1], "≈58.0 [44.0, 72.0]")  # unbuffered = 4x
        ns = table_row(vm, "#### ns per store", "tree-reverse")
        self.assertEqual(ns[1:3], ["30.0 [23.0, 37.0]", "8.25 [6.50, 10.0]"])

    def test_baseline_row_has_ns_but_no_share(self):
        vm = section(self.readme, "vm-epyc-9r14")
        ns = table_row(vm, "#### ns per store", "tree-reverse")
        self.assertEqual(ns[6], "1.12 [0.95, 1.30]")  # 0.90 .. 1.35
        self.assertEqual(table_row(vm, "#### ns per store", "binary-trees")[6],
                         "—")
        # Shares and ratios are measured against it: no column there.
        for heading in ("#### Barrier cost: cycles per barriered store",
                        "#### Ratio to `buffered`"):
            self.assertEqual(len(table_row(vm, heading, "tree-reverse")), 6)

    def test_ratio_to_buffered(self):
        vm = section(self.readme, "vm-epyc-9r14")
        row = table_row(vm, "#### Ratio to `buffered`", "tree-reverse")
        self.assertTrue(row[1].startswith("4.00× ["), row[1])
        self.assertTrue(row[1].endswith("p=0.000"), row[1])
        self.assertEqual(row[2], "1 (reference)")
        self.assertTrue(row[3].startswith("2.00× ["), row[3])
        self.assertEqual(row[5], "— (net cost ≤ 0)")  # none: no ratio

    def test_seed_claim_beside_ours(self):
        self.assertIn("3.83×", self.readme)
        self.assertIn("73.5", self.readme)
        self.assertIn("19.2", self.readme)
        self.assertRegex(self.readme, r"\| `vm-epyc-9r14` \| `full` \| "
                         r"`abc1234` \| estimate \(TSC\) \| 3\.64× "
                         r"\[\d\.\d\d, \d\.\d\d\] \| p=0\.000 \|")
        # hardware run: 5 reps, no CI, but the U test can already tell:
        # exact p = 2/252.
        self.assertRegex(self.readme, r"\| `hw-xeon` \| `quick` \| "
                         r"`def5678` \| hardware \| 2\.54× † \| p=0\.008 \|")

    def test_absent_counters_are_dashes_not_zero(self):
        vm = section(self.readme, "vm-epyc-9r14")
        # cgocheck and batched were not run on binary-trees.
        row = table_row(vm, "#### Barrier cost: cycles per barriered store",
                        "binary-trees")
        self.assertEqual(row[3:5], ["—", "—"])
        # max_pause_us is absent from every row, flushes from `none`'s.
        details = [line for line in vm.splitlines()
                   if line.startswith("| `tree-reverse` | `none` |")]
        self.assertEqual(len(details), 1)
        cells = [c.strip() for c in details[0].strip("|").split(" | ")]
        self.assertEqual(cells[10], "—")  # flushes
        self.assertEqual(cells[11], "—")  # flushes per 1000 stores
        self.assertEqual(cells[14], "—")  # max pause
        self.assertNotIn("| 0 |", self.readme)
        self.assertNotIn("| 0.00 |", self.readme)

    def test_estimated_cycles_are_labelled(self):
        vm = section(self.readme, "vm-epyc-9r14")
        self.assertIn("estimated cycles", vm)
        self.assertIn("no hardware cycle counter", vm)
        # Every cycles figure of the estimate run carries the mark.
        row = table_row(vm, "#### Barrier cost: cycles per barriered store",
                        "tree-reverse")
        for cell in row[1:]:
            self.assertTrue(cell.startswith("≈"), cell)
        with open(os.path.join(self.out, "plots",
                               f"{VM}-barrier-cost.svg"), "rb") as f:
            svg = f.read()
        self.assertIn("barrier ≈ cycles per barriered store".encode(), svg)
        self.assertIn("(estimate: TSC time × estimated core clock)".encode(),
                      svg)
        # ... and the hardware run's do not.
        hw = section(self.readme, "hw-xeon")
        self.assertIn("core cycles from the hardware counter", hw)
        self.assertNotIn("≈", hw)
        with open(os.path.join(self.out, "plots",
                               f"{HW}-barrier-cost.svg"), "rb") as f:
            svg = f.read()
        self.assertIn(b"hardware counter", svg)
        self.assertNotIn(b"estimate", svg)

    def test_baseline_is_named(self):
        for machine in ("vm-epyc-9r14", "hw-xeon"):
            self.assertIn("**Baseline** of every barrier figure: same "
                          "workload, barrier none, gc=stw.",
                          section(self.readme, machine))

    def test_too_few_samples_say_so(self):
        hw = section(self.readme, "hw-xeon")
        row = table_row(hw, "#### Barrier cost: cycles per barriered store",
                        "tree-reverse")
        self.assertEqual(row[1:], ["32.0 †", "12.0 †"])
        self.assertIn("† fewer than 6 repetitions: no 95% CI", self.readme)


class DeterminismTest(Base):
    def test_same_bytes_twice_elsewhere_and_stale_plots_removed(self):
        # Twice into one folder: the same bytes.
        self.assertEqual(make_table(self.results, self.readme_path)
                         .returncode, 0)
        first = snapshot(self.out)
        self.assertEqual(make_table(self.results, self.readme_path)
                         .returncode, 0)
        self.assertEqual(snapshot(self.out), first)
        # By default into the results folder: the same bytes there too (no
        # path of the machine or folder leaks into the output).
        proc = subprocess.run([sys.executable, MAKE_TABLE, "--results",
                               self.results], capture_output=True, text=True)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        in_results = {p: b for p, b in snapshot(self.results).items()
                      if not p.endswith(".json")}
        self.assertEqual(in_results, first)
        # A run removed from results/ takes its plots with it.
        os.unlink(os.path.join(self.results, f"{HW}.json"))
        self.assertEqual(make_table(self.results, self.readme_path)
                         .returncode, 0)
        self.assertEqual(sorted(os.listdir(os.path.join(self.out, "plots"))),
                         [f"{VM}-barrier-cost.svg", f"{VM}-ratio.svg"])


class BadInputTest(Base):
    """One clear line on stderr, exit status 2, and nothing written."""

    @classmethod
    def setUpClass(cls):
        # A previous table, which a failed run must leave as it was.
        cls.previous = tempfile.mkdtemp(prefix="wbbench-analysis-prev-")
        proc = make_table(GOOD, os.path.join(cls.previous, "README.md"))
        assert proc.returncode == 0, proc.stderr

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.previous)

    def setUp(self):
        super().setUp()
        shutil.rmtree(self.out)
        shutil.copytree(self.previous, self.out)
        self.before = snapshot(self.out)

    def expect_failure(self, results, *needles):
        proc = make_table(results, self.readme_path)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertEqual(proc.stdout, "")
        lines = proc.stderr.splitlines()
        self.assertEqual(len(lines), 1, proc.stderr)
        self.assertTrue(lines[0].startswith("make_table: "), lines[0])
        for needle in needles:
            self.assertIn(needle, lines[0])
        self.assertEqual(snapshot(self.out), self.before)
        return lines[0]

    def write(self, name, text):
        path = os.path.join(self.results, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def mutate(self, fn, name="bad-run.json"):
        with open(os.path.join(GOOD, f"{VM}.json"), encoding="utf-8") as f:
            doc = json.load(f)
        fn(doc)
        return self.write(name, json.dumps(doc))

    def test_missing_results_folder(self):
        self.expect_failure(os.path.join(self.tmp, "nope"),
                            "no such results directory")

    def test_no_results_files(self):
        empty = os.path.join(self.tmp, "empty")
        os.mkdir(empty)
        self.expect_failure(empty, "no results files")

    def test_truncated_json(self):
        with open(os.path.join(GOOD, f"{VM}.json"), encoding="utf-8") as f:
            text = f.read()
        self.write("truncated.json", text[:len(text) // 2])
        self.expect_failure(self.results, "truncated.json", "not valid JSON")

    def test_empty_file(self):
        self.write("empty.json", "")
        self.expect_failure(self.results, "empty.json", "not valid JSON")

    def test_not_utf8(self):
        with open(os.path.join(self.results, "binary.json"), "wb") as f:
            f.write(b"\xff\xfe\x00garbage")
        self.expect_failure(self.results, "binary.json")

    def test_plain_google_benchmark_json(self):
        self.mutate(lambda d: d["context"].pop("wbbench"))
        self.expect_failure(self.results, "bad-run.json", "context.wbbench")

    def test_missing_benchmarks(self):
        self.mutate(lambda d: d.pop("benchmarks"))
        self.expect_failure(self.results, "'benchmarks'")

    def test_bad_cycles_source(self):
        def fn(d):
            d["context"]["wbbench"]["cycles_source"] = "tsc"
        self.mutate(fn)
        self.expect_failure(self.results, "cycles_source", "'tsc'")

    def test_counter_that_is_not_a_number(self):
        def fn(d):
            d["benchmarks"][0]["barrier_cycles_per_store"] = "n/a"
        self.mutate(fn)
        self.expect_failure(self.results, "barrier_cycles_per_store")

    def test_bad_benchmark_name(self):
        def fn(d):
            d["benchmarks"][0]["name"] = "tree-reverse"
            d["benchmarks"][0]["run_name"] = "tree-reverse"
        self.mutate(fn)
        self.expect_failure(self.results, "'<workload>/barrier=<barrier>'")

    def test_errored_row(self):
        def fn(d):
            d["benchmarks"][3]["error_occurred"] = True
            d["benchmarks"][3]["error_message"] = "verifier: 3 lost\nobjects"
        self.mutate(fn)
        self.expect_failure(self.results, "failed (verifier: 3 lost objects)")

    def test_missing_time(self):
        self.mutate(lambda d: d["benchmarks"][0].pop("real_time"))
        self.expect_failure(self.results, "real_time")

    def test_output_folder_missing(self):
        proc = make_table(self.results,
                          os.path.join(self.tmp, "no", "README.md"))
        self.assertEqual(proc.returncode, 2)
        self.assertEqual(len(proc.stderr.splitlines()), 1, proc.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "no")))


if __name__ == "__main__":
    unittest.main()
