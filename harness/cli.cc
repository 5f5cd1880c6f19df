#include "harness/cli.h"

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/parse.h"
#include "absl/strings/str_format.h"
#include "barriers/barrier_dump.h"
#include "benchmark/benchmark.h"
#include "harness/atomic_file.h"
#include "harness/clock.h"
#include "harness/counter_probe.h"
#include "harness/counter_set.h"
#include "harness/json_report.h"
#include "harness/options.h"
#include "harness/repetition.h"
#include "harness/report.h"
#include "harness/runner.h"
#include "harness/valgrind_counts.h"

namespace harness {
namespace {

std::vector<char*> Pointers(std::vector<std::string>& args) {
  std::vector<char*> out;
  for (std::string& a : args) out.push_back(a.data());
  out.push_back(nullptr);
  return out;
}

void PrintList() {
  std::printf("barriers (--barrier):\n");
  for (const auto& b : barriers::AllBarriers()) {
    std::printf("  %-12s %s\n", std::string(b.name).c_str(),
                std::string(b.doc).c_str());
  }
  std::printf("\nshading algorithms (--algorithm):\n");
  for (const auto& a : barriers::AllAlgorithms()) {
    std::printf("  %-12s %s\n", std::string(a.name).c_str(),
                std::string(a.doc).c_str());
  }
  std::printf("\nfilters (--filter, for %s):\n",
              barriers::BarrierNames(
                  barriers::BarriersWhere([](const barriers::BarrierTraits& t) {
                    return t.takes_filter;
                  }))
                  .c_str());
  for (const auto& f : barriers::kFilterInfos) {
    std::printf("  %-12s %s\n", std::string(f.name).c_str(),
                std::string(f.doc).c_str());
  }
  std::printf("\nworkloads (--workload):\n");
  for (const auto& w : workloads::AllWorkloads()) {
    std::printf("  %-13s %s\n", std::string(w.name).c_str(),
                std::string(w.doc).c_str());
  }
  std::printf("\ncounters (--counters):\n");
  for (const std::string& line :
       DescribeCounterAvailability(ProbeCounters(CounterSet::ForList()))) {
    std::printf("  %s\n", line.c_str());
  }
}

void OnSigint(int) {
  interrupt_requested.store(true);
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the run at once
}

// "[ 12/88] tree-reverse/barrier=buffered repetition 3/10  ETA 41s" on a
// terminal; nothing otherwise.
ProgressFn MakeProgress() {
  if (!isatty(STDERR_FILENO)) return nullptr;
  auto start = std::make_shared<absl::Time>(absl::Now());
  return [start](int done, int total, const std::string& what) {
    std::string eta = "";
    if (done > 0) {
      double per = absl::ToDoubleSeconds(absl::Now() - *start) / done;
      eta = absl::StrFormat("  ETA %.0fs", per * (total - done));
    }
    std::fprintf(stderr, "\r\033[K[%3d/%d] %s%s", done + 1, total, what.c_str(),
                 eta.c_str());
    std::fflush(stderr);
  };
}

std::string Console(const Report& report, bool verbose) {
  return report.meta.counting == kValgrindCounters
             ? ValgrindConsoleReport(report)
             : ConsoleReport(report, verbose);
}

std::string Render(const Report& report, Format format, bool verbose) {
  switch (format) {
    case Format::kConsole:
      return Console(report, verbose);
    case Format::kJson:
      return JsonReport(report);
    case Format::kCsv:
      return CsvReport(report);
    case Format::kGo:
      return GoReport(report);
  }
  return "";
}

}  // namespace

int WbbenchMain(int argc, char** argv) {
  InstallUsage();
  SplitArgs split = SplitCommandLine(argc, argv);
  if (absl::Status s = PrecheckCommandLine(split.absl_args); !s.ok()) {
    std::fprintf(stderr, "wbbench: %s\n", std::string(s.message()).c_str());
    return kExitBadInput;
  }
  std::vector<char*> absl_argv = Pointers(split.absl_args);
  absl::ParseCommandLine(static_cast<int>(split.absl_args.size()),
                         absl_argv.data());
  absl::StatusOr<Options> options = OptionsFromFlags();
  if (!options.ok()) {
    std::fprintf(stderr, "wbbench: %s\n",
                 std::string(options.status().message()).c_str());
    return kExitBadInput;
  }
  std::vector<char*> bm_argv = Pointers(split.benchmark_args);
  int bm_argc = static_cast<int>(split.benchmark_args.size());
  benchmark::Initialize(&bm_argc, bm_argv.data());
  if (benchmark::ReportUnrecognizedArguments(bm_argc, bm_argv.data())) {
    return kExitBadInput;
  }

  if (!options->valgrind_child.empty()) return RunValgrindChild(*options);
  if (options->list) {
    PrintList();
    return kExitOk;
  }
  if (options->dump_barrier) {
    auto dump = barriers::DumpBarrier(
        barriers::BarrierName(*options->dump_barrier),
        AlgorithmFor(*options, *options->dump_barrier), options->filter);
    if (!dump.ok()) {
      std::fprintf(stderr, "wbbench: %s\n",
                   std::string(dump.status().message()).c_str());
      return kExitBadInput;
    }
    std::fputs(dump->c_str(), stdout);
    return kExitOk;
  }

  std::signal(SIGINT, OnSigint);
  ProgressFn progress = MakeProgress();
  absl::StatusOr<Report> report = options->counters == kValgrindCounters
                                      ? RunValgrindCounts(*options, progress)
                                      : RunBenchmarks(*options, progress);
  if (progress) std::fprintf(stderr, "\r\033[K");
  if (!report.ok()) {
    std::fprintf(stderr, "wbbench: %s\n",
                 std::string(report.status().message()).c_str());
    return kExitBadInput;
  }
  if (!options->out.empty()) {
    const std::string rendered =
        Render(*report, options->format, options->verbose);
    if (absl::Status s = WriteFileAtomically(options->out, rendered); !s.ok()) {
      // --out was checked before the run; the run is not lost even so.
      std::fputs(rendered.c_str(), stdout);
      std::fprintf(stderr, "wbbench: %s; the report went to stdout\n",
                   std::string(s.message()).c_str());
      return kExitNotWritten;
    }
    std::fputs(Console(*report, options->verbose).c_str(), stdout);
    std::printf("\nwrote %s\n", options->out.c_str());
  } else {
    std::fputs(Render(*report, options->format, options->verbose).c_str(),
               stdout);
  }
  int status = kExitOk;
  for (const Row& row : report->rows) {
    if (!row.error.empty()) {
      std::fprintf(stderr, "wbbench: %s: %s\n", row.name.c_str(),
                   row.error.c_str());
      status = kExitRunFailed;
    }
  }
  if (report->meta.interrupted) {
    std::fprintf(stderr,
                 "wbbench: interrupted; the report holds the "
                 "repetitions measured so far\n");
    return kExitInterrupted;
  }
  return status;
}

}  // namespace harness
