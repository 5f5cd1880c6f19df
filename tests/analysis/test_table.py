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

    def test_fmt(self):
        self.assertEqual([table.fmt(x) for x in
                          (1234.5, 14.5, 0.123, -0.001, 0)],
                         ["1234", "14.5", "0.12", "0.00", "0.00"])


if __name__ == "__main__":
    unittest.main()
