// File: harness/report.cc
//
// The console table, CSV and Go benchmark format reporters, and the
// verifier's verdict; the JSON reporter is harness/json_report.cc.
#include "harness/report.h"

#include <cmath>
#include <cstdio>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "harness/json_report.h"
#include "harness/statistics.h"
namespace harness {

std::vector<double> RowValues(const Row& row, const std::string& key) {
  std::vector<double> v;
  for (const Repetition& r : row.repetitions) {
    auto it = r.counters.find(key);
    if (it != r.counters.end()) v.push_back(it->second);
  }
  return v;
}

namespace {

// Every counter key that appears in any repetition of any row, sorted.
std::set<std::string> AllKeys(const Report& report) {
  std::set<std::string> keys;
  for (const Row& row : report.rows) {
    for (const Repetition& r : row.repetitions) {
      for (const auto& [k, v] : r.counters) keys.insert(k);
    }
  }
  return keys;
}

// "12.3" or "-" when absent.
std::string Fixed(std::optional<double> v, int digits = 2) {
  if (!v) return "-";
  return absl::StrFormat("%.*f", digits, *v);
}

std::optional<double> MedianOf(const Row& row, const std::string& key) {
  std::vector<double> v = RowValues(row, key);
  if (v.empty()) return std::nullopt;
  return Summarize(v).median;
}

// The figure barrier comparisons are made on: the barrier's own cost where
// both rows have it, else the concurrent share, else ns per store.
std::string ComparisonKey(const Row& a, const Row& b) {
  for (const char* key : {kOwnNsPerBarrieredStore, kBarrierNsPerStore}) {
    if (!RowValues(a, key).empty() && !RowValues(b, key).empty()) return key;
  }
  return kNsPerStore;
}

// "3.12 [3.05,3.20]", compact for the 120-column table: two decimals below
// 10, one below 100, none above.
std::string Compact(const std::vector<double>& v) {
  if (v.empty()) return "-";
  Summary s = Summarize(v);
  const double a = std::fabs(s.median);
  const int d = a < 10 ? 2 : a < 100 ? 1 : 0;
  if (!s.ci_low) return absl::StrFormat("%.*f (n<6)", d, s.median);
  return absl::StrFormat("%.*f [%.*f,%.*f]", d, s.median, d, *s.ci_low, d,
                         *s.ci_high);
}

// Left-aligns the first two columns, right-aligns the rest; a line with
// fewer cells than the header (an error) is printed as it is.
}  // namespace

std::string FormatConsoleTable(
    const std::vector<std::vector<std::string>>& table) {
  std::vector<size_t> width(table[0].size(), 0);
  for (const auto& line : table) {
    for (size_t i = 0; i < line.size() && line.size() == width.size(); ++i) {
      width[i] = std::max(width[i], line[i].size());
    }
  }
  std::string out;
  for (const auto& line : table) {
    std::string s;
    for (size_t i = 0; i < line.size(); ++i) {
      size_t w = line.size() == width.size() ? width[i] : 0;
      absl::StrAppend(&s, i ? "  " : "",
                      i < 2 ? absl::StrFormat("%-*s", w, line[i])
                            : absl::StrFormat("%*s", w, line[i]));
    }
    absl::StrAppend(&out, absl::StripTrailingAsciiWhitespace(s), "\n");
  }
  return out;
}

// `text` as lines of at most kConsoleWidth columns, broken at spaces, the
// lines after the first indented by two.
constexpr size_t kConsoleWidth = 120;
std::string WrapConsole(absl::string_view text) {
  std::string out, line;
  for (absl::string_view word : absl::StrSplit(text, ' ', absl::SkipEmpty())) {
    if (!line.empty() && line.size() + 1 + word.size() > kConsoleWidth) {
      absl::StrAppend(&out, line, "\n");
      line = "  ";
    }
    absl::StrAppend(&line, line.empty() || line == "  " ? "" : " ", word);
  }
  if (!line.empty()) absl::StrAppend(&out, line, "\n");
  return out;
}

std::string FilteredSummary(const Report& report) {
  std::string rows;
  for (const Row& row : report.rows) {
    auto frac = MedianOf(row, kFilteredFraction);
    if (!frac) continue;
    absl::StrAppendFormat(&rows, "  %-13s %-16s %.1f%%  (%s stores)\n",
                          row.workload, BarrierCell(row), *frac * 100,
                          Fixed(MedianOf(row, kFilteredStores), 0));
  }
  if (rows.empty()) return "";
  return absl::StrCat(
      "\nfiltered: the share of barriered stores the generated code's filter "
      "skipped (median; --filter, satb's null old values)\n",
      rows);
}

std::string BarrierCell(const Row& row) {
  return row.algorithm.empty()
             ? row.barrier
             : absl::StrCat(row.barrier, " (", row.algorithm, ")");
}

namespace {

const Row* BaselineFor(const Report& report, const Row& row) {
  for (const Row& r : report.rows) {
    if (r.workload == row.workload && r.barrier == "baseline") return &r;
  }
  return nullptr;
}

// Each configuration of `row` with the prefix of its counters' keys.
std::vector<std::pair<std::string, std::string>> ConfigsOf(const Row& row) {
  std::vector<std::pair<std::string, std::string>> out;
  for (size_t i = 0; i < row.configs.size(); ++i) {
    const std::string& c = row.configs[i];
    out.push_back({c, i + 1 == row.configs.size() ? "" : c + "_"});
  }
  return out;
}

}  // namespace

std::string VerifierVerdict(const std::map<std::string, double>& counters) {
  double lost = 0, unbalanced = 0;
  for (const auto& [key, v] : counters) {
    if (key.ends_with(kLostObjects)) lost += v;
    if (key.ends_with(kAccountingErrors)) unbalanced += v;
  }
  std::vector<std::string> found;
  if (lost > 0) found.push_back(absl::StrCat(lost, " lost objects"));
  if (unbalanced > 0) {
    found.push_back(absl::StrCat(unbalanced,
                                 unbalanced == 1 ? " cycle" : " cycles",
                                 " whose mark accounting did not balance"));
  }
  if (found.empty()) return "";
  return absl::StrCat("verifier found ", absl::StrJoin(found, "; "));
}

std::string ConsoleReport(const Report& report, bool verbose) {
  const Metadata& m = report.meta;
  std::string out;
  absl::StrAppendFormat(&out, "wbbench  %s  %d cores  TSC %.3f GHz  %s\n",
                        m.cpu_model, m.cores, m.tsc_hz / 1e9, m.git_commit);
  const bool estimate = m.cycles_source == "estimate";
  if (m.cycles_source == "hardware") {
    absl::StrAppend(&out, "cycles: hardware counter (perf_event cycles)\n");
  } else if (estimate) {
    absl::StrAppend(
        &out,
        WrapConsole(absl::StrFormat(
            "cycles: ESTIMATE = mutator TSC time x core clock %.2f GHz "
            "(fastest of the calibration's trials; median %.2f, 10th "
            "percentile %.2f); no hardware counter (%s)",
            m.est_core_hz.value_or(0) / 1e9,
            m.est_core_hz_median.value_or(0) / 1e9,
            m.est_core_hz_p10.value_or(0) / 1e9, m.counters_missing_reason)));
  } else {
    absl::StrAppend(&out, "cycles: not available; ns from the TSC\n");
  }
  absl::StrAppend(&out, WrapConsole(absl::StrCat("figures: ", m.baseline)));
  absl::StrAppendFormat(
      &out, "gc=%s algorithm=%s%s threads=%d repetitions=%d%s\n", m.gc_mode,
      m.algorithm, m.filter == "none" ? "" : " filter=" + m.filter, m.threads,
      m.repetitions, m.interrupted ? "  INTERRUPTED: partial results" : "");
  if (m.steal_percent >= 1) {
    absl::StrAppendFormat(&out, "warning: %.1f%% CPU steal during the run\n",
                          m.steal_percent);
  }
  if (m.blocks > 0) {
    absl::StrAppendFormat(
        &out,
        "descheduled: %.0f of %.0f blocks of chunks dropped (%.1f%%): the "
        "mutator was switched out or migrated\n",
        m.dropped_blocks, m.blocks, 100 * m.dropped_blocks / m.blocks);
  }
  if (!m.too_many_dropped.empty()) {
    absl::StrAppend(
        &out,
        WrapConsole(absl::StrCat(
            "warning: the mutator was switched out in over 20% of the blocks "
            "of the configurations ",
            absl::StrJoin(m.too_many_dropped, ", "),
            " (by other load, or by the collector's own threads on too few "
            "cores): their figures hold only the undisturbed blocks")));
  }
  absl::StrAppend(&out, "medians with 95% CI over repetitions\n\n");

  const std::string cyc = estimate ? "est.cycles" : "cycles";
  std::vector<std::vector<std::string>> table = {
      {"workload", "barrier", "own ns/b.store",
       "own " + std::string(estimate ? "est.cyc" : "cycles") + "/b.st",
       "check ns/st", "interf. ns/st", "base ns", "dropped"}};
  for (const Row& row : report.rows) {
    if (row.barrier == "baseline") continue;
    if (!row.error.empty()) {
      table.push_back({row.workload, BarrierCell(row), "ERROR: " + row.error});
      continue;
    }
    const Row* base = BaselineFor(report, row);
    auto dropped = MedianOf(row, kDroppedBlockFraction);
    table.push_back(
        {row.workload, BarrierCell(row),
         Compact(RowValues(row, kOwnNsPerBarrieredStore)),
         Compact(RowValues(row, kOwnCyclesPerBarrieredStore)),
         Compact(RowValues(row, kCheckNsPerStore)),
         Compact(RowValues(row, kInterferenceNsPerStore)),
         base ? Fixed(MedianOf(*base, kNsPerStore)) : "-",
         dropped ? absl::StrFormat("%.1f%%", *dropped * 100) : "-"});
  }
  absl::StrAppend(&out, FormatConsoleTable(table));
  absl::StrAppend(
      &out,
      WrapConsole(
          "own: barrier on with nothing else running (gc=incremental) - "
          "base, per barriered store (b.st); check: barrier code with the "
          "barrier off - base; interf.: the concurrent marker beside the "
          "mutator; base: no barrier code; --verbose: every configuration"));
  absl::StrAppend(&out, FilteredSummary(report));

  if (verbose) {
    std::vector<std::vector<std::string>> v = {
        {"workload", "barrier", "config", cyc + "/store", "ns/store",
         "barrier on", "flushes/1k", "GCs", "max pause us", "pause ns/st",
         "assist ns/st", "dropped", "lost"}};
    for (const Row& row : report.rows) {
      for (const auto& [leg, p] : ConfigsOf(row)) {
        auto on = MedianOf(row, p + kBarrierOnFraction);
        auto dropped = MedianOf(row, p + kDroppedBlockFraction);
        v.push_back({row.workload, BarrierCell(row), leg,
                     Compact(RowValues(row, p + kCyclesPerStore)),
                     Compact(RowValues(row, p + kNsPerStore)),
                     on ? absl::StrFormat("%.0f%%", *on * 100) : "-",
                     Fixed(MedianOf(row, p + kFlushesPer1000), 1),
                     Fixed(MedianOf(row, p + kGcCycles), 0),
                     Fixed(MedianOf(row, p + kMaxPauseUs), 0),
                     Fixed(MedianOf(row, p + kPauseNsPerStore)),
                     Fixed(MedianOf(row, p + kAssistNsPerStore)),
                     dropped ? absl::StrFormat("%.1f%%", *dropped * 100) : "-",
                     Fixed(MedianOf(row, p + kLostObjects), 0)});
      }
    }
    absl::StrAppend(&out, "\n", FormatConsoleTable(v));
  }

  int no_own = 0;
  for (const Row& row : report.rows) {
    if (row.barrier != "baseline" && row.error.empty() &&
        !RowValues(row, absl::StrCat("incremental_", kStores)).empty() &&
        RowValues(row, kOwnNsPerBarrieredStore).empty()) {
      ++no_own;
    }
  }
  if (no_own > 0) {
    absl::StrAppendFormat(&out,
                          "\nnote: %d row(s) have no own cost: no chunk ran "
                          "with the barrier on under gc=incremental.\n",
                          no_own);
  }

  // Side by side: every barrier of a workload against the first one listed.
  bool header = false;
  for (size_t i = 0; i < report.rows.size(); ++i) {
    for (size_t j = i + 1; j < report.rows.size(); ++j) {
      const Row& a = report.rows[j];
      const Row& b = report.rows[i];
      if (a.workload != b.workload || !a.error.empty() || !b.error.empty() ||
          a.barrier == "baseline" || b.barrier == "baseline") {
        continue;
      }
      bool first_b = true;
      for (size_t k = 0; k < i; ++k) {
        if (report.rows[k].workload == b.workload) first_b = false;
      }
      if (!first_b) continue;
      if (!header) {
        absl::StrAppend(&out,
                        "\ncomparisons (ratio of medians, 95% bootstrap "
                        "CI, two-sided Mann-Whitney U):\n");
        header = true;
      }
      std::string key = ComparisonKey(a, b);
      Comparison c = Compare(RowValues(a, key), RowValues(b, key));
      std::string verdict =
          c.too_few_samples
              ? "too few repetitions for a U test (need 4+, 9+ advised)"
              : absl::StrFormat(
                    "p=%.3g %s", *c.p_value,
                    c.significant ? "significant" : "not significant");
      absl::StrAppendFormat(
          &out, "  %-13s %s / %s (%s): %s %s  %s\n", a.workload, a.barrier,
          b.barrier, key,
          c.ratio ? absl::StrFormat("%.2fx", *c.ratio)
                  : "no ratio (median <= 0)",
          c.ratio_ci_low ? absl::StrFormat("[%.2f, %.2f]", *c.ratio_ci_low,
                                           *c.ratio_ci_high)
                         : "",
          verdict);
    }
  }
  return out;
}

std::string CsvReport(const Report& report) {
  std::set<std::string> keys = AllKeys(report);
  std::string out = absl::StrCat("name,workload,barrier,repetition,error,",
                                 absl::StrJoin(keys, ","), "\n");
  for (const Row& row : report.rows) {
    std::string error =
        absl::StrReplaceAll(row.error, {{",", ";"}, {"\n", " "}});
    if (row.repetitions.empty()) {
      absl::StrAppend(&out, row.name, ",", row.workload, ",", row.barrier, ",,",
                      error, std::string(keys.size(), ','), "\n");
    }
    for (const Repetition& rep : row.repetitions) {
      absl::StrAppend(&out, row.name, ",", row.workload, ",", row.barrier, ",",
                      rep.index, ",", error);
      for (const std::string& k : keys) {
        auto it = rep.counters.find(k);
        absl::StrAppend(&out, ",",
                        it == rep.counters.end() ? "" : JsonNumber(it->second));
      }
      absl::StrAppend(&out, "\n");
    }
  }
  return out;
}

std::string GoReport(const Report& report) {
  const Metadata& m = report.meta;
  // Go benchmark format (golang.org/design/14313-benchmark-format): config
  // lines, then one result line per repetition, then unit metadata.
  std::string out = absl::StrCat(
      "goos: linux\ngoarch: amd64\npkg: wbbench\ncpu: ", m.cpu_model,
      "\ncommit: ", m.git_commit,
      "\ncycles-source: ", m.cycles_source.empty() ? "none" : m.cycles_source,
      "\nbaseline: ", absl::StrReplaceAll(m.baseline, {{" ", "_"}}),
      "\ngc: ", m.gc_mode, "\nalgorithm: ", m.algorithm, "\n");
  // Go units: value then unit, the unit naming the per-store denominator.
  const std::pair<const char*, const char*> kUnits[] = {
      {kNsPerStore, "ns/store"},
      {kCyclesPerStore, "cycles/store"},
      {kTscTicksPerStore, "tsc-ticks/store"},
      {kBarrierNsPerStore, "barrier-ns/barriered-store"},
      {kBarrierCyclesPerStore, "barrier-cycles/barriered-store"},
      {kOwnNsPerBarrieredStore, "own-ns/barriered-store"},
      {kOwnCyclesPerBarrieredStore, "own-cycles/barriered-store"},
      {kCheckNsPerStore, "check-ns/store"},
      {kCheckCyclesPerStore, "check-cycles/store"},
      {kInterferenceNsPerStore, "interference-ns/store"},
      {kInterferenceCyclesPerStore, "interference-cycles/store"},
      {kPauseNsPerStore, "pause-ns/store"},
      {kAssistNsPerStore, "assist-ns/store"},
      {kFlushesPer1000, "flushes/kstore"},
      {kMaxPauseUs, "max-pause-us"},
      {kLostObjects, "lost-objects"}};
  std::set<std::string> used;
  for (const Row& row : report.rows) {
    if (!row.error.empty()) continue;
    std::string camel;
    bool upper = true;
    for (char c : row.workload) {
      if (c == '-') {
        upper = true;
        continue;
      }
      camel += upper ? absl::ascii_toupper(c) : c;
      upper = false;
    }
    for (const Repetition& rep : row.repetitions) {
      auto stores = rep.counters.find(kStores);
      absl::StrAppend(&out, "Benchmark", camel, "/barrier=", row.barrier, "-",
                      m.threads, " ",
                      stores == rep.counters.end()
                          ? "1"
                          : absl::StrFormat("%.0f", stores->second));
      for (const auto& [key, unit] : kUnits) {
        auto it = rep.counters.find(key);
        if (it == rep.counters.end()) continue;
        absl::StrAppend(&out, " ", absl::StrFormat("%.6g", it->second), " ",
                        unit);
        used.insert(unit);
      }
      absl::StrAppend(&out, "\n");
    }
  }
  for (const auto& [key, unit] : kUnits) {
    if (!used.contains(unit)) continue;
    absl::StrAppend(&out, "Unit ", unit, " better=lower assume=nothing\n");
  }
  return out;
}

}  // namespace harness
