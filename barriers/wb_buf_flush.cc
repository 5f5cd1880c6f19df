#include "barriers/wb_buf_flush.h"

#include <x86intrin.h>

#include <array>
#include <atomic>
#include <cstddef>

#include "absl/base/optimization.h"
#include "barriers/barrier_config.h"
#include "barriers/cgocheck.h"
#include "gc/runtime.h"
#include "gc/shade.h"

namespace barriers {
namespace {

// Flush counts and shading time per P (indexed by P::id modulo the table
// size), each on its own cache line so that cgocheck, which flushes on every
// store, does not make mutator threads share a line.  256 covers every P
// count wbbench runs; beyond it two Ps share a counter, which stays exact.
constexpr size_t kFlushCounters = 256;
struct alignas(64) FlushCounter {
  std::atomic<uint64_t> n{0};
  std::atomic<uint64_t> shade_ticks{0};  // TSC ticks in ShadeBatch
  std::atomic<uint64_t> shaded_words{0};
};
std::array<FlushCounter, kFlushCounters> flush_counters;

void (*flush_hook)() = nullptr;

FlushCounter& CounterOf(const gc::P* p) {
  return flush_counters[static_cast<size_t>(p->id) % kFlushCounters];
}

// ShadeBatch under --time_flush: the flush's share of a store's cost, which
// the calibration sets beside Go's wbBufFlush1 timed the same way.  Out of
// line, so that an untimed flush pays one test of P::time_flush.
__attribute__((noinline)) void TimedShadeBatch(gc::P* p, const gc::WbBuf& buf) {
  const size_t words = static_cast<size_t>(buf.next - buf.buf);
  const uint64_t t0 = __rdtsc();
  gc::ShadeBatch(p, buf.buf, words, buf.entry_words);
  FlushCounter& counter = CounterOf(p);
  counter.shade_ticks.fetch_add(__rdtsc() - t0, std::memory_order_relaxed);
  counter.shaded_words.fetch_add(words, std::memory_order_relaxed);
}

}  // namespace

__attribute__((noinline, cold)) void WbBufFlush(uintptr_t* slot,
                                                uintptr_t value) noexcept {
  gc::P* p = gc::tls_g->m->p;
  CounterOf(p).n.fetch_add(1, std::memory_order_relaxed);
  if (flush_hook != nullptr) flush_hook();
  const BarrierConfig& config = InstalledBarrier();
  if (TraitsOf(config.kind).checks_slots && slot != nullptr) {
    CgocheckStore(slot, value);
  }
  p->wb_buf.CheckInvariant();
  if (ShouldShade(p)) {
    gc::WbBuf& buf = p->wb_buf;
    if (ABSL_PREDICT_FALSE(p->time_flush)) {
      TimedShadeBatch(p, buf);
    } else {
      gc::ShadeBatch(p, buf.buf, static_cast<size_t>(buf.next - buf.buf),
                     buf.entry_words);
    }
  }
  p->wb_buf.Reset();
}

FlushTotals SumFlushCounters() {
  FlushTotals total;
  for (const FlushCounter& c : flush_counters) {
    total.flushes += c.n.load(std::memory_order_relaxed);
    total.shade_ticks += c.shade_ticks.load(std::memory_order_relaxed);
    total.shaded_words += c.shaded_words.load(std::memory_order_relaxed);
  }
  return total;
}

uint64_t TotalFlushes() { return SumFlushCounters().flushes; }

void ResetFlushCounts() {
  for (FlushCounter& c : flush_counters) {
    c.n.store(0, std::memory_order_relaxed);
    c.shade_ticks.store(0, std::memory_order_relaxed);
    c.shaded_words.store(0, std::memory_order_relaxed);
  }
}

namespace internal {

void SetFlushHookForTesting(void (*hook)()) { flush_hook = hook; }

}  // namespace internal
}  // namespace barriers
