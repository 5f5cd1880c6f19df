// File: tests/torture/torture_main.cc
//
// wbbench_torture: the torture matrix as a program, for the long runs CI
// does not make.  Runs every configuration (or those named) and prints one
// line per configuration and the totals; exits 0 when every sound
// configuration lost nothing over its cycles and every unsound one lost
// something, 1 otherwise, 2 on bad input.
//
//   wbbench_torture                 CI mode: 50 verified cycles each
//   wbbench_torture --long          1000 verified cycles each, unsound
//                                   configurations run them all too
//   wbbench_torture --config=buffered/hybrid,none/concurrent --seed=7
//   wbbench_torture --list
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "tests/torture/torture.h"

namespace {

constexpr int kExitBadInput = 2;

constexpr char kUsage[] =
    "usage: wbbench_torture [--long] [--config=NAME[,NAME...]] [--seed=N]\n"
    "                       [--cycles=N] [--mutators=N] [--gogc=N] [--list]\n"
    "  --long        1000 verified cycles per configuration (default 50);\n"
    "                unsound configurations run every cycle instead of\n"
    "                stopping at the first loss\n"
    "  --config      configurations to run (default: all; see --list)\n"
    "  --seed        seed of the mutators' random choices (default 1)\n"
    "  --cycles      verified cycles per configuration\n"
    "  --mutators    mutator threads (default 4)\n"
    "  --gogc        GOGC, 10 to 50 (default: drawn from the seed)\n";

int BadInput(const std::string& message) {
  std::fprintf(stderr, "wbbench_torture: %s\n", message.c_str());
  return kExitBadInput;
}

// Parses --name=value's value as an integer in [lo, hi].
bool ParseInt(absl::string_view value, long long lo, long long hi,
              long long* out) {
  return absl::SimpleAtoi(value, out) && *out >= lo && *out <= hi;
}

}  // namespace

int main(int argc, char** argv) {
  torture::Options options;
  bool long_mode = false, list = false;
  long long cycles = 0;
  std::vector<torture::Config> configs;
  for (int i = 1; i < argc; ++i) {
    const absl::string_view arg = argv[i];
    const size_t eq = arg.find('=');
    const absl::string_view name = arg.substr(0, eq);
    const absl::string_view value =
        eq == absl::string_view::npos ? "" : arg.substr(eq + 1);
    long long n = 0;
    if (arg == "--long") {
      long_mode = true;
    } else if (arg == "--list") {
      list = true;
    } else if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (name == "--config" && !value.empty()) {
      for (absl::string_view c : absl::StrSplit(value, ',')) {
        std::optional<torture::Config> config = torture::ConfigFromName(c);
        if (!config) {
          return BadInput("--config=" + std::string(c) +
                          ": no such configuration; --list names them");
        }
        configs.push_back(*config);
      }
    } else if (name == "--seed") {
      if (!ParseInt(value, 0, UINT32_MAX, &n)) {
        return BadInput("--seed=" + std::string(value) +
                        ": expected an integer from 0 to 4294967295");
      }
      options.seed = static_cast<uint32_t>(n);
    } else if (name == "--cycles") {
      if (!ParseInt(value, 1, 1000000, &cycles)) {
        return BadInput("--cycles=" + std::string(value) +
                        ": expected an integer from 1 to 1000000");
      }
    } else if (name == "--mutators") {
      if (!ParseInt(value, 1, 64, &n)) {
        return BadInput("--mutators=" + std::string(value) +
                        ": expected an integer from 1 to 64");
      }
      options.mutators = static_cast<int>(n);
    } else if (name == "--gogc") {
      if (!ParseInt(value, torture::kMinGogc, torture::kMaxGogc, &n)) {
        return BadInput("--gogc=" + std::string(value) +
                        ": expected an integer from 10 to 50");
      }
      options.gogc = static_cast<int>(n);
    } else {
      return BadInput("unknown argument '" + std::string(arg) +
                      "'; --help lists the flags");
    }
  }
  if (list) {
    for (const torture::Config& c : torture::AllConfigs()) {
      std::printf("%-30s %s\n", c.name.c_str(), c.sound ? "sound" : "unsound");
    }
    return 0;
  }
  if (configs.empty()) configs = torture::AllConfigs();
  options.cycles = cycles != 0 ? static_cast<uint64_t>(cycles)
                   : long_mode ? torture::kLongCycles
                               : torture::kShortCycles;
  options.stop_at_first_loss = !long_mode;
  // Long runs get time in proportion; a slow machine still finishes.
  options.timeout_seconds =
      std::max(120.0, 0.5 * static_cast<double>(options.cycles));

  struct Totals {
    int configs = 0, failed = 0;
    uint64_t cycles = 0, verified = 0, lost = 0, accounting_errors = 0;
  } sound, unsound;
  for (const torture::Config& c : configs) {
    const torture::Result r = torture::Run(c, options);
    const bool ok = torture::Passed(c, options, r);
    std::printf("%s %s\n", ok ? "ok  " : "FAIL", Describe(c, r).c_str());
    std::fflush(stdout);
    Totals& t = c.sound ? sound : unsound;
    ++t.configs;
    t.failed += ok ? 0 : 1;
    t.cycles += r.cycles;
    t.verified += r.verified;
    t.lost += r.lost;
    t.accounting_errors += r.accounting_errors;
  }
  for (const auto& [label, t] :
       {std::pair<const char*, const Totals&>{"sound", sound},
        {"unsound", unsound}}) {
    std::printf(
        "total %-7s configurations %d (failed %d) cycles %llu verified %llu "
        "lost objects %llu accounting errors %llu\n",
        label, t.configs, t.failed, static_cast<unsigned long long>(t.cycles),
        static_cast<unsigned long long>(t.verified),
        static_cast<unsigned long long>(t.lost),
        static_cast<unsigned long long>(t.accounting_errors));
  }
  return sound.failed + unsound.failed == 0 ? 0 : 1;
}
