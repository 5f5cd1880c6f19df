// Every sound barrier x algorithm pairing under a running concurrent
// collector (back-to-back cycles, one mark worker, checkmark on): the
// mutator keeps moving subtrees between pointer arrays (read a pointer,
// overwrite its slot, store it into another array), which hides objects
// from a marker that has scanned the destination but not yet the source.  The
// verifier must find nothing lost in any cycle.  A barrier that recorded the
// wrong pointer or dropped buffer entries loses objects here; `none` loses
// them within a few cycles.
#include <chrono>
#include <cstdint>
#include <random>

#include "barriers/barrier_config.h"
#include "barriers/call_site.h"
#include "barriers/registry.h"
#include "gc/collector.h"
#include "gc/heap.h"
#include "gc/mutator.h"
#include "gc/shadow_stack.h"
#include "gc/type_descriptor.h"
#include "gtest/gtest.h"
#include "tests/barriers/barrier_cases.h"
#include "tests/gc/marker_test_util.h"

namespace barriers {
namespace {

using gc::testing::FieldSlot;
using gc::testing::NodeType;
using testing::Case;

// A directory of kArrays arrays of kSlots subtrees of kChain nodes: ~70k
// objects, and the arrays are scanned one by one across the whole mark
// phase, so moves between them often go from unscanned to scanned.
constexpr size_t kArrays = 256;
constexpr size_t kSlots = 32;
constexpr int kChain = 8;
constexpr auto kBudget = std::chrono::milliseconds(1000);
constexpr uint64_t kCycles = 4;

const gc::Type& SlotType() {
  static const gc::Type* t = new gc::Type("slot", sizeof(uintptr_t), {0});
  return *t;
}

uintptr_t NewChain() {
  gc::RootFrame frame(1);
  for (int i = 0; i < kChain; ++i) {
    uintptr_t n = reinterpret_cast<uintptr_t>(gc::Allocate(NodeType()));
    *FieldSlot(n, 0) = frame.Get(0);  // n is new: allocated black or white
    frame.Set(0, n);                  // alike, and not yet reachable
  }
  return frame.Get(0);
}

// Moves subtrees until `cycles` more cycles have completed, or, if
// `until_lost`, until the verifier has found a lost object (or time is up).
template <class B>
void MoveSubtrees(gc::Collector& collector, bool until_lost) {
  gc::RootFrame root(1);
  root.Set(0, reinterpret_cast<uintptr_t>(gc::Allocate(SlotType(), kArrays)));
  auto array = [&](size_t a) {
    return reinterpret_cast<uintptr_t*>(
        LoadPlain(&reinterpret_cast<uintptr_t*>(root.Get(0))[a]));
  };
  for (size_t a = 0; a < kArrays; ++a) {
    uintptr_t arr =
        reinterpret_cast<uintptr_t>(gc::Allocate(SlotType(), kSlots));
    WritePointer<B>(&reinterpret_cast<uintptr_t*>(root.Get(0))[a], arr);
    for (size_t i = 0; i < kSlots; ++i) {
      uintptr_t chain = NewChain();
      WritePointer<B>(&array(a)[i], chain);
    }
    gc::Safepoint();
  }
  std::mt19937_64 rng(7);
  const uint64_t cycles = collector.cycles_completed() + kCycles;
  const auto deadline =
      std::chrono::steady_clock::now() + (until_lost ? 5 : 1) * kBudget;
  auto done = [&] {
    if (until_lost) return collector.stats().TotalLost() > 0;
    return collector.cycles_completed() >= cycles;
  };
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    for (int step = 0; step < 64; ++step) {
      uintptr_t* from_slot = &array(rng() % kArrays)[rng() % kSlots];
      uintptr_t* to_slot = &array(rng() % kArrays)[rng() % kSlots];
      const uintptr_t moved = LoadPlain(from_slot);
      const uintptr_t displaced = LoadPlain(to_slot);
      WritePointer<B>(to_slot, moved);        // insertion into the destination
      WritePointer<B>(from_slot, displaced);  // deletion from the source
    }
    gc::Safepoint();
  }
}

// Runs the mutator under (kind, algorithm) with a continuously marking
// collector; returns the objects the verifier found lost.
uint64_t LostObjects(const Case& c, bool until_lost) {
  const BarrierConfig saved = InstalledBarrier();
  BarrierConfig config{
      .kind = c.kind, .algorithm = c.algorithm, .wbbuf_entries = 64};
  EXPECT_TRUE(InstallBarrier(config).ok());
  gc::GcConfig gc_config;
  gc_config.mode = gc::GcMode::kContinuous;
  gc_config.workers = 1;
  gc_config.verify = true;
  ApplyToGcConfig(config, &gc_config);
  gc::Heap::Init(gc_config);
  gc::Collector collector(gc_config);
  collector.Start();
  {
    gc::MutatorScope mutator(collector);
    WithBarrier(c.kind, c.algorithm,
                [&]<class B>() { MoveSubtrees<B>(collector, until_lost); });
  }
  collector.Stop();
  EXPECT_GE(collector.cycles_completed(), 1u);
  EXPECT_TRUE(InstallBarrier(saved).ok());
  return collector.stats().TotalLost();
}

class BarrierStressTest : public ::testing::TestWithParam<Case> {};

TEST_P(BarrierStressTest, ConcurrentMarkingLosesNothing) {
  EXPECT_EQ(LostObjects(GetParam(), /*until_lost=*/false), 0u);
}

// The same mutator without a barrier: the verifier must see the damage, or
// the test above proves nothing.
TEST(BarrierStressTest, NoBarrierLosesObjects) {
  EXPECT_GT(LostObjects({BarrierKind::kNone, Algorithm::kHybrid},
                        /*until_lost=*/true),
            0u);
}

INSTANTIATE_TEST_SUITE_P(SoundBarriers, BarrierStressTest,
                         ::testing::ValuesIn(testing::Cases(SoundBarriers())),
                         testing::CaseName);

}  // namespace
}  // namespace barriers
