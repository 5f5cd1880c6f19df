"""Tests of analysis/calibrate.py, the calibration against Go 1.19.

Without Go: the command's answer when Go 1.19 is missing (exit status 2 and
the install hint, before anything else is checked), finding Go by $WBBENCH_GO,
PATH and the Debian path (with stand-in `go` scripts), parsing what the Go
peers, Go's gctrace, wbbench and wbbench_micro print, pairing the rounds into
rows, and the README section: replaced in place, appended once, idempotent,
the rest of the file kept byte for byte, and kept by make_table.py.

With Go 1.19 installed (skipped otherwise): the peers build with it, run,
and print what the parser expects, with store counts that follow from the
programs; and the whole command runs end to end against stand-ins for
wbbench and wbbench_micro, writing the section and the samples file.
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
CALIBRATE = os.path.join(ANALYSIS, "calibrate.py")
MAKE_TABLE = os.path.join(ANALYSIS, "make_table.py")
GOOD = os.path.join(HERE, "fixtures", "good")
sys.path.insert(0, ANALYSIS)

import calibrate  # noqa: E402

HINT = "sudo apt-get install golang-1.19-go"

TREE_ON = ("go_tree_reverse: gc=continuous depth=22 chunk=512 iters=30654464 "
           "stores=30654464 ns=780034573 on_iters=18696192 on_stores=18696186 "
           "on_ns=741023217 ns_per_store=25.4460 ns_per_store_on=39.6350 "
           "barrier_on_fraction=0.9500 gc_cycles=6 gomaxprocs=2 "
           "check=13595213526707345412\n")
TREE_OFF = ("go_tree_reverse: gc=off depth=22 chunk=512 iters=220263936 "
            "stores=220263896 ns=910493398 on_iters=0 on_stores=0 on_ns=0 "
            "ns_per_store=4.1336 ns_per_store_on=- barrier_on_fraction=0.0000 "
            "gc_cycles=0 gomaxprocs=2 check=17906052853997198854\n")
BT = ("go_binary_trees: depth=16 array=500000 nodes=6556743 stores=6474894 "
      "trees=81849 ns=1000827769 pause_ns=17773823 ns_per_store=154.5705 "
      "ns_per_store_mutator=151.8255 cpu_ns_per_store=49.5153 gc_cycles=23 "
      "gomaxprocs=2 check=16944386243119540897\n")
# Go 1.19's gctrace for go_tree_mark.go (GOMAXPROCS=1): two cycles the
# tree's construction triggered, the settling cycle and two measured ones.
GCTRACE = textwrap.dedent("""\
    gc 1 @0.052s 10%: 0.013+35+0.007 ms clock, 0.013+2.3/7.5/0+0.007 ms cpu, 3->5->5 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 1 P
    gc 2 @0.734s 17%: 0.045+270+0.006 ms clock, 0.045+2.5/68/17+0.006 ms cpu, 49->64->64 MB, 57 MB goal, 0 MB stacks, 0 MB globals, 1 P
    gc 3 @1.006s 18%: 0.009+192+0.007 ms clock, 0.009+0/53/138+0.007 ms cpu, 64->64->64 MB, 128 MB goal, 0 MB stacks, 0 MB globals, 1 P (forced)
    gc 4 @1.202s 19%: 0.011+132+0.007 ms clock, 0.011+0/37/95+0.007 ms cpu, 64->64->64 MB, 128 MB goal, 0 MB stacks, 0 MB globals, 1 P (forced)
    gc 5 @1.338s 20%: 0.013+100+0.005 ms clock, 0.013+1/51/49+0.005 ms cpu, 64->64->64 MB, 128 MB goal, 0 MB stacks, 0 MB globals, 1 P (forced)
    """)
MICRO = json.dumps({"context": {}, "benchmarks": [
    {"name": "BM_MarkThroughput/22/min_time:2.000/manual_time",
     "run_type": "iteration", "iterations": 8, "real_time": 349.43,
     "time_unit": "ms", "mark_cpu_ms": 238.85},
    {"name": "BM_Pauses/1", "run_type": "iteration", "iterations": 3,
     "real_time": 1.0, "time_unit": "ms"}]})


def find_real_go():
    try:
        return calibrate.find_go()
    except calibrate.UsageError:
        return None


REAL_GO = find_real_go()
needs_go = unittest.skipUnless(REAL_GO, "Go 1.19 is not installed")


def write_script(path, text):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o755)


def fake_go(folder, version):
    """A stand-in `go` whose `go version` says `version`."""
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "go")
    write_script(path, f"#!/bin/sh\necho 'go version {version} linux/amd64'\n")
    return path


class GoMissingTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="wbbench-calibrate-")
        self.addCleanup(shutil.rmtree, self.tmp)

    def run_calibrate(self, *args, **env):
        return subprocess.run(
            ["/usr/bin/python3", CALIBRATE, *args], capture_output=True,
            text=True, env=dict(os.environ, **env), timeout=60)

    def test_missing_go_exits_2_with_install_hint(self):
        p = self.run_calibrate(WBBENCH_GO=os.path.join(self.tmp, "nope", "go"))
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertEqual(p.stdout, "")
        lines = p.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, p.stderr)
        self.assertIn("Go 1.19 not found", lines[0])
        self.assertIn(HINT, lines[0])

    def test_go_is_checked_before_the_wbbench_build(self):
        p = self.run_calibrate("--build", os.path.join(self.tmp, "no-build"),
                               WBBENCH_GO="/nonexistent/go")
        self.assertEqual(p.returncode, 2)
        self.assertIn(HINT, p.stderr)
        self.assertNotIn("wbbench", p.stderr)

    def test_empty_path_and_no_debian_go(self):
        with self.assertRaises(calibrate.UsageError) as cm:
            calibrate.find_go(environ={"PATH": self.tmp}, fallbacks=())
        self.assertIn(HINT, str(cm.exception))

    def test_other_go_version_is_named(self):
        go = fake_go(os.path.join(self.tmp, "bin"), "go1.21.0")
        with self.assertRaises(calibrate.UsageError) as cm:
            calibrate.find_go(environ={"PATH": os.path.dirname(go)},
                              fallbacks=())
        self.assertIn(HINT, str(cm.exception))
        self.assertIn("go1.21.0", str(cm.exception))

    def test_go_on_path_then_fallback(self):
        on_path = fake_go(os.path.join(self.tmp, "bin"), "go1.19.8")
        self.assertEqual(
            calibrate.find_go(environ={"PATH": os.path.dirname(on_path)},
                              fallbacks=()), (on_path, "go1.19.8"))
        other = fake_go(os.path.join(self.tmp, "other"), "go1.20")
        debian = fake_go(os.path.join(self.tmp, "debian"), "go1.19.8")
        self.assertEqual(
            calibrate.find_go(environ={"PATH": os.path.dirname(other)},
                              fallbacks=(debian,)), (debian, "go1.19.8"))

    def test_explicit_go_is_the_only_one_tried(self):
        good = fake_go(os.path.join(self.tmp, "bin"), "go1.19")
        with self.assertRaises(calibrate.UsageError):
            calibrate.find_go(environ={"PATH": os.path.dirname(good),
                                       "WBBENCH_GO": "/nonexistent/go"})
        self.assertEqual(calibrate.find_go(explicit=good, environ={}),
                         (good, "go1.19"))


class ParseTest(unittest.TestCase):
    def test_tree_reverse_lines(self):
        on = calibrate.parse_peer_line("noise\n" + TREE_ON, "go_tree_reverse")
        self.assertEqual(on["gc"], "continuous")
        self.assertEqual(on["on_stores"], 18696186)
        self.assertAlmostEqual(on["ns_per_store_on"], 39.635)
        self.assertEqual(on["check"], 13595213526707345412)
        off = calibrate.parse_peer_line(TREE_OFF, "go_tree_reverse")
        self.assertIsNone(off["ns_per_store_on"])
        self.assertAlmostEqual(off["ns_per_store"], 4.1336)

    def test_binary_trees_line(self):
        bt = calibrate.parse_peer_line(BT, "go_binary_trees")
        self.assertEqual(bt["stores"], bt["nodes"] - bt["trees"])
        self.assertAlmostEqual(bt["ns_per_store_mutator"], 151.8255)
        self.assertAlmostEqual(bt["cpu_ns_per_store"], 49.5153)

    def test_missing_or_malformed_line(self):
        with self.assertRaises(calibrate.CalibrationError):
            calibrate.parse_peer_line(BT, "go_tree_reverse")
        with self.assertRaises(calibrate.CalibrationError):
            calibrate.parse_peer_line("go_binary_trees: nodes 5\n",
                                      "go_binary_trees")

    def test_gctrace(self):
        cycles = calibrate.parse_gctrace("runtime.GC 0: 1 ms\n" + GCTRACE)
        self.assertEqual([c.n for c in cycles], [1, 2, 3, 4, 5])
        self.assertEqual([c.forced for c in cycles],
                         [False, False, True, True, True])
        self.assertAlmostEqual(cycles[1].mark_cpu_ms, 2.5 + 68 + 17)
        self.assertAlmostEqual(cycles[1].background_cpu_ms, 68)
        self.assertAlmostEqual(cycles[1].mark_wall_ms, 270)
        self.assertEqual(cycles[0].procs, 1)

    def test_go_mark_sample_leaves_out_the_settling_cycle(self):
        s = calibrate.go_mark_sample(GCTRACE)
        self.assertEqual(s["cycles"], 2)
        self.assertAlmostEqual(s["mark_cpu_ms"], (132 + 101) / 2)
        self.assertAlmostEqual(s["mark_wall_ms"], (132 + 100) / 2)
        self.assertNotIn("gc_cpu_ms", s)
        with self.assertRaises(calibrate.CalibrationError):
            calibrate.go_mark_sample(GCTRACE.splitlines()[0])

    def test_go_mark_getrusage_line(self):
        stdout = ("runtime.GC 0: 104.0 ms, cpu 101.0 ms\n"
                  "mean runtime.GC over 10 cycles, 4194303 nodes: 104.3 ms, "
                  "cpu 101.2 ms\n")
        s = calibrate.go_mark_sample(GCTRACE, stdout)
        self.assertAlmostEqual(s["gc_cpu_ms"], 101.2)

    def test_micro_mark(self):
        m = calibrate.parse_micro_mark(MICRO)
        self.assertAlmostEqual(m["mark_cpu_ms"], 238.85)
        self.assertAlmostEqual(m["mark_wall_ms"], 349.43)
        us = json.loads(MICRO)
        us["benchmarks"][0].update(time_unit="us", real_time=349430.0)
        self.assertAlmostEqual(
            calibrate.parse_micro_mark(json.dumps(us))["mark_wall_ms"], 349.43)
        with self.assertRaises(calibrate.CalibrationError):
            calibrate.parse_micro_mark(json.dumps({"benchmarks": []}))

    def test_wbbench_json(self):
        with tempfile.NamedTemporaryFile("w", suffix=".json",
                                         delete=False) as f:
            json.dump(wbbench_report("tree-reverse", 20.0, 4.0, 16.0), f)
        self.addCleanup(os.unlink, f.name)
        rows = calibrate.parse_wbbench_json(f.name)
        self.assertEqual(rows["_context"]["machine"], "test-vm")
        self.assertAlmostEqual(
            rows["tree-reverse/barrier=buffered"]["barrier_ns_per_store"], 16)
        self.assertNotIn("tree-reverse/barrier=buffered_median", rows)


def wbbench_report(workload, on_ns, base_ns, share):
    """A one-repetition wbbench --format=json report."""
    ctx = {"machine": "test-vm", "git_commit": "abc1234",
           "cpu_model": "Test CPU", "cores": 2}
    row = {"run_type": "iteration", "ns_per_store": on_ns,
           "ns_per_store_barrier_on": on_ns, "barrier_ns_per_store": share,
           "barrier_on_fraction": 0.99, "gc_cycles": 3}
    return {"context": {"wbbench": ctx}, "benchmarks": [
        dict(row, name=f"{workload}/barrier=buffered"),
        dict(row, name=f"{workload}/barrier=buffered_median",
             run_type="aggregate"),
        {"name": f"{workload}/barrier=baseline", "run_type": "iteration",
         "ns_per_store": base_ns, "gc_cycles": 0}]}


class RowsTest(unittest.TestCase):
    def rounds(self, n=6):
        out = []
        for i in range(n):
            out.append({
                "go_tree_on": {"ns_per_store_on": 20.0 + i,
                               "barrier_on_fraction": 0.95, "gc_cycles": 4},
                "go_tree_on_1p": {"ns_per_store_on": 10.0 + i,
                                  "barrier_on_fraction": 0.8,
                                  "flush_ns_per_recorded_pointer": 3.0},
                "go_tree_on_dedicated": {
                    "ns_per_store_on": 22.0 + i,
                    "flush_ns_per_recorded_pointer": 3.5},
                "go_tree_off": {"ns_per_store": 2.0 + i / 10},
                "wb_tree": {"barrier_ns_per_store": 15.0 + i,
                            "own_ns_per_barriered_store": 12.0 + i,
                            "flush_ns_per_recorded_pointer": 4.0,
                            "incremental_flush_ns_per_recorded_pointer": 2.5,
                            "ns_per_store_barrier_on": 17.0 + i,
                            "baseline_ns_per_store": 2.0,
                            "barrier_on_fraction": 0.999, "gc_cycles": 3},
                "go_mark": {"mark_cpu_ms": 100.0 + i, "mark_wall_ms": 101.0,
                            "gc_cpu_ms": 110.0},
                "wb_mark": {"mark_cpu_ms": 250.0 + i, "mark_wall_ms": 260.0},
                "go_bt": {"ns_per_store_mutator": 40.0 + i,
                          "cpu_ns_per_store": 30.0 + i},
                "wb_bt": {"ns_per_store": 35.0 + i,
                          "cpu_ns_per_store": 25.0 + i},
            })
        return out

    def test_go_cost_pairs_each_round(self):
        s = calibrate.row_samples(self.rounds())
        self.assertEqual(s["barrier_cost"]["go"],
                         [20.0 + i - (2.0 + i / 10) for i in range(6)])
        self.assertEqual(s["barrier_cost"]["wb"], [15.0 + i for i in range(6)])
        # Own cost alone sits beside Go's with one P, less the same "off".
        self.assertEqual(s["barrier_own_1p"]["go"],
                         [10.0 + i - (2.0 + i / 10) for i in range(6)])
        self.assertEqual(s["barrier_own_1p"]["wb"],
                         [12.0 + i for i in range(6)])
        # The flush rows: one P beside wbbench's own-cost leg, two beside
        # its concurrent leg (Go's two-P run has no flush figure here); the
        # cost outside the flush takes two recorded pointers per store off.
        self.assertEqual(s["flush_1p"]["go"], [3.0] * 6)
        self.assertEqual(s["flush_1p"]["wb"], [2.5] * 6)
        self.assertEqual(s["flush_2p"]["go"], [])
        self.assertEqual(s["flush_2p"]["wb"], [4.0] * 6)
        for got, want in zip(s["own_outside_flush_1p"]["go"],
                             [10.0 + i - (2.0 + i / 10) - 6.0
                              for i in range(6)]):
            self.assertAlmostEqual(got, want)
        self.assertEqual(s["own_outside_flush_1p"]["wb"],
                         [12.0 + i - 5.0 for i in range(6)])
        # Go's one-dedicated-worker run beside the same wbbench figures,
        # less the same "off".
        self.assertEqual(s["barrier_cost_dedicated"]["go"],
                         [22.0 + i - (2.0 + i / 10) for i in range(6)])
        self.assertEqual(s["barrier_cost_dedicated"]["wb"],
                         s["barrier_cost"]["wb"])
        self.assertEqual(s["flush_2p_dedicated"]["go"], [3.5] * 6)
        self.assertEqual(s["flush_2p_dedicated"]["wb"], [4.0] * 6)
        self.assertEqual(s["tree_off"]["wb"], [2.0] * 6)
        self.assertEqual(s["binary_trees"]["go"], [40.0 + i for i in range(6)])
        self.assertEqual(s["binary_trees_cpu"]["wb"],
                         [25.0 + i for i in range(6)])

    def test_missing_figures_are_left_out_not_zero(self):
        r = self.rounds(2)
        r[0]["go_tree_off"] = {"ns_per_store": None}
        del r[1]["wb_mark"]
        s = calibrate.row_samples(r)
        self.assertEqual(len(s["barrier_cost"]["go"]), 1)
        self.assertEqual(len(s["tree_off"]["go"]), 1)
        self.assertEqual(s["mark_cpu"]["wb"], [250.0])

    def test_section_flags_ratios_outside_the_band(self):
        rounds = self.rounds()
        summary = calibrate.summarize_rows(calibrate.row_samples(rounds))
        r, lo, hi = summary["mark_cpu"]["ratio"]
        self.assertAlmostEqual(r, 102.5 / 252.5)
        self.assertTrue(calibrate.outside_band(r))
        self.assertFalse(calibrate.outside_band(summary["binary_trees"]
                                                ["ratio"][0]))
        section = calibrate.render_section({
            "summary": summary, "context": calibrate.context_figures(rounds),
            "meta": {"go_version": "go1.19.8", "git_commit": "abc1234",
                     "machine": "test-vm", "cpu_model": "Test CPU",
                     "cores": 2, "date": "2026-01-01 00:00 UTC",
                     "repetitions": 6, "duration": "200ms",
                     "command": "calibrate --quick",
                     "samples_file": "calibration/test-vm-abc1234.json"}})
        self.assertTrue(section.startswith(calibrate.BEGIN_MARKER + "\n"))
        self.assertTrue(section.endswith(calibrate.END_MARKER + "\n"))
        mark_line = [ln for ln in section.splitlines()
                     if ln.startswith("| mark: CPU")][0]
        self.assertIn("⚠", mark_line)
        bt_line = [ln for ln in section.splitlines()
                   if ln.startswith("| binary-trees")][0]
        self.assertNotIn("⚠", bt_line)
        self.assertIn("R14", section)  # the model's differences are explained
        self.assertNotIn("Notes on this machine", section)

    def test_section_carries_hand_written_notes(self):
        rounds = self.rounds()
        section = calibrate.render_section({
            "summary": calibrate.summarize_rows(calibrate.row_samples(rounds)),
            "context": {}, "notes": {"file": "calibration/vm-notes.md",
                                     "text": "\nWhy the mark differs.\n\n"},
            "meta": {"go_version": "go1.19.8", "git_commit": "abc1234",
                     "machine": "vm", "date": "today", "repetitions": 6,
                     "duration": "200ms", "command": "calibrate",
                     "samples_file": "calibration/vm-abc1234.json"}})
        self.assertIn("(`calibration/vm-notes.md`, written by hand)\n\n"
                      "Why the mark differs.\n\n### What each figure is",
                      section)


SECTION_A = (calibrate.BEGIN_MARKER + "\n## Calibration against Go 1.19\n\n"
             "first\n" + calibrate.END_MARKER + "\n")
SECTION_B = (calibrate.BEGIN_MARKER + "\n## Calibration against Go 1.19\n\n"
             "second, longer\n\n| a | b |\n" + calibrate.END_MARKER + "\n")


class PortablePathTest(unittest.TestCase):
    """The samples file records programs without this machine's layout."""

    def test_inside_the_checkout_is_relative(self):
        self.assertEqual(
            calibrate._portable(os.path.join(calibrate.ROOT, "b", "wbbench")),
            os.path.join("b", "wbbench"))

    def test_outside_the_checkout_is_the_name(self):
        self.assertEqual(calibrate._portable("/opt/x/wbbench_micro"),
                         "wbbench_micro")


class SectionTest(unittest.TestCase):
    def test_appended_once_then_replaced_in_place(self):
        readme = "# wbbench results\n\ntable\n"
        once = calibrate.replace_section(readme, SECTION_A)
        self.assertEqual(once, readme + "\n" + SECTION_A)
        self.assertEqual(calibrate.replace_section(once, SECTION_A), once)
        twice = calibrate.replace_section(once, SECTION_B)
        self.assertEqual(twice, readme + "\n" + SECTION_B)
        self.assertEqual(calibrate.replace_section(twice, SECTION_B), twice)

    def test_text_around_the_section_is_kept_byte_for_byte(self):
        before = "# results\n\nsome  text\twith tabs\n\n"
        after = "\n## Later\n\nno trailing newline"
        readme = before + SECTION_A + after
        self.assertEqual(calibrate.replace_section(readme, SECTION_B),
                         before + SECTION_B + after)
        self.assertEqual(calibrate.extract_section(readme), SECTION_A)

    def test_empty_readme(self):
        self.assertEqual(calibrate.replace_section("", SECTION_A), SECTION_A)
        self.assertIsNone(calibrate.extract_section("# no section\n"))

    def test_make_table_keeps_the_section(self):
        tmp = tempfile.mkdtemp(prefix="wbbench-calibrate-")
        self.addCleanup(shutil.rmtree, tmp)
        results = os.path.join(tmp, "results")
        shutil.copytree(GOOD, results)
        out = os.path.join(results, "README.md")

        def make_table():
            p = subprocess.run(["/usr/bin/python3", MAKE_TABLE, "--results",
                                results], capture_output=True, text=True,
                               timeout=300)
            self.assertEqual(p.returncode, 0, p.stderr)
            with open(out, encoding="utf-8") as f:
                return f.read()

        plain = make_table()
        self.assertIsNone(calibrate.extract_section(plain))
        with open(out, "w", encoding="utf-8") as f:
            f.write(calibrate.replace_section(plain, SECTION_A))
        kept = make_table()
        self.assertEqual(kept, calibrate.replace_section(plain, SECTION_A))
        self.assertEqual(make_table(), kept)


class FromSamplesTest(unittest.TestCase):
    def test_rerender_with_notes_needs_no_go(self):
        tmp = tempfile.mkdtemp(prefix="wbbench-calibrate-")
        self.addCleanup(shutil.rmtree, tmp)
        os.makedirs(os.path.join(tmp, "calibration"))
        rounds = RowsTest().rounds()
        doc = {"meta": {"go_version": "go1.19.8", "git_commit": "abc1234",
                        "machine": "vm", "date": "today", "repetitions": 6,
                        "duration": "200ms", "command": "calibrate",
                        "samples_file": "calibration/vm-abc1234.json"},
               "context": calibrate.context_figures(rounds),
               "samples": calibrate.row_samples(rounds)}
        samples = os.path.join(tmp, "calibration", "vm-abc1234.json")
        with open(samples, "w") as f:
            json.dump(doc, f)
        with open(os.path.join(tmp, "calibration", "vm-notes.md"), "w") as f:
            f.write("Hand-written.\n")
        with open(os.path.join(tmp, "README.md"), "w") as f:
            f.write("# results\n")
        p = subprocess.run(
            ["/usr/bin/python3", CALIBRATE, "--from-samples", samples,
             "--results", tmp], capture_output=True, text=True, timeout=120,
            env=dict(os.environ, WBBENCH_GO="/nonexistent/go"))
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(os.path.join(tmp, "README.md")) as f:
            text = f.read()
        self.assertTrue(text.startswith("# results\n\n" +
                                        calibrate.BEGIN_MARKER))
        self.assertIn("Hand-written.", text)
        self.assertIn("| mark: CPU ms", text)
        bad = subprocess.run(
            ["/usr/bin/python3", CALIBRATE, "--from-samples",
             os.path.join(tmp, "README.md"), "--results", tmp],
            capture_output=True, text=True, timeout=60)
        self.assertEqual(bad.returncode, 2)


class FlushOverlayTest(unittest.TestCase):
    SOURCE = ("package runtime\n\nfunc wbBufFlush1(_p_ *p) {\n\tn := 0\n"
              "\tgcw.putBatch(ptrs[:pos])\n\n\t_p_.wbBuf.reset()\n}\n")

    def test_times_wbbuf_flush1_from_entry_to_reset(self):
        timed = calibrate.time_wbbuf_flush(self.SOURCE)
        body = timed[timed.index("func wbBufFlush1"):]
        self.assertLess(body.index("t0 := cputicks()"), body.index("n := 0"))
        self.assertLess(body.index("_p_.wbBuf.reset()"),
                        body.index("Xadd64(&WbFlushTicks, cputicks()-t0)"))
        self.assertIn("func WbFlushCputicks() int64", timed)

    def test_another_runtime_is_refused_by_name(self):
        for source in (self.SOURCE.replace("putBatch", "put"),
                       self.SOURCE + self.SOURCE):
            with self.assertRaisesRegex(calibrate.CalibrationError,
                                        "not Go 1.19's"):
                calibrate.time_wbbuf_flush(source)


class PacerOverlayTest(unittest.TestCase):
    SOURCE = ("package runtime\n\nfunc (c *gcControllerState) startCycle() {\n"
              "\tif debug.gcstoptheworld > 0 {\n"
              "\t\tc.dedicatedMarkWorkersNeeded = int64(procs)\n"
              "\t\tc.fractionalUtilizationGoal = 0\n\t}\n"
              "\tfor _, p := range allp {\n\t}\n}\n")

    def test_one_dedicated_worker_and_no_fractional_one(self):
        patched = calibrate.one_dedicated_worker(self.SOURCE)
        # After the STW override, before the per-P reset: it wins over the
        # pacer's own choice in every cycle.
        stw_end = patched.index("= int64(procs)\n\t\tc.fractionalUtilization"
                                "Goal = 0\n\t}\n")
        ours = patched.index("\tc.dedicatedMarkWorkersNeeded = 1\n"
                             "\tc.fractionalUtilizationGoal = 0\n"
                             "\tfor _, p := range allp")
        self.assertLess(stw_end, ours)

    def test_another_runtime_is_refused_by_name(self):
        with self.assertRaisesRegex(calibrate.CalibrationError,
                                    "mgcpacer.go is not Go 1.19's"):
            calibrate.one_dedicated_worker(
                self.SOURCE.replace("gcstoptheworld", "gcstw"))


@needs_go
class PeersTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="wbbench-calibrate-peers-")
        cls.bins = calibrate.build_peers(REAL_GO[0], cls.tmp)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def run_peer(self, name, *args, procs=2, **env):
        p = subprocess.run([self.bins[name], *args], capture_output=True,
                           text=True, timeout=120,
                           env=calibrate._go_env(procs, **env))
        self.assertEqual(p.returncode, 0, p.stderr)
        return p

    def test_tree_reverse_counts_the_stores_it_makes(self):
        # A depth-4 tree: one reversal pass is 2^4 - 1 = 15 iterations, of
        # which the 2^3 - 1 = 7 inner nodes swap (two stores each).
        for build in ("tree_reverse", "tree_reverse_nowb"):
            out = calibrate.parse_peer_line(
                self.run_peer(build, "-gc=off", "-depth=4", "-iters=45",
                              "-chunk=7").stdout, "go_tree_reverse")
            self.assertEqual(out["iters"], 45)
            self.assertEqual(out["stores"], 2 * 7 * 3)
            self.assertEqual(out["on_stores"], 0)
            self.assertIsNone(out["ns_per_store_on"])
            self.assertEqual(out["gc_cycles"], 0)

    def test_no_collection_runs_beside_the_unbarriered_build(self):
        # The -wb=false binary has no barriers: a concurrent mark while it
        # builds its tree would lose objects.  Only the one forced cycle
        # after the build may run.
        p = self.run_peer("tree_reverse_nowb", "-gc=off", "-depth=20",
                          "-duration=50ms", GODEBUG="gctrace=1")
        cycles = calibrate.parse_gctrace(p.stderr)
        self.assertEqual([c.forced for c in cycles], [True])

    def test_tree_reverse_with_gc_running_sees_the_barrier_on(self):
        out = calibrate.parse_peer_line(
            self.run_peer("tree_reverse", "-gc=continuous", "-depth=18",
                          "-duration=300ms").stdout, "go_tree_reverse")
        self.assertGreater(out["gc_cycles"], 0)
        self.assertGreater(out["on_stores"], 0)
        self.assertGreater(out["ns_per_store_on"], 0)
        self.assertLessEqual(out["on_stores"], out["stores"])

    def test_tree_reverse_times_its_flush(self):
        # Built on the timed runtime, the barriered peer reports its flush:
        # two recorded pointers per barriered store, some greyed, a time
        # per pointer; the -wb=false build carries no flush figures.
        out = calibrate.parse_peer_line(
            self.run_peer("tree_reverse", "-gc=continuous", "-depth=18",
                          "-duration=300ms", procs=1).stdout,
            "go_tree_reverse")
        self.assertGreater(out["flush_calls"], 0)
        self.assertGreaterEqual(out["flush_pointers"], 2 * out["on_stores"])
        self.assertGreater(out["flush_greyed"], 0)
        self.assertLess(out["flush_greyed"], out["flush_pointers"])
        self.assertGreater(out["flush_ns_per_recorded_pointer"], 0)
        off = calibrate.parse_peer_line(
            self.run_peer("tree_reverse_nowb", "-gc=off", "-depth=4",
                          "-iters=45").stdout, "go_tree_reverse")
        self.assertNotIn("flush_ns_per_recorded_pointer", off)

    def test_dedicated_build_marks_with_one_dedicated_worker(self):
        # gctrace's background mark CPU (dedicated and fractional workers)
        # over the concurrent mark's clock: with two Ps Go's own pacer asks
        # for a fractional worker, 25% of 2 Ps (about 0.5 of the clock); the
        # overlay's dedicated worker runs through the whole mark (about 1).
        def background_share(build):
            p = self.run_peer(build, "-gc=continuous", "-depth=18",
                              "-duration=300ms", GODEBUG="gctrace=1")
            cycles = calibrate.parse_gctrace(p.stderr)
            self.assertTrue(cycles, p.stderr)
            return (sum(c.background_cpu_ms for c in cycles) /
                    sum(c.mark_wall_ms for c in cycles))
        self.assertGreater(background_share("tree_reverse_dedicated"), 0.75)
        self.assertLess(background_share("tree_reverse"), 0.7)

    def test_tree_reverse_rejects_bad_flags(self):
        p = subprocess.run([self.bins["tree_reverse"], "-gc=sometimes"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 2)

    def test_binary_trees(self):
        out = calibrate.parse_peer_line(
            self.run_peer("binary_trees", "-depth=8", "-array=1000",
                          "-duration=50ms").stdout, "go_binary_trees")
        self.assertGreater(out["trees"], 0)
        self.assertEqual(out["stores"], out["nodes"] - out["trees"])
        self.assertGreater(out["ns_per_store_mutator"], 0)
        self.assertGreater(out["cpu_ns_per_store"], 0)

    def test_tree_mark_gctrace(self):
        p = self.run_peer("tree_mark", procs=1, GODEBUG="gctrace=1")
        s = calibrate.go_mark_sample(p.stderr, p.stdout)
        self.assertGreater(s["gc_cpu_ms"], 0)
        self.assertEqual(s["cycles"], 10)
        self.assertEqual(s["procs"], 1)
        self.assertGreater(s["mark_cpu_ms"], 0)


FAKE_WBBENCH = textwrap.dedent("""\
    #!/usr/bin/python3
    # Stand-in for wbbench: writes a one-repetition report to --out.
    import json, sys
    args = dict(a[2:].split("=", 1) for a in sys.argv[1:] if "=" in a)
    w = args["workload"]
    on, base, share = (20.0, 4.0, 16.0) if w == "tree-reverse" else \\
        (30.0, 25.0, 5.0)
    row = {"run_type": "iteration", "ns_per_store": on,
           "ns_per_store_barrier_on": on, "barrier_ns_per_store": share,
           "barrier_on_fraction": 0.99, "gc_cycles": 3}
    doc = {"context": {"wbbench": {"machine": "test vm", "cores": 2,
                                   "git_commit": "abc1234",
                                   "cpu_model": "Test CPU"}},
           "benchmarks": [dict(row, name=w + "/barrier=buffered"),
                          {"name": w + "/barrier=baseline",
                           "run_type": "iteration", "ns_per_store": base}]}
    with open(args["out"], "w") as f:
        json.dump(doc, f)
    """)


@needs_go
class EndToEndTest(unittest.TestCase):
    def test_one_round_writes_section_and_samples(self):
        tmp = tempfile.mkdtemp(prefix="wbbench-calibrate-e2e-")
        self.addCleanup(shutil.rmtree, tmp)
        build = os.path.join(tmp, "build")
        results = os.path.join(tmp, "results")
        os.makedirs(build)
        os.makedirs(results)
        write_script(os.path.join(build, "wbbench"), FAKE_WBBENCH)
        write_script(os.path.join(build, "wbbench_micro"),
                     "#!/bin/sh\ncat <<'EOF'\n" + MICRO + "\nEOF\n")
        readme = os.path.join(results, "README.md")
        with open(readme, "w") as f:
            f.write("# wbbench results\n\nkept\n")
        cmd = ["/usr/bin/python3", CALIBRATE, "--build", build, "--results",
               results, "--repetitions", "1", "--duration", "0.05"]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=300,
                           env=dict(os.environ, WBBENCH_GO=REAL_GO[0]))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("| mark: CPU ms", p.stdout)
        with open(readme, encoding="utf-8") as f:
            text = f.read()
        self.assertTrue(text.startswith("# wbbench results\n\nkept\n\n"))
        self.assertIn("commit `abc1234` on `test vm`", text)
        self.assertNotIn("Notes on this machine", text)
        # A hand-written notes file for the machine goes into the section.
        with open(os.path.join(results, "calibration", "test_vm-notes.md"),
                  "w") as f:
            f.write("The mark is slower in Go because of X.\n")
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=300,
                           env=dict(os.environ, WBBENCH_GO=REAL_GO[0]))
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(readme, encoding="utf-8") as f:
            text = f.read()
        self.assertIn("`calibration/test_vm-notes.md`", text)
        self.assertIn("The mark is slower in Go because of X.", text)
        self.assertEqual(text.count(calibrate.BEGIN_MARKER), 1)
        samples = os.path.join(results, "calibration", "test_vm-abc1234.json")
        with open(samples) as f:
            doc = json.load(f)
        self.assertEqual(len(doc["rounds"]), 1)
        self.assertEqual(sorted(doc["orders"][0]),
                         sorted(calibrate.MEASUREMENTS))
        self.assertEqual(doc["samples"]["barrier_cost"]["wb"], [16.0])
        self.assertEqual(len(doc["samples"]["barrier_cost"]["go"]), 1)
        self.assertEqual(doc["samples"]["mark_cpu"]["wb"], [238.85])


if __name__ == "__main__":
    unittest.main()
