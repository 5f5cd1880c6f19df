"""Tests of analysis/mark_peers.py that need neither Go nor libgc.

A missing toolchain must give one line naming the Debian package and exit
status 2 (stand-ins for go and cc play the missing or present toolchain);
the parsers must read the peers' output formats.
"""

import os
import shutil
import stat
import subprocess
import sys
import tempfile
import textwrap
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ANALYSIS = os.path.join(os.path.dirname(os.path.dirname(HERE)), "analysis")
sys.path.insert(0, ANALYSIS)

import mark_peers  # noqa: E402

SCRIPT = os.path.join(ANALYSIS, "mark_peers.py")

# go_tree_mark under GOMAXPROCS=1 GODEBUG=gctrace=1: a cycle the build
# triggered, the settling cycle, two measured ones (stderr and stdout).
GO_OUTPUT = textwrap.dedent("""\
    gc 1 @0.052s 10%: 0.013+35+0.007 ms clock, 0.013+2.3/7.5/0+0.007 ms cpu, 3->5->5 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 1 P
    gc 2 @1.006s 18%: 0.009+192+0.007 ms clock, 0.009+0/53/138+0.007 ms cpu, 64->64->64 MB, 128 MB goal, 0 MB stacks, 0 MB globals, 1 P (forced)
    gc 3 @1.202s 19%: 0.011+60+0.007 ms clock, 0.011+0/20/40+0.007 ms cpu, 64->64->64 MB, 128 MB goal, 0 MB stacks, 0 MB globals, 1 P (forced)
    runtime.GC 0: 61.0 ms, cpu 60.0 ms
    gc 4 @1.338s 20%: 0.013+70+0.005 ms clock, 0.013+1/29/40+0.005 ms cpu, 64->64->64 MB, 128 MB goal, 0 MB stacks, 0 MB globals, 1 P (forced)
    runtime.GC 1: 71.0 ms, cpu 62.0 ms
    mean runtime.GC over 2 cycles, 4194303 nodes: 66.0 ms, cpu 61.0 ms
    """)

BOEHM_OUTPUT = textwrap.dedent("""\
    boehm collection 0: mark wall 40.000 ms cpu 38.000 ms; gcollect wall 42.000 ms cpu 40.000 ms
    boehm collection 1: mark wall 44.000 ms cpu 42.000 ms; gcollect wall 46.000 ms cpu 44.000 ms
    boehm median over 2 collections, 4194303 nodes, heap 134270976 bytes, 1 marker threads: mark wall 42.000 ms cpu 40.000 ms; gcollect wall 44.000 ms cpu 42.000 ms
    """)


def write_script(path, body):
    with open(path, "w") as f:
        f.write("#!/bin/sh\n" + body + "\n")
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR)
    return path


class MissingToolchainTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="wbbench-mark-peers-test-")
        self.addCleanup(shutil.rmtree, self.tmp)
        # Any executable does for wbbench_micro: nothing runs before the checks.
        self.micro = write_script(os.path.join(self.tmp, "micro"), "exit 0")
        self.go = write_script(os.path.join(self.tmp, "go"),
                               'echo "go version go1.19.8 linux/amd64"')
        self.cc_without_gc = write_script(os.path.join(self.tmp, "cc"),
                                          "exit 1")

    def run_script(self, *args):
        return subprocess.run([sys.executable, SCRIPT, *args],
                              capture_output=True, text=True, timeout=120)

    def test_missing_go_names_its_package(self):
        r = self.run_script(self.micro, "--go",
                            os.path.join(self.tmp, "no-such-go"))
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("apt-get install golang-1.19-go", r.stderr)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1)
        self.assertEqual(r.stdout, "")

    def test_other_go_version_counts_as_missing(self):
        other = write_script(os.path.join(self.tmp, "go1.22"),
                             'echo "go version go1.22.0 linux/amd64"')
        r = self.run_script(self.micro, "--go", other)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("golang-1.19-go", r.stderr)

    def test_missing_libgc_names_its_package(self):
        r = self.run_script(self.micro, "--go", self.go, "--cc",
                            self.cc_without_gc)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("apt-get install libgc-dev", r.stderr)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1)

    def test_bad_micro_path(self):
        r = self.run_script(os.path.join(self.tmp, "nothing-here"))
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("not an executable", r.stderr)


class ParseTest(unittest.TestCase):
    def test_go_leaves_out_the_settling_cycle(self):
        rows = mark_peers.parse_go(GO_OUTPUT)
        # Forced cycles 3 and 4: cpu 0+20+40 and 1+29+40, clock 60 and 70.
        self.assertAlmostEqual(rows["go"]["cpu"], (60 + 70) / 2)
        self.assertAlmostEqual(rows["go"]["wall"], (60 + 70) / 2)
        self.assertAlmostEqual(rows["go_ru"]["cpu"], 61.0)
        self.assertAlmostEqual(rows["go_ru"]["wall"], 66.0)

    def test_go_without_measured_cycles_is_an_error(self):
        with self.assertRaises(mark_peers.RunError):
            mark_peers.parse_go(GO_OUTPUT.splitlines()[0])

    def test_boehm(self):
        rows = mark_peers.parse_boehm(BOEHM_OUTPUT)
        self.assertAlmostEqual(rows["boehm"]["cpu"], 40.0)
        self.assertAlmostEqual(rows["boehm"]["wall"], 42.0)

    def test_wbbench(self):
        text = ('{"benchmarks": [{"name": "BM_MarkThroughput/22/min_time:2.000'
                '/manual_time", "run_type": "iteration", "real_time": 0.05, '
                '"time_unit": "s", "mark_cpu_ms": 48.5}]}')
        rows = mark_peers.parse_wbbench(text)
        self.assertAlmostEqual(rows["wbbench"]["cpu"], 48.5)
        self.assertAlmostEqual(rows["wbbench"]["wall"], 50.0)


if __name__ == "__main__":
    unittest.main()
