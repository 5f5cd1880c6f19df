// wbbench's measured run, tested as a user runs it: the report formats, the
// atomic --out file under a kill, Ctrl-C marking the report interrupted, and
// the exit status when the verifier finds lost objects.
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "subprocess.h"

namespace {

using testing_util::RunCommand;
using testing_util::WbbenchBinary;

// A run small enough for a test: tiny heaps, short repetitions.
const char kSmall[] =
    " --workload=list-queue --scale=0.01 --repetitions=2 --duration=20ms";

std::string TempPath(const std::string& name) {
  return absl::StrCat(::testing::TempDir(), "/wbbench-run-", getpid(), "-",
                      name);
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Where the value of each counter whose key ends with `key` starts (any
// leg's prefix; a leading `"` in `key` anchors it to the unprefixed key).
std::vector<size_t> ValuesOf(const std::string& json, const std::string& key) {
  const std::string k = key + "\": ";
  std::vector<size_t> at;
  for (size_t i = json.find(k); i != std::string::npos;
       i = json.find(k, i + 1)) {
    at.push_back(i + k.size());
  }
  return at;
}

// Every counter whose key ends with `key` has a value that starts with
// `value`, and there is at least one.
void ExpectEveryValueIs(const std::string& json, const std::string& key,
                        const std::string& value) {
  const std::vector<size_t> at = ValuesOf(json, key);
  for (size_t i : at) {
    EXPECT_EQ(json.substr(i, value.size()), value) << json.substr(i, 60);
  }
  EXPECT_GT(at.size(), 0u) << key;
}

// Whether every block of every row's main leg was dropped (each unprefixed
// dropped_block_fraction is 1): such a run has, honestly, no ns_per_store.
bool EveryBlockDropped(const std::string& json) {
  const std::vector<size_t> at = ValuesOf(json, "\"dropped_block_fraction");
  return !at.empty() && std::all_of(at.begin(), at.end(), [&](size_t i) {
    return json.compare(i, 2, "1,") == 0 || json.compare(i, 2, "1\n") == 0;
  });
}

TEST(WbbenchRunTest, JsonOutHasEveryRowAndTheCounterSources) {
  std::string out = TempPath("run.json");
  // The per-store keys need a kept block in some row.  A block is dropped
  // when the thread is switched out, and a sanitizer build on two loaded
  // cores dropped every block of a whole run (CI, 20 ms and 60 ms
  // repetitions alike), so a run that kept nothing is tried again, and if
  // three in a row keep nothing the machine cannot time this at all: skip.
  std::string json;
  testing_util::CommandResult r;
  for (int attempt = 0; attempt < 3; ++attempt) {
    r = RunCommand(
        WbbenchBinary() +
        " --workload=list-queue --scale=0.01 --repetitions=2 --duration=60ms"
        " --barrier=buffered,unbuffered --format=json --out=" +
        out);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    json = Slurp(out);
    if (!EveryBlockDropped(json)) break;
  }
  if (EveryBlockDropped(json)) {
    unlink(out.c_str());
    GTEST_SKIP() << "every block of three runs was dropped (the thread was "
                    "switched out in each): too loaded to time";
  }
  for (const char* name :
       {"list-queue/barrier=buffered", "list-queue/barrier=unbuffered",
        "list-queue/barrier=baseline", "\"cycles_source\"",
        "\"counter_sources\"", "\"steal_percent\"", "\"interrupted\": false",
        "\"ns_per_store\"", "\"barriered_stores\"",
        "\"own_ns_per_barriered_store\"", "\"check_ns_per_store\"",
        "\"pause_ns_per_store\"", "\"assist_ns_per_store\"",
        "\"dropped_block_fraction\"", "\"incremental_mark_steps\"",
        "\"termination_retries_per_cycle\"", "\"est_core_hz_median\""}) {
    EXPECT_TRUE(absl::StrContains(json, name)) << name;
  }
  // Interference needs barrier-on chunks kept in both marking
  // configurations, which a slow (sanitizer) build may not get in 20 ms.
  if (absl::StrContains(json, "\"ns_per_store_barrier_on\"") &&
      absl::StrContains(json, "\"incremental_ns_per_store_barrier_on\"")) {
    EXPECT_TRUE(absl::StrContains(json, "\"interference_ns_per_store\""));
  }
  // No incremental mark step ran inside a timed chunk (one mutator).
  ExpectEveryValueIs(json, "incremental_mark_step_chunks", "0,");
  // The console table still goes to stdout, leading with the own cost and
  // naming the baseline.
  const std::string console = absl::StrReplaceAll(r.out, {{"\n  ", " "}});
  EXPECT_TRUE(absl::StrContains(console, "own ns/b.store")) << r.out;
  EXPECT_TRUE(absl::StrContains(console, "no barrier code, gc=stw")) << r.out;
  unlink(out.c_str());
}

TEST(WbbenchRunTest, KillMidRunLeavesNoFile) {
  std::string out = TempPath("killed.json");
  auto r = RunCommand(absl::StrCat(
      WbbenchBinary(), " --workload=list-queue --scale=0.01 --repetitions=50 ",
      "--duration=50ms --format=json --out=", out,
      " & pid=$!; sleep 1; kill -KILL $pid; wait $pid; ls ",
      ::testing::TempDir(), " | grep -c 'wbbench-run-", getpid(),
      "-killed' || true"));
  EXPECT_EQ(r.out, "0\n") << "a partial or temporary file was left behind";
}

// --out was checked before the run; if it still cannot be written at the
// end (here its directory is removed mid-run), the report goes to stdout and
// the exit status says the file was not written.
TEST(WbbenchRunTest, AnOutFileThatCannotBeWrittenAtTheEndGoesToStdout) {
  const std::string dir = TempPath("gone");
  auto r = RunCommand(absl::StrCat(
      "mkdir -p ", dir, " && { ", WbbenchBinary(),
      " --workload=list-queue --scale=0.01 --repetitions=3 --duration=200ms "
      "--format=json --out=",
      dir, "/run.json & pid=$!; sleep 0.5; rmdir ", dir,
      "; wait $pid; echo status=$?; }"));
  EXPECT_TRUE(absl::StrContains(r.out, "status=3")) << r.out << r.err;
  EXPECT_TRUE(absl::StrContains(r.out, "\"benchmarks\"")) << r.out;
  EXPECT_TRUE(absl::StrContains(r.err, "cannot write")) << r.err;
  EXPECT_TRUE(absl::StrContains(r.err, "went to stdout")) << r.err;
}

TEST(WbbenchRunTest, InterruptStopsAndMarksTheReport) {
  std::string out = TempPath("interrupted.json");
  auto r = RunCommand(absl::StrCat(
      WbbenchBinary(), " --workload=list-queue --scale=0.01 --repetitions=400 ",
      "--duration=50ms --format=json --out=", out,
      " & pid=$!; sleep 3; kill -INT $pid; wait $pid; echo status=$?"));
  EXPECT_TRUE(absl::StrContains(r.out, "status=130")) << r.out << r.err;
  std::string json = Slurp(out);
  EXPECT_TRUE(absl::StrContains(json, "\"interrupted\": true")) << json;
  EXPECT_TRUE(absl::StrContains(json, "list-queue/barrier=buffered")) << json;
  unlink(out.c_str());
}

// A thread the system cannot create (here: 2 GB thread stacks, the default
// size being ulimit -s, in 4 GB of address space) is one error line and
// status 1, not std::terminate.
TEST(WbbenchRunTest, AThreadThatCannotBeCreatedIsAnErrorLine) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "a sanitized wbbench cannot start under ulimit -v";
#else
  auto r = RunCommand("ulimit -v 4000000; ulimit -s 2000000; " +
                      WbbenchBinary() + kSmall + " --barrier=buffered");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(absl::StrContains(r.err, "wbbench: cannot create a thread"))
      << r.err;
  EXPECT_FALSE(absl::StrContains(r.err, "terminate")) << r.err;
#endif
}

// A huge --ops would run for days: Ctrl-C still stops it.
TEST(WbbenchRunTest, InterruptStopsAHugeOpsRun) {
  std::string out = TempPath("interrupted-ops.json");
  // A watchdog kills a run that ignores the SIGINT (status 137).  The
  // SIGINT comes late enough that the handler is installed after start-up
  // (one before it also reads as status 130, with no file).
  auto r = RunCommand(absl::StrCat(
      WbbenchBinary(), " --workload=list-queue --scale=0.01 --repetitions=2 ",
      "--ops=1000000000000 --format=json --out=", out,
      " & pid=$!; sleep 5; kill -INT $pid; "
      "(sleep 60; kill -KILL $pid 2>/dev/null) & w=$!; "
      "wait $pid; echo status=$?; kill $w"));
  EXPECT_TRUE(absl::StrContains(r.out, "status=130")) << r.out << r.err;
  EXPECT_TRUE(absl::StrContains(Slurp(out), "\"interrupted\": true"));
  unlink(out.c_str());
}

// `none` under concurrent marking is unsound; run as a demonstration with
// --verify, the verifier finds lost objects and the run fails.  Two
// workloads that store into old objects, so that losing nothing in both is
// out of the question (each lost objects in every trial run).
TEST(WbbenchRunTest, LostObjectsMakeTheRunFail) {
  auto r = RunCommand(WbbenchBinary() +
                      " --workload=list-queue,hash-churn --scale=0.05 "
                      "--repetitions=2 --duration=300ms --barrier=none "
                      "--unsafe --gc=continuous --verify");
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(absl::StrContains(r.err, "lost objects")) << r.err;
}

TEST(WbbenchRunTest, SoundRunUnderVerifyLosesNothing) {
  std::string out = TempPath("verify.json");
  auto r = RunCommand(WbbenchBinary() +
                      " --workload=graph-rewire --scale=0.02 --repetitions=2 "
                      "--duration=300ms --barrier=buffered --gc=continuous "
                      "--verify --format=json --out=" +
                      out);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  // Every verdict is recorded: the warm-up's, and each repetition's (the
  // baseline's too).
  const std::string json = Slurp(out);
  EXPECT_TRUE(absl::StrContains(json, "\"warmup_lost_objects\": 0")) << json;
  EXPECT_TRUE(absl::StrContains(json, "\"warmup_accounting_errors\": 0"));
  ExpectEveryValueIs(json, "lost_objects", "0");
  ExpectEveryValueIs(json, "accounting_errors", "0");
  unlink(out.c_str());
}

// Go's cgocheck=2 checks every store, marking or not: in every leg of the
// row (the stop-the-world check leg too) the check saw every store.
TEST(WbbenchRunTest, CgocheckChecksEveryStoreInEveryLeg) {
  std::string out = TempPath("cgocheck.json");
  auto r = RunCommand(WbbenchBinary() + kSmall +
                      " --barrier=cgocheck --format=json --out=" + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The repetitions' rows, before the aggregates (whose stddev is 0).
  const std::string all = Slurp(out);
  const std::string json = all.substr(0, all.find("\"aggregate_name\""));
  ExpectEveryValueIs(json, "cgocheck_checked_fraction", "1,");
  EXPECT_TRUE(absl::StrContains(json, "\"off_cgocheck_checked_fraction\""));
  unlink(out.c_str());
}

// A kind that runs one algorithm runs it beside the run's default (per row,
// with its stack-scan policy), loses nothing under --verify, and its row
// says which algorithm it ran; satb counts the null old values it skipped.
TEST(WbbenchRunTest, ASingleAlgorithmKindRunsItsOwnAlgorithmPerRow) {
  std::string out = TempPath("per-row.json");
  auto r = RunCommand(WbbenchBinary() + kSmall +
                      " --barrier=buffered,satb --gc=continuous --verify "
                      "--format=json --out=" +
                      out);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string json = Slurp(out);
  EXPECT_TRUE(absl::StrContains(json, "\"algorithm\": \"hybrid\"")) << json;
  EXPECT_TRUE(absl::StrContains(json, "\"algorithm\": \"yuasa\""));
  // satb's built-in nil filter counts what it skips (the fraction needs a
  // barriered store, which a short run under a sanitizer may not make).
  EXPECT_TRUE(absl::StrContains(json, "\"filtered_stores\""));
  ExpectEveryValueIs(json, "lost_objects", "0");
  EXPECT_TRUE(absl::StrContains(r.out, "satb (yuasa)")) << r.out;
  EXPECT_FALSE(absl::StrContains(r.out, "buffered (hybrid)")) << r.out;
  unlink(out.c_str());
}

// --filter=same on the buffered barrier: its rows count what it skipped.
TEST(WbbenchRunTest, AFilterReportsWhatItFiltered) {
  std::string out = TempPath("filter.json");
  auto r = RunCommand(WbbenchBinary() + kSmall +
                      " --barrier=buffered,unbuffered --filter=same "
                      "--format=json --out=" +
                      out);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string json = Slurp(out);
  EXPECT_TRUE(absl::StrContains(json, "\"filter\": \"same\"")) << json;
  const size_t unbuffered = json.find("list-queue/barrier=unbuffered");
  ASSERT_NE(unbuffered, std::string::npos);
  EXPECT_TRUE(
      absl::StrContains(json.substr(0, unbuffered), "\"filtered_stores\""));
  EXPECT_EQ(json.find("\"filtered_stores\"", unbuffered), std::string::npos)
      << "only the buffered rows filter";
  EXPECT_TRUE(absl::StrContains(r.out, "filter=same")) << r.out;
  unlink(out.c_str());
}

TEST(WbbenchRunTest, NoneUnderConcurrentMarkingIsRefused) {
  auto r = RunCommand(WbbenchBinary() + kSmall + " --barrier=none");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(absl::StrContains(r.err, "none")) << r.err;
}

}  // namespace
