// File: gc/pacer.h
//
// When to start a cycle and how much marking an allocating mutator owes
// (Go's gcControllerState, runtime/mgcpacer.go, much simplified).
//
// Trigger.  With GOGC = g, the heap goal of the next cycle is
//     goal = max(marked, kMinHeapBytes) * (1 + g/100),
// where `marked` is the heap the last cycle left marked.  A concurrent cycle
// must start before the goal so that marking finishes near it: the trigger is
// marked + kTriggerFraction * (goal - marked).
//
// Assists.  At the start of a cycle the pacer expects to scan about as much
// as the last cycle marked, and the mutators have (goal - live) bytes of
// runway to allocate before the goal.  Each byte a mutator allocates during
// marking therefore owes assist_ratio = expected_scan / runway bytes of scan
// work, paid by draining gray objects on the allocating thread.  Past the
// hard goal (kHardGoalFactor * goal) an allocating mutator blocks until the
// cycle ends, so the heap stays bounded even if the marker falls behind.
//
// Who calls what.  Plan(): the collector, with the world stopped, at the end
// of a cycle (and at construction).  StartCycle(): the collector at mark
// start.  The getters: anyone (relaxed atomics; the values change only at
// those two points).
#ifndef WBBENCH_GC_PACER_H_
#define WBBENCH_GC_PACER_H_

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace gc {

// Go's heapMinimum (4 MiB at GOGC=100): tiny heaps would otherwise collect
// constantly.  Scaled by GOGC as in Go.
inline constexpr uint64_t kMinHeapBytes = uint64_t{4} << 20;
// Go 1.19 starts a cycle at 70% to 95% of the runway; a fixed 0.7 gives the
// dedicated workers room to finish before the goal without a feedback loop.
inline constexpr double kTriggerFraction = 0.7;
// Go 1.19's hard goal: 1.1x the goal; past it allocation blocks.
inline constexpr double kHardGoalFactor = 1.1;
// The smallest runway assists are computed over, so a cycle that starts at
// the goal does not demand unbounded work per byte.
inline constexpr uint64_t kMinAssistRunwayBytes = uint64_t{64} << 10;

class Pacer {
 public:
  explicit Pacer(int gogc) : gogc_(gogc) { Plan(0); }

  // Sets goal and trigger from the heap the last cycle left marked.
  void Plan(uint64_t marked_bytes);
  // Fixes the assist ratio for the cycle starting with `live_bytes` live.
  void StartCycle(uint64_t live_bytes);

  bool Off() const { return gogc_ < 0; }
  uint64_t trigger() const { return trigger_.load(std::memory_order_relaxed); }
  uint64_t goal() const { return goal_.load(std::memory_order_relaxed); }
  uint64_t hard_goal() const {
    return static_cast<uint64_t>(static_cast<double>(goal()) * kHardGoalFactor);
  }
  uint64_t last_marked() const {
    return last_marked_.load(std::memory_order_relaxed);
  }
  // Bytes of scan work owed per byte allocated during marking.
  double assist_ratio() const {
    return assist_ratio_.load(std::memory_order_relaxed);
  }

 private:
  int gogc_;
  std::atomic<uint64_t> last_marked_{0};
  std::atomic<uint64_t> goal_{0};
  std::atomic<uint64_t> trigger_{0};
  std::atomic<double> assist_ratio_{0};
};

}  // namespace gc

#endif  // WBBENCH_GC_PACER_H_
