// File: gc/scavenger.cc
//
// The background scavenger's pacing and loop (see gc/scavenger.h).
#include "gc/scavenger.h"

#include <algorithm>
#include <chrono>

#include "gc/gc_stats.h"
#include "gc/start_thread.h"

namespace gc {
namespace {

// Go's retainExtraPercent.
constexpr uint64_t kRetainExtraPercent = 10;
// Go's scavengePercent: the share of all Ps' time the scavenger may use.
constexpr double kScavengePercent = 1;
// Go's minScavWorkTime: a unit of work is at least 1 ms.
constexpr int64_t kMinWorkNs = 1'000'000;
// Go's scavengeQuantum.
constexpr size_t kQuantumBytes = size_t{64} << 10;
constexpr uint64_t kPhysPageSize = 4096;

}  // namespace

uint64_t ScavengeGoal(uint64_t heap_goal, uint64_t last_heap_goal,
                      uint64_t last_in_use, uint64_t retained) {
  if (last_heap_goal == 0) return PageHeap::kNoScavengeGoal;
  uint64_t goal = static_cast<uint64_t>(
      static_cast<double>(last_in_use) *
      (static_cast<double>(heap_goal) / static_cast<double>(last_heap_goal)));
  goal += goal / (100 / kRetainExtraPercent);
  goal = (goal + kPhysPageSize - 1) & ~(kPhysPageSize - 1);
  if (retained <= goal || retained - goal < kPhysPageSize) {
    return PageHeap::kNoScavengeGoal;
  }
  return goal;
}

int64_t ScavengeSleepNanos(int64_t worked_ns, int procs) {
  const double worked = static_cast<double>(std::max(worked_ns, kMinWorkNs));
  // worked / ((slept + worked) * procs) = kScavengePercent / 100.
  const double factor = 100.0 / (kScavengePercent * std::max(procs, 1)) - 1;
  return static_cast<int64_t>(worked * std::max(factor, 0.0));
}

Scavenger::Scavenger(PageHeap* heap, int procs)
    : heap_(heap),
      procs_(procs),
      thread_(StartThread("the scavenger", [this] { Run(); })) {}

Scavenger::~Scavenger() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
  heap_->SetScavengeGoal(PageHeap::kNoScavengeGoal);
}

void Scavenger::Pace(uint64_t last_heap_goal, uint64_t heap_goal) {
  heap_->SetScavengeGoal(ScavengeGoal(heap_goal, last_heap_goal,
                                      heap_->in_use_bytes(),
                                      heap_->retained_bytes()));
}

void Scavenger::Wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    wake_ = true;
  }
  cv_.notify_one();
}

uint64_t Scavenger::Work(int64_t* worked_ns) {
  uint64_t released = 0;
  int64_t worked = 0;
  while (worked < kMinWorkNs) {
    const uint64_t goal = heap_->scavenge_goal();
    if (goal == PageHeap::kNoScavengeGoal || heap_->retained_bytes() <= goal) {
      break;
    }
    const int64_t t0 = MonoNanos();
    const size_t r = heap_->Scavenge(kQuantumBytes);
    worked += MonoNanos() - t0;
    released += r;
    if (r < kQuantumBytes) break;
  }
  *worked_ns = worked;
  return released;
}

void Scavenger::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return wake_ || stop_; });
    if (stop_) return;
    wake_ = false;
    for (;;) {
      lock.unlock();
      int64_t worked = 0;
      const uint64_t released = Work(&worked);
      work_ns_.fetch_add(worked, std::memory_order_relaxed);
      lock.lock();
      if (stop_) return;
      if (released == 0) break;  // park until the next sweep ends
      const auto sleep =
          std::chrono::nanoseconds(ScavengeSleepNanos(worked, procs_));
      cv_.wait_for(lock, sleep, [this] { return wake_ || stop_; });
      if (stop_) return;
      wake_ = false;
    }
  }
}

}  // namespace gc
