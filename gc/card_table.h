// File: gc/card_table.h
//
// The card table of the cardmark barrier (CMS's card marking with
// HotSpot's UseCondCardMark): one byte per 512-byte card of every address
// a barriered slot can have, the heap's arenas and the globals area.
//
// Geometry.  The heap's arenas lie wherever mmap put them and the globals
// area is in the binary's data, terabytes apart, so one flat biased table
// (HotSpot's byte_map_base over a contiguous heap) would span most of the
// 47-bit address space: 256 GiB of table, more than valgrind lets a process
// map.  The table is therefore two-level, as the arena table (gc/arena.h):
// g_card_table, indexed by `address >> kCardGranuleShift` (64 MiB granules,
// the arenas' own unit), holds for each covered granule its array of
// kCardsPerGranule card bytes (128 KiB), biased by -(granule base >>
// kCardShift), so that
//
//   card of a = g_card_table[a >> 26] + (a >> 9)
//
// (one shift, one load from a constant base, one shift, one byte access in
// the generated code; barriers/buffered_barrier_x64.cc).  An uncovered
// granule's entry is 0: the generated code then dirties nothing (a slot
// outside the heap and the globals area holds no pointer the marker traces).
// Every arena's granule is covered when the arena is reserved
// (ReserveArenas), the globals area's when it is created; card arrays are
// never freed (a granule's address range is reused by the next heap of a
// test), so an entry, once set, stays.
//
// Card values: kCardClean (0, so that untouched pages read clean) and
// kCardDirty.  The barrier stores the slot first and then, if the card is
// not dirty already, dirties it (conditional dirtying: a dirty card's line
// is not written again, so mutators storing into one card do not bounce it
// between cores).
//
// The collector's protocol (gc/card_rescan.cc): ClearCards at mark start,
// world stopped; during marking, passes of ClaimDirtyCards (each dirty card
// is cleared with an atomic exchange before its slots are read) followed by
// SerializeMutatorThreads and the scan of the claimed cards; at mark
// termination, world stopped, one last ClaimDirtyCards and scan (the
// remark).  Memory ordering: see SerializeMutatorThreads.
//
// Who calls what: CoverCards, any thread (a mutex); ClearCards,
// ClaimDirtyCards and SerializeMutatorThreads, the collector's controlling
// thread (one at a time); CardOf, anyone.
#ifndef WBBENCH_GC_CARD_TABLE_H_
#define WBBENCH_GC_CARD_TABLE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "gc/arena.h"

namespace gc {

// HotSpot's card size: 512 bytes, so a card holds 64 pointer slots.
// Smaller cards cost more table (1/512 of the covered range here) and
// more dirtying work; larger ones make a rescan read more slots per store.
inline constexpr size_t kCardShift = 9;
inline constexpr size_t kCardSize = size_t{1} << kCardShift;
// Granules of the first level: the arena size, so a granule is either one
// arena or holds no heap at all.
inline constexpr size_t kCardGranuleShift = kArenaShift;
inline constexpr size_t kCardsPerGranule = size_t{1}
                                           << (kCardGranuleShift - kCardShift);
inline constexpr size_t kCardTableSize = kArenaTableSize;
// Cards never share a page with another span: pages are 8 KiB.
static_assert(kCardSize <= kPageSize && kPageSize % kCardSize == 0);

inline constexpr uint8_t kCardClean = 0;
inline constexpr uint8_t kCardDirty = 1;

// Indexed by address >> kCardGranuleShift: the granule's biased card array
// as an address, or 0.  The generated barrier loads the entry as one
// 8-byte word (barriers/buffered_barrier_x64.cc).
extern std::atomic<uintptr_t> g_card_table[kCardTableSize];
static_assert(sizeof(std::atomic<uintptr_t>) == 8 &&
              std::atomic<uintptr_t>::is_always_lock_free);

// The card byte of address a, or nullptr if a's granule is not covered.
inline uint8_t* CardOf(uintptr_t a) {
  const uintptr_t biased =
      g_card_table[a >> kCardGranuleShift].load(std::memory_order_acquire);
  if (biased == 0) return nullptr;
  return reinterpret_cast<uint8_t*>(biased + (a >> kCardShift));
}

// The first address of the card that holds a.
inline uintptr_t CardStart(uintptr_t a) { return a & ~(kCardSize - 1); }

// Covers the granules that [lo, hi) touches (once each).
void CoverCards(uintptr_t lo, uintptr_t hi);

// Dirties the card of a, as the generated barrier does (tests and C++
// callers; the barrier itself is generated code).
void DirtyCard(uintptr_t a);
bool CardIsDirty(uintptr_t a);

// Cleans every covered card.  World stopped.
void ClearCards();

// Finds every dirty card, cleans it (an atomic exchange, so a card the
// barrier dirties meanwhile is either claimed here or stays dirty) and
// appends the card's first address to *cards.
void ClaimDirtyCards(std::vector<uintptr_t>* cards);

// Makes every store a running mutator did before the call visible to the
// caller, or makes the barrier of any later store see the cards the caller
// cleaned before the call (Linux membarrier, private expedited: every
// running thread of the process executes a full barrier; where the kernel
// lacks it, HotSpot's fallback, an mprotect whose TLB shootdown interrupts
// every core the process runs on).
//
// Why it is needed.  The barrier does `*slot = value; if (*card != dirty)
// *card = dirty;`.  On x86-TSO the card load may complete before the slot
// store leaves the store buffer: a mutator can read a stale dirty byte just
// before preclean cleans the card, skip the dirtying, and have its store
// become visible only after preclean read the slot; the card is then clean
// with the store unseen, and the remark would miss it.  HotSpot's CMS put a
// StoreLoad fence in every barrier with UseCondCardMark for this; here the
// collector pays it once per preclean pass instead: after the claim and
// before reading any slot, each mutator is serialized.  A mutator whose
// serialization point comes after its slot store has published the store;
// one whose point comes before it loads the card after the claim's
// exchange, finds it clean and dirties it again.  The unconditional order
// (store, then dirty) needs nothing more: TSO keeps the two stores in order.
void SerializeMutatorThreads();

// Granules covered so far (tests).
size_t CoveredCardGranules();

}  // namespace gc

#endif  // WBBENCH_GC_CARD_TABLE_H_
