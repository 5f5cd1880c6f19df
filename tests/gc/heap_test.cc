// Tests for gc/heap.h and gc/mcache.h: FindObject, exact pointer slots,
// allocate-black, the heap limit, statistics and concurrent allocation.
#include "gc/heap.h"

#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <thread>
#include <vector>

#include "gc/heap_bits.h"
#include "gtest/gtest.h"

namespace gc {
namespace {

const Type kBytes16("Bytes16", 16, {});
const Type kBytes48("Bytes48", 48, {});
const Type kPtr("Ptr", 8, {0});
// {ptr, int, ptr, int, int, ptr}
const Type kMixed("Mixed", 48, {0, 16, 40});
const Type kPair("Pair", 24, {8});
// {ptr, int, ptr}
const Type kTriple("Triple", 24, {0, 16});

class HeapTest : public ::testing::Test {
 protected:
  void SetUp() override {
    GcConfig config;
    config.heap_limit = size_t{256} << 20;
    Heap::Init(config);
  }
  void TearDown() override { Heap::Init(GcConfig()); }

  // A full collection cycle with nothing marked by a collector: only the
  // marks the test set survive.
  static void Sweep() {
    Heap::Get().StartSweep();
    Heap::Get().FinishSweep();
  }

  static uintptr_t U(const void* p) { return reinterpret_cast<uintptr_t>(p); }

  // The object's pointer slots by its type; the heap bitmap, which the
  // marker scans by, must name the same ones.
  static std::vector<uintptr_t> Slots(const void* p) {
    std::vector<uintptr_t> offsets;
    const ObjectRef ref = FindObject(p);
    ForEachPointerSlot(
        ref, [&](uintptr_t* slot) { offsets.push_back(U(slot) - U(p)); });
    if (!ref.noscan()) {
      std::vector<uintptr_t> by_bits;
      ForEachHeapPointer(
          g_arena_table[ref.base >> kArenaShift].load(), ref.base, ref.size(),
          [&](uintptr_t* slot) { by_bits.push_back(U(slot) - U(p)); });
      EXPECT_EQ(by_bits, offsets) << "heap bits of " << p;
    }
    return offsets;
  }
};

TEST_F(HeapTest, AllocReturnsZeroedDistinctObjects) {
  MCache cache;
  std::set<uintptr_t> seen;
  for (int i = 0; i < 5000; ++i) {
    auto* p = static_cast<uint8_t*>(cache.Alloc(kBytes48));
    ASSERT_NE(p, nullptr);
    for (int b = 0; b < 48; ++b) ASSERT_EQ(p[b], 0) << i;
    std::memset(p, 0xab, 48);
    ASSERT_TRUE(seen.insert(U(p)).second);
  }
}

TEST_F(HeapTest, FindObjectExteriorAndInterior) {
  MCache cache;
  void* a = cache.Alloc(kBytes48);
  void* b = cache.Alloc(kBytes48);
  const ObjectRef ra = FindObject(a);
  ASSERT_TRUE(ra);
  EXPECT_EQ(ra.base, U(a));
  EXPECT_EQ(ra.size(), 48u);
  EXPECT_TRUE(ra.noscan());
  EXPECT_EQ(ra.span->ObjectBase(ra.index), U(a));
  EXPECT_EQ(FindObject(U(a) + 1).base, U(a));
  EXPECT_EQ(FindObject(U(a) + 47).base, U(a));
  EXPECT_EQ(FindObject(U(a) + 47).index, ra.index);
  // The next slot is a different object.
  const ObjectRef next = FindObject(U(a) + 48);
  ASSERT_TRUE(next);
  EXPECT_EQ(next.base, U(a) + 48);
  EXPECT_EQ(next.index, ra.index + 1);
  EXPECT_EQ(FindObject(U(b) + 20).base, U(b));
}

TEST_F(HeapTest, FindObjectEveryByteOfEveryClass) {
  MCache cache;
  for (int c = 1; c < kNumSizeClasses; ++c) {
    const Type t("C", kClassSize[c], {});
    void* p = cache.Alloc(t);
    ASSERT_NE(p, nullptr);
    for (size_t off = 0; off < kClassSize[c]; off += 7) {
      ASSERT_EQ(FindObject(U(p) + off).base, U(p)) << "class " << c;
    }
    ASSERT_EQ(FindObject(U(p) + kClassSize[c] - 1).base, U(p));
  }
}

TEST_F(HeapTest, FindObjectLarge) {
  MCache cache;
  const Type big("Big", 100000, {0});
  void* p = cache.Alloc(big);
  ASSERT_NE(p, nullptr);
  const ObjectRef r = FindObject(p);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r.span->is_large());
  EXPECT_EQ(r.index, 0u);
  EXPECT_GE(r.size(), 100000u);
  EXPECT_EQ(FindObject(U(p) + 99999).base, U(p));
  EXPECT_EQ(FindObject(U(p) + 50000).span, r.span);
}

TEST_F(HeapTest, FindObjectForeignAddresses) {
  MCache cache;
  cache.Alloc(kBytes16);  // the heap exists
  int on_stack = 0;
  void* malloced = std::malloc(64);
  static int in_data = 0;
  EXPECT_FALSE(FindObject(uintptr_t{0}));
  EXPECT_FALSE(FindObject(uintptr_t{0x1000}));
  EXPECT_FALSE(FindObject(&on_stack));
  EXPECT_FALSE(FindObject(malloced));
  EXPECT_FALSE(FindObject(&in_data));
  EXPECT_FALSE(FindObject(~uintptr_t{0}));
  EXPECT_FALSE(FindObject(uintptr_t{1} << 47));
  std::free(malloced);
}

TEST_F(HeapTest, FindObjectSpanTailIsNothing) {
  MCache cache;
  void* p = cache.Alloc(kBytes48);  // class 48: 170 objects, 32 bytes tail
  const ObjectRef r = FindObject(p);
  ASSERT_EQ(r.span->nelems, 170u);
  EXPECT_TRUE(FindObject(r.span->base + 170 * 48 - 1));
  EXPECT_FALSE(FindObject(r.span->base + 170 * 48));
  EXPECT_FALSE(FindObject(r.span->base + kPageSize - 1));
}

TEST_F(HeapTest, FindObjectFreedSpansAreNothing) {
  MCache cache;
  const Type big("Big", 200000, {});
  void* large = cache.Alloc(big);
  void* small = cache.Alloc(kBytes16);
  ASSERT_TRUE(FindObject(large));
  ASSERT_TRUE(FindObject(small));
  Sweep();  // nothing marked: both spans become free pages
  EXPECT_FALSE(FindObject(large));
  EXPECT_FALSE(FindObject(U(large) + 1000));
  EXPECT_FALSE(FindObject(small));
  EXPECT_EQ(Heap::Get().Stats().spans_in_use, 0u);
}

TEST_F(HeapTest, PointerSlotsExactForMixedLayout) {
  MCache cache;
  void* p = cache.Alloc(kMixed);
  EXPECT_EQ(Slots(p), (std::vector<uintptr_t>{0, 16, 40}));
  EXPECT_EQ(FindObject(p).span->TypeAt(U(p)).type, &kMixed);
  // An interior pointer scans the whole object, from its base.
  std::vector<uintptr_t> via_interior;
  ForEachPointerSlot(FindObject(U(p) + 20), [&](uintptr_t* slot) {
    via_interior.push_back(U(slot) - U(p));
  });
  EXPECT_EQ(via_interior, (std::vector<uintptr_t>{0, 16, 40}));
}

TEST_F(HeapTest, PointerSlotsExactForArrays) {
  MCache cache;
  // 3 x 24 = 72 bytes in the 80-byte class: the 8 bytes of slack are no slot.
  void* p = cache.Alloc(kPair, 3);
  EXPECT_EQ(FindObject(p).size(), 80u);
  EXPECT_EQ(Slots(p), (std::vector<uintptr_t>{8, 32, 56}));
  // A mixed array.
  void* q = cache.Alloc(kMixed, 5);
  std::vector<uintptr_t> want;
  for (uintptr_t e = 0; e < 5; ++e) {
    for (uintptr_t off : {0, 16, 40}) want.push_back(e * 48 + off);
  }
  EXPECT_EQ(Slots(q), want);
  // A large pointer array.
  void* r = cache.Alloc(kPtr, 10000);
  const std::vector<uintptr_t> slots = Slots(r);
  ASSERT_EQ(slots.size(), 10000u);
  for (size_t i = 0; i < slots.size(); ++i) ASSERT_EQ(slots[i], i * 8);
}

TEST_F(HeapTest, SpanTypeIsUniformUntilAnotherTypeOrCountArrives) {
  // kPair, kTriple and an array of three kPtr are all 24 bytes: one class.
  MCache cache;
  void* a = cache.Alloc(kPair);
  void* b = cache.Alloc(kPair);
  Span* s = FindObject(a).span;
  ASSERT_EQ(FindObject(b).span, s);
  EXPECT_EQ(s->types.load(), nullptr);
  EXPECT_EQ(s->elem_type.load(), &kPair);
  // Another type: the span turns mixed and every object keeps its own type.
  void* c = cache.Alloc(kTriple);
  // An array of the same size in the same span.
  void* d = cache.Alloc(kPtr, 3);
  ASSERT_EQ(FindObject(c).span, s);
  ASSERT_EQ(FindObject(d).span, s);
  EXPECT_NE(s->types.load(), nullptr);
  EXPECT_EQ(Slots(a), (std::vector<uintptr_t>{8}));
  EXPECT_EQ(Slots(b), (std::vector<uintptr_t>{8}));
  EXPECT_EQ(Slots(c), (std::vector<uintptr_t>{0, 16}));
  EXPECT_EQ(Slots(d), (std::vector<uintptr_t>{0, 8, 16}));
  // Later objects of the first type still scan by their own entry.
  void* e = cache.Alloc(kPair);
  ASSERT_EQ(FindObject(e).span, s);
  EXPECT_EQ(Slots(e), (std::vector<uintptr_t>{8}));
}

TEST_F(HeapTest, AReusedSlotForgetsItsLastObjectsHeapBits) {
  MCache cache;
  void* a = cache.Alloc(kPair);  // pointer at 8
  const uintptr_t slot = U(a);
  cache.ReleaseAll();
  Sweep();  // a was not marked: freed
  // The same slot again, now holding pointers at 0 and 16.
  void* c = nullptr;
  for (int i = 0; i < 1000 && U(c) != slot; ++i) c = cache.Alloc(kTriple);
  ASSERT_EQ(U(c), slot);
  EXPECT_EQ(Slots(c), (std::vector<uintptr_t>{0, 16}));
}

TEST_F(HeapTest, SpanTypeIsMixedForAFirstArray) {
  MCache cache;
  void* d = cache.Alloc(kPtr, 3);
  void* a = cache.Alloc(kPair);
  ASSERT_EQ(FindObject(a).span, FindObject(d).span);
  EXPECT_EQ(Slots(d), (std::vector<uintptr_t>{0, 8, 16}));
  EXPECT_EQ(Slots(a), (std::vector<uintptr_t>{8}));
}

TEST_F(HeapTest, NoscanObjectsHaveNoSlots) {
  MCache cache;
  void* p = cache.Alloc(kBytes48, 2);
  EXPECT_TRUE(FindObject(p).noscan());
  EXPECT_TRUE(Slots(p).empty());
  EXPECT_NE(FindObject(p).span, FindObject(cache.Alloc(kMixed)).span);
}

TEST_F(HeapTest, LoadSlotReadsStores) {
  MCache cache;
  auto* p = static_cast<uintptr_t*>(cache.Alloc(kMixed));
  void* target = cache.Alloc(kBytes16);
  p[2] = U(target);
  std::vector<uintptr_t> seen;
  ForEachPointerSlot(FindObject(p),
                     [&](uintptr_t* slot) { seen.push_back(LoadSlot(slot)); });
  EXPECT_EQ(seen, (std::vector<uintptr_t>{0, U(target), 0}));
}

TEST_F(HeapTest, TryMarkOnce) {
  MCache cache;
  const ObjectRef r = FindObject(cache.Alloc(kBytes16));
  EXPECT_FALSE(r.IsMarked());
  EXPECT_TRUE(r.TryMark());
  EXPECT_TRUE(r.IsMarked());
  EXPECT_FALSE(r.TryMark());
  EXPECT_FALSE(r.span->IsMarked(r.index + 1));
}

// Mark bits live apart from their spans (Go's gcmarkBits in its gcBits
// arenas): outside the Span object, and two spans made one after the other
// have neighbouring bits.
TEST_F(HeapTest, MarkBitsLiveOutsideTheSpanNextToTheNextSpans) {
  MCache cache;
  const Span* a = FindObject(cache.Alloc(kBytes16)).span;
  const Span* b = FindObject(cache.Alloc(kBytes48)).span;
  ASSERT_NE(a, b);
  for (const Span* s : {a, b}) {
    const uintptr_t bits = U(s->mark_bits);
    EXPECT_TRUE(bits + sizeof(MarkBits) <= U(s) || bits >= U(s + 1)) << s;
  }
  const intptr_t gap = static_cast<intptr_t>(U(b->mark_bits)) -
                       static_cast<intptr_t>(U(a->mark_bits));
  EXPECT_EQ(std::abs(gap), static_cast<intptr_t>(sizeof(MarkBits)));
}

TEST_F(HeapTest, AllocateBlackWhileMarking) {
  MCache cache;
  void* before = cache.Alloc(kBytes16);
  Heap::Get().StartMark();
  EXPECT_TRUE(Heap::allocate_black());
  void* during = cache.Alloc(kBytes48);
  void* large = cache.Alloc(Type("Big", 40000, {}));
  EXPECT_FALSE(FindObject(before).IsMarked());
  EXPECT_TRUE(FindObject(during).IsMarked());
  EXPECT_TRUE(FindObject(large).IsMarked());
  Heap::Get().StartSweep();
  EXPECT_FALSE(Heap::allocate_black());
  EXPECT_EQ(Heap::Get().allocated_black_bytes(), 48 + FindObject(large).size());
  Heap::Get().FinishSweep();
  // Black objects survive the sweep; the white one is freed.
  EXPECT_TRUE(FindObject(during));
  EXPECT_TRUE(FindObject(large));
  const ObjectRef b = FindObject(before);
  EXPECT_TRUE(!b || b.span->IsFree(b.index));
  void* after = cache.Alloc(kBytes16);
  EXPECT_FALSE(FindObject(after).IsMarked());
}

TEST_F(HeapTest, StatsCountLiveObjectsAndSpans) {
  MCache cache;
  for (int i = 0; i < 100; ++i) cache.Alloc(kBytes16);
  cache.Alloc(Type("Big", 3 * kPageSize, {}));
  cache.ReleaseAll();
  HeapStats st = Heap::Get().Stats();
  EXPECT_EQ(st.objects, 101u);
  EXPECT_EQ(st.live_bytes, 100 * 16 + 3 * kPageSize);
  EXPECT_EQ(st.spans_in_use, 2u);
  EXPECT_GE(st.mapped_bytes, kArenaSize);
}

TEST_F(HeapTest, InitDiscardsTheHeap) {
  MCache cache;
  void* p = cache.Alloc(kBytes16);
  ASSERT_TRUE(FindObject(p));
  Heap::Init(GcConfig());
  EXPECT_FALSE(FindObject(p));
  EXPECT_EQ(Heap::Get().Stats().objects, 0u);
  EXPECT_NE(cache.Alloc(kBytes16), nullptr);  // the cache starts over
}

// --- heap limit ---

struct LimitCall {
  int calls = 0;
  size_t live = 0;
  size_t limit = 0;
};
LimitCall g_limit_call;

void RecordLimit(size_t live, size_t limit) {
  ++g_limit_call.calls;
  g_limit_call.live = live;
  g_limit_call.limit = limit;
}

TEST_F(HeapTest, HeapLimitCallsHandlerWithLiveAndLimit) {
  GcConfig config;
  config.heap_limit = size_t{4} << 20;
  Heap::Init(config);
  g_limit_call = {};
  Heap::Get().SetHeapLimitHandler(RecordLimit);
  MCache cache;
  const Type chunk("Chunk", 256 << 10, {});
  int allocated = 0;
  while (cache.Alloc(chunk) != nullptr) ++allocated;
  EXPECT_EQ(allocated, 16);
  EXPECT_EQ(g_limit_call.calls, 1);
  EXPECT_EQ(g_limit_call.limit, size_t{4} << 20);
  EXPECT_EQ(g_limit_call.live, (size_t{4} << 20) + (256 << 10));
  EXPECT_EQ(Heap::Get().live_bytes(), size_t{4} << 20);
  // Small objects hit it too.
  EXPECT_EQ(cache.Alloc(kBytes16), nullptr);
  EXPECT_EQ(g_limit_call.calls, 2);
  // A request that overflows size_t is over the limit, not a crash.
  EXPECT_EQ(cache.Alloc(kBytes16, ~size_t{0} / 4), nullptr);
  EXPECT_EQ(g_limit_call.calls, 3);
  // Garbage swept is room again.
  Sweep();
  EXPECT_EQ(Heap::Get().live_bytes(), 0u);
  EXPECT_NE(cache.Alloc(chunk), nullptr);
}

// Running out of address space under the limit says so, instead of
// "live N > limit" with N below the limit.
TEST_F(HeapTest, OutOfAddressSpaceSaysSo) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "sanitizers reserve their shadow memory up front";
#else
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        // Room for a few more arenas than the process maps now.
        long vm_pages = 0;
        if (std::FILE* f = std::fopen("/proc/self/statm", "r")) {
          if (std::fscanf(f, "%ld", &vm_pages) != 1) vm_pages = 0;
          std::fclose(f);
        }
        const rlim_t cap =
            static_cast<rlim_t>(vm_pages) * sysconf(_SC_PAGESIZE) +
            (rlim_t{256} << 20);
        struct rlimit as;
        as.rlim_cur = as.rlim_max = cap;
        setrlimit(RLIMIT_AS, &as);
        GcConfig config;
        config.heap_limit = size_t{64} << 30;
        Heap::Init(config);
        MCache cache;
        const Type chunk("Chunk", size_t{16} << 20, {});
        while (cache.Alloc(chunk) != nullptr) {
        }
      },
      ::testing::ExitedWithCode(1),
      "wbbench: out of address space: the heap could not grow to [0-9]+ MiB "
      "\\(limit 65536 MiB\\)");
#endif
}

TEST_F(HeapTest, HeapLimitDefaultHandlerExits) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        GcConfig config;
        config.heap_limit = size_t{8} << 20;
        Heap::Init(config);
        MCache cache;
        const Type chunk("Chunk", 1 << 20, {});
        for (int i = 0; i < 100; ++i) cache.Alloc(chunk);
      },
      ::testing::ExitedWithCode(1),
      "^wbbench: heap limit exceeded: live 9 MiB > limit 8 MiB\n$");
}

// --- threads ---

TEST_F(HeapTest, ConcurrentAllocationAndFindObject) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 20000;
  std::vector<std::atomic<uintptr_t>> published(kThreads * kPerThread);
  std::atomic<bool> done{false};
  std::atomic<long> found{0};
  // A marker-like reader resolves whatever the allocators publish.
  std::thread reader([&] {
    do {
      for (auto& slot : published) {
        const uintptr_t p = slot.load(std::memory_order_acquire);
        if (p == 0) continue;
        const ObjectRef r = FindObject(p + 3);
        if (!r || r.base != p) std::abort();
        ForEachPointerSlot(r, [](uintptr_t* s) { (void)LoadSlot(s); });
        found.fetch_add(1, std::memory_order_relaxed);
      }
    } while (!done.load());
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      MCache cache;
      for (int i = 0; i < kPerThread; ++i) {
        const Type& type = (i % 3 == 0)   ? kMixed
                           : (i % 3 == 1) ? kBytes16
                                          : kTriple;
        auto* p = static_cast<uint64_t*>(cache.Alloc(type, 1 + i % 4));
        if (p == nullptr) std::abort();
        if (p[1] != 0) std::abort();
        p[1] = uint64_t(t) << 32 | uint64_t(i);  // a non-pointer word in all
        published[t * kPerThread + i].store(reinterpret_cast<uintptr_t>(p),
                                            std::memory_order_release);
      }
      cache.ReleaseAll();
    });
  }
  for (auto& th : threads) th.join();
  done = true;
  reader.join();
  std::set<uintptr_t> addrs;
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      const uintptr_t p = published[t * kPerThread + i].load();
      ASSERT_TRUE(addrs.insert(p).second);
      ASSERT_EQ(reinterpret_cast<uint64_t*>(p)[1],
                uint64_t(t) << 32 | uint64_t(i));
      ASSERT_EQ(FindObject(p).base, p);
    }
  }
  EXPECT_EQ(Heap::Get().Stats().objects, size_t{kThreads} * kPerThread);
  EXPECT_GT(found.load(), 0);
}

}  // namespace
}  // namespace gc
