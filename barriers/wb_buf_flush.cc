#include "barriers/wb_buf_flush.h"

#include <x86intrin.h>

#include <array>
#include <atomic>
#include <cstddef>

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

}  // namespace

__attribute__((noinline, cold)) void WbBufFlush(uintptr_t* slot,
                                                uintptr_t value) noexcept {
  gc::P* p = gc::tls_g->m->p;
  FlushCounter& counter =
      flush_counters[static_cast<size_t>(p->id) % kFlushCounters];
  counter.n.fetch_add(1, std::memory_order_relaxed);
  if (flush_hook != nullptr) flush_hook();
  const BarrierConfig& config = InstalledBarrier();
  if (TraitsOf(config.kind).checks_slots && slot != nullptr) {
    CgocheckStore(slot, value);
  }
  p->wb_buf.CheckInvariant();
  if (ShouldShade(p)) {
    gc::WbBuf& buf = p->wb_buf;
    const size_t words = static_cast<size_t>(buf.next - buf.buf);
    // Timed as the flush's share of a store's cost, the figure the
    // calibration sets beside Go's wbBufFlush1 (two TSC reads per flush).
    const uint64_t t0 = __rdtsc();
    gc::ShadeBatch(p, buf.buf, words, buf.entry_words);
    counter.shade_ticks.fetch_add(__rdtsc() - t0, std::memory_order_relaxed);
    counter.shaded_words.fetch_add(words, std::memory_order_relaxed);
  }
  p->wb_buf.Reset();
}

uint64_t TotalFlushes() {
  uint64_t total = 0;
  for (const FlushCounter& c : flush_counters) {
    total += c.n.load(std::memory_order_relaxed);
  }
  return total;
}

FlushShading TotalFlushShading() {
  FlushShading total;
  for (const FlushCounter& c : flush_counters) {
    total.ticks += c.shade_ticks.load(std::memory_order_relaxed);
    total.words += c.shaded_words.load(std::memory_order_relaxed);
  }
  return total;
}

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
