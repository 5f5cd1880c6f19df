// Tests for gc/scavenger.h and the page heap's scavenging (gc/page_heap.h):
// the pages given back really leave memory (mincore), only free pages are
// given back, highest address first, they read zero when reused, the
// retained count follows, and the pacing and sleep follow Go 1.19's.
#include "gc/scavenger.h"

#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

#include "gc/heap.h"
#include "gtest/gtest.h"

namespace gc {
namespace {

constexpr size_t kChunk = size_t{64} << 10;  // Go's scavengeQuantum

class ScavengerTest : public ::testing::Test {
 protected:
  void SetUp() override { Heap::Init(GcConfig()); }
  void TearDown() override { Heap::Init(GcConfig()); }
  static PageHeap& Pages() { return Heap::Get().page_heap(); }

  // Pages of [p, p + n) the kernel holds in memory for this process.
  static size_t Resident(uintptr_t p, size_t n) {
    const size_t os_page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    std::vector<unsigned char> vec((n + os_page - 1) / os_page);
    EXPECT_EQ(mincore(reinterpret_cast<void*>(p), n, vec.data()), 0);
    size_t resident = 0;
    for (unsigned char v : vec) resident += v & 1;
    return resident;
  }
  // A published span of `npages` whose memory is touched (resident).
  static Span* TouchedSpan(size_t npages) {
    Span* s = Heap::Get().AllocSpan(npages, MakeSpanClass(0, true));
    UnpoisonHeapMemory(s->base, npages * kPageSize);
    std::memset(reinterpret_cast<void*>(s->base), 0x5a, npages * kPageSize);
    return s;
  }
  // Frees a touched span as the sweeper does: zero first.
  static void FreeZeroed(Span* s) {
    std::memset(reinterpret_cast<void*>(s->base), 0, s->npages * kPageSize);
    Heap::Get().FreeSpan(s);
  }
};

TEST_F(ScavengerTest, NewArenasCountAsScavenged) {
  Span* s = TouchedSpan(4);
  // Only the span's pages are retained: the rest of the arena was never
  // touched, as Go grows its heap scavenged.
  EXPECT_EQ(Pages().retained_bytes(), 4 * kPageSize);
  EXPECT_EQ(Pages().in_use_bytes(), 4 * kPageSize);
  FreeZeroed(s);
  EXPECT_EQ(Pages().retained_bytes(), 4 * kPageSize);
  EXPECT_EQ(Pages().in_use_bytes(), 0u);
}

TEST_F(ScavengerTest, ReleasesFreePagesHighestFirstAndTheyLeaveMemory) {
  Span* low = TouchedSpan(8);
  Span* high = TouchedSpan(8);
  Span* keep = TouchedSpan(8);  // in use throughout
  ASSERT_LT(low->base, high->base);
  const size_t span_bytes = 8 * kPageSize;
  FreeZeroed(low);
  FreeZeroed(high);
  const uint64_t retained = Pages().retained_bytes();
  ASSERT_GT(Resident(high->base, span_bytes), 0u);

  // One quantum comes from the top of the highest free run.
  EXPECT_EQ(Pages().Scavenge(kChunk), kChunk);
  EXPECT_EQ(Pages().retained_bytes(), retained - kChunk);
  EXPECT_EQ(Pages().scavenged_bytes_total(), kChunk);
  EXPECT_EQ(Resident(high->base + span_bytes - kChunk, kChunk), 0u);
  EXPECT_GT(Resident(low->base, span_bytes), 0u);

  // Everything free goes; the span in use keeps its memory and contents.
  EXPECT_EQ(Pages().Scavenge(~size_t{0} / 2), 2 * span_bytes - kChunk);
  EXPECT_EQ(Pages().Scavenge(kChunk), 0u);
  EXPECT_EQ(Resident(low->base, span_bytes), 0u);
  EXPECT_EQ(Resident(high->base, span_bytes), 0u);
  EXPECT_EQ(Pages().retained_bytes(), span_bytes);
  const auto* bytes = reinterpret_cast<const unsigned char*>(keep->base);
  for (size_t i = 0; i < span_bytes; ++i) ASSERT_EQ(bytes[i], 0x5a) << i;

  // Reused, the pages read zero and count as retained again.
  Span* again = Heap::Get().AllocSpan(16, MakeSpanClass(0, true));
  ASSERT_EQ(again->base, low->base);
  UnpoisonHeapMemory(again->base, 16 * kPageSize);
  const auto* fresh = reinterpret_cast<const unsigned char*>(again->base);
  for (size_t i = 0; i < 16 * kPageSize; ++i) ASSERT_EQ(fresh[i], 0) << i;
  EXPECT_EQ(Pages().retained_bytes(), 3 * span_bytes);
}

TEST_F(ScavengerTest, AFreeAboveTheSearchPointIsFoundAgain) {
  Span* a = TouchedSpan(8);
  Span* b = TouchedSpan(8);
  FreeZeroed(a);
  EXPECT_EQ(Pages().Scavenge(kChunk), kChunk);
  EXPECT_EQ(Pages().Scavenge(kChunk), 0u);  // searched below a
  FreeZeroed(b);                            // above the search point
  EXPECT_EQ(Pages().Scavenge(kChunk), kChunk);
  EXPECT_EQ(Resident(b->base, 8 * kPageSize), 0u);
}

TEST_F(ScavengerTest, GoalIsGosGcPercentGoal) {
  // 1.1 x last in-use x (goal / last goal), rounded up to a 4 KiB page.
  const uint64_t mib = uint64_t{1} << 20;
  EXPECT_EQ(ScavengeGoal(20 * mib, 10 * mib, 10 * mib, 100 * mib), 22 * mib);
  EXPECT_EQ(ScavengeGoal(10 * mib, 10 * mib, 10 * mib + 1, 100 * mib),
            (11 * mib + 4096 + 4095) / 4096 * 4096);
  // At the goal, or within a page of it: nothing to do.
  EXPECT_EQ(ScavengeGoal(10 * mib, 10 * mib, 10 * mib, 11 * mib),
            PageHeap::kNoScavengeGoal);
  EXPECT_EQ(ScavengeGoal(10 * mib, 10 * mib, 10 * mib, 11 * mib + 4095),
            PageHeap::kNoScavengeGoal);
  // Before a first cycle.
  EXPECT_EQ(ScavengeGoal(10 * mib, 0, 10 * mib, 100 * mib),
            PageHeap::kNoScavengeGoal);
}

TEST_F(ScavengerTest, SleepKeepsTheScavengerAtOnePercentOfAllPs) {
  // worked / ((slept + worked) * procs) = 1%.
  EXPECT_EQ(ScavengeSleepNanos(2'000'000, 1), 198'000'000);
  EXPECT_EQ(ScavengeSleepNanos(2'000'000, 2), 98'000'000);
  // Less than Go's 1 ms of work counts as 1 ms.
  EXPECT_EQ(ScavengeSleepNanos(10, 2), 49'000'000);
  EXPECT_EQ(ScavengeSleepNanos(1'000'000, 200), 0);
}

TEST_F(ScavengerTest, TheThreadWorksDownToTheGoalWhenWoken) {
  std::vector<Span*> spans;
  for (int i = 0; i < 16; ++i) spans.push_back(TouchedSpan(8));
  for (size_t i = 0; i < 12; ++i) FreeZeroed(spans[i]);
  const uint64_t span_bytes = 8 * kPageSize;
  ASSERT_EQ(Pages().retained_bytes(), 16 * span_bytes);
  {
    Scavenger scavenger(&Pages(), 2);
    // In use: 4 spans; the goal keeps 6 of the 16 retained.
    Pages().SetScavengeGoal(6 * span_bytes);
    scavenger.Wake();
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (Pages().retained_bytes() > 6 * span_bytes &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    EXPECT_EQ(Pages().retained_bytes(), 6 * span_bytes);
    EXPECT_EQ(Pages().scavenged_bytes_total(), 10 * span_bytes);
  }
  // Gone, the scavenger leaves no goal for the heap-growth scavenge.
  EXPECT_EQ(Pages().scavenge_goal(), PageHeap::kNoScavengeGoal);
}

TEST_F(ScavengerTest, GrowingPastTheGoalScavengesOnTheAllocatingThread) {
  Span* s = TouchedSpan(512);
  FreeZeroed(s);
  Span* keep = TouchedSpan(8);
  (void)keep;
  // Retained: the 512 freed pages (8 of them in use again).  A goal below
  // that, and an allocation that must grow the heap: it scavenges what it
  // grew by (a 512-page chunk) or the overage, whichever is less.
  Pages().SetScavengeGoal(256 * kPageSize);
  const uint64_t before = Pages().retained_bytes();
  Span* big = Heap::Get().AllocSpan(Heap::Get().page_heap().free_pages() + 1,
                                    MakeSpanClass(0, true));
  ASSERT_NE(big, nullptr);
  EXPECT_EQ(Pages().scavenged_bytes_total(), before - 8 * kPageSize);
  Pages().SetScavengeGoal(PageHeap::kNoScavengeGoal);
}

}  // namespace
}  // namespace gc
