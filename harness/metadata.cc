#include "harness/metadata.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "harness/clock.h"

#ifndef WBBENCH_CXX_FLAGS
#define WBBENCH_CXX_FLAGS "unknown"
#endif
#ifndef WBBENCH_BUILD_TYPE
#define WBBENCH_BUILD_TYPE "unknown"
#endif
#ifndef WBBENCH_GIT_COMMIT
#define WBBENCH_GIT_COMMIT "unknown"
#endif

namespace harness {
namespace {

std::string CpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (absl::StartsWith(line, "model name")) {
      return std::string(
          absl::StripAsciiWhitespace(line.substr(line.find(':') + 1)));
    }
  }
  return "unknown CPU";
}

std::string Slug(absl::string_view s) {
  std::string out;
  for (char c : s) {
    if (absl::ascii_isalnum(c)) {
      out += absl::ascii_tolower(c);
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

}  // namespace

void FillMachineMetadata(Metadata* m) {
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  m->host_name = host;
  m->cpu_model = CpuModel();
  m->machine = Slug(m->cpu_model);
  m->cores = static_cast<int>(std::thread::hardware_concurrency());
  utsname u;
  if (uname(&u) == 0) m->kernel = absl::StrCat(u.sysname, " ", u.release);
  m->compiler = absl::StrCat("g++ ", __VERSION__);
  m->flags = WBBENCH_CXX_FLAGS;
  m->build_type = absl::AsciiStrToLower(WBBENCH_BUILD_TYPE);
  m->git_commit = WBBENCH_GIT_COMMIT;
  const ClockCalibration& clock = GetClockCalibration();
  m->tsc_hz = clock.tsc_hz;
  m->mhz_per_cpu = clock.tsc_hz / 1e6;
  if (clock.core_hz_estimate > 0) {
    m->est_core_hz = clock.core_hz_estimate;
    m->est_core_hz_median = clock.core_hz_median;
    m->est_core_hz_p10 = clock.core_hz_p10;
  }
  double load[3];
  if (getloadavg(load, 3) == 3) {
    for (int i = 0; i < 3; ++i) m->load_avg[i] = load[i];
  }
  char date[64];
  std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S%z",
                std::localtime(&now));
  m->date = date;
  char exe[4096] = {};
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  // The program's name only: a stored run must not carry the path of the
  // machine it was built on.
  std::string path =
      n > 0 ? std::string(exe, static_cast<size_t>(n)) : "wbbench";
  m->executable = path.substr(path.rfind('/') + 1);
}

CpuTimes ReadCpuTimes() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  uint64_t v[8] = {};
  in >> cpu;
  for (uint64_t& x : v) in >> x;
  CpuTimes t;
  for (uint64_t x : v) t.total += x;
  t.steal = v[7];
  return t;
}

double StealPercent(const CpuTimes& before, const CpuTimes& after) {
  uint64_t total = after.total - before.total;
  if (total == 0) return 0;
  return 100.0 * static_cast<double>(after.steal - before.steal) /
         static_cast<double>(total);
}

}  // namespace harness
