"""Tests of analysis/runs.py: reading stored runs into cells of samples."""

import json
import os
import shutil
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "analysis"))

import runs  # noqa: E402

GOOD = os.path.join(HERE, "fixtures", "good")
VM = os.path.join(GOOD, "vm-epyc-9r14-full-abc1234.json")
DECOMP = os.path.join(GOOD, "vm-zen4-full-fed4321.json")


class LoadRunTest(unittest.TestCase):
    def setUp(self):
        self.run = runs.load_run(VM)

    def test_identity_from_context_and_name(self):
        self.assertEqual(self.run.machine, "vm-epyc-9r14")
        self.assertEqual(self.run.commit, "abc1234")
        self.assertEqual(self.run.suite, "full")  # from the file name
        self.assertTrue(self.run.cycles_estimated)

    def test_cells_hold_repetition_rows_only(self):
        cell = self.run.cells[("tree-reverse", "buffered")]
        self.assertEqual(cell.repetitions, 10)
        self.assertFalse(cell.aggregate_only)
        self.assertEqual(sorted(cell.values("barrier_cycles_per_store")),
                         [float(x) for x in range(10, 20)])

    def test_absent_counters_stay_absent(self):
        cell = self.run.cells[("tree-reverse", "none")]
        self.assertEqual(cell.values("flushes"), [])
        self.assertEqual(cell.values("max_pause_us"), [])
        self.assertNotIn(("binary-trees", "cgocheck"), self.run.cells)

    def test_canonical_order(self):
        self.assertEqual(self.run.barriers, ["unbuffered", "buffered",
                                             "cgocheck", "batched", "none",
                                             "baseline"])
        self.assertEqual(self.run.measured_barriers, self.run.barriers[:-1])
        self.assertEqual(self.run.workloads, ["tree-reverse", "binary-trees"])


class DecompositionTest(unittest.TestCase):
    def setUp(self):
        self.run = runs.load_run(DECOMP)

    def test_which_runs_have_it(self):
        self.assertTrue(self.run.has_decomposition)
        self.assertFalse(runs.load_run(VM).has_decomposition)

    def test_decomposition_and_configuration_counters_are_read(self):
        cell = self.run.cells[("tree-reverse", "buffered")]
        self.assertEqual(sorted(cell.values(runs.OWN_NS)),
                         [round(4.0 + 0.2 * i, 6) for i in range(10)])
        for key in (runs.OWN_CYCLES, runs.CHECK_NS, runs.CHECK_CYCLES,
                    runs.INTERFERENCE_NS, runs.INTERFERENCE_CYCLES,
                    "pause_ns_per_store", "assist_ns_per_store", "blocks",
                    "dropped_block_fraction", "off_ns_per_store",
                    "incremental_ns_per_store_barrier_on",
                    "incremental_ns_per_store_barrier_off",
                    "incremental_gc_cycles", "incremental_mark_steps",
                    "incremental_dropped_block_fraction"):
            self.assertEqual(len(cell.values(key)), 10, key)
        # Absent stays absent: no chunk of buffered's incremental
        # configuration ran with the barrier on, on list-queue.
        cell = self.run.cells[("list-queue", "buffered")]
        self.assertEqual(cell.values(runs.OWN_NS), [])
        self.assertEqual(cell.values("incremental_ns_per_store_barrier_on"),
                         [])
        # The barriers of a gc=continuous run: none is not among them.
        self.assertEqual(self.run.measured_barriers,
                         ["unbuffered", "buffered", "cgocheck", "batched"])

    def test_prefixed_counter_that_is_not_a_number_is_rejected(self):
        with open(DECOMP) as f:
            doc = json.load(f)
        doc["benchmarks"][0]["incremental_gc_cycles"] = "many"
        tmp = tempfile.mkdtemp(prefix="wbbench-runs-")
        self.addCleanup(shutil.rmtree, tmp)
        path = os.path.join(tmp, "x.json")
        with open(path, "w") as f:
            json.dump(doc, f)
        with self.assertRaises(runs.ResultsError) as e:
            runs.load_run(path)
        self.assertIn("'incremental_gc_cycles' is 'many'", str(e.exception))


class LoadDirTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="wbbench-runs-")
        self.addCleanup(shutil.rmtree, self.tmp)

    def test_skips_hidden_files_being_written(self):
        shutil.copy(VM, self.tmp)
        with open(os.path.join(self.tmp, ".rerun.abc123.json"), "w"):
            pass  # empty: a run still being written
        loaded = runs.load_dir(self.tmp)
        self.assertEqual([r.stem for r in loaded],
                         ["vm-epyc-9r14-full-abc1234"])

    def test_aggregate_only_file_uses_stored_median(self):
        with open(VM) as f:
            doc = json.load(f)
        doc["benchmarks"] = [r for r in doc["benchmarks"]
                             if r["run_type"] == "aggregate"]
        path = os.path.join(self.tmp, "agg.json")
        with open(path, "w") as f:
            json.dump(doc, f)
        cell = runs.load_run(path).cells[("tree-reverse", "buffered")]
        self.assertTrue(cell.aggregate_only)
        self.assertEqual(cell.values("barrier_cycles_per_store"), [14.5])

    def write(self, doc, name="vm-epyc-9r14-full-abc1234.json"):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            json.dump(doc, f)
        return path

    def test_what_wbbench_writes_when_nothing_counts_cycles(self):
        # wbbench leaves cycles_source empty and est_core_hz null when there
        # is neither a counter nor an estimate, and writes a non-finite
        # counter as null: both mean "not measured".
        with open(VM) as f:
            doc = json.load(f)
        doc["context"]["wbbench"]["cycles_source"] = ""
        doc["context"]["wbbench"]["est_core_hz"] = None
        for row in doc["benchmarks"]:
            if row["name"] == "tree-reverse/barrier=none":
                row["barrier_cycles_per_store"] = None
        run = runs.load_run(self.write(doc))
        self.assertFalse(run.cycles_estimated)
        self.assertFalse(run.cycles_hardware)
        self.assertEqual(run.cells[("tree-reverse", "none")]
                         .values("barrier_cycles_per_store"), [])

    def test_unknown_cycles_source_is_rejected(self):
        with open(VM) as f:
            doc = json.load(f)
        doc["context"]["wbbench"]["cycles_source"] = "tsc"
        with self.assertRaises(runs.ResultsError) as e:
            runs.load_run(self.write(doc))
        self.assertIn("cycles_source is 'tsc'", str(e.exception))

    def test_errors_are_one_line_naming_the_file(self):
        path = os.path.join(self.tmp, "x.json")
        with open(path, "w") as f:
            f.write("[1, 2]")
        with self.assertRaises(runs.ResultsError) as e:
            runs.load_run(path)
        self.assertIn(path, str(e.exception))
        self.assertNotIn("\n", str(e.exception))


if __name__ == "__main__":
    unittest.main()
