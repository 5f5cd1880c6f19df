// File: harness/perf_system.cc
//
// Reading the machine's perf settings (once) and explaining a failed
// perf_event_open with them.
#include "harness/perf_system.h"

#include <string.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace harness {
namespace {

std::optional<int> ReadIntFile(const char* path) {
  std::ifstream in(path);
  std::string text;
  int value;
  if (!(in >> text) || !absl::SimpleAtoi(text, &value)) return std::nullopt;
  return value;
}

std::optional<int> ReadSeccomp() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    std::string_view rest = line;
    if (rest.starts_with("Seccomp:")) {
      rest.remove_prefix(8);
      int value;
      if (absl::SimpleAtoi(absl::StripAsciiWhitespace(std::string(rest)),
                           &value)) {
        return value;
      }
    }
  }
  return std::nullopt;
}

}  // namespace

const SystemPerfInfo& GetSystemPerfInfo() {
  static const SystemPerfInfo* const kInfo = [] {
    auto* info = new SystemPerfInfo;
    info->paranoid = ReadIntFile("/proc/sys/kernel/perf_event_paranoid");
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(
             "/sys/bus/event_source/devices", ec)) {
      info->pmus.push_back(entry.path().filename().string());
    }
    std::sort(info->pmus.begin(), info->pmus.end());
    for (const std::string& pmu : info->pmus) {
      if (pmu == "cpu" || pmu == "cpu_core" || pmu == "cpu_atom" ||
          absl::StartsWith(pmu, "armv")) {
        info->core_pmu = true;
      }
    }
    info->seccomp = ReadSeccomp();
    return info;
  }();
  return *kInfo;
}

std::string ErrnoName(int err) {
  const char* name = strerrorname_np(err);
  return name ? name : absl::StrCat("errno ", err);
}

std::string ExplainOpenError(int err, const EventSpec& spec) {
  const SystemPerfInfo& sys = GetSystemPerfInfo();
  bool hardware = spec.source == CounterSource::kHardwareCounter;
  std::string why;
  switch (err) {
    case ENOENT:
    case ENODEV:
    case EOPNOTSUPP:
      if (hardware && !sys.core_pmu) {
        why = "no hardware PMU (a VM without PMU passthrough?)";
      } else {
        why = "the PMU or kernel cannot count this event";
      }
      break;
    case EACCES:
    case EPERM:
      why = absl::StrFormat(
          "not permitted: kernel.perf_event_paranoid=%s (counting user-level "
          "events of one's own threads needs <= 2, or CAP_PERFMON)",
          sys.paranoid ? absl::StrCat(*sys.paranoid) : "unknown");
      if (sys.seccomp.value_or(0) != 0) {
        absl::StrAppend(&why,
                        "; a seccomp filter is active (Seccomp: ", *sys.seccomp,
                        ") and may block perf_event_open");
      }
      break;
    case ENOSYS:
      why =
          "perf_event_open is not available (kernel without perf events, "
          "or blocked by seccomp)";
      break;
    case EINVAL:
      why =
          "the kernel rejected the encoding, or the group needs more "
          "counters than the PMU has";
      break;
    case EBUSY:
      why = "the PMU is in exclusive use by another user";
      break;
    case EMFILE:
    case ENFILE:
      why = "too many open files";
      break;
    case ESRCH:
      why = "no such thread";
      break;
    default:
      why = strerror(err);
      break;
  }
  return absl::StrCat("perf_event_open: ", ErrnoName(err), ": ", why);
}

}  // namespace harness
