// File: harness/report.h
//
// What a wbbench run measured, independent of how it is printed, and the
// reporters that print it: a console table, CSV, and Go benchmark format
// (so benchstat reads it).  Google Benchmark JSON, which compare.py and
// analysis/ read, is harness/json_report.h; writing a report to its file is
// harness/atomic_file.h.
//
// A figure that was not measured is absent from a repetition's counters and
// is printed as absent ("-" or a missing key), never as 0.  Every report
// names the source of the cycle figures and the baseline of the barrier's
// share (Metadata::cycles_source, Metadata::baseline).
#ifndef WBBENCH_HARNESS_REPORT_H_
#define WBBENCH_HARNESS_REPORT_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace harness {

// Counter keys; the JSON and Go reporters use these names verbatim.
inline constexpr char kCyclesPerStore[] = "cycles_per_store";
inline constexpr char kNsPerStore[] = "ns_per_store";
inline constexpr char kTscTicksPerStore[] = "tsc_ticks_per_store";
inline constexpr char kBarrierCyclesPerStore[] = "barrier_cycles_per_store";
inline constexpr char kBarrierNsPerStore[] = "barrier_ns_per_store";
inline constexpr char kStores[] = "stores";
inline constexpr char kBarrieredStores[] = "barriered_stores";
inline constexpr char kFlushes[] = "flushes";
inline constexpr char kFlushesPer1000[] = "flushes_per_1000_stores";
// TSC ns a flush spends shading its buffer, per recorded pointer (nil
// included): the figure the calibration sets beside Go's wbBufFlush1.
inline constexpr char kFlushNsPerPointer[] = "flush_ns_per_recorded_pointer";
inline constexpr char kGcCycles[] = "gc_cycles";
inline constexpr char kMarkMs[] = "mark_ms";
inline constexpr char kMaxPauseUs[] = "max_pause_us";
inline constexpr char kLostObjects[] = "lost_objects";
// Verified cycles whose mark accounting did not balance (gc/checkmark.h):
// a marker bug even where nothing was lost.
inline constexpr char kAccountingErrors[] = "accounting_errors";
// Mark terminations that found new work and went back to marking, per GC
// cycle measured.
inline constexpr char kTerminationRetriesPerCycle[] =
    "termination_retries_per_cycle";
// Card-marking kinds (cardmark): dirty cards rescanned per measured cycle
// by the concurrent preclean passes and by the remark (each dirtied card is
// rescanned once, so their sum is the cards dirtied), and the remark pause
// (a cycle's final termination pause, which holds the remark), mean and
// maximum.
inline constexpr char kCardsPrecleanedPerCycle[] = "cards_precleaned_per_cycle";
inline constexpr char kCardsRemarkedPerCycle[] = "cards_remarked_per_cycle";
inline constexpr char kRemarkPauseUs[] = "remark_pause_us";
inline constexpr char kMaxRemarkPauseUs[] = "max_remark_pause_us";
// cgocheck: the share of stores the check saw (Go's cgocheck=2 keeps the
// barrier on for the whole run, so 1 in every leg).
inline constexpr char kCgocheckCheckedFraction[] = "cgocheck_checked_fraction";
// --redundancy (gc::ShadeTally), over the measured stores: the share of
// barriered stores whose shading marked nothing (every pointer it recorded
// was nil, outside the heap or already marked when shading reached it, or
// the record was dropped because marking had ended), the share of the
// recorded non-nil heap pointers already marked, and of recorded pointers
// that were nil.
inline constexpr char kRedundantStoreFraction[] = "redundant_store_fraction";
inline constexpr char kAlreadyMarkedFraction[] = "already_marked_fraction";
inline constexpr char kNilRecordedFraction[] = "nil_recorded_fraction";
inline constexpr char kShadedEntries[] = "shaded_entries";
// MiB the scavenger (gc/scavenger.h) returned to the kernel over the
// repetition, its warm-up included; only where a scavenger ran.
inline constexpr char kScavengedMib[] = "scavenged_mib";
inline constexpr char kBarrierOnFraction[] = "barrier_on_fraction";
inline constexpr char kCpuNsPerStore[] = "cpu_ns_per_store";
// Over the chunks that ran with the barrier on at both ends.
inline constexpr char kNsPerStoreBarrierOn[] = "ns_per_store_barrier_on";
inline constexpr char kBarrieredFractionOn[] = "barriered_fraction_barrier_on";
// Over the chunks that ran with the barrier off at both ends, in a run that
// also had barrier-on chunks.
inline constexpr char kNsPerStoreBarrierOff[] = "ns_per_store_barrier_off";

// Mutator time outside the chunks, per store (harness/chunk_meter.h).
inline constexpr char kPauseNsPerStore[] = "pause_ns_per_store";
inline constexpr char kAssistNsPerStore[] = "assist_ns_per_store";
// Blocks of chunks timed, and the share dropped for descheduling.
inline constexpr char kBlocks[] = "blocks";
inline constexpr char kDroppedBlockFraction[] = "dropped_block_fraction";
// Incremental schedule: mark steps run, and chunks during which one ran.
inline constexpr char kMarkSteps[] = "mark_steps";
inline constexpr char kMarkStepChunks[] = "mark_step_chunks";
// The decomposition (harness/runner.h), each with its cycles twin.
inline constexpr char kCheckNsPerStore[] = "check_ns_per_store";
inline constexpr char kCheckCyclesPerStore[] = "check_cycles_per_store";
inline constexpr char kOwnNsPerBarrieredStore[] = "own_ns_per_barriered_store";
inline constexpr char kOwnCyclesPerBarrieredStore[] =
    "own_cycles_per_barriered_store";
inline constexpr char kInterferenceNsPerStore[] = "interference_ns_per_store";
inline constexpr char kInterferenceCyclesPerStore[] =
    "interference_cycles_per_store";
// --counters=valgrind (harness/valgrind_counts.h): the chunks callgrind
// counted, their stores, and counted chunks in which the barrier switched.
inline constexpr char kCountedChunks[] = "counted_chunks";
inline constexpr char kCountedStores[] = "counted_stores";
inline constexpr char kCountedBarrieredStores[] = "counted_barriered_stores";
inline constexpr char kCountedSwitches[] = "counted_barrier_switches";
// Where the barrier's own instructions ran: calls of the generated code,
// its fast path per call, and, per barriered store, the fast path, the
// flush (the JIT's flush path and what it calls) and the bulk barriers.
inline constexpr char kBarrierCalls[] = "barrier_calls";
inline constexpr char kFastPathInstructionsPerCall[] =
    "fast_path_instructions_per_call";
inline constexpr char kFastPathInstructionsPerBarriered[] =
    "fast_path_instructions_per_barriered_store";
inline constexpr char kFlushInstructionsPerBarriered[] =
    "flush_instructions_per_barriered_store";
inline constexpr char kBulkInstructionsPerBarriered[] =
    "bulk_instructions_per_barriered_store";

// Stores the generated code's filter skipped (--filter, satb's nil
// filter), and their share of the barriered stores.
inline constexpr char kFilteredStores[] = "filtered_stores";
inline constexpr char kFilteredFraction[] = "filtered_fraction";

struct Repetition {
  int index = 0;
  // Absent keys were not measured.  Always present: stores, ns_per_store.
  std::map<std::string, double> counters;
};

struct Row {
  std::string workload;
  std::string barrier;
  std::string name;  // "workload/barrier=name"
  // The algorithm the row ran, where it is not the run's (Metadata::
  // algorithm): a kind that runs one algorithm only (harness/options.h,
  // AlgorithmFor).  Empty otherwise.
  std::string algorithm;
  // The configurations its counters come from ("off", "incremental",
  // "concurrent", "baseline"): the last one's keys are unprefixed, the
  // others' prefixed with their name and "_" (harness/runner.h).
  std::vector<std::string> configs;
  std::vector<Repetition> repetitions;
  std::string error;  // non-empty: the row failed (error_occurred in JSON).
};

struct Metadata {
  std::string date, host_name, executable;
  std::string machine;  // short id for file names: host-cpu slug.
  std::string cpu_model, kernel, compiler, flags, build_type, git_commit;
  int cores = 0;
  double tsc_hz = 0;
  std::optional<double> est_core_hz;
  // The core clock trials' spread: their median and 10th percentile (the
  // estimate is the fastest trial).
  std::optional<double> est_core_hz_median, est_core_hz_p10;
  double mhz_per_cpu = 0;
  double load_avg[3] = {0, 0, 0};
  // "hardware" when cycles come from a PMU counter, "estimate" when from the
  // TSC scaled by the calibrated core clock; absent when neither.
  std::string cycles_source;
  std::map<std::string, std::string> counter_sources;  // event -> source
  std::string counters_missing_reason;
  std::optional<double> counter_read_ns;
  double steal_percent = 0;
  std::string baseline;
  std::string gc_mode, algorithm;
  std::string filter = "none";  // --filter
  int threads = 1;
  int repetitions = 0;
  bool interrupted = false;
  // Blocks of chunks timed over the run, and dropped for descheduling;
  // rows whose legs dropped too many (harness/runner.cc).
  double blocks = 0, dropped_blocks = 0;
  std::vector<std::string> too_many_dropped;
  // "valgrind" for --counters=valgrind (harness/valgrind_counts.h), else
  // empty; then `valgrind` is its version and the simulation's flags.
  std::string counting, valgrind;
  // What a run's size was: --ops (absent under --duration) and --scale.
  std::optional<double> ops;
  double scale = 0;
  // Under --verify, the warm-up repetition's verdicts (its counters are not
  // reported with the repetitions); absent without --verify.
  std::optional<double> warmup_lost_objects, warmup_accounting_errors;
};

struct Report {
  Metadata meta;
  std::vector<Row> rows;
};

// The values of `key` over the repetitions of `row` that have it, in
// repetition order.
std::vector<double> RowValues(const Row& row, const std::string& key);

// What the verifier's counters in `counters` (a repetition's, any leg's
// prefix) say is wrong, e.g. "verifier found 3 lost objects; 1 cycle whose
// mark accounting did not balance"; empty if nothing.  Either fails a run.
std::string VerifierVerdict(const std::map<std::string, double>& counters);

// The console table leads with the barrier's own cost and fits in 120
// columns; `verbose` adds the per-configuration figures.
std::string ConsoleReport(const Report& report, bool verbose = false);
std::string CsvReport(const Report& report);
std::string GoReport(const Report& report);

// The console's table layout: the first two columns left-aligned, the rest
// right-aligned; and text wrapped at 120 columns, later lines indented.
std::string FormatConsoleTable(
    const std::vector<std::vector<std::string>>& table);
std::string WrapConsole(absl::string_view text);
// A row's barrier as the console prints it: "satb (yuasa)" where the row ran
// another algorithm than the run's (Row::algorithm), else its name.
std::string BarrierCell(const Row& row);
// The rows with a filter (filtered_fraction): one line each, or "".
std::string FilteredSummary(const Report& report);

}  // namespace harness

#endif  // WBBENCH_HARNESS_REPORT_H_
