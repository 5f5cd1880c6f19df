// File: gc/pacer.cc
//
// Goal, trigger and assist ratio; see pacer.h.
#include "gc/pacer.h"

#include <algorithm>
#include <limits>

namespace gc {

void Pacer::Plan(uint64_t marked_bytes) {
  last_marked_.store(marked_bytes, std::memory_order_relaxed);
  if (Off()) {
    goal_.store(std::numeric_limits<uint64_t>::max() / 2,
                std::memory_order_relaxed);
    trigger_.store(std::numeric_limits<uint64_t>::max() / 2,
                   std::memory_order_relaxed);
    return;
  }
  double growth = 1.0 + gogc_ / 100.0;
  uint64_t min_heap = static_cast<uint64_t>(static_cast<double>(kMinHeapBytes) *
                                            std::max(gogc_, 1) / 100.0);
  uint64_t base = std::max(marked_bytes, min_heap);
  auto goal = static_cast<uint64_t>(static_cast<double>(base) * growth);
  goal = std::max(goal, marked_bytes + 1);
  auto trigger = marked_bytes + static_cast<uint64_t>(
                                    kTriggerFraction *
                                    static_cast<double>(goal - marked_bytes));
  goal_.store(goal, std::memory_order_relaxed);
  trigger_.store(trigger, std::memory_order_relaxed);
}

void Pacer::StartCycle(uint64_t live_bytes) {
  uint64_t g = goal();
  uint64_t runway = g > live_bytes ? g - live_bytes : 0;
  runway = std::max(runway, kMinAssistRunwayBytes);
  // Expect to scan what the last cycle marked (at least the live heap's
  // minimum, so the first cycle still assists).
  uint64_t expected = std::max(last_marked(), kMinAssistRunwayBytes);
  assist_ratio_.store(
      static_cast<double>(expected) / static_cast<double>(runway),
      std::memory_order_relaxed);
}

}  // namespace gc
