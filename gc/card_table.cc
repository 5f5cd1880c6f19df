// File: gc/card_table.cc
//
// The card table's granules, clearing and claiming, and the mutators'
// serialization (see gc/card_table.h).
#include "gc/card_table.h"

#include <linux/membarrier.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace gc {

std::atomic<uintptr_t> g_card_table[kCardTableSize];

namespace {

// Granules ever covered: 4096 of 64 MiB is 256 GiB of heap, past any heap
// limit a run can set on the machines this runs on.
constexpr size_t kMaxCardGranules = 4096;

struct Granules {
  std::mutex mu;
  uintptr_t index[kMaxCardGranules];  // granule numbers (address >> 26)
  std::atomic<size_t> count{0};       // published with release
};

Granules& TheGranules() {
  static auto* g = new Granules();
  return *g;
}

// The unbiased card array of granule gi.
uint8_t* GranuleCards(uintptr_t gi) {
  const uintptr_t biased = g_card_table[gi].load(std::memory_order_acquire);
  return reinterpret_cast<uint8_t*>(biased +
                                    ((gi << kCardGranuleShift) >> kCardShift));
}

template <typename F>
void ForEachGranule(F&& f) {
  Granules& g = TheGranules();
  const size_t n = g.count.load(std::memory_order_acquire);
  for (size_t i = 0; i < n; ++i) f(g.index[i]);
}

}  // namespace

void CoverCards(uintptr_t lo, uintptr_t hi) {
  Granules& g = TheGranules();
  std::lock_guard<std::mutex> lock(g.mu);
  for (uintptr_t gi = lo >> kCardGranuleShift;
       gi <= (hi - 1) >> kCardGranuleShift; ++gi) {
    if (gi >= kCardTableSize) break;
    if (g_card_table[gi].load(std::memory_order_relaxed) != 0) continue;
    const size_t n = g.count.load(std::memory_order_relaxed);
    if (n == kMaxCardGranules) {
      std::fprintf(stderr, "wbbench: card table: more than %zu granules\n",
                   kMaxCardGranules);
      std::abort();
    }
    // Zero and lazily backed: a clean card costs no memory until written.
    void* cards = mmap(nullptr, kCardsPerGranule, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (cards == MAP_FAILED) {
      std::fprintf(stderr, "wbbench: card table: mmap failed\n");
      std::abort();
    }
    g.index[n] = gi;
    g.count.store(n + 1, std::memory_order_release);
    g_card_table[gi].store(reinterpret_cast<uintptr_t>(cards) -
                               ((gi << kCardGranuleShift) >> kCardShift),
                           std::memory_order_release);
  }
}

void DirtyCard(uintptr_t a) {
  uint8_t* card = CardOf(a);
  if (card == nullptr) return;
  if (__atomic_load_n(card, __ATOMIC_RELAXED) != kCardDirty) {
    __atomic_store_n(card, kCardDirty, __ATOMIC_RELEASE);
  }
}

bool CardIsDirty(uintptr_t a) {
  const uint8_t* card = CardOf(a);
  return card != nullptr &&
         __atomic_load_n(card, __ATOMIC_ACQUIRE) == kCardDirty;
}

void ClearCards() {
  // Reads every card and writes only the dirty words: a granule whose cards
  // were never dirtied stays unbacked.
  ForEachGranule([](uintptr_t gi) {
    auto* words = reinterpret_cast<uint64_t*>(GranuleCards(gi));
    for (size_t w = 0; w < kCardsPerGranule / 8; ++w) {
      if (__atomic_load_n(&words[w], __ATOMIC_RELAXED) != 0) {
        __atomic_store_n(&words[w], 0, __ATOMIC_RELAXED);
      }
    }
  });
}

void ClaimDirtyCards(std::vector<uintptr_t>* cards) {
  ForEachGranule([cards](uintptr_t gi) {
    uint8_t* bytes = GranuleCards(gi);
    const auto* words = reinterpret_cast<const uint64_t*>(bytes);
    const uintptr_t granule = gi << kCardGranuleShift;
    for (size_t w = 0; w < kCardsPerGranule / 8; ++w) {
      if (__atomic_load_n(&words[w], __ATOMIC_RELAXED) == 0) continue;
      for (size_t b = 8 * w; b < 8 * w + 8; ++b) {
        // Sequentially consistent: on x86 an xchg, a full fence, so the
        // clean byte is visible before this thread reads any slot.
        if (__atomic_load_n(&bytes[b], __ATOMIC_RELAXED) != kCardClean &&
            __atomic_exchange_n(&bytes[b], kCardClean, __ATOMIC_SEQ_CST) !=
                kCardClean) {
          cards->push_back(granule + (b << kCardShift));
        }
      }
    }
  });
}

void SerializeMutatorThreads() {
  static const bool expedited = [] {
    const long cmds = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0);
    return cmds >= 0 && (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) != 0 &&
           syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED,
                   0) == 0;
  }();
  if (expedited &&
      syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0) == 0) {
    return;
  }
  // HotSpot's serialize page: changing a touched page's protection shoots
  // its TLB entry down on every core that runs the process, and the
  // interrupt serializes the thread running there.
  static std::mutex mu;
  static void* page = mmap(nullptr, 4096, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  std::lock_guard<std::mutex> lock(mu);
  if (page == MAP_FAILED || mprotect(page, 4096, PROT_READ | PROT_WRITE) != 0) {
    std::fprintf(stderr, "wbbench: card table: cannot serialize threads\n");
    std::abort();
  }
  __atomic_fetch_add(static_cast<int*>(page), 1, __ATOMIC_SEQ_CST);
  mprotect(page, 4096, PROT_NONE);
}

size_t CoveredCardGranules() {
  return TheGranules().count.load(std::memory_order_acquire);
}

}  // namespace gc
