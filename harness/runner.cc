// File: harness/runner.cc
//
// The plan of a measured run: its rows and legs, the rounds that
// interleave them, the decomposition of each row's figures, and the run's
// metadata and verdicts.  Each repetition runs in harness/repetition.cc.
#include "harness/runner.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "barriers/barrier_config.h"
#include "gc/gc_config.h"
#include "harness/clock.h"
#include "harness/counter_probe.h"
#include "harness/counter_set.h"
#include "harness/metadata.h"
#include "harness/repetition.h"
#include "harness/statistics.h"
#include "workloads/workload.h"

namespace harness {
namespace {

constexpr char kBaselineName[] = "baseline";
// A leg that dropped more than this share of its blocks for descheduling
// measured a machine too busy to trust (reported, see report.cc).
constexpr double kDroppedWarn = 0.2;

// The configurations a row's figures come from (runner.h).
enum class Leg { kBaseline, kOff, kIncremental, kConcurrent };

const char* LegName(Leg leg) {
  switch (leg) {
    case Leg::kBaseline:
      return "baseline";
    case Leg::kOff:
      return "off";
    case Leg::kIncremental:
      return "incremental";
    case Leg::kConcurrent:
      return "concurrent";
  }
  return "?";
}

struct Config {
  RepetitionConfig run;
  Leg leg;
  size_t row;
};

// The legs of a barrier's row: the check leg (barrier code, collector
// stopping the world, so the barrier is never on), the incremental leg
// (own cost) and the concurrent leg (--gc=concurrent or continuous), as far
// as --gc and the barrier allow.  `none` is sound only without concurrent
// marking, so it gets the check leg (and, with --unsafe, the concurrent
// one).
std::vector<std::pair<Leg, gc::GcMode>> LegsFor(barriers::BarrierKind b,
                                                const Options& o) {
  const gc::GcMode m = o.gc.mode;
  const bool concurrent =
      m == gc::GcMode::kConcurrent || m == gc::GcMode::kContinuous;
  const bool none = !barriers::TraitsOf(b).sound;
  std::vector<std::pair<Leg, gc::GcMode>> legs;
  legs.push_back({Leg::kOff, m == gc::GcMode::kOff ? m : gc::GcMode::kStw});
  if ((concurrent || m == gc::GcMode::kIncremental) && (!none || o.unsafe)) {
    legs.push_back({Leg::kIncremental, gc::GcMode::kIncremental});
  }
  if (concurrent && (!none || o.unsafe)) legs.push_back({Leg::kConcurrent, m});
  return legs;
}

// Where a leg's counters go in its row's repetition: the row's last leg
// (the concurrent one where there is one) keeps the plain names, which is
// what the single-configuration figures (ns_per_store, flushes, GCs,
// barrier_ns_per_store) describe; the others are prefixed with the leg's
// name ("off_ns_per_store", "incremental_gc_cycles").
std::string LegPrefix(Leg leg, Leg main) {
  return leg == main ? "" : absl::StrCat(LegName(leg), "_");
}

// The decomposition (runner.h), for every repetition of `row`, against the
// baseline repetition with the same index.  Cycles convert the ns figures at
// the repetition's own cycles per ns (hardware or estimated).
void Decompose(const Row& baseline, Leg main, const std::vector<Leg>& legs,
               bool hardware, Row* row) {
  auto has = [&](Leg l) {
    return std::find(legs.begin(), legs.end(), l) != legs.end();
  };
  auto get = [&](const Repetition& rep, Leg l,
                 const char* key) -> std::optional<double> {
    if (!has(l)) return std::nullopt;
    auto it = rep.counters.find(LegPrefix(l, main) + key);
    if (it == rep.counters.end()) return std::nullopt;
    return it->second;
  };
  auto base_of = [&](const Repetition& rep) -> std::optional<double> {
    for (const Repetition& b : baseline.repetitions) {
      if (b.index == rep.index && b.counters.contains(kNsPerStore)) {
        return b.counters.at(kNsPerStore);
      }
    }
    return std::nullopt;
  };
  // The check of each repetition, and their median: own adds the median,
  // so that the repetitions' spread in own is the spread of its paired
  // part (the check's own spread is in its column).
  std::vector<double> checks;
  for (const Repetition& rep : row->repetitions) {
    auto off = get(rep, Leg::kOff, kNsPerStore);
    auto base = base_of(rep);
    if (off && base) checks.push_back(*off - *base);
  }
  std::optional<double> check_median;
  if (!checks.empty()) check_median = Summarize(checks).median;
  for (Repetition& rep : row->repetitions) {
    auto& k = rep.counters;
    const std::optional<double> base_ns = base_of(rep);
    // Cycles per ns: the estimated core clock, or the hardware counter's
    // ratio in the first leg that measured both.
    double cycles_per_ns = hardware ? 0 : EstimatedCoreHz() / 1e9;
    for (Leg l : legs) {
      auto c = get(rep, l, kCyclesPerStore);
      auto n = get(rep, l, kNsPerStore);
      if (hardware && c && n && *n > 0) {
        cycles_per_ns = *c / *n;
        break;
      }
    }
    auto put = [&](const char* ns_key, const char* cycles_key, double v) {
      k[ns_key] = v;
      if (cycles_per_ns > 0) k[cycles_key] = v * cycles_per_ns;
    };
    auto off = get(rep, Leg::kOff, kNsPerStore);
    auto inc_on = get(rep, Leg::kIncremental, kNsPerStoreBarrierOn);
    auto inc_off = get(rep, Leg::kIncremental, kNsPerStoreBarrierOff);
    auto inc_frac = get(rep, Leg::kIncremental, kBarrieredFractionOn);
    auto conc_on = get(rep, Leg::kConcurrent, kNsPerStoreBarrierOn);
    auto conc_frac = get(rep, Leg::kConcurrent, kBarrieredFractionOn);
    if (base_ns && off) {
      put(kCheckNsPerStore, kCheckCyclesPerStore, *off - *base_ns);
    }
    // on - baseline = (on - off, paired within the incremental leg's heap
    // and moment) + check: the first part, which holds the barrier's work,
    // escapes the machine's drift between repetitions.  Without the leg's
    // own barrier-off chunks: on - baseline.
    if (inc_on && inc_frac && *inc_frac > 0) {
      std::optional<double> on_minus_base;
      if (inc_off && check_median) {
        on_minus_base = *inc_on - *inc_off + *check_median;
      } else if (base_ns) {
        on_minus_base = *inc_on - *base_ns;
      }
      if (on_minus_base) {
        put(kOwnNsPerBarrieredStore, kOwnCyclesPerBarrieredStore,
            *on_minus_base / *inc_frac);
      }
    }
    if (inc_on && conc_on) {
      put(kInterferenceNsPerStore, kInterferenceCyclesPerStore,
          *conc_on - *inc_on);
    }
    // The single-configuration share of the concurrent leg, as before the
    // decomposition: own cost and interference together.
    if (base_ns && conc_on && conc_frac && *conc_frac > 0) {
      put(kBarrierNsPerStore, kBarrierCyclesPerStore,
          (*conc_on - *base_ns) / *conc_frac);
    }
  }
}

}  // namespace

absl::StatusOr<Report> RunBenchmarks(const Options& o,
                                     const ProgressFn& progress) {
  for (barriers::BarrierKind b : o.barriers) {
    if (absl::Status s =
            barriers::CheckBarrierForGcMode(b, o.gc.mode, o.unsafe);
        !s.ok()) {
      return s;
    }
  }
  absl::StatusOr<CounterSet> counter_set = CounterSet::Parse(o.counters);
  if (!counter_set.ok()) return counter_set.status();

  Report report;
  Metadata& m = report.meta;
  FillMachineMetadata(&m);
  m.gc_mode = gc::GcModeName(o.gc.mode);
  m.algorithm = std::string(barriers::InfoFor(o.algorithm).name);
  m.filter = std::string(barriers::InfoFor(o.filter).name);
  m.threads = o.threads;
  m.repetitions = o.repetitions;
  if (o.ops) m.ops = static_cast<double>(*o.ops);
  m.scale = o.scale;
  m.baseline =
      "own = (ns/store with the barrier on, gc=incremental - baseline) / "
      "barriered fraction; check = barrier code, gc=stw (barrier off) - "
      "baseline; interference = gc=" +
      std::string(gc::GcModeName(o.gc.mode == gc::GcMode::kConcurrent
                                     ? o.gc.mode
                                     : gc::GcMode::kContinuous)) +
      " - gc=incremental, barrier-on chunks; baseline = no barrier code, "
      "gc=stw; chunks are mutator time only (pauses, assists and descheduled "
      "blocks left out)";
  CounterAvailability avail = ProbeCounters(*counter_set);
  for (const auto& e : avail.events) {
    m.counter_sources[e.name] = e.available
                                    ? std::string(CounterSourceName(e.source))
                                    : absl::StrCat("unavailable: ", e.detail);
  }
  m.counter_sources["tsc_ticks"] = "tsc";
  if (avail.group_read_ns > 0) m.counter_read_ns = avail.group_read_ns;
  bool hw_cycles = false;
  for (const auto& e : avail.events) {
    if (e.name == "cycles" && e.available) hw_cycles = true;
  }
  if (hw_cycles) {
    m.cycles_source = "hardware";
  } else if (m.est_core_hz) {
    m.cycles_source = "estimate";
    m.counters_missing_reason = avail.summary;
  }

  // Rows: each barrier of each workload, then the workload's baseline;
  // configs: every leg of every row, run once per round.
  std::vector<Row> rows;
  std::vector<std::vector<Leg>> row_legs;
  std::vector<size_t> baseline_of;  // row -> its workload's baseline row
  std::vector<Config> configs;
  for (workloads::WorkloadKind w : o.workloads) {
    const std::string wname(workloads::WorkloadName(w));
    const size_t first = rows.size();
    auto add_row = [&](const std::string& bname) {
      Row row;
      row.workload = wname;
      row.barrier = bname;
      row.name = absl::StrCat(wname, "/barrier=", bname);
      rows.push_back(std::move(row));
      row_legs.emplace_back();
      return rows.size() - 1;
    };
    for (barriers::BarrierKind b : o.barriers) {
      const size_t r = add_row(std::string(barriers::BarrierName(b)));
      rows[r].algorithm = RowAlgorithmLabel(o, b);
      for (const auto& [leg, mode] : LegsFor(b, o)) {
        configs.push_back({{w, b, mode}, leg, r});
        row_legs[r].push_back(leg);
      }
    }
    const size_t base = add_row(kBaselineName);
    configs.push_back({{w, barriers::BarrierKind::kNone, gc::GcMode::kStw},
                       Leg::kBaseline,
                       base});
    row_legs[base].push_back(Leg::kBaseline);
    for (size_t r = first; r < rows.size(); ++r) baseline_of.push_back(base);
  }

  std::string warmup_error;
  size_t warmup_row = SIZE_MAX;
  const CpuTimes cpu_before = ReadCpuTimes();
  // One warm-up repetition (code, page cache, calibrations); every
  // repetition after it starts from a fresh heap, so warming each
  // configuration separately would buy nothing.
  const int total = static_cast<int>(configs.size()) * o.repetitions + 1;
  int done = 0;
  for (int rep = -1; rep < o.repetitions && !interrupt_requested; ++rep) {
    const size_t n = rep < 0 ? 1 : configs.size();
    for (size_t i = 0; i < n && !interrupt_requested; ++i) {
      const Config& c = configs[i];
      Row& row = rows[c.row];
      if (progress) {
        progress(done, total,
                 absl::StrCat(row.name, " ", LegName(c.leg),
                              rep < 0 ? " warm-up"
                                      : absl::StrCat(" repetition ", rep + 1,
                                                     "/", o.repetitions)));
      }
      std::map<std::string, double> k = RunRepetition(o, c.run, *counter_set);
      ++done;
      if (rep < 0) {
        // The warm-up is not reported, but what its verifier found counts.
        if (o.gc.verify) {
          m.warmup_lost_objects = k[kLostObjects];
          m.warmup_accounting_errors = k[kAccountingErrors];
        }
        if (std::string v = VerifierVerdict(k); !v.empty()) {
          warmup_error = absl::StrCat("warm-up (", LegName(c.leg), "): ", v);
          warmup_row = c.row;
        }
        continue;
      }
      if (row.repetitions.empty() || row.repetitions.back().index != rep) {
        row.repetitions.push_back({rep, {}});
      }
      const std::string prefix = LegPrefix(c.leg, row_legs[c.row].back());
      for (const auto& [key, v] : k) {
        row.repetitions.back().counters[prefix + key] = v;
      }
    }
  }
  m.interrupted = interrupt_requested.load();
  m.steal_percent = StealPercent(cpu_before, ReadCpuTimes());

  for (size_t i = 0; i < rows.size(); ++i) {
    for (Leg l : row_legs[i]) rows[i].configs.push_back(LegName(l));
    if (row_legs[i].back() != Leg::kBaseline) {
      Decompose(rows[baseline_of[i]], row_legs[i].back(), row_legs[i],
                hw_cycles, &rows[i]);
    }
    // The verifier's verdicts, over every repetition and leg (the baseline's
    // too), and the warm-up's: any of them fails the row.
    std::map<std::string, double> verifier;
    for (const Repetition& r : rows[i].repetitions) {
      for (const auto& [key, v] : r.counters) {
        if (key.ends_with(kLostObjects)) verifier[kLostObjects] += v;
        if (key.ends_with(kAccountingErrors)) verifier[kAccountingErrors] += v;
      }
    }
    std::vector<std::string> errors;
    if (std::string v = VerifierVerdict(verifier); !v.empty()) {
      errors.push_back(v);
    }
    if (i == warmup_row && !warmup_error.empty())
      errors.push_back(warmup_error);
    if (!errors.empty()) rows[i].error = absl::StrJoin(errors, "; ");
    // Blocks and dropped blocks per leg (by key prefix), over repetitions.
    std::map<std::string, std::pair<double, double>> legs;
    for (const Repetition& r : rows[i].repetitions) {
      for (const auto& [key, v] : r.counters) {
        if (key.ends_with(kBlocks)) {
          const std::string prefix =
              key.substr(0, key.size() - std::strlen(kBlocks));
          auto f = r.counters.find(prefix + kDroppedBlockFraction);
          if (f != r.counters.end()) {
            legs[prefix].first += v;
            legs[prefix].second += v * f->second;
          }
        }
      }
    }
    for (const auto& [prefix, counts] : legs) {
      const auto& [blocks, dropped] = counts;
      m.blocks += blocks;
      m.dropped_blocks += dropped;
      if (blocks > 0 && dropped / blocks > kDroppedWarn) {
        std::string leg =
            prefix.empty() ? "" : prefix.substr(0, prefix.size() - 1);
        if (leg.empty()) leg = LegName(row_legs[i].back());
        m.too_many_dropped.push_back(
            absl::StrCat(rows[i].name, " (", leg, ")"));
      }
    }
  }
  report.rows = std::move(rows);
  return report;
}

}  // namespace harness
