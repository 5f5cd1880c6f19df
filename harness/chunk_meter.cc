#include "harness/chunk_meter.h"

#include <sched.h>

#include "gc/gc_stats.h"

namespace harness {

void ChunkMeter::BeginBlock() {
  block_ = ChunkTotals{};
  // Under valgrind time is not the program's and nothing is dropped: no
  // reads whose outcome depends on the host's scheduling.
  if (valgrind_) return;
  wait_switches0_ = g_->wait_switches;
  cpu0_ = sched_getcpu();
  switches0_ = gc::ThreadContextSwitches();
}

void ChunkMeter::EndBlock() {
  if (valgrind_) {
    ++blocks_;
    Keep();
    return;
  }
  const uint64_t switches = gc::ThreadContextSwitches() - switches0_;
  const int cpu = sched_getcpu();
  const uint64_t waits = g_->wait_switches - wait_switches0_;
  ++blocks_;
  // A thread that blocked in the runtime may wake on another CPU: that
  // move belongs to the wait, not to a descheduling.
  if (switches > waits || (cpu != cpu0_ && waits == 0)) {
    ++dropped_blocks_;
    dropped_stores_ += block_.stores.stores;
    return;
  }
  Keep();
}

void ChunkMeter::Keep() {
  totals_.chunks += block_.chunks;
  totals_.ticks += block_.ticks;
  totals_.on_ticks += block_.on_ticks;
  totals_.stores.stores += block_.stores.stores;
  totals_.stores.barriered += block_.stores.barriered;
  totals_.on_stores.stores += block_.on_stores.stores;
  totals_.on_stores.barriered += block_.on_stores.barriered;
  totals_.off_ticks += block_.off_ticks;
  totals_.off_stores.stores += block_.off_stores.stores;
  totals_.excluded_pause_ticks += block_.excluded_pause_ticks;
  totals_.excluded_assist_ticks += block_.excluded_assist_ticks;
}

}  // namespace harness
