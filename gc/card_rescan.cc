// File: gc/card_rescan.cc
//
// The collector's side of the cardmark barrier (GcConfig::cards): CMS's
// preclean and remark over the card table (gc/card_table.h).  Collector
// members; no header of its own.
//
// The barrier shades nothing: a store into a slot only dirties the slot's
// card.  So the Dijkstra invariant (no black object points to a white one)
// holds for every object outside the dirty cards, and a dirty card's
// marked objects may point anywhere.  Rescanning a card restores it there:
// for each object overlapping the card that is marked (black, grey, or
// allocated black), grey what its pointer slots inside the card hold, read
// exactly through the object's type (gc/heap.h); a white object's slots are
// scanned anyway when it is greyed.  Globals on the card are roots: grey
// what each holds.
//
// When.  The mark start (world stopped) cleans every card.  When the mark
// runs out of grey objects, StartTermination first runs preclean passes
// (Preclean, concurrent, on the controlling thread): claim the dirty
// cards (clean each before its slots are read, so that a store the
// rescan may miss dirties the card again), serialize the mutators (see
// SerializeMutatorThreads), rescan the claimed cards, and go back to
// marking what they greyed; passes stop when one finds few cards
// (kPrecleanDoneCards) or after kMaxPrecleanPasses.  Then the termination
// pause, after the Dijkstra stack rescan, claims and rescans every card
// still dirty (the remark) and drains, world stopped: no store escapes it,
// since every mutator is stopped and its stores and card writes reached
// memory before it stopped (the scheduler's mutex).
#include <cstdint>
#include <vector>

#include "gc/card_table.h"
#include "gc/collector.h"
#include "gc/globals.h"
#include "gc/heap.h"
#include "gc/scan.h"

namespace gc {

void Collector::ScanCard(GcWork& gcw, uintptr_t card) {
  const uintptr_t end = card + kCardSize;
  auto shade = [&gcw](uintptr_t* slot) {
    const uintptr_t v = LoadSlot(slot);
    if (v != 0) GreyObject(gcw, v);
  };
  Globals& globals = Globals::Get();
  if (globals.Contains(reinterpret_cast<const void*>(card)) ||
      globals.Contains(reinterpret_cast<const void*>(end - 1))) {
    globals.ForEachSlotIn(card, end, shade);
    return;
  }
  // A card lies inside one page, hence in at most one span.
  Span* s = SpanOf(card);
  if (s == nullptr || s->noscan || card >= s->limit) return;
  for (uint32_t i = s->ObjectIndex(card < s->base ? s->base : card);
       i < s->nelems; ++i) {
    const uintptr_t base = s->ObjectBase(i);
    if (base >= end) break;
    // Acquire: a black new object's slots were zeroed before its mark.
    if (!s->IsMarked(i, std::memory_order_acquire)) continue;
    const auto [type, count] = s->TypeAt(base);
    if (type == nullptr) continue;
    // The elements of an array that overlap the card, each scanned through
    // its type's pointer words, keeping the slots inside the card.
    const size_t size = type->size();
    for (size_t e = base >= card ? 0 : (card - base) / size; e < count; ++e) {
      const uintptr_t elem = base + e * size;
      if (elem >= end) break;
      type->ForEachPointerWord([&](size_t w) {
        const uintptr_t a = elem + w * kPtrSize;
        if (a >= card && a < end) shade(reinterpret_cast<uintptr_t*>(a));
      });
    }
  }
  gcw.AddScanWork(kCardSize);
}

size_t Collector::Preclean() {
  if (!config_.cards || phase() != GcPhase::kMark) return 0;
  const int64_t cpu0 = ThreadCpuNanos();
  claimed_cards_.clear();
  ClaimDirtyCards(&claimed_cards_);
  const size_t n = claimed_cards_.size();
  if (n != 0) {
    // Each mutator's earlier stores visible, or its later barriers see the
    // cleaned cards: only then read the slots.
    SerializeMutatorThreads();
    for (uintptr_t card : claimed_cards_) ScanCard(driver_gcw_, card);
  }
  ++current_.preclean_passes;
  current_.cards_precleaned += n;
  if (n <= kPrecleanDoneCards ||
      current_.preclean_passes >= kMaxPrecleanPasses) {
    preclean_done_.store(true, std::memory_order_release);
  }
  // As after the start pause: with nobody to drain it here, the grey
  // objects go to the queue; otherwise MarkSome drains them.
  if (!workers_.empty() || config_.mode == GcMode::kIncremental) {
    driver_gcw_.Dispose();
  }
  mark_cpu_ns_.fetch_add(ThreadCpuNanos() - cpu0, std::memory_order_relaxed);
  return n;
}

void Collector::RemarkCardsLocked() {
  if (knobs_.skip_card_remark) return;
  const int64_t t0 = MonoNanos();
  claimed_cards_.clear();
  ClaimDirtyCards(&claimed_cards_);
  for (uintptr_t card : claimed_cards_) ScanCard(driver_gcw_, card);
  current_.cards_remarked += claimed_cards_.size();
  current_.remark_cards_ns += MonoNanos() - t0;
}

}  // namespace gc
