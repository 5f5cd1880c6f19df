"""Tests of analysis/table.py rendering, in process, on edited fixture runs.

Covers what the good fixtures do not: warnings a run carries (interrupted,
lost objects, high steal), names outside the canonical lists, and text that
would break a markdown table.
"""

import copy
import json
import os
import shutil
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "analysis"))

import runs  # noqa: E402
import table  # noqa: E402

VM = os.path.join(HERE, "fixtures", "good", "vm-epyc-9r14-full-abc1234.json")
HW = os.path.join(HERE, "fixtures", "good", "hw-xeon-quick-def5678.json")
DECOMP = os.path.join(HERE, "fixtures", "good", "vm-zen4-full-fed4321.json")
ROOT = os.path.dirname(os.path.dirname(HERE))
# A run stored before the decomposition, and the README made from it.
STORED = os.path.join(ROOT, "results", "amd-epyc-full-dad863f.json")
STORED_README = os.path.join(ROOT, "results", "README.md")


def rows_of(text, heading, workload):
    """Cells of `workload`'s row in the first table after heading."""
    after = text[text.index(heading):]
    for line in after.splitlines():
        if line.startswith(f"| `{workload}` |"):
            return [c.strip() for c in line.strip("|").split(" | ")]
    raise AssertionError(f"no row {workload} after {heading}")


class RenderTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="wbbench-table-")
        self.addCleanup(shutil.rmtree, self.tmp)
        with open(VM) as f:
            self.doc = json.load(f)

    def render(self, doc, name="vm-epyc-9r14-full-abc1234.json"):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            json.dump(doc, f)
        return table.render([runs.load_run(path)])

    def test_run_warnings(self):
        doc = copy.deepcopy(self.doc)
        meta = doc["context"]["wbbench"]
        meta["interrupted"] = True
        meta["steal_percent"] = 12.5
        doc["benchmarks"][0]["lost_objects"] = 3
        text = self.render(doc)
        self.assertIn("**Interrupted run**", text)
        self.assertIn("Steal time during the run: 12.5% (high", text)
        self.assertIn("verifier reported 3 lost objects", text)

    def test_missing_baseline_is_said(self):
        doc = copy.deepcopy(self.doc)
        del doc["context"]["wbbench"]["baseline"]
        self.assertIn("**Baseline** of every barrier figure: not recorded in "
                      "the run.", self.render(doc))

    def test_unknown_names_follow_canonical_ones(self):
        doc = copy.deepcopy(self.doc)
        for row in doc["benchmarks"]:
            if row["name"].startswith("binary-trees/"):
                for key in ("name", "run_name"):
                    row[key] = row[key].replace("binary-trees", "aaa-new")
        text = self.render(doc)
        self.assertLess(text.index("| `tree-reverse` |"),
                        text.index("| `aaa-new` |"))

    def test_pipes_cannot_break_a_table(self):
        doc = copy.deepcopy(self.doc)
        doc["context"]["wbbench"]["machine"] = "a|b"
        text = self.render(doc, "a|b-full-abc1234.json")
        self.assertIn("`a\\|b`", text)

    def test_hardware_ratio_uses_hardware_cycles(self):
        with open(HW) as f:
            text = self.render(json.load(f), os.path.basename(HW))
        self.assertIn("in cycles (hardware counter), divided by", text)
        self.assertIn("| `tree-reverse` | 2.67× † p=0.008 | 1 (reference) |",
                      text)

    def test_run_without_cycles_says_so(self):
        doc = copy.deepcopy(self.doc)
        doc["context"]["wbbench"]["cycles_source"] = ""
        for row in doc["benchmarks"]:
            for key in ("cycles_per_store", "barrier_cycles_per_store"):
                row.pop(key, None)
        text = self.render(doc)
        self.assertIn("**Cycles**: no cycle figures", text)
        self.assertIn("| not measured |", text)
        section = text[text.index("## Machine"):]
        self.assertNotIn("≈", section)
        self.assertIn("| `tree-reverse` | — | — | — | — | — |", section)

    def test_estimate_ratio_uses_clock_ns(self):
        self.assertIn("in ns (clock), divided by", self.render(self.doc))

    def test_stored_run_without_decomposition_renders_as_before(self):
        # The section of a run stored before the decomposition is what the
        # README made from it before the decomposition says.
        if not (os.path.exists(STORED) and os.path.exists(STORED_README)):
            self.skipTest("no stored run without the decomposition")
        with open(STORED_README, encoding="utf-8") as f:
            readme = f.read()
        heading = "### `amd-epyc` · suite `full` · commit `dad863f`"
        if heading not in readme:
            self.skipTest("results/README.md is not made from that run")
        old = readme[readme.index(heading):]
        old = old[:old.index("</details>")]
        run = runs.load_run(STORED)
        self.assertFalse(run.has_decomposition)
        new = table.render([run])
        new = new[new.index(heading):]
        self.assertEqual(new[:new.index("</details>")], old)

    def test_fmt(self):
        self.assertEqual([table.fmt(x) for x in
                          (1234.5, 14.5, 0.123, -0.001, 0)],
                         ["1234", "14.5", "0.12", "0.00", "0.00"])


class DecomposedRenderTest(unittest.TestCase):
    """The run with the decomposition, edited."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="wbbench-table-")
        self.addCleanup(shutil.rmtree, self.tmp)
        with open(DECOMP) as f:
            self.doc = json.load(f)

    def render(self, doc):
        path = os.path.join(self.tmp, os.path.basename(DECOMP))
        with open(path, "w") as f:
            json.dump(doc, f)
        return table.render([runs.load_run(path)])

    def rows(self, doc, name):
        return [r for r in doc["benchmarks"] if r["name"] == name]

    def test_hardware_ratio_uses_own_hardware_cycles(self):
        doc = copy.deepcopy(self.doc)
        doc["context"]["wbbench"]["cycles_source"] = "hardware"
        # Own cycles twice what the ns say for unbuffered: a ratio of 6.
        for row in self.rows(doc, "tree-reverse/barrier=unbuffered"):
            row["own_cycles_per_barriered_store"] *= 2
        text = self.render(doc)
        self.assertIn("The barrier's own cost per barriered store, in cycles "
                      "(hardware counter), divided by", text)
        row = rows_of(text, "#### Ratio to `buffered`", "tree-reverse")
        self.assertTrue(row[1].startswith("6.00× ["), row[1])
        own = rows_of(text, "#### Own cost: cycles per barriered store",
                      "tree-reverse")
        self.assertEqual(own[2], "14.7 [12.6, 16.8]")  # no ≈: hardware
        section = text[text.index("## Machine"):]
        self.assertNotIn("≈", section)
        # The claim stays in ns, on the own cost.
        self.assertIn("| `vm-zen4` | `full` | `fed4321` | hardware | own ns "
                      "per barriered store | 3.00× [", text)

    def test_null_own_figure_is_a_dash(self):
        doc = copy.deepcopy(self.doc)
        for row in self.rows(doc, "tree-reverse/barrier=cgocheck"):
            row["own_ns_per_barriered_store"] = None  # wbbench's non-finite
            row["own_cycles_per_barriered_store"] = None
        text = self.render(doc)
        for heading in ("#### Own cost: cycles per barriered store",
                        "#### Own cost: ns per barriered store"):
            self.assertEqual(rows_of(text, heading, "tree-reverse")[3], "—")
        self.assertEqual(rows_of(text, "#### Ratio to `buffered`",
                                 "tree-reverse")[3], "—")

    def test_own_cost_at_or_below_zero_has_no_ratio(self):
        doc = copy.deepcopy(self.doc)
        for i, row in enumerate(self.rows(doc,
                                          "tree-reverse/barrier=buffered")):
            row["own_ns_per_barriered_store"] = -0.1 + 0.01 * i
        row = rows_of(self.render(doc), "#### Ratio to `buffered`",
                      "tree-reverse")
        self.assertEqual(row[1], "— (own cost ≤ 0)")

    def test_run_without_cycles_has_dashes_and_no_estimate_mark(self):
        doc = copy.deepcopy(self.doc)
        doc["context"]["wbbench"]["cycles_source"] = ""
        doc["context"]["wbbench"]["est_core_hz"] = None
        for row in doc["benchmarks"]:
            for key in list(row):
                if "cycles_per" in key:
                    del row[key]
        text = self.render(doc)
        section = text[text.index("## Machine"):]
        self.assertNotIn("≈", section)
        self.assertEqual(rows_of(section,
                                 "#### Own cost: cycles per barriered store",
                                 "tree-reverse")[1:], ["—"] * 4)
        self.assertEqual(rows_of(section,
                                 "#### Own cost: ns per barriered store",
                                 "tree-reverse")[2], "4.90 [4.20, 5.60]")

    def test_run_with_only_some_configurations_keeps_the_layout(self):
        # A run whose decomposition could not be computed anywhere (no
        # baseline, say) still has the check and incremental
        # configurations' figures: the tables are there, with dashes.
        doc = copy.deepcopy(self.doc)
        for row in doc["benchmarks"]:
            for key in runs.DECOMPOSITION:
                row.pop(key, None)
        text = self.render(doc)
        self.assertIn("#### Own cost: ns per barriered store", text)
        self.assertEqual(rows_of(text, "#### Own cost: ns per barriered "
                                 "store", "tree-reverse")[1:], ["—"] * 4)
        self.assertEqual(rows_of(text, "#### Check: ns per store",
                                 "tree-reverse")[1:], ["—"] * 4)

    def test_many_dropped_blocks_are_flagged(self):
        doc = copy.deepcopy(self.doc)
        meta = doc["context"]["wbbench"]
        meta["dropped_blocks"] = 0.25 * meta["blocks"]
        for row in self.rows(doc, "tree-reverse/barrier=buffered"):
            row["dropped_block_fraction"] = 0.6
        text = self.render(doc)
        self.assertIn("(25.0%) were dropped because the mutator was "
                      "descheduled or migrated (over 20%: the machine was "
                      "too busy for these figures).", text)
        details = [line for line in text.splitlines()
                   if line.startswith("| `tree-reverse` | `buffered` |")]
        # (600 + 20 + 30) / 3000 blocks of the cell's three configurations.
        self.assertTrue(details[0].endswith(" | **21.7%** |"), details[0])


if __name__ == "__main__":
    unittest.main()
