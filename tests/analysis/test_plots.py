"""Tests of analysis/plots.py: SVGs from runs with and without figures."""

import copy
import json
import os
import shutil
import sys
import tempfile
import unittest
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "analysis"))

import plots  # noqa: E402
import runs  # noqa: E402

VM = os.path.join(HERE, "fixtures", "good", "vm-epyc-9r14-full-abc1234.json")
DECOMP = os.path.join(HERE, "fixtures", "good", "vm-zen4-full-fed4321.json")


class PlotTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="wbbench-plots-")
        self.addCleanup(shutil.rmtree, self.tmp)
        with open(VM) as f:
            self.doc = json.load(f)

    def load(self, doc):
        path = os.path.join(self.tmp, os.path.basename(VM))
        with open(path, "w") as f:
            json.dump(doc, f)
        return runs.load_run(path)

    def test_run_without_barrier_figures_plots_quietly(self):
        doc = copy.deepcopy(self.doc)
        for row in doc["benchmarks"]:
            for key in ("barrier_cycles_per_store", "barrier_ns_per_store"):
                row.pop(key, None)
        run = self.load(doc)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            cost = plots.cost_plot(run)
            ratio = plots.ratio_plot(run)
        for svg in (cost, ratio):
            self.assertIn(b"</svg>", svg)
        self.assertIn("—".encode(), cost)  # cells marked as not measured

    def test_same_bytes_for_same_run(self):
        run = self.load(self.doc)
        self.assertEqual(plots.cost_plot(run), plots.cost_plot(run))
        self.assertEqual(plots.ratio_plot(run), plots.ratio_plot(run))

    def test_ci_whiskers_drawn_only_with_an_interval(self):
        run = self.load(self.doc)
        self.assertNotIn("†".encode(), plots.cost_plot(run))
        doc = copy.deepcopy(self.doc)
        doc["benchmarks"] = [r for r in doc["benchmarks"]
                             if r.get("repetition_index", 0) < 5]
        self.assertIn("†".encode(), plots.cost_plot(self.load(doc)))


class DecomposedPlotTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="wbbench-plots-")
        self.addCleanup(shutil.rmtree, self.tmp)
        with open(DECOMP) as f:
            self.doc = json.load(f)

    def load(self, doc):
        path = os.path.join(self.tmp, os.path.basename(DECOMP))
        with open(path, "w") as f:
            json.dump(doc, f)
        return runs.load_run(path)

    def test_plots_show_the_own_cost(self):
        run = self.load(self.doc)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            cost = plots.cost_plot(run)
            ratio = plots.ratio_plot(run)
        self.assertIn("own barrier ≈ cycles per barriered store".encode(),
                      cost)
        self.assertIn(b"own barrier cost / buffered", ratio)
        self.assertEqual(cost, plots.cost_plot(run))
        # Without own figures the bars are gone, though the concurrent
        # configuration's share is still there.
        doc = copy.deepcopy(self.doc)
        for row in doc["benchmarks"]:
            row.pop("own_cycles_per_barriered_store", None)
        self.assertIn("not measured in this run".encode(),
                      plots.cost_plot(self.load(doc)))


if __name__ == "__main__":
    unittest.main()
