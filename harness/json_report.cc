// File: harness/json_report.cc
//
// The JSON reporter: Google Benchmark's JSON layout (a "context" object,
// then one "benchmarks" entry per repetition and, for more than one
// repetition, the mean, median, stddev, cv and min aggregates), so that
// Google Benchmark's compare.py and analysis/ read it; wbbench's own
// metadata sits in context.wbbench.
#include "harness/json_report.h"

#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "harness/statistics.h"

namespace harness {

std::string JsonString(absl::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          absl::StrAppendFormat(&out, "\\u%04x", c);
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string JsonNumber(double v) {
  if (!std::isfinite(v)) return "null";
  return absl::StrFormat("%.10g", v);
}

std::string JsonReport(const Report& report) {
  const Metadata& m = report.meta;
  std::string out = "{\n  \"context\": {\n";
  absl::StrAppend(&out, "    \"date\": ", JsonString(m.date), ",\n");
  absl::StrAppend(&out, "    \"host_name\": ", JsonString(m.host_name), ",\n");
  absl::StrAppend(&out, "    \"executable\": ", JsonString(m.executable),
                  ",\n");
  absl::StrAppend(&out, "    \"num_cpus\": ", m.cores, ",\n");
  absl::StrAppend(&out, "    \"mhz_per_cpu\": ", JsonNumber(m.mhz_per_cpu),
                  ",\n");
  absl::StrAppend(&out, "    \"cpu_scaling_enabled\": false,\n");
  absl::StrAppend(&out, "    \"caches\": [],\n");
  absl::StrAppend(&out, "    \"load_avg\": [", JsonNumber(m.load_avg[0]), ",",
                  JsonNumber(m.load_avg[1]), ",", JsonNumber(m.load_avg[2]),
                  "],\n");
  absl::StrAppend(
      &out, "    \"library_build_type\": ", JsonString(m.build_type), ",\n");
  std::vector<std::string> sources;
  for (const auto& [event, source] : m.counter_sources) {
    sources.push_back(
        absl::StrCat(JsonString(event), ": ", JsonString(source)));
  }
  absl::StrAppend(
      &out, "    \"wbbench\": {\n",
      "      \"machine\": ", JsonString(m.machine), ",\n",
      "      \"cpu_model\": ", JsonString(m.cpu_model), ",\n",
      "      \"cores\": ", m.cores, ",\n",
      "      \"tsc_hz\": ", JsonNumber(m.tsc_hz), ",\n",
      "      \"est_core_hz\": ",
      m.est_core_hz ? JsonNumber(*m.est_core_hz) : "null", ",\n",
      "      \"est_core_hz_median\": ",
      m.est_core_hz_median ? JsonNumber(*m.est_core_hz_median) : "null", ",\n",
      "      \"est_core_hz_p10\": ",
      m.est_core_hz_p10 ? JsonNumber(*m.est_core_hz_p10) : "null", ",\n",
      "      \"blocks\": ", JsonNumber(m.blocks), ",\n",
      "      \"dropped_blocks\": ", JsonNumber(m.dropped_blocks), ",\n",
      "      \"kernel\": ", JsonString(m.kernel), ",\n",
      "      \"compiler\": ", JsonString(m.compiler), ",\n",
      "      \"flags\": ", JsonString(m.flags), ",\n",
      "      \"git_commit\": ", JsonString(m.git_commit), ",\n",
      "      \"cycles_source\": ", JsonString(m.cycles_source), ",\n",
      "      \"counter_sources\": {", absl::StrJoin(sources, ", "), "},\n",
      "      \"counters_missing_reason\": ",
      JsonString(m.counters_missing_reason), ",\n",
      "      \"counter_read_ns\": ",
      m.counter_read_ns ? JsonNumber(*m.counter_read_ns) : "null", ",\n",
      "      \"steal_percent\": ", JsonNumber(m.steal_percent), ",\n",
      "      \"interrupted\": ", m.interrupted ? "true" : "false", ",\n",
      "      \"warmup_lost_objects\": ",
      m.warmup_lost_objects ? JsonNumber(*m.warmup_lost_objects) : "null",
      ",\n", "      \"warmup_accounting_errors\": ",
      m.warmup_accounting_errors ? JsonNumber(*m.warmup_accounting_errors)
                                 : "null",
      ",\n", "      \"baseline\": ", JsonString(m.baseline), ",\n",
      "      \"gc\": ", JsonString(m.gc_mode), ",\n",
      "      \"algorithm\": ", JsonString(m.algorithm), ",\n",
      m.filter == "none"
          ? ""
          : absl::StrCat("      \"filter\": ", JsonString(m.filter), ",\n"),
      "      \"threads\": ", m.threads, ",\n",
      "      \"repetitions\": ", m.repetitions, ",\n",
      "      \"ops\": ", m.ops ? JsonNumber(*m.ops) : "null", ",\n",
      "      \"scale\": ", JsonNumber(m.scale), ",\n",
      "      \"counting\": ", JsonString(m.counting), ",\n",
      "      \"valgrind\": ", JsonString(m.valgrind), "\n    }\n  },\n");

  std::vector<std::string> rows;
  auto row_json = [&](const Row& row, int family, const std::string& name,
                      const std::string& run_type, const std::string& aggregate,
                      int rep_index, const std::map<std::string, double>& c) {
    std::string r = absl::StrCat(
        "    {\n      \"name\": ", JsonString(name),
        ",\n      \"family_index\": ", family,
        ",\n      \"per_family_instance_index\": 0,\n      \"run_name\": ",
        JsonString(row.name), ",\n      \"run_type\": ", JsonString(run_type),
        ",\n      \"repetitions\": ", row.repetitions.size(), ",\n");
    if (aggregate.empty()) {
      absl::StrAppend(&r, "      \"repetition_index\": ", rep_index, ",\n");
    } else {
      absl::StrAppend(&r, "      \"aggregate_name\": ", JsonString(aggregate),
                      ",\n      \"aggregate_unit\": ",
                      JsonString(aggregate == "cv" ? "percentage" : "time"),
                      ",\n");
    }
    auto get = [&](const char* k, double fallback) {
      auto it = c.find(k);
      return it == c.end() ? fallback : it->second;
    };
    double ns = get(kNsPerStore, 0);
    const bool untimed = report.meta.counting == "valgrind";
    absl::StrAppend(
        &r, "      \"threads\": ", report.meta.threads,
        ",\n      \"iterations\": ",
        aggregate.empty() ? JsonNumber(get(kStores, 0))
                          : absl::StrCat(row.repetitions.size()),
        // Counted under valgrind, a row has no time: null, not 0.
        ",\n      \"real_time\": ", untimed ? "null" : JsonNumber(ns),
        ",\n      \"cpu_time\": ",
        untimed ? "null" : JsonNumber(get(kCpuNsPerStore, ns)),
        ",\n      \"time_unit\": \"ns\"");
    if (!row.algorithm.empty()) {
      absl::StrAppend(&r,
                      ",\n      \"algorithm\": ", JsonString(row.algorithm));
    }
    if (!row.error.empty()) {
      absl::StrAppend(&r, ",\n      \"error_occurred\": true",
                      ",\n      \"error_message\": ", JsonString(row.error));
    }
    for (const auto& [k, v] : c) {
      absl::StrAppend(&r, ",\n      ", JsonString(k), ": ", JsonNumber(v));
    }
    return r + "\n    }";
  };
  int family = 0;
  for (const Row& row : report.rows) {
    if (!row.error.empty() && row.repetitions.empty()) {
      rows.push_back(row_json(row, family, row.name, "iteration", "", 0, {}));
    }
    for (const Repetition& rep : row.repetitions) {
      rows.push_back(row_json(row, family, row.name, "iteration", "", rep.index,
                              rep.counters));
    }
    std::map<std::string, std::map<std::string, double>> agg;
    std::set<std::string> keys;
    for (const Repetition& rep : row.repetitions) {
      for (const auto& [k, v] : rep.counters) keys.insert(k);
    }
    for (const std::string& k : keys) {
      Summary s = Summarize(RowValues(row, k));
      agg["mean"][k] = s.mean;
      agg["median"][k] = s.median;
      agg["stddev"][k] = s.stddev;
      if (s.mean != 0) agg["cv"][k] = s.stddev / s.mean;
      agg["min"][k] = s.min;
      if (s.ci_low) {
        agg["median"][k + "_ci_low"] = *s.ci_low;
        agg["median"][k + "_ci_high"] = *s.ci_high;
      }
    }
    if (row.repetitions.size() > 1) {
      for (const char* a : {"mean", "median", "stddev", "cv", "min"}) {
        rows.push_back(row_json(row, family, absl::StrCat(row.name, "_", a),
                                "aggregate", a, 0, agg[a]));
      }
    }
    ++family;
  }
  absl::StrAppend(&out, "  \"benchmarks\": [\n", absl::StrJoin(rows, ",\n"),
                  "\n  ]\n}\n");
  return out;
}

}  // namespace harness
