#include "harness/cli.h"

#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/parse.h"
#include "absl/strings/str_format.h"
#include "benchmark/benchmark.h"
#include "harness/options.h"

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
  std::printf("\nworkloads (--workload):\n");
  for (const auto& w : workloads::AllWorkloads()) {
    std::printf("  %-13s %s\n", std::string(w.name).c_str(),
                std::string(w.doc).c_str());
  }
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

  if (options->list) {
    PrintList();
    return kExitOk;
  }
  std::fprintf(stderr,
               "wbbench: measured runs are not implemented yet (the heap, "
               "marker, barriers and workloads land first); try --list\n");
  return kExitRunFailed;
}

}  // namespace harness
