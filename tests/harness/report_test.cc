// The reporters: Google Benchmark JSON that compare.py accepts with its U
// test, Go benchmark format that parses as benchfmt, CSV, and absent figures
// staying absent.
#include "harness/report.h"

#include <unistd.h>

#include <fstream>
#include <regex>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "harness/atomic_file.h"
#include "harness/json_report.h"
#include "subprocess.h"

namespace harness {
namespace {

Report MakeReport(double ns_scale, int reps, bool with_cycles) {
  Report r;
  r.meta.cpu_model = "Test CPU";
  r.meta.cores = 2;
  r.meta.tsc_hz = 2.4e9;
  r.meta.cycles_source = with_cycles ? "estimate" : "";
  r.meta.baseline = "same workload, barrier none, gc=stw";
  r.meta.gc_mode = "concurrent";
  r.meta.algorithm = "hybrid";
  r.meta.repetitions = reps;
  r.meta.build_type = "release";
  for (const char* barrier : {"unbuffered", "buffered"}) {
    Row row;
    row.workload = "tree-reverse";
    row.barrier = barrier;
    row.name = absl::StrCat("tree-reverse/barrier=", barrier);
    double base = (std::string(barrier) == "unbuffered" ? 30 : 10) * ns_scale;
    for (int i = 0; i < reps; ++i) {
      Repetition rep;
      rep.index = i;
      rep.counters[kStores] = 1e6;
      rep.counters[kNsPerStore] = base + 0.1 * i;
      rep.counters[kBarrierNsPerStore] = base - 1 + 0.1 * i;
      rep.counters[kLostObjects] = 0;
      if (with_cycles) rep.counters[kCyclesPerStore] = 3 * (base + 0.1 * i);
      row.repetitions.push_back(rep);
    }
    r.rows.push_back(row);
  }
  return r;
}

std::string TempPath(const std::string& name) {
  return absl::StrCat(::testing::TempDir(), "/wbbench-", getpid(), "-", name);
}

// Every verifier verdict fails a row: lost objects and unbalanced mark
// accounting, in any leg (prefixed keys).
TEST(ReportTest, VerifierVerdictCountsLostObjectsAndAccountingErrors) {
  EXPECT_EQ(VerifierVerdict({}), "");
  EXPECT_EQ(VerifierVerdict({{kLostObjects, 0}, {kAccountingErrors, 0}}), "");
  EXPECT_EQ(VerifierVerdict({{"off_lost_objects", 2}, {kLostObjects, 1}}),
            "verifier found 3 lost objects");
  EXPECT_EQ(VerifierVerdict(
                {{kLostObjects, 0}, {"incremental_accounting_errors", 1}}),
            "verifier found 1 cycle whose mark accounting did not balance");
  EXPECT_EQ(VerifierVerdict({{kLostObjects, 4}, {kAccountingErrors, 2}}),
            "verifier found 4 lost objects; 2 cycles whose mark accounting "
            "did not balance");
}

TEST(ReportTest, JsonRecordsTheWarmupVerdicts) {
  Report r = MakeReport(1.0, 2, false);
  EXPECT_TRUE(
      absl::StrContains(JsonReport(r), "\"warmup_lost_objects\": null"));
  r.meta.warmup_lost_objects = 3;
  r.meta.warmup_accounting_errors = 1;
  const std::string json = JsonReport(r);
  EXPECT_TRUE(absl::StrContains(json, "\"warmup_lost_objects\": 3")) << json;
  EXPECT_TRUE(absl::StrContains(json, "\"warmup_accounting_errors\": 1"))
      << json;
}

TEST(ReportTest, CompareAcceptsOurJsonWithItsUTest) {
  std::string a = TempPath("a.json"), b = TempPath("b.json");
  ASSERT_TRUE(
      WriteFileAtomically(a, JsonReport(MakeReport(1.0, 9, true))).ok());
  ASSERT_TRUE(
      WriteFileAtomically(b, JsonReport(MakeReport(1.5, 9, true))).ok());
  auto r = testing_util::RunCommand(
      "/usr/bin/python3 /usr/share/benchmark/compare.py benchmarks " + a + " " +
      b);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(absl::StrContains(r.out, "tree-reverse/barrier=buffered"))
      << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "_pvalue")) << r.out;  // the U test ran
  EXPECT_FALSE(absl::StrContains(r.out + r.err, "Traceback")) << r.err;
  unlink(a.c_str());
  unlink(b.c_str());
}

TEST(ReportTest, JsonHasAggregatesAndNoAbsentCounter) {
  std::string json = JsonReport(MakeReport(1.0, 9, false));
  EXPECT_TRUE(absl::StrContains(json, "\"run_type\": \"aggregate\""));
  EXPECT_TRUE(absl::StrContains(json, "tree-reverse/barrier=buffered_median"));
  EXPECT_TRUE(absl::StrContains(json, "\"ns_per_store_ci_low\""));
  EXPECT_FALSE(absl::StrContains(json, "cycles_per_store\"")) << json;
}

TEST(ReportTest, GoFormatParsesAsBenchfmt) {
  std::string go = GoReport(MakeReport(1.0, 3, true));
  std::regex config("^[a-z][^\\s:]*: .*$");
  std::regex result("^Benchmark[^a-z\\s]\\S* \\d+( [-+0-9.e]+ \\S+)+$");
  std::regex unit("^Unit \\S+( [a-z]+=\\S+)+$");
  int results = 0, units = 0;
  for (absl::string_view line : absl::StrSplit(go, '\n', absl::SkipEmpty())) {
    std::string l(line);
    bool ok = std::regex_match(l, config) || std::regex_match(l, result) ||
              std::regex_match(l, unit);
    EXPECT_TRUE(ok) << "not benchfmt: " << l;
    results += std::regex_match(l, result);
    units += std::regex_match(l, unit);
  }
  EXPECT_EQ(results, 6);
  EXPECT_GT(units, 0);
  EXPECT_TRUE(
      absl::StrContains(go, "BenchmarkTreeReverse/barrier=buffered-1 "));
  EXPECT_TRUE(absl::StrContains(go, "cycles-source: estimate"));
}

TEST(ReportTest, GoFormatLeavesOutCyclesWhenNotMeasured) {
  std::string go = GoReport(MakeReport(1.0, 3, false));
  EXPECT_FALSE(absl::StrContains(go, " cycles/store")) << go;
}

TEST(ReportTest, CsvLeavesAbsentCellsEmpty) {
  Report r = MakeReport(1.0, 2, true);
  r.rows[0].repetitions[0].counters.erase(kCyclesPerStore);
  std::string csv = CsvReport(r);
  std::vector<std::string> lines = absl::StrSplit(csv, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_TRUE(
      absl::StartsWith(lines[0], "name,workload,barrier,repetition,error,"));
  EXPECT_TRUE(absl::StrContains(lines[1], ",,")) << lines[1];
}

TEST(ReportTest, ConsoleNamesSourceBaselineAndComparison) {
  std::string text = ConsoleReport(MakeReport(1.0, 9, true));
  EXPECT_TRUE(absl::StrContains(text, "ESTIMATE")) << text;
  EXPECT_TRUE(absl::StrContains(text, "barrier none, gc=stw")) << text;
  EXPECT_TRUE(absl::StrContains(text, "buffered / unbuffered")) << text;
  EXPECT_TRUE(absl::StrContains(text, "significant")) << text;
  EXPECT_TRUE(absl::StrContains(text, "own est.cyc/b.st")) << text;
  // The per-configuration figures only with --verbose.
  EXPECT_FALSE(absl::StrContains(text, "est.cycles/store")) << text;
  std::string verbose = ConsoleReport(MakeReport(1.0, 9, true), true);
  EXPECT_TRUE(absl::StrContains(verbose, "est.cycles/store")) << verbose;
}

TEST(ReportTest, ConsoleLeadsWithOwnCostAndFitsIn120Columns) {
  Report r = MakeReport(1.0, 9, true);
  for (Row& row : r.rows) {
    if (row.barrier == "baseline") continue;
    for (Repetition& rep : row.repetitions) {
      rep.counters[kOwnNsPerBarrieredStore] = 123.456 + rep.index;
      rep.counters[kOwnCyclesPerBarrieredStore] = 456.789 + rep.index;
      rep.counters[kCheckNsPerStore] = -12.345;
      rep.counters[kInterferenceNsPerStore] = -23.456;
      rep.counters[kDroppedBlockFraction] = 0.123;
    }
  }
  std::string text = ConsoleReport(r);
  EXPECT_TRUE(absl::StrContains(text, "own_ns_per_barriered_store")) << text;
  bool table = false;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (absl::StartsWith(line, "workload ")) {
      table = true;
      EXPECT_TRUE(absl::StrContains(line, "own ns/b.store")) << line;
    }
    if (table && line.empty()) break;
    if (table) {
      EXPECT_LE(line.size(), 120u) << line;
    }
  }
  EXPECT_TRUE(table) << text;
}

TEST(ReportTest, AtomicWriteReplacesWholeFileAndLeavesNoTemp) {
  std::string p = TempPath("atomic.txt");
  ASSERT_TRUE(WriteFileAtomically(p, "old").ok());
  ASSERT_TRUE(WriteFileAtomically(p, "new contents").ok());
  std::ifstream in(p);
  std::string s((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(s, "new contents");
  auto ls = testing_util::RunCommand("ls " + p + ".tmp.* 2>/dev/null | wc -l");
  EXPECT_EQ(ls.out, "0\n");
  EXPECT_FALSE(WriteFileAtomically("/nonexistent-dir/x.json", "x").ok());
  unlink(p.c_str());
}

}  // namespace
}  // namespace harness
