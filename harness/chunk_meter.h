// File: harness/chunk_meter.h
//
// Mutator time on one mutator thread, chunk by chunk.
//
// The runner times each call of the workload's Step() (a "chunk") with the
// TSC.  A chunk's figure is mutator time only:
//  - Time the thread spent inside the runtime during the chunk is taken
//    out: held at a safepoint by a pause (or scanning its own stack there),
//    waiting at the heap goal, assisting the marker.  The collector times
//    those spans on the thread itself (gc::G::pause_ticks, assist_ticks);
//    ChunkMeter subtracts the part that fell inside the chunk and the runner
//    reports the totals on their own (pause_ns_per_store,
//    assist_ns_per_store).
//  - Time the thread was not running at all is detected and left out.
//    Chunks are grouped in blocks of kChunksPerBlock; around each block the
//    meter reads the thread's context switches (getrusage(RUSAGE_THREAD))
//    and its CPU (sched_getcpu).  A block during which the thread was
//    switched out for any reason other than its own runtime waits (which
//    the collector counts in gc::G::wait_switches), or moved to another CPU
//    other than while so waiting, is dropped whole and counted in
//    dropped_blocks.  A timer interrupt that
//    does not switch the thread out stays in (it hits every configuration
//    alike).
// Only kept blocks add to totals(); the reads around a block are outside
// every chunk's timed region.
//
// Under valgrind (--counters=valgrind, harness/valgrind_counts.h) the meter
// also switches callgrind's collection on around the workload's code of
// each chunk it is told to count (every chunk, or those with the barrier on
// when they start), and nowhere else: the counts are the chunks' own
// instructions and simulated misses.  Natively the request is never made.
//
// Use, on the mutator thread (its gc::Mutator entered):
//   ChunkMeter meter(gc::tls_g);
//   meter.BeginBlock();
//   for (...) meter.Chunk([&] { w->Step(n); return counts_delta; });
//   meter.EndBlock();
#ifndef WBBENCH_HARNESS_CHUNK_METER_H_
#define WBBENCH_HARNESS_CHUNK_METER_H_

#include <valgrind/callgrind.h>

#include <cstdint>

#include "barriers/call_site.h"
#include "gc/collector.h"
#include "gc/runtime.h"
#include "harness/clock.h"
#include "workloads/workload.h"

namespace harness {

// Chunks per block, the unit a descheduling drops.  32 chunks of 512
// operations are 30-800 us of work: short enough that a dropped block
// loses little, long enough that the two syscalls around it (about 1 us)
// are a small part of the run's wall time.
inline constexpr int kChunksPerBlock = 32;

// What the kept chunks measured.
struct ChunkTotals {
  uint64_t chunks = 0;
  uint64_t ticks = 0;  // mutator TSC ticks, runtime spans taken out
  uint64_t on_ticks =
      0;  // of those, in chunks with the barrier on at both ends
  uint64_t off_ticks = 0;        // and in chunks with it off at both ends
  workloads::Counts stores;      // stores made in the kept chunks
  workloads::Counts on_stores;   // of those, in the barrier-on chunks
  workloads::Counts off_stores;  // and in the barrier-off chunks
  // Runtime time taken out of the kept chunks (TSC ticks).
  uint64_t excluded_pause_ticks = 0;
  uint64_t excluded_assist_ticks = 0;
};

// Which chunks callgrind counts (ChunkMeter::set_valgrind).
enum class ValgrindCollect {
  kNone,       // none: not under valgrind, or not this leg
  kEvery,      // every chunk
  kBarrierOn,  // chunks that start with the barrier on
};

// Switches callgrind's collection for the calling thread (a client request;
// a few no-op instructions when not under valgrind).
inline void ToggleValgrindCollect() { CALLGRIND_TOGGLE_COLLECT; }

class ChunkMeter {
 public:
  // With `collector`, also counts the chunks during which one of its
  // incremental mark steps ran (none should, with one mutator).
  explicit ChunkMeter(gc::G* g, const gc::Collector* collector = nullptr)
      : g_(g), collector_(collector) {}

  void BeginBlock();
  // Times fn(), which runs one chunk and returns the stores it made.
  template <class F>
  void Chunk(F&& fn);
  // Keeps the block's chunks, or drops them if the thread was descheduled
  // or migrated since BeginBlock.
  void EndBlock();

  const ChunkTotals& totals() const { return totals_; }
  // The last block's chunks, kept or dropped (until the next BeginBlock).
  const ChunkTotals& last_block() const { return block_; }
  uint64_t blocks() const { return blocks_; }
  uint64_t dropped_blocks() const { return dropped_blocks_; }
  // Stores made in dropped blocks (they happened, but are not timed).
  uint64_t dropped_stores() const { return dropped_stores_; }
  // Chunks, kept or not, during which the collector's mark-step counter
  // moved.
  uint64_t mark_step_chunks() const { return mark_step_chunks_; }

  // Under valgrind: which chunks callgrind counts; and every block is kept
  // (nothing is read for descheduling).
  void set_valgrind(ValgrindCollect c) {
    valgrind_ = true;
    collect_ = c;
  }
  // The chunks callgrind counted, kept or not, and their stores.
  uint64_t counted_chunks() const { return counted_chunks_; }
  const workloads::Counts& counted_stores() const { return counted_stores_; }
  // Counted chunks during which the barrier was switched (none should be:
  // with one mutator every switch happens between blocks).
  uint64_t counted_switches() const { return counted_switches_; }

 private:
  void Keep();  // adds the block to totals()

  gc::G* const g_;
  const gc::Collector* const collector_;
  ChunkTotals block_;
  ChunkTotals totals_;
  uint64_t switches0_ = 0;
  uint64_t wait_switches0_ = 0;
  int cpu0_ = -1;
  uint64_t blocks_ = 0;
  uint64_t dropped_blocks_ = 0;
  uint64_t dropped_stores_ = 0;
  uint64_t mark_step_chunks_ = 0;
  bool valgrind_ = false;
  ValgrindCollect collect_ = ValgrindCollect::kNone;
  uint64_t counted_chunks_ = 0;
  workloads::Counts counted_stores_;
  uint64_t counted_switches_ = 0;
};

template <class F>
void ChunkMeter::Chunk(F&& fn) {
  const uint64_t steps0 = collector_ ? collector_->mark_steps() : 0;
  const bool on0 = barriers::WriteBarrierEnabled();
  const uint64_t pause0 = g_->pause_ticks;
  const uint64_t assist0 = g_->assist_ticks;
  const bool count = collect_ == ValgrindCollect::kEvery ||
                     (collect_ == ValgrindCollect::kBarrierOn && on0);
  const uint64_t t0 = Rdtscp();
  if (count) ToggleValgrindCollect();
  const workloads::Counts c = fn();
  if (count) ToggleValgrindCollect();
  const uint64_t t1 = Rdtscp();
  if (collector_ != nullptr && collector_->mark_steps() != steps0) {
    ++mark_step_chunks_;
  }
  const uint64_t pause = g_->pause_ticks - pause0;
  const uint64_t assist = g_->assist_ticks - assist0;
  const uint64_t wall = t1 - t0;
  const uint64_t ticks = wall > pause + assist ? wall - pause - assist : 0;
  ++block_.chunks;
  block_.ticks += ticks;
  block_.stores.stores += c.stores;
  block_.stores.barriered += c.barriered;
  block_.excluded_pause_ticks += pause;
  block_.excluded_assist_ticks += assist;
  const bool on1 = barriers::WriteBarrierEnabled();
  if (count) {
    ++counted_chunks_;
    counted_stores_.stores += c.stores;
    counted_stores_.barriered += c.barriered;
    if (on0 != on1) ++counted_switches_;
  }
  if (on0 && on1) {
    block_.on_ticks += ticks;
    block_.on_stores.stores += c.stores;
    block_.on_stores.barriered += c.barriered;
  } else if (!on0 && !on1) {
    block_.off_ticks += ticks;
    block_.off_stores.stores += c.stores;
  }
}

}  // namespace harness

#endif  // WBBENCH_HARNESS_CHUNK_METER_H_
