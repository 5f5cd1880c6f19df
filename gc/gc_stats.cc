// File: gc/gc_stats.cc
//
// Cycle history and the gctrace line; see gc_stats.h.
#include "gc/gc_stats.h"

#include <sys/resource.h>
#include <time.h>

#include "absl/strings/str_format.h"

namespace gc {
namespace {

double Ms(int64_t ns) { return static_cast<double>(ns) / 1e6; }
uint64_t Mb(uint64_t bytes) { return bytes >> 20; }

}  // namespace

std::string GcTraceLine(const CycleStats& s) {
  int64_t bg = s.mark_cpu_ns;
  return absl::StrFormat(
      "gc %d @%.3fs: %.3f+%.3f+%.3f ms clock, %.3f+%.3f/%.3f+%.3f ms cpu, "
      "%d->%d->%d MB, %d MB goal, %d workers, %d retries%s%s%s",
      s.cycle, static_cast<double>(s.start_time_ns) / 1e9, Ms(s.start_pause_ns),
      Ms(s.mark_wall_ns), Ms(s.termination_pause_ns), Ms(s.start_pause_ns),
      Ms(s.assist_cpu_ns), Ms(bg), Ms(s.termination_pause_ns),
      Mb(s.heap_live_start), Mb(s.heap_live_end), Mb(s.bytes_marked),
      Mb(s.heap_goal), s.workers, s.termination_retries, s.stw ? " (stw)" : "",
      s.cards ? absl::StrFormat(", cards %d+%d (%d precleans), remark "
                                "scan %.3f ms",
                                s.cards_precleaned, s.cards_remarked,
                                s.preclean_passes, Ms(s.remark_cards_ns))
              : "",
      s.verified ? absl::StrFormat(", verified: %d lost", s.lost_objects) : "");
}

void GcStats::Add(CycleStats s) {
  std::lock_guard<std::mutex> lock(mu_);
  cycles_.push_back(std::move(s));
}

std::vector<CycleStats> GcStats::History() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cycles_;
}

size_t GcStats::Cycles() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cycles_.size();
}

uint64_t GcStats::TotalLost() const {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t n = 0;
  for (const CycleStats& c : cycles_) n += c.lost_objects;
  return n;
}

std::vector<int64_t> GcStats::AllPauses() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<int64_t> out;
  for (const CycleStats& c : cycles_) {
    out.insert(out.end(), c.pauses_ns.begin(), c.pauses_ns.end());
  }
  return out;
}

int64_t ThreadCpuNanos() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

uint64_t ThreadContextSwitches() {
  rusage u;
  if (getrusage(RUSAGE_THREAD, &u) != 0) return 0;
  return static_cast<uint64_t>(u.ru_nvcsw + u.ru_nivcsw);
}

int64_t MonoNanos() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

}  // namespace gc
