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
DECOMP = "vm-zen4-full-fed4321"  # a run with the decomposition


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
                                 f"{VM}-barrier-cost.svg", f"{VM}-ratio.svg",
                                 f"{DECOMP}-barrier-cost.svg",
                                 f"{DECOMP}-ratio.svg"])
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
        # Runs without the decomposition: the gross ns per store.
        self.assertRegex(self.readme, r"\| `vm-epyc-9r14` \| `full` \| "
                         r"`abc1234` \| estimate \(TSC\) \| ns per store, "
                         r"barrier on \| 3\.64× "
                         r"\[\d\.\d\d, \d\.\d\d\] \| p=0\.000 \|")
        # hardware run: 5 reps, no CI, but the U test can already tell:
        # exact p = 2/252.
        self.assertRegex(self.readme, r"\| `hw-xeon` \| `quick` \| "
                         r"`def5678` \| hardware \| ns per store, barrier "
                         r"on \| 2\.54× † \| p=0\.008 \|")
        # The run with the decomposition: its own cost, exactly 3x.
        self.assertRegex(self.readme, r"\| `vm-zen4` \| `full` \| "
                         r"`fed4321` \| estimate \(TSC\) \| own ns per "
                         r"barriered store \| 3\.00× "
                         r"\[\d\.\d\d, \d\.\d\d\] \| p=0\.000 \|")

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
        # Nothing this run measured is zero, so no zero is printed.
        for text in (vm, section(self.readme, "hw-xeon")):
            self.assertNotIn("| 0 |", text)
            self.assertNotIn("| 0.00 |", text)

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
        self.assertIn("- **Figures and their baselines**, as wbbench "
                      "recorded them: own = (ns/store with the barrier on, "
                      "gc=incremental - baseline)",
                      section(self.readme, "vm-zen4"))

    def test_too_few_samples_say_so(self):
        hw = section(self.readme, "hw-xeon")
        row = table_row(hw, "#### Barrier cost: cycles per barriered store",
                        "tree-reverse")
        self.assertEqual(row[1:], ["32.0 †", "12.0 †"])
        self.assertIn("† fewer than 6 repetitions: no 95% CI", self.readme)

    # The run with the decomposition (make_fixtures.py: vm-zen4).

    def test_decomposed_run_leads_with_own_cost(self):
        zen = section(self.readme, "vm-zen4")
        headings = [line for line in zen.splitlines()
                    if line.startswith("#### ")]
        self.assertEqual(headings, [
            "#### Own cost: cycles per barriered store",
            "#### Own cost: ns per barriered store",
            "#### Check: ns per store",
            "#### Interference: ns per store",
            "#### Pauses: ns per store",
            "#### Assists: ns per store",
            "#### Ratio to `buffered`",
            "#### The concurrent configuration (gc=continuous): barrier "
            "share, cycles per barriered store",
            "#### The concurrent configuration (gc=continuous): ns per store",
            "#### The seed's claim beside ours"])
        # The runs without it keep their tables.
        for machine in ("vm-epyc-9r14", "hw-xeon"):
            text = section(self.readme, machine)
            self.assertIn("#### Barrier cost: cycles per barriered store",
                          text)
            self.assertNotIn("Own cost", text)
            self.assertNotIn("Interference", text)

    def test_own_cost_median_and_ci(self):
        zen = section(self.readme, "vm-zen4")
        # buffered: own ns 4.0 .. 5.8, cycles 3x; unbuffered 3x buffered.
        self.assertEqual(
            table_row(zen, "#### Own cost: cycles per barriered store",
                      "tree-reverse")[1:],
            ["≈44.1 [37.8, 50.4]", "≈14.7 [12.6, 16.8]",
             "≈73.5 [63.0, 84.0]", "≈13.2 [11.3, 15.1]"])
        self.assertEqual(
            table_row(zen, "#### Own cost: ns per barriered store",
                      "tree-reverse")[1:],
            ["14.7 [12.6, 16.8]", "4.90 [4.20, 5.60]", "24.5 [21.0, 28.0]",
             "4.41 [3.78, 5.04]"])

    def test_missing_own_cost_is_a_dash(self):
        zen = section(self.readme, "vm-zen4")
        for heading in ("#### Own cost: cycles per barriered store",
                        "#### Own cost: ns per barriered store",
                        "#### Interference: ns per store"):
            row = table_row(zen, heading, "list-queue")
            self.assertEqual(row[2], "—", heading)  # buffered
            self.assertNotEqual(row[1], "—", heading)  # unbuffered
        # Its check was measured.
        self.assertEqual(table_row(zen, "#### Check: ns per store",
                                   "list-queue")[2], "0.39 [0.32, 0.46]")
        # No reference, so no ratio on that workload.
        self.assertEqual(table_row(zen, "#### Ratio to `buffered`",
                                   "list-queue")[1:], ["—"] * 4)
        details = [line for line in zen.splitlines()
                   if line.startswith("| `list-queue` | `buffered` |")]
        cells = [c.strip() for c in details[0].strip("|").split(" | ")]
        self.assertEqual(cells[3:7], ["—", "—", "0.39", "—"])

    def test_own_cycles_are_marked_as_estimates(self):
        zen = section(self.readme, "vm-zen4")
        cycles = zen[zen.index("#### Own cost: cycles per barriered store"):
                     zen.index("#### Own cost: ns per barriered store")]
        self.assertIn("Source: ≈ estimated cycles", cycles)
        for w in ("tree-reverse", "list-queue"):
            for cell in table_row(cycles, "| workload", w)[1:]:
                self.assertTrue(cell == "—" or cell.startswith("≈"), cell)
        for heading in ("#### Own cost: ns per barriered store",
                        "#### Check: ns per store",
                        "#### Interference: ns per store",
                        "#### Pauses: ns per store"):
            for cell in table_row(zen, heading, "tree-reverse")[1:]:
                self.assertFalse(cell.startswith("≈"), (heading, cell))
        self.assertIn("(3.00 GHz, the fastest of the calibration's trials; "
                      "their median 2.90 GHz, 10th percentile 2.80 GHz)", zen)
        with open(os.path.join(self.out, "plots",
                               f"{DECOMP}-barrier-cost.svg"), "rb") as f:
            svg = f.read()
        self.assertIn("own barrier ≈ cycles per barriered store".encode(),
                      svg)
        self.assertIn(b"own cost: gc=incremental", svg)

    def test_ratio_is_taken_on_own_cost(self):
        zen = section(self.readme, "vm-zen4")
        self.assertIn("The barrier's own cost per barriered store, in ns "
                      "(clock), divided by", zen)
        row = table_row(zen, "#### Ratio to `buffered`", "tree-reverse")
        # own: exactly 3x, 5x, 0.9x; the concurrent share would give 2.42x.
        self.assertTrue(row[1].startswith("3.00× ["), row[1])
        self.assertEqual(row[2], "1 (reference)")
        self.assertTrue(row[3].startswith("5.00× ["), row[3])
        self.assertTrue(row[4].startswith("0.90× ["), row[4])
        claim = zen[zen.index("#### The seed's claim beside ours"):]
        ours = [line for line in claim.splitlines()
                if line.startswith("| ours: ")]
        self.assertEqual(ours[0], (
            "| ours: `tree-reverse`, own ns per barriered store "
            "(gc=incremental, net of baseline) | 14.7 [12.6, 16.8] | "
            "4.90 [4.20, 5.60] | 3.00× [2.56, 3.52] | p=0.000 |"))
        self.assertIn("barrier share per barriered store in the concurrent "
                      "configuration (gc=continuous), net of baseline | "
                      "16.7 [14.6, 18.8] | 6.90 [6.20, 7.60] | 2.42×", zen)

    def test_check_interference_pauses_and_assists(self):
        zen = section(self.readme, "vm-zen4")
        self.assertEqual(table_row(zen, "#### Check: ns per store",
                                   "tree-reverse")[1:],
                         ["0.39 [0.32, 0.46]"] * 4)
        self.assertEqual(table_row(zen, "#### Interference: ns per store",
                                   "tree-reverse")[1:],
                         ["2.45 [2.10, 2.80]"] * 4)
        # Pauses and assists have the baseline's own beside them; the
        # baseline's assists were measured as zero, and say so.
        self.assertEqual(table_row(zen, "#### Pauses: ns per store",
                                   "tree-reverse")[1:],
                         ["0.55 [0.51, 0.58]"] * 4 + ["0.10 [0.06, 0.13]"])
        self.assertEqual(table_row(zen, "#### Assists: ns per store",
                                   "tree-reverse")[5], "0.00 [0.00, 0.00]")
        self.assertIn("This time is left out of every chunk figure above.",
                      zen)

    def test_concurrent_configuration_is_labelled(self):
        zen = section(self.readme, "vm-zen4")
        heading = ("#### The concurrent configuration (gc=continuous): "
                   "barrier share, cycles per barriered store")
        self.assertEqual(table_row(zen, heading, "tree-reverse")[1:3],
                         ["≈50.1 [43.8, 56.4]", "≈20.7 [18.6, 22.8]"])
        self.assertIn("own cost and interference together", zen)
        ns = table_row(zen, "#### The concurrent configuration "
                       "(gc=continuous): ns per store", "tree-reverse")
        self.assertEqual(ns[2], "7.90 [7.20, 8.60]")
        self.assertEqual(ns[5], "1.04 [1.01, 1.08]")  # baseline

    def test_dropped_blocks_are_reported(self):
        zen = section(self.readme, "vm-zen4")
        self.assertIn("- Blocks of timed chunks: 260000, of which 4800 "
                      "(1.8%) were dropped because the mutator was "
                      "descheduled or migrated.", zen)
        details = [line for line in zen.splitlines()
                   if line.startswith("| `tree-reverse` | `buffered` |")]
        self.assertEqual(len(details), 2)  # decomposition, concurrent
        self.assertTrue(details[0].endswith(" | 2.0% |"), details[0])
        self.assertNotIn("Blocks of timed chunks",
                         section(self.readme, "vm-epyc-9r14"))

    def test_how_to_read_explains_the_decomposition(self):
        how = self.readme[self.readme.index("## How to read these tables"):
                          self.readme.index("## Machine")]
        for needle in ("**Own cost per barriered store** (the headline)",
                       "gc=incremental", "(on −\n    off, paired within "
                       "the incremental configuration's heap",
                       "**Check per store**", "**Interference per store**",
                       "concurrent configuration's (gc=continuous)",
                       "no barrier\n  code at all (barrier `none`) and the "
                       "collector stopping the world\n  (gc=stw)",
                       "**pause** and **assist ns per store**",
                       "descheduled or migrated",
                       "**The concurrent configuration**"):
            self.assertIn(needle, how)


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
                         [f"{VM}-barrier-cost.svg", f"{VM}-ratio.svg",
                          f"{DECOMP}-barrier-cost.svg",
                          f"{DECOMP}-ratio.svg"])


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
