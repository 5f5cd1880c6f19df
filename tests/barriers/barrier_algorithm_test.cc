// Every barrier x algorithm against a marking collector (manual driver):
// after a store during marking, exactly the objects the algorithm promises
// to shade are marked (old, new or both; hybrid-cond's new only while the
// G's stack is grey), and nothing else is; with the barrier off the store
// is plain and marks nothing.
#include <cstdint>

#include "barriers/barrier_config.h"
#include "barriers/call_site.h"
#include "barriers/registry.h"
#include "barriers/wb_buf_flush.h"
#include "gc/card_table.h"
#include "gc/collector.h"
#include "gc/heap.h"
#include "gc/mutator.h"
#include "gtest/gtest.h"
#include "tests/barriers/barrier_cases.h"
#include "tests/gc/marker_test_util.h"

namespace barriers {
namespace {

using gc::testing::Field;
using gc::testing::FieldSlot;
using gc::testing::IsMarked;
using gc::testing::NodeType;
using testing::Case;

uintptr_t NewNode() {
  return reinterpret_cast<uintptr_t>(gc::Allocate(NodeType()));
}

void Store(const Case& c, uintptr_t* slot, uintptr_t value) {
  WithBarrier(c.kind, c.algorithm,
              [&]<class B>() { WritePointer<B>(slot, value); });
}

// Installs a barrier for the scope (the collector turns it on and off).
class InstallScope {
 public:
  explicit InstallScope(const BarrierConfig& config)
      : saved_(InstalledBarrier()) {
    EXPECT_TRUE(InstallBarrier(config).ok());
  }
  ~InstallScope() { EXPECT_TRUE(InstallBarrier(saved_).ok()); }

 private:
  BarrierConfig saved_;
};

class BarrierAlgorithmTest : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    config_ = {.kind = GetParam().kind,
               .algorithm = GetParam().algorithm,
               .wbbuf_entries = 4};
    gc_config_.workers = 0;
    ApplyToGcConfig(config_, &gc_config_);
    gc::Heap::Init(gc_config_);
  }

  BarrierConfig config_;
  gc::GcConfig gc_config_;
};

TEST_P(BarrierAlgorithmTest, MarkingStoreShadesWhatTheAlgorithmPromises) {
  const Case c = GetParam();
  const AlgorithmInfo& info = InfoFor(c.algorithm);
  InstallScope install(config_);
  gc::Collector collector(gc_config_);
  gc::MutatorScope mutator(collector);

  // White objects, reachable from nothing the marker scans before we look.
  struct Objects {
    uintptr_t holder, old, value, bystander;
  } sets[2];
  for (Objects& o : sets) {
    o = {NewNode(), NewNode(), NewNode(), NewNode()};
    *FieldSlot(o.holder, 0) = o.old;
  }

  collector.StartCycle();
  ASSERT_EQ(gc::write_barrier_enabled.load(), 1);
  gc::G* g = gc::tls_g;
  const bool was_black = g->stack_black.load();
  for (bool stack_black : {false, true}) {
    SCOPED_TRACE(stack_black ? "stack black" : "stack grey");
    const Objects& o = sets[stack_black];
    g->stack_black.store(stack_black);
    Store(c, FieldSlot(o.holder, 0), o.value);
    // What mark termination does with a buffer that is not full yet.
    WbBufFlush(nullptr, 0);

    // A card-marking kind shades nothing on the store: it dirties the
    // slot's card, which the collector rescans (gc/card_rescan.cc).
    const bool cards = TraitsOf(c.kind).cards;
    const bool barrier = c.kind != BarrierKind::kNone && !cards;
    if (cards) {
      EXPECT_TRUE(
          gc::CardIsDirty(reinterpret_cast<uintptr_t>(FieldSlot(o.holder, 0))))
          << "card";
    }
    const bool new_shaded =
        info.shades_new &&
        !(c.algorithm == Algorithm::kHybridCond && stack_black);
    EXPECT_EQ(Field(o.holder, 0), o.value);
    EXPECT_EQ(IsMarked(o.old), barrier && info.shades_old) << "old";
    EXPECT_EQ(IsMarked(o.value), barrier && new_shaded) << "new";
    EXPECT_FALSE(IsMarked(o.holder)) << "holder";
    EXPECT_FALSE(IsMarked(o.bystander)) << "bystander";
  }
  g->stack_black.store(was_black);

  collector.DrainAll();
  while (!collector.StartTermination()) collector.DrainAll();
  collector.FinishCycle();
}

// Under --time_flush a flush that shades is timed, and counts the words it
// walked: the figure wbbench sets beside Go's wbBufFlush1
// (flush_ns_per_recorded_pointer).  Without it nothing is timed.
TEST_P(BarrierAlgorithmTest, ShadingFlushIsTimedOverTheWordsItWalks) {
  const Case c = GetParam();
  InstallScope install(config_);
  gc_config_.time_flush = true;
  gc::Collector collector(gc_config_);
  gc::MutatorScope mutator(collector);
  const uintptr_t holder = NewNode(), old = NewNode(), value = NewNode();
  *FieldSlot(holder, 0) = old;
  collector.StartCycle();
  ResetFlushCounts();
  Store(c, FieldSlot(holder, 0), value);
  // The store's entry, flushed by the store (cgocheck) or by this flush.
  WbBufFlush(nullptr, 0);
  const FlushTotals shading = SumFlushCounters();
  const uint64_t words =
      TraitsOf(c.kind).wbbuf
          ? testing::Entry(c.algorithm, value, old, gc::tls_g->stack_black)
                .size()
          : 0;
  EXPECT_EQ(shading.shaded_words, words);
  if (words > 0) {
    EXPECT_GT(shading.shade_ticks, 0u);
  }
  ResetFlushCounts();
  EXPECT_EQ(SumFlushCounters().shaded_words, 0u);
  EXPECT_EQ(SumFlushCounters().shade_ticks, 0u);
  mutator.mutator().p()->time_flush = false;
  Store(c, FieldSlot(holder, 0), old);
  WbBufFlush(nullptr, 0);
  EXPECT_EQ(SumFlushCounters().shaded_words, 0u)
      << "timed without --time_flush";
  collector.DrainAll();
  while (!collector.StartTermination()) collector.DrainAll();
  collector.FinishCycle();
}

TEST_P(BarrierAlgorithmTest, MarkingBulkCopyShadesWhatTheAlgorithmPromises) {
  const Case c = GetParam();
  const AlgorithmInfo& info = InfoFor(c.algorithm);
  InstallScope install(config_);
  gc::Collector collector(gc_config_);
  gc::MutatorScope mutator(collector);
  // dst holds two old pointers in a heap object; src is C++ memory holding
  // two new ones (as when a workload copies a slice from a scratch array).
  const uintptr_t holder = NewNode();
  const uintptr_t olds[2] = {NewNode(), NewNode()};
  uintptr_t src[2] = {NewNode(), NewNode()};
  *FieldSlot(holder, 1) = olds[0];
  *FieldSlot(holder, 2) = olds[1];

  collector.StartCycle();
  gc::tls_g->stack_black.store(false);
  WithBarrier(c.kind, c.algorithm, [&]<class B>() {
    CopyPointers<B>(FieldSlot(holder, 1), src, 2);
  });
  WbBufFlush(nullptr, 0);

  const bool barrier = c.kind != BarrierKind::kNone;
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(Field(holder, 1 + i), src[i]);
    EXPECT_EQ(IsMarked(olds[i]), barrier && info.shades_old) << "old " << i;
    EXPECT_EQ(IsMarked(src[i]), barrier && info.shades_new) << "new " << i;
  }
  EXPECT_FALSE(IsMarked(holder));

  collector.DrainAll();
  while (!collector.StartTermination()) collector.DrainAll();
  collector.FinishCycle();
}

// Between cycles the barrier is off, and a store is plain; cgocheck keeps
// it on (Go's cgocheck=2), so its store is checked (one flush) but shades
// nothing.
TEST_P(BarrierAlgorithmTest, StoreWithTheBarrierOffIsPlain) {
  const Case c = GetParam();
  const bool cgocheck = c.kind == BarrierKind::kCgocheck;
  InstallScope install(config_);
  gc::Collector collector(gc_config_);
  gc::MutatorScope mutator(collector);
  ASSERT_EQ(gc::write_barrier_enabled.load(), cgocheck ? 1 : 0);
  uintptr_t holder = NewNode(), old = NewNode(), value = NewNode();
  *FieldSlot(holder, 0) = old;
  ResetFlushCounts();
  Store(c, FieldSlot(holder, 0), value);
  EXPECT_EQ(Field(holder, 0), value);
  EXPECT_TRUE(mutator.mutator().p()->wb_buf.Empty());
  EXPECT_EQ(TotalFlushes(), cgocheck ? 1u : 0u);
  EXPECT_EQ(SumFlushCounters().shaded_words, 0u) << "timed a flush that shaded";
  EXPECT_FALSE(IsMarked(old));
  EXPECT_FALSE(IsMarked(value));
}

INSTANTIATE_TEST_SUITE_P(AllBarriers, BarrierAlgorithmTest,
                         ::testing::ValuesIn(testing::Cases()),
                         testing::CaseName);

}  // namespace
}  // namespace barriers
