// File: gc/mark_workers.cc
//
// The threaded driver (gc/mark_workers.h): starting and stopping the
// coordinator and the mark workers, Collect() on them, the coordinator's
// trigger, and the workers' loop and pause checks.
#include "gc/mark_workers.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <thread>

#include "gc/heap.h"
#include "gc/mutator.h"
#include "gc/scavenger.h"
#include "gc/start_thread.h"
#include "gc/sweeper.h"

namespace gc {
namespace {

// How often the coordinator checks the pacer's trigger when idle.
constexpr auto kTriggerPoll = std::chrono::milliseconds(1);

std::atomic<bool (*)(size_t)> worker_interrupt{nullptr};

}  // namespace

void Collector::SetWorkerInterruptForTesting(bool (*hook)(size_t held)) {
  worker_interrupt.store(hook, std::memory_order_relaxed);
}

bool Collector::WorkerStopRequested(const GcWork& gcw) const {
  if (pause_workers_.load(std::memory_order_relaxed)) return true;
  bool (*hook)(size_t) = worker_interrupt.load(std::memory_order_relaxed);
  return hook != nullptr && hook(gcw.LocalCount());
}

void Collector::OnPublish(void* self) {
  auto* c = static_cast<Collector*>(self);
  if (c->idle_waiters_.load(std::memory_order_relaxed) != 0) {
    c->work_cv_.notify_all();
  }
}

void Collector::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  // kIncremental runs on the mutators' threads (IncrementalStep).
  if (started_ || config_.mode == GcMode::kOff ||
      config_.mode == GcMode::kIncremental) {
    return;
  }
  started_ = true;
  stopping_ = false;
  threads_running_.store(true, std::memory_order_release);
  if (scavenging()) {
    scavenger_ = std::make_unique<Scavenger>(
        &Heap::Get().page_heap(),
        static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  }
  sweeper_ = std::make_unique<BackgroundSweeper>(scavenger_.get());
  for (int i = 0; i < config_.workers; ++i) {
    auto w = std::make_unique<Worker>();
    w->id = i;
    w->gcw.set_queue(&queue_);
    workers_.push_back(std::move(w));
  }
  for (auto& w : workers_) {
    w->thread =
        StartThread("a mark worker", [this, wp = w.get()] { WorkerLoop(wp); });
  }
  coordinator_ =
      StartThread("the collector's coordinator", [this] { CoordinatorLoop(); });
}

void Collector::Stop() {
  if (config_.mode == GcMode::kIncremental) {
    RunIncremental(/*another_cycle=*/false);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!started_) return;
    stopping_ = true;
  }
  // The caller's mutator must not hold up the cycle being finished.
  G* self = tls_g;
  if (self != nullptr) Park(self);
  cv_.notify_all();
  trigger_cv_.notify_all();
  coordinator_.join();
  {
    std::lock_guard<std::mutex> lock(mu_);
    workers_stopping_ = true;
  }
  work_cv_.notify_all();
  for (auto& w : workers_) w->thread.join();
  workers_.clear();
  sweeper_.reset();
  scavenger_.reset();
  {
    std::lock_guard<std::mutex> lock(mu_);
    started_ = false;
    workers_stopping_ = false;
    threads_running_.store(false, std::memory_order_release);
  }
  if (self != nullptr) Unpark(self);
}

void Collector::Collect() {
  if (config_.mode == GcMode::kOff) return;  // --gc=off never collects
  if (config_.mode == GcMode::kIncremental) {
    // Finish the cycle the mutators' steps are running, then one more.
    RunIncremental(/*another_cycle=*/true);
    return;
  }
  bool threaded;
  {
    std::lock_guard<std::mutex> lock(mu_);
    threaded = started_ && !stopping_;
  }
  if (!threaded) {
    RunCycle();
    return;
  }
  G* self = tls_g;
  if (self != nullptr) Park(self);
  {
    std::unique_lock<std::mutex> lock(mu_);
    // A cycle that starts after this point has number > cycle_; cycles end
    // in order, so wait for that many completions.
    const uint64_t target = cycle_.load(std::memory_order_acquire) + 1;
    cycle_requested_ = true;
    trigger_cv_.notify_all();
    cv_.wait(lock, [&] {
      return stopping_ || completed_.load(std::memory_order_acquire) >= target;
    });
  }
  if (self != nullptr) Unpark(self);
}

bool Collector::TriggeredLocked() const {
  if (cycle_requested_) return true;
  switch (config_.mode) {
    case GcMode::kContinuous:
      return true;
    case GcMode::kConcurrent:
    case GcMode::kStw:
      return !pacer_.Off() &&
             live_.load(std::memory_order_relaxed) >= pacer_.trigger();
    case GcMode::kIncremental:  // no coordinator: the mutators' steps
    case GcMode::kOff:
      return false;
  }
  return false;
}

void Collector::CoordinatorLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    if (!TriggeredLocked()) {
      trigger_cv_.wait_for(lock, kTriggerPoll);
      continue;
    }
    cycle_requested_ = false;
    lock.unlock();
    RunCycle();
    lock.lock();
  }
}

void Collector::WorkerLoop(Worker* w) {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (workers_stopping_) break;
    const bool can_work = !pause_workers_.load(std::memory_order_relaxed) &&
                          phase() == GcPhase::kMark;
    if (!can_work) {
      // Between cycles or in a pause: both end under mu_ with a notify, so
      // sleep without polling (no CPU taken from the mutators).
      work_cv_.wait(lock);
      continue;
    }
    if (!queue_.HasFull() &&
        globals_job_.load(std::memory_order_relaxed) != 0 &&
        !HasParkedScanLocked()) {
      idle_waiters_.fetch_add(1, std::memory_order_relaxed);
      work_cv_.wait_for(lock, kIdlePoll);
      idle_waiters_.fetch_sub(1, std::memory_order_relaxed);
      continue;
    }
    ++active_workers_;
    lock.unlock();
    const int64_t cpu0 = ThreadCpuNanos();
    bool stopped = false;
    for (;;) {
      bool did = ScanGlobalsJob(w->gcw);
      did |= ScanParkedStacks(w->gcw);
      did |= Drain(w->gcw, kWorkerBatch, &stopped) != 0;
      if (!did || stopped || pause_workers_.load(std::memory_order_relaxed)) {
        break;
      }
    }
    // An idle worker holds no gray objects (MarkDone relies on it).
    w->gcw.Dispose();
    mark_cpu_ns_.fetch_add(ThreadCpuNanos() - cpu0, std::memory_order_relaxed);
    lock.lock();
    --active_workers_;
    work_cv_.notify_all();
  }
}

}  // namespace gc
