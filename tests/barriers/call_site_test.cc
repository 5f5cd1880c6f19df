// Tests of the call sites over every barrier and algorithm, without a
// collector: what each store records in the P's buffer, how often the
// buffer flushes, the bulk barrier, and the plain store with the barrier off.
// (Shading itself is tested with a marking collector in
// barrier_algorithm_test.cc.)
#include "barriers/call_site.h"

#include <cstdint>
#include <utility>
#include <vector>

#include "barriers/barrier_config.h"
#include "barriers/barrier_jit.h"
#include "barriers/registry.h"
#include "barriers/wb_buf_flush.h"
#include "gc/work_buf.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/barriers/barrier_cases.h"
#include "tests/barriers/fake_thread.h"

namespace barriers {
namespace {

using testing::Case;
using testing::CaseName;
using testing::Cases;
using ::testing::ElementsAreArray;
using testing::Entry;

// Stores values[i] into slots[i] through the call site of (kind, algorithm).
// Returns how many stores reported that the barrier ran.
size_t StoreAll(const Case& c, std::vector<uintptr_t>& slots,
                const std::vector<uintptr_t>& values) {
  return WithBarrier(c.kind, c.algorithm, [&]<class B>() {
    size_t barriered = 0;
    for (size_t i = 0; i < slots.size(); ++i) {
      barriered += WritePointer<B>(&slots[i], values[i]);
    }
    return barriered;
  });
}

// Flushes expected after `stores` stores into a buffer of `entries`, from
// the kind's traits.
uint64_t ExpectedFlushes(BarrierKind kind, uint64_t stores, uint64_t entries) {
  const BarrierTraits& t = TraitsOf(kind);
  if (!t.wbbuf) return 0;
  const uint64_t n = t.forced_entries != 0 ? t.forced_entries : entries;
  if (t.jit == JitCode::kBatched) {
    // Go 1.21: the reservation that does not fit flushes.
    return stores == 0 ? 0 : (stores - 1) / n;
  }
  return stores / n;  // the store that fills the buffer flushes
}

// Whether the kind's stores stay in the buffer (a buffer of one entry
// flushes, and here empties, on every store).
bool Buffers(BarrierKind kind) {
  return TraitsOf(kind).wbbuf && TraitsOf(kind).forced_entries != 1;
}

// Generated code calls the flush and registers no unwind table: nothing it
// reaches may throw (allocation failure aborts instead).
TEST(WbBufFlushTest, NeverThrows) {
  static_assert(noexcept(WbBufFlush(nullptr, 0)));
  static_assert(noexcept(std::declval<gc::WorkQueue&>().GetEmpty()));
  SUCCEED();
}

class CallSiteTest : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override { ResetFlushCounts(); }
};

TEST_P(CallSiteTest, FlushCountIsStoresOverEntries) {
  const Case c = GetParam();
  for (size_t entries : {size_t{1}, size_t{8}, gc::kWbBufDefaultEntries}) {
    testing::BarrierScope barrier({.kind = c.kind,
                                   .algorithm = c.algorithm,
                                   .wbbuf_entries = entries,
                                   .flush = FlushMode::kEmpty});
    testing::FakeThread thread;
    ResetFlushCounts();
    const size_t stores = 5 * entries;
    std::vector<uintptr_t> slots(stores, 0x10), values(stores);
    for (size_t i = 0; i < stores; ++i) values[i] = 0x1000 + 8 * i;
    EXPECT_EQ(StoreAll(c, slots, values),
              c.kind == BarrierKind::kNone ? 0 : stores);
    EXPECT_EQ(TotalFlushes(), ExpectedFlushes(c.kind, stores, entries))
        << "entries " << entries;
    EXPECT_EQ(slots, values) << "entries " << entries;
    EXPECT_EQ(thread.m().locks, 0) << "acquirem without releasem";
    if (c.kind == BarrierKind::kUnbuffered) {
      EXPECT_NE(thread.m().g0_stack_hi, nullptr) << "no system stack";
    }
  }
}

// Under every --filter: the generated code records what the model
// (Filtered) lets through and counts, on its skip path, what it filters;
// a kind without a filter filters nothing.
TEST_P(CallSiteTest, FiltersSkipWhatTheModelFilters) {
  const Case c = GetParam();
  for (const FilterInfo& f : kFilterInfos) {
    const Filter filter = EffectiveFilter(c.kind, f.filter);
    testing::BarrierScope barrier({.kind = c.kind,
                                   .algorithm = c.algorithm,
                                   .flush = FlushMode::kEmpty,
                                   .filter = f.filter});
    testing::FakeThread thread;
    // Old and new: both set, old nil, same, both nil, new nil.
    std::vector<uintptr_t> slots = {0x100, 0, 0x300, 0, 0x500};
    const std::vector<uintptr_t> olds = slots;
    const std::vector<uintptr_t> values = {0x1100, 0x2200, 0x300, 0, 0};
    const uint64_t filtered0 = FilteredStoresOnThisThread();
    StoreAll(c, slots, values);
    EXPECT_EQ(slots, values) << f.name;
    std::vector<uintptr_t> expected;
    uint64_t filtered = 0;
    for (size_t i = 0; i < slots.size(); ++i) {
      if (Filtered(filter, c.algorithm, olds[i], values[i])) {
        ++filtered;
        continue;
      }
      for (uintptr_t w : Entry(c.algorithm, values[i], olds[i], false)) {
        expected.push_back(w);
      }
    }
    EXPECT_EQ(FilteredStoresOnThisThread() - filtered0, filtered) << f.name;
    if (Buffers(c.kind)) {
      gc::WbBuf& buf = thread.p().wb_buf;
      EXPECT_THAT(std::vector<uintptr_t>(buf.buf, buf.next),
                  ElementsAreArray(expected))
          << f.name;
    }
  }
}

TEST_P(CallSiteTest, RecordsWhatTheAlgorithmShades) {
  const Case c = GetParam();
  for (bool stack_black : {false, true}) {
    testing::BarrierScope barrier(
        {.kind = c.kind, .algorithm = c.algorithm, .flush = FlushMode::kEmpty});
    testing::FakeThread thread;
    thread.g().stack_black.store(stack_black);
    std::vector<uintptr_t> slots = {0x100, 0x200, 0};
    const std::vector<uintptr_t> olds = slots;
    const std::vector<uintptr_t> values = {0x1100, 0, 0x3300};
    StoreAll(c, slots, values);
    EXPECT_EQ(slots, values);
    std::vector<uintptr_t> expected;
    if (Buffers(c.kind)) {
      for (size_t i = 0; i < slots.size(); ++i) {
        // satb's built-in nil filter skips a null old value.
        if (Filtered(EffectiveFilter(c.kind, Filter::kNone), c.algorithm,
                     olds[i], values[i])) {
          continue;
        }
        for (uintptr_t w :
             Entry(c.algorithm, values[i], olds[i], stack_black)) {
          expected.push_back(w);
        }
      }
    }
    gc::WbBuf& buf = thread.p().wb_buf;
    EXPECT_THAT(std::vector<uintptr_t>(buf.buf, buf.next),
                ElementsAreArray(expected))
        << (stack_black ? "stack black" : "stack grey");
  }
}

TEST_P(CallSiteTest, BulkCopyRecordsEverySlot) {
  const Case c = GetParam();
  testing::BarrierScope barrier(
      {.kind = c.kind, .algorithm = c.algorithm, .flush = FlushMode::kEmpty});
  testing::FakeThread thread;
  std::vector<uintptr_t> dst = {0xa0, 0xb0, 0xc0, 0xd0};
  const std::vector<uintptr_t> olds = dst;
  const std::vector<uintptr_t> src = {0x1a0, 0x1b0, 0, 0x1d0};
  const uint64_t flushes = TotalFlushes();
  WithBarrier(c.kind, c.algorithm, [&]<class B>() {
    EXPECT_EQ(CopyPointers<B>(dst.data(), src.data(), dst.size()),
              c.kind != BarrierKind::kNone);
  });
  EXPECT_EQ(dst, src);
  std::vector<uintptr_t> expected;
  if (Buffers(c.kind)) {
    for (size_t i = 0; i < dst.size(); ++i) {
      for (uintptr_t w : Entry(c.algorithm, src[i], olds[i], false)) {
        expected.push_back(w);
      }
    }
  }
  gc::WbBuf& buf = thread.p().wb_buf;
  EXPECT_THAT(std::vector<uintptr_t>(buf.buf, buf.next),
              ElementsAreArray(expected));
  EXPECT_EQ(TotalFlushes() - flushes,
            TraitsOf(c.kind).forced_entries == 1 ? dst.size() : 0);
}

// A full buffer's worth of single stores, then a bulk copy, at the largest
// buffer: the batched barrier leaves the buffer exactly full (it flushes
// only when a reservation does not fit), and a bulk barrier that wrote
// before testing for room wrote past the buffer into P::id and
// P::collector.  Every writer keeps the buffer's one invariant.
TEST_P(CallSiteTest, BulkCopyAfterAFullBufferStaysInsideIt) {
  const Case c = GetParam();
  testing::BarrierScope barrier({.kind = c.kind,
                                 .algorithm = c.algorithm,
                                 .wbbuf_entries = gc::kWbBufMaxEntries,
                                 .flush = FlushMode::kEmpty});
  testing::FakeThread thread;
  thread.p().id = 7;
  std::vector<uintptr_t> slots(gc::kWbBufMaxEntries, 0x10);
  std::vector<uintptr_t> values(slots.size(), 0x2000);
  StoreAll(c, slots, values);
  std::vector<uintptr_t> dst = {0xa0, 0xb0, 0xc0, 0xd0};
  const std::vector<uintptr_t> olds = dst;
  const std::vector<uintptr_t> src = {0x1a0, 0x1b0, 0x1c0, 0x1d0};
  WithBarrier(c.kind, c.algorithm, [&]<class B>() {
    CopyPointers<B>(dst.data(), src.data(), dst.size());
  });
  EXPECT_EQ(dst, src);
  EXPECT_EQ(thread.p().id, 7) << "the bulk barrier wrote past the buffer";
  EXPECT_EQ(thread.p().collector, nullptr)
      << "the bulk barrier wrote past the buffer";
  gc::WbBuf& buf = thread.p().wb_buf;
  EXPECT_LE(buf.next, buf.end);
  std::vector<uintptr_t> expected;
  if (Buffers(c.kind)) {
    for (size_t i = 0; i < dst.size(); ++i) {
      for (uintptr_t w : Entry(c.algorithm, src[i], olds[i], false)) {
        expected.push_back(w);
      }
    }
  }
  EXPECT_THAT(std::vector<uintptr_t>(buf.buf, buf.next),
              ElementsAreArray(expected));
}

TEST_P(CallSiteTest, BarrierOffIsAPlainStore) {
  const Case c = GetParam();
  testing::BarrierScope barrier(
      {.kind = c.kind, .algorithm = c.algorithm, .flush = FlushMode::kEmpty});
  gc::write_barrier_enabled.store(0);
  testing::FakeThread thread;
  std::vector<uintptr_t> slots(3 * gc::kWbBufDefaultEntries, 0x40);
  std::vector<uintptr_t> values(slots.size(), 0x8000);
  StoreAll(c, slots, values);
  EXPECT_EQ(slots, values);
  WithBarrier(c.kind, c.algorithm, [&]<class B>() {
    EXPECT_FALSE(WritePointer<B>(&slots[0], 0x20)) << "reported a barrier";
    EXPECT_FALSE(CopyPointers<B>(slots.data(), values.data(), 3));
  });
  EXPECT_TRUE(thread.p().wb_buf.Empty());
  EXPECT_EQ(TotalFlushes(), 0u);
}

INSTANTIATE_TEST_SUITE_P(AllBarriers, CallSiteTest,
                         ::testing::ValuesIn(Cases()), CaseName);

}  // namespace
}  // namespace barriers
