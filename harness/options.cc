#include "harness/options.h"

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gc/arena.h"

// Flags that take a closed set of values, or need more than a type check, are
// strings validated here, so that every error is one line with exit status 2.
namespace {

// The kinds, from the barrier list (barriers/barrier_kind.h).
std::string BarrierFlagHelp() {
  std::vector<barriers::BarrierKind> kinds;
  for (const barriers::BarrierInfo& b : barriers::AllBarriers()) {
    kinds.push_back(b.kind);
  }
  return absl::StrCat("barriers to measure, comma-separated, or 'all': ",
                      barriers::BarrierNames(kinds, ", "));
}

}  // namespace

ABSL_FLAG(std::string, barrier, "buffered", BarrierFlagHelp());
ABSL_FLAG(std::string, workload, "all",
          "workloads to run, comma-separated, or 'all' (see --list)");
ABSL_FLAG(std::string, algorithm, "",
          "shading algorithm: hybrid, dijkstra, yuasa, hybrid-cond; unset: "
          "hybrid, or, for a barrier that runs one algorithm only, that one");
ABSL_FLAG(std::string, filter, "none",
          "what the buffered barrier's generated code skips: none, nil (an "
          "entry of nil pointers) or same (*slot == value); see --list");
ABSL_FLAG(std::string, threads, "1", "mutator threads (1-256)");
ABSL_FLAG(std::string, gc, "continuous",
          "collector mode of the concurrent configuration: continuous, "
          "concurrent (paced by --gogc), incremental (own cost only), stw or "
          "off (check cost only)");
ABSL_FLAG(std::string, gogc, "100",
          "GOGC: trigger a cycle when the heap grows by this percent "
          "over the last marked heap (1-10000), or 'off'");
ABSL_FLAG(std::string, gc_workers, "auto",
          "dedicated mark workers: a number (1-64) or 'auto' "
          "(a quarter of the cores, at least one)");
ABSL_FLAG(std::string, repetitions, "12", "measured repetitions (1-1000)");
ABSL_FLAG(std::string, duration, "70ms",
          "length of one repetition, e.g. 200ms, 1s (10ms-10m)");
ABSL_FLAG(std::string, ops, "",
          "workload operations per repetition instead of --duration (an "
          "operation is one step of the workload, e.g. one node reversed)");
ABSL_FLAG(std::string, counters, "auto",
          "'auto', perf event names (e.g. cycles,instructions), or "
          "'valgrind': instructions and simulated cache misses, counted "
          "under callgrind, the same on every run");
ABSL_FLAG(std::string, format, "console", "console, json, csv or go");
ABSL_FLAG(std::string, out, "", "write the report to this file (atomically)");
ABSL_FLAG(bool, verify, false,
          "checkmark every mark termination and count lost objects");
ABSL_FLAG(bool, list, false,
          "list barriers, algorithms, workloads and counter availability");
ABSL_FLAG(std::string, seed, "1", "workload random seed (unsigned integer)");
ABSL_FLAG(std::string, scale, "0.25",
          "workload size factor (0.001-1000); 1 gives Go's sizes "
          "(tree-reverse: a 64 MiB tree)");
ABSL_FLAG(std::string, wbbuf_entries, "256",
          "write-barrier buffer entries per P (1-1024; Go uses 256)");
ABSL_FLAG(std::string, heap_limit, "4GiB",
          "live heap allowed before the run stops, e.g. 512MiB, 4GiB");
ABSL_FLAG(bool, gctrace, false, "print one line per GC cycle to stderr");
ABSL_FLAG(std::string, scavenge, "on",
          "on: a background scavenger returns free heap pages to the kernel "
          "on Go 1.19's schedule and allocation faults them back in; off: "
          "free pages stay resident");
ABSL_FLAG(bool, redundancy, false,
          "tally what shading finds: the share of barriered stores whose "
          "shading marked nothing, and of recorded pointers already marked "
          "(adds a few instructions per shaded pointer to the figures)");
ABSL_FLAG(bool, time_flush, false,
          "time each barrier flush's shading with the TSC: "
          "flush_ns_per_recorded_pointer (JSON, CSV); two TSC reads per flush, "
          "which cgocheck pays on every store");
ABSL_FLAG(bool, verbose, false,
          "console: add each configuration's own figures (ns/store, GCs, "
          "pauses, flushes) to the decomposition");
ABSL_FLAG(std::string, cgocheck, "count",
          "what cgocheck does on a bad store: count or abort");
ABSL_FLAG(std::string, dump_barrier, "",
          "print the generated machine code of a JIT barrier and exit");
ABSL_FLAG(std::string, valgrind_child, "",
          "internal: run as a --counters=valgrind child, writing its figures "
          "to this file");
ABSL_FLAG(std::string, valgrind_leg, "",
          "internal: the --counters=valgrind child's configuration");
ABSL_FLAG(bool, unsafe, false,
          "allow unsound configurations (none under concurrent marking) "
          "as a demonstration");

namespace harness {
namespace {

template <typename T, typename Names>
absl::StatusOr<std::vector<T>> ParseNameList(absl::string_view flag,
                                             absl::string_view text,
                                             const Names& all) {
  std::vector<std::string> accepted;
  for (const auto& info : all) accepted.emplace_back(info.name);
  auto error = [&](absl::string_view bad) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown --", flag, " '", bad, "'; accepted: ",
                     absl::StrJoin(accepted, ", "), ", all (comma-separated)"));
  };
  std::vector<T> out;
  if (text == "all") {
    for (const auto& info : all) out.push_back(info.kind);
    return out;
  }
  for (absl::string_view name : absl::StrSplit(text, ',')) {
    bool found = false;
    for (const auto& info : all) {
      if (info.name == name) {
        for (T seen : out) {
          if (seen == info.kind) {
            return absl::InvalidArgumentError(
                absl::StrCat("--", flag, " names '", name, "' twice"));
          }
        }
        out.push_back(info.kind);
        found = true;
      }
    }
    if (!found) return error(name);
  }
  return out;
}

absl::StatusOr<int64_t> ParseIntIn(absl::string_view flag,
                                   absl::string_view text, int64_t lo,
                                   int64_t hi) {
  int64_t v;
  if (!absl::SimpleAtoi(text, &v) || v < lo || v > hi) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad --", flag, " '", text,
                     "'; accepted: an integer from ", lo, " to ", hi));
  }
  return v;
}

template <typename E, size_t N>
absl::StatusOr<E> ParseEnum(absl::string_view flag, absl::string_view text,
                            const std::pair<absl::string_view, E> (&table)[N]) {
  std::vector<absl::string_view> names;
  for (const auto& [name, value] : table) {
    if (name == text) return value;
    names.push_back(name);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown --", flag, " '", text,
                   "'; accepted: ", absl::StrJoin(names, ", ")));
}

constexpr std::pair<absl::string_view, gc::GcMode> kGcModes[] = {
#define WBBENCH_GC_MODE_ENTRY(e, name, doc) {name, gc::GcMode::e},
    WBBENCH_FOR_EACH_GC_MODE(WBBENCH_GC_MODE_ENTRY)
#undef WBBENCH_GC_MODE_ENTRY
};
constexpr std::pair<absl::string_view, Format> kFormats[] = {
#define WBBENCH_FORMAT_ENTRY(e, name) {name, Format::e},
    WBBENCH_FOR_EACH_FORMAT(WBBENCH_FORMAT_ENTRY)
#undef WBBENCH_FORMAT_ENTRY
};
constexpr std::pair<absl::string_view, barriers::CgocheckMode>
    kCgocheckModes[] = {
#define WBBENCH_CGOCHECK_MODE_ENTRY(e, name, doc) \
  {name, barriers::CgocheckMode::e},
        WBBENCH_FOR_EACH_CGOCHECK_MODE(WBBENCH_CGOCHECK_MODE_ENTRY)
#undef WBBENCH_CGOCHECK_MODE_ENTRY
};

// The flags Abseil itself defines for usage (--help and friends).
bool IsUsageFlag(absl::string_view name) {
  return name == "help" || name == "helpfull" || name == "helpshort" ||
         name == "helppackage" || name == "version" ||
         name == "only_check_args" || absl::StartsWith(name, "helpon") ||
         absl::StartsWith(name, "helpmatch");
}

}  // namespace

SplitArgs SplitCommandLine(int argc, char** argv) {
  SplitArgs split;
  split.absl_args.emplace_back(argc > 0 ? argv[0] : "wbbench");
  split.benchmark_args.emplace_back(argc > 0 ? argv[0] : "wbbench");
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (absl::StartsWith(arg, "--benchmark_") ||
        absl::StartsWith(arg, "--benchmark-")) {
      split.benchmark_args.push_back(arg);
      continue;
    }
    if (absl::StartsWith(arg, "--") && arg.size() > 2) {
      // Normalise the name part (before '=') to underscores.
      size_t eq = arg.find('=');
      for (size_t j = 2; j < std::min(eq, arg.size()); ++j) {
        if (arg[j] == '-') arg[j] = '_';
      }
    }
    split.absl_args.push_back(arg);
  }
  return split;
}

absl::Status PrecheckCommandLine(const std::vector<std::string>& args) {
  for (size_t i = 1; i < args.size(); ++i) {
    absl::string_view arg = args[i];
    if (arg == "--") break;
    if (!absl::ConsumePrefix(&arg, "--") && !absl::ConsumePrefix(&arg, "-")) {
      return absl::InvalidArgumentError(
          absl::StrCat("unexpected argument '", arg,
                       "'; wbbench takes only --flags (see --help)"));
    }
    absl::string_view name = arg.substr(0, arg.find('='));
    bool has_value = arg.find('=') != absl::string_view::npos;
    absl::string_view value =
        has_value ? arg.substr(arg.find('=') + 1) : absl::string_view();
    if (IsUsageFlag(name)) continue;
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    if (flag == nullptr && absl::StartsWith(name, "no")) {
      absl::CommandLineFlag* negated =
          absl::FindCommandLineFlag(name.substr(2));
      if (negated != nullptr && negated->IsOfType<bool>() && !has_value) {
        continue;
      }
    }
    if (flag == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown flag --", name,
          "; accepted: the flags listed by --help, and --benchmark_* flags"));
    }
    if (flag->IsOfType<bool>()) {
      if (!has_value) continue;
      std::string v = absl::AsciiStrToLower(value);
      if (v != "true" && v != "false" && v != "1" && v != "0" && v != "yes" &&
          v != "no") {
        return absl::InvalidArgumentError(
            absl::StrCat("bad --", name, " '", value,
                         "'; accepted: true, false (or no value)"));
      }
      continue;
    }
    if (!has_value) {
      if (i + 1 >= args.size()) {
        return absl::InvalidArgumentError(
            absl::StrCat("--", name, " needs a value (--", name, "=VALUE)"));
      }
      ++i;  // Abseil takes the next argument as the value.
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<size_t> ParseByteSize(absl::string_view text) {
  absl::string_view digits = text;
  uint64_t unit = 1;
  constexpr std::pair<absl::string_view, uint64_t> kUnits[] = {
      {"KiB", 1ull << 10},
      {"MiB", 1ull << 20},
      {"GiB", 1ull << 30},
      {"K", 1ull << 10},
      {"M", 1ull << 20},
      {"G", 1ull << 30},
      {"B", 1}};
  for (const auto& [suffix, mult] : kUnits) {
    if (absl::ConsumeSuffix(&digits, suffix)) {
      unit = mult;
      break;
    }
  }
  uint64_t n;
  if (!absl::SimpleAtoi(digits, &n) || n == 0 || n > (1ull << 50) / unit) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad size '", text,
                     "'; accepted: a positive number of bytes with an optional "
                     "suffix K, M, G, KiB, MiB, GiB (at most 1 PiB)"));
  }
  return n * unit;
}

size_t MachineHeapBytes() {
  // Physical memory, the address-space limit (ulimit -v) and what the arena
  // table can address, whichever is least.
  uint64_t bytes = gc::kArenaTableSize * gc::kArenaSize;
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  if (pages > 0 && page > 0) {
    bytes = std::min(
        bytes, static_cast<uint64_t>(pages) * static_cast<uint64_t>(page));
  }
  struct rlimit as;
  if (getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur != RLIM_INFINITY) {
    bytes = std::min(bytes, static_cast<uint64_t>(as.rlim_cur));
  }
  return static_cast<size_t>(bytes);
}

// --out names a file that can be written where it is, checked before the
// run so that no run's results are lost at the end: not a directory, in an
// existing directory this process may write (the report is written to a
// temporary file there and renamed over the path).
absl::Status CheckOutPath(const std::string& path) {
  if (path.empty()) return absl::OkStatus();
  auto bad = [&](const std::string& why) {
    return absl::InvalidArgumentError(absl::StrCat(
        "bad --out '", path, "': ", why,
        "; accepted: a file path in an existing, writable directory"));
  };
  struct stat st;
  if (stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    return bad("it is a directory");
  }
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "."
                          : slash == 0               ? "/"
                                                     : path.substr(0, slash);
  if (stat(dir.c_str(), &st) != 0) {
    return bad(absl::StrCat(dir, ": ", std::strerror(errno)));
  }
  if (!S_ISDIR(st.st_mode))
    return bad(absl::StrCat(dir, " is not a directory"));
  if (access(dir.c_str(), W_OK | X_OK) != 0) {
    return bad(absl::StrCat(dir, ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

absl::StatusOr<Options> OptionsFromFlags() {
  Options o;
  auto barriers = ParseNameList<barriers::BarrierKind>(
      "barrier", absl::GetFlag(FLAGS_barrier), barriers::AllBarriers());
  if (!barriers.ok()) return barriers.status();
  o.barriers = *std::move(barriers);

  auto workloads = ParseNameList<workloads::WorkloadKind>(
      "workload", absl::GetFlag(FLAGS_workload), workloads::AllWorkloads());
  if (!workloads.ok()) return workloads.status();
  o.workloads = *std::move(workloads);

  // Empty (the default) is hybrid, not asked for by name (AlgorithmFor).
  std::string algorithm = absl::GetFlag(FLAGS_algorithm);
  o.algorithm_given = !algorithm.empty();
  if (!o.algorithm_given) algorithm = "hybrid";
  auto algo = barriers::AlgorithmFromName(algorithm);
  if (!algo) {
    std::vector<absl::string_view> names;
    for (const auto& a : barriers::AllAlgorithms()) names.push_back(a.name);
    return absl::InvalidArgumentError(
        absl::StrCat("unknown --algorithm '", algorithm,
                     "'; accepted: ", absl::StrJoin(names, ", ")));
  }
  o.algorithm = *algo;
  o.gc.stack_scan = barriers::InfoFor(*algo).stack_scan;
  // `all` with an explicit --algorithm: the barriers that run it.
  if (absl::GetFlag(FLAGS_barrier) == "all" && o.algorithm_given) {
    std::erase_if(o.barriers, [&](barriers::BarrierKind kind) {
      return !barriers::Supports(kind, *algo);
    });
  }
  for (barriers::BarrierKind kind : o.barriers) {
    if (barriers::Supports(kind, *algo)) continue;
    // Not asked for by name: a kind that runs one algorithm runs that one.
    if (!o.algorithm_given && barriers::OnlyAlgorithm(kind)) continue;
    std::vector<absl::string_view> runs;
    for (const auto& a : barriers::AllAlgorithms()) {
      if (barriers::Supports(kind, a.algorithm)) runs.push_back(a.name);
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "--barrier=", barriers::BarrierName(kind), " does not run --algorithm=",
        algorithm, "; accepted: ", absl::StrJoin(runs, ", ")));
  }

  const std::string filter = absl::GetFlag(FLAGS_filter);
  if (auto f = barriers::FilterFromName(filter)) {
    o.filter = *f;
  } else {
    std::vector<absl::string_view> names;
    for (const auto& f : barriers::kFilterInfos) names.push_back(f.name);
    return absl::InvalidArgumentError(
        absl::StrCat("unknown --filter '", filter,
                     "'; accepted: ", absl::StrJoin(names, ", ")));
  }
  // A valgrind child's baseline leg runs `none` with the run's --filter.
  if (o.filter != barriers::Filter::kNone &&
      absl::GetFlag(FLAGS_valgrind_child).empty() &&
      std::none_of(o.barriers.begin(), o.barriers.end(), [](auto kind) {
        return barriers::TraitsOf(kind).takes_filter;
      })) {
    std::vector<barriers::BarrierKind> takes = barriers::BarriersWhere(
        [](const barriers::BarrierTraits& t) { return t.takes_filter; });
    return absl::InvalidArgumentError(absl::StrCat(
        "--filter=", filter, " applies to no barrier of the run; accepted: ",
        "--barrier=", barriers::BarrierNames(takes), ", or --filter=none"));
  }

  auto threads = ParseIntIn("threads", absl::GetFlag(FLAGS_threads), 1, 256);
  if (!threads.ok()) return threads.status();
  o.threads = static_cast<int>(*threads);

  auto mode = ParseEnum("gc", absl::GetFlag(FLAGS_gc), kGcModes);
  if (!mode.ok()) return mode.status();
  o.gc.mode = *mode;

  std::string gogc = absl::GetFlag(FLAGS_gogc);
  if (gogc == "off") {
    o.gc.gogc = -1;
  } else {
    auto v = ParseIntIn("gogc", gogc, 1, 10000);
    if (!v.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(v.status().message(), ", or off"));
    }
    o.gc.gogc = static_cast<int>(*v);
  }

  std::string workers = absl::GetFlag(FLAGS_gc_workers);
  if (workers == "auto") {
    o.gc.workers =
        std::max(1, static_cast<int>(std::thread::hardware_concurrency() / 4));
  } else {
    auto v = ParseIntIn("gc-workers", workers, 1, 64);
    if (!v.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(v.status().message(), ", or auto"));
    }
    o.gc.workers = static_cast<int>(*v);
  }

  auto reps =
      ParseIntIn("repetitions", absl::GetFlag(FLAGS_repetitions), 1, 1000);
  if (!reps.ok()) return reps.status();
  o.repetitions = static_cast<int>(*reps);

  std::string duration = absl::GetFlag(FLAGS_duration);
  if (!absl::ParseDuration(duration, &o.duration) ||
      o.duration < absl::Milliseconds(10) || o.duration > absl::Minutes(10)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "bad --duration '", duration,
        "'; accepted: a duration from 10ms to 10m, e.g. 200ms, 1s"));
  }
  if (std::string ops = absl::GetFlag(FLAGS_ops); !ops.empty()) {
    auto v = ParseIntIn("ops", ops, 1, int64_t{1} << 50);
    if (!v.ok()) return v.status();
    o.ops = static_cast<uint64_t>(*v);
  }

  o.counters = absl::GetFlag(FLAGS_counters);
  if (o.counters.empty()) {
    return absl::InvalidArgumentError(
        "empty --counters; accepted: auto, or perf event names such as "
        "cycles,instructions");
  }
  auto format = ParseEnum("format", absl::GetFlag(FLAGS_format), kFormats);
  if (!format.ok()) return format.status();
  o.format = *format;
  o.out = absl::GetFlag(FLAGS_out);
  if (absl::Status s = CheckOutPath(o.out); !s.ok()) return s;

  std::string seed = absl::GetFlag(FLAGS_seed);
  if (!absl::SimpleAtoi(seed, &o.seed)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "bad --seed '", seed, "'; accepted: an unsigned 64-bit integer"));
  }
  std::string scale = absl::GetFlag(FLAGS_scale);
  if (!absl::SimpleAtod(scale, &o.scale) || !(o.scale >= 0.001) ||
      !(o.scale <= 1000)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "bad --scale '", scale, "'; accepted: a number from 0.001 to 1000"));
  }
  auto entries = ParseIntIn("wbbuf-entries", absl::GetFlag(FLAGS_wbbuf_entries),
                            1, gc::kWbBufMaxEntries);
  if (!entries.ok()) return entries.status();
  o.gc.wbbuf_entries = static_cast<size_t>(*entries);

  auto limit = ParseByteSize(absl::GetFlag(FLAGS_heap_limit));
  if (!limit.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--heap-limit: ", limit.status().message()));
  }
  o.gc.heap_limit = *limit;
  // Refused up front rather than found out when the heap cannot grow.
  const size_t machine = MachineHeapBytes();
  if (o.gc.heap_limit > machine) {
    const absl::CommandLineFlag* flag = absl::FindCommandLineFlag("heap_limit");
    if (flag != nullptr && flag->CurrentValue() == flag->DefaultValue()) {
      o.gc.heap_limit = machine;  // the default, on a small machine
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "bad --heap-limit '", absl::GetFlag(FLAGS_heap_limit),
          "': more than this machine can map or hold (", machine >> 20,
          " MiB); accepted: a size up to ", machine >> 20, "MiB"));
    }
  }

  auto cgocheck =
      ParseEnum("cgocheck", absl::GetFlag(FLAGS_cgocheck), kCgocheckModes);
  if (!cgocheck.ok()) return cgocheck.status();
  o.cgocheck = *cgocheck;

  if (std::string dump = absl::GetFlag(FLAGS_dump_barrier); !dump.empty()) {
    auto kind = barriers::BarrierFromName(dump);
    const std::vector<barriers::BarrierKind> jit = barriers::JitBarriers();
    if (!kind || std::find(jit.begin(), jit.end(), *kind) == jit.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "bad --dump-barrier '", dump, "'; accepted: the JIT barriers ",
          barriers::BarrierNames(jit, ", ")));
    }
    o.dump_barrier = kind;
  }

  o.gc.verify = absl::GetFlag(FLAGS_verify);
  o.gc.gctrace = absl::GetFlag(FLAGS_gctrace);
  if (const std::string scav = absl::GetFlag(FLAGS_scavenge); scav == "on") {
    o.gc.scavenge = true;
  } else if (scav == "off") {
    o.gc.scavenge = false;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("bad --scavenge '", scav, "'; accepted: on, off"));
  }
  o.gc.tally_shading = absl::GetFlag(FLAGS_redundancy);
  o.gc.time_flush = absl::GetFlag(FLAGS_time_flush);
  o.verbose = absl::GetFlag(FLAGS_verbose);
  o.unsafe = absl::GetFlag(FLAGS_unsafe);
  // `all` means every barrier that is sound under the collector mode: `none`
  // under concurrent marking only when asked for by name with --unsafe (the
  // baseline row measures the program without a barrier anyway).
  const bool concurrent = o.gc.mode == gc::GcMode::kConcurrent ||
                          o.gc.mode == gc::GcMode::kContinuous ||
                          o.gc.mode == gc::GcMode::kIncremental;
  if (absl::GetFlag(FLAGS_barrier) == "all" && concurrent) {
    std::erase_if(o.barriers, [](barriers::BarrierKind kind) {
      return !barriers::TraitsOf(kind).sound;
    });
  }
  o.list = absl::GetFlag(FLAGS_list);
  o.valgrind_child = absl::GetFlag(FLAGS_valgrind_child);
  o.valgrind_leg = absl::GetFlag(FLAGS_valgrind_leg);
  if (!o.valgrind_child.empty() && o.valgrind_leg != "baseline" &&
      o.valgrind_leg != "off" && o.valgrind_leg != "on") {
    return absl::InvalidArgumentError(
        absl::StrCat("bad --valgrind-leg '", o.valgrind_leg,
                     "'; accepted: baseline, off, on"));
  }
  if (o.counters == "valgrind" && o.threads != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--counters=valgrind counts one mutator; accepted: --threads=1 (got ",
        o.threads, ")"));
  }
  return o;
}

barriers::Algorithm AlgorithmFor(const Options& o, barriers::BarrierKind kind) {
  if (barriers::Supports(kind, o.algorithm)) return o.algorithm;
  // OptionsFromFlags let it through: the kind runs exactly one algorithm.
  std::optional<barriers::Algorithm> only = barriers::OnlyAlgorithm(kind);
  return only ? *only : o.algorithm;
}

std::string RowAlgorithmLabel(const Options& o, barriers::BarrierKind kind) {
  const barriers::Algorithm a = AlgorithmFor(o, kind);
  return a == o.algorithm ? "" : std::string(barriers::InfoFor(a).name);
}

void InstallUsage() {
  absl::SetProgramUsageMessage(
      "measures what a garbage collector's write barrier costs per pointer "
      "store.\n\n"
      "  wbbench --barrier=buffered                  the default suite\n"
      "  wbbench --barrier=unbuffered,buffered       side by side, with ratio\n"
      "  wbbench --list                              barriers, workloads, "
      "counters\n\n"
      "Google Benchmark's --benchmark_* flags are passed through.");
  absl::FlagsUsageConfig config;
  config.contains_help_flags = [](absl::string_view file) {
    return absl::StrContains(file, "harness/options.cc");
  };
  config.contains_helpshort_flags = config.contains_help_flags;
  config.normalize_filename = [](absl::string_view file) {
    size_t at = file.rfind("harness/");
    return std::string(at == absl::string_view::npos ? file : file.substr(at));
  };
  absl::SetFlagsUsageConfig(config);
}

}  // namespace harness
