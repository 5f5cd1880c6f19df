// File: harness/options.h
//
// wbbench's command line: the flags (Abseil), their validation, and the
// Options a run is made from.
//
// Every bad value is reported as one line that names the bad value and what
// is accepted; wbbench_main.cc prints it and exits with status 2.  Flags may
// be spelled with dashes or underscores (`--wbbuf-entries`, `--wbbuf_entries`).
// Google Benchmark's own `--benchmark_*` flags are set aside untouched and
// handed to benchmark::Initialize.
#ifndef WBBENCH_HARNESS_OPTIONS_H_
#define WBBENCH_HARNESS_OPTIONS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "barriers/algorithm.h"
#include "barriers/barrier_config.h"
#include "barriers/barrier_kind.h"
#include "gc/gc_config.h"
#include "workloads/workload_kind.h"

namespace harness {

// Report formats (`--format`).  V(EnumName, "flag-name")
#define WBBENCH_FOR_EACH_FORMAT(V) \
  V(kConsole, "console")           \
  V(kJson, "json")                 \
  V(kCsv, "csv")                   \
  V(kGo, "go")

enum class Format {
#define WBBENCH_FORMAT_ENUM(e, name) e,
  WBBENCH_FOR_EACH_FORMAT(WBBENCH_FORMAT_ENUM)
#undef WBBENCH_FORMAT_ENUM
};

struct Options {
  std::vector<barriers::BarrierKind> barriers;
  std::vector<workloads::WorkloadKind> workloads;
  // --algorithm: the run's algorithm.  A row runs AlgorithmFor(kind).
  barriers::Algorithm algorithm = barriers::Algorithm::kHybrid;
  bool algorithm_given = false;  // --algorithm was on the command line.
  // --filter, for the kinds it applies to (barriers::EffectiveFilter).
  barriers::Filter filter = barriers::Filter::kNone;
  gc::GcConfig gc;
  int threads = 1;
  // 12 repetitions of 70 ms: the default suite (8 workloads, one barrier:
  // 4 configurations each) in under a minute on 2 cores, and 12 samples
  // give the median's 95% CI from the 3rd and 10th order statistics.
  int repetitions = 12;
  absl::Duration duration = absl::Milliseconds(70);
  std::optional<uint64_t> ops;  // stores per repetition, instead of duration.
  std::string counters = "auto";
  Format format = Format::kConsole;
  std::string out;  // empty: stdout only.
  uint64_t seed = 1;
  double scale = 0.25;
  barriers::CgocheckMode cgocheck = barriers::CgocheckMode::kCount;
  bool unsafe = false;   // allow unsound configurations as a demonstration.
  bool verbose = false;  // console: every configuration's figures.
  bool list = false;
  std::optional<barriers::BarrierKind> dump_barrier;
  // Internal, for --counters=valgrind (harness/valgrind_counts.h): run as
  // its child, one configuration ("baseline", "off" or "on"), and write the
  // figures to this file.
  std::string valgrind_child, valgrind_leg;
};

// The command line split into what Abseil parses and what Google Benchmark
// parses; flag names are normalised to underscores.
struct SplitArgs {
  std::vector<std::string> absl_args;       // argv[0] first.
  std::vector<std::string> benchmark_args;  // argv[0] first.
};
SplitArgs SplitCommandLine(int argc, char** argv);

// Checks every `--flag` names a defined flag and every boolean flag has a
// boolean value, so that Abseil's parser (which exits with status 1 on
// errors) never sees a bad command line.  Call before absl parsing.
absl::Status PrecheckCommandLine(const std::vector<std::string>& absl_args);

// The algorithm the rows of `kind` run: the run's (--algorithm), or, where
// the kind does not run it and --algorithm was not given, the one algorithm
// the kind runs (satb: yuasa; its stack-scan policy comes with it through
// barriers::ApplyToGcConfig).  An explicit --algorithm a kind does not run
// is refused by OptionsFromFlags.
barriers::Algorithm AlgorithmFor(const Options& o, barriers::BarrierKind kind);

// AlgorithmFor(o, kind)'s name where it is not the run's algorithm (a row's
// Row::algorithm), else empty.
std::string RowAlgorithmLabel(const Options& o, barriers::BarrierKind kind);

// Builds Options from the current values of the flags.
absl::StatusOr<Options> OptionsFromFlags();

// The most heap this machine can map or hold: physical memory, the
// address-space limit and what the heap's arena table addresses, whichever
// is least.  --heap-limit above it is refused.
size_t MachineHeapBytes();

// Whether --out=`path` can be written: not a directory, in an existing
// directory this process may write.  Empty is fine (no file).
absl::Status CheckOutPath(const std::string& path);

// Parses "64MiB", "2G", "1048576" (bytes).
absl::StatusOr<size_t> ParseByteSize(absl::string_view text);

// Installs wbbench's usage message and makes --help list wbbench's flags.
void InstallUsage();

}  // namespace harness

#endif  // WBBENCH_HARNESS_OPTIONS_H_
