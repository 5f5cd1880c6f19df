// Per-store cost of every barrier x algorithm (Google Benchmark,
// wbbench_micro).
//
// Each benchmark stores kSlots heap pointers into kSlots pointer slots of one
// heap object through the call site a workload uses, and reports ns per
// store and TSC ticks per store (the TSC counts at a constant reference
// rate; it is not the core clock, and this figure is not core cycles).
// Modes, all in the same run:
//   enabled   marking (collector in its mark phase, no worker running: the
//             marker is idle), barrier on, flush shades: fast path + flush +
//             shading (after the first pass every object is already marked,
//             so shading is findObject and a mark-bit test per pointer)
//   emptied   barrier on, the flush resets the buffer without shading: the
//             fast path alone (the flush is still taken every `entries`
//             stores)
//   disabled  the write_barrier_enabled test and the plain store
// and BM_PlainStore, the same loop with a plain store.  The barrier's cost
// is the difference to BM_PlainStore.
//
// BM_DependentAddChain measures TSC ticks per core cycle (see there).
//
//   wbbench_micro --benchmark_filter='BM_Store|BM_Plain|BM_DependentAdd'
#include <x86intrin.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "barriers/barrier_config.h"
#include "barriers/call_site.h"
#include "barriers/registry.h"
#include "barriers/store.h"
#include "barriers/wb_buf_flush.h"
#include "benchmark/benchmark.h"
#include "gc/collector.h"
#include "gc/heap.h"
#include "gc/mutator.h"
#include "gc/type_descriptor.h"

namespace barriers {
namespace {

// 1024 slots (8 KiB) and 1024 values: both fit in L1 with room to spare, so
// the figures are the barrier's, not the cache's.
constexpr size_t kSlots = 1024;

// The heap, a collector (manual driver, no worker threads) and a mutator
// entered on the benchmark thread, for one benchmark run: other benchmarks
// in the binary start their own heap and mutators.
class Env {
 public:
  Env()
      : collector_(InitHeap()),
        mutator_(collector_),
        slot_type_("slot", sizeof(uintptr_t), {0}),
        value_type_("value", 2 * sizeof(uintptr_t), {0}) {
    slots_ = static_cast<uintptr_t*>(gc::Allocate(slot_type_, kSlots));
    for (size_t i = 0; i < kSlots; ++i) {
      values_.push_back(reinterpret_cast<uintptr_t>(gc::Allocate(value_type_)));
      slots_[i] = values_[i];
    }
  }
  ~Env() {
    if (collector_.phase() == gc::GcPhase::kOff) return;
    collector_.DrainAll();
    while (!collector_.StartTermination()) collector_.DrainAll();
    collector_.FinishCycle();
  }
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;

  uintptr_t* slots() { return slots_; }
  const uintptr_t* values() { return values_.data(); }
  gc::P* p() { return mutator_.mutator().p(); }

  // Start pause of a cycle; the marker then stays idle (no workers, and
  // the manual driver marks only when asked).
  void StartMarking() { collector_.StartCycle(); }

 private:
  // The heap must exist before the collector: initialises it and returns
  // the collector's configuration.
  static gc::GcConfig InitHeap() {
    gc::GcConfig c;
    c.workers = 0;
    ApplyToGcConfig(InstalledBarrier(), &c);  // the buffer's geometry
    gc::Heap::Init(c);
    return c;
  }

  gc::Collector collector_;
  gc::MutatorScope mutator_;
  gc::Type slot_type_;
  gc::Type value_type_;
  uintptr_t* slots_ = nullptr;
  std::vector<uintptr_t> values_;
};

enum class Mode { kEnabled, kEmptied, kDisabled };

const char* ModeName(Mode m) {
  switch (m) {
    case Mode::kEnabled:
      return "enabled";
    case Mode::kEmptied:
      return "emptied";
    case Mode::kDisabled:
      return "disabled";
  }
  return "";
}

// ns/store: CPU time over stores (Google Benchmark's rate counter).
// tsc_ticks/store: TSC ticks of the fastest pass over kSlots stores, divided
// by kSlots.  A pass takes a few microseconds, so the fastest one is almost
// never interrupted: on a loaded machine this is the figure to compare.
// The mean over passes is tsc_ticks_mean/store.
template <class Loop>
void Measure(benchmark::State& state, Loop loop) {
  const uint64_t flushes = TotalFlushes();
  uint64_t total = 0, fastest = ~uint64_t{0};
  for (auto _ : state) {
    const uint64_t t0 = __rdtsc();
    loop();
    const uint64_t ticks = __rdtsc() - t0;
    total += ticks;
    fastest = std::min(fastest, ticks);
  }
  const double stores = static_cast<double>(state.iterations()) * kSlots;
  state.counters["ns/store"] = benchmark::Counter(
      stores, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["tsc_ticks/store"] = static_cast<double>(fastest) / kSlots;
  state.counters["tsc_ticks_mean/store"] = total / stores;
  state.counters["flushes/store"] = (TotalFlushes() - flushes) / stores;
}

template <class B>
void BM_Store(benchmark::State& state, Mode mode) {
  BarrierConfig config{.kind = B::kKind, .algorithm = B::kAlgorithm};
  config.flush = mode == Mode::kEnabled ? FlushMode::kShade : FlushMode::kEmpty;
  if (!InstallBarrier(config).ok()) {
    state.SkipWithError("InstallBarrier failed");
    return;
  }
  Env env;
  if (mode == Mode::kEnabled) env.StartMarking();
  gc::write_barrier_enabled.store(mode == Mode::kDisabled ? 0 : 1);
  uintptr_t* slots = env.slots();
  const uintptr_t* values = env.values();
  Measure(state, [&] {
    for (size_t i = 0; i < kSlots; ++i) WritePointer<B>(&slots[i], values[i]);
  });
  gc::write_barrier_enabled.store(mode == Mode::kEnabled ? 1 : 0);
}

void BM_PlainStore(benchmark::State& state) {
  Env env;
  uintptr_t* slots = env.slots();
  const uintptr_t* values = env.values();
  Measure(state, [&] {
    for (size_t i = 0; i < kSlots; ++i) StorePlain(&slots[i], values[i]);
  });
}

// Calibration for readers who want core cycles from TSC ticks: a chain of
// dependent register adds runs at one add per core cycle on every x86-64
// core, so tsc_ticks/add is TSC ticks per core cycle at the clock the
// benchmarks ran at (an estimate, not a hardware counter).
void BM_DependentAddChain(benchmark::State& state) {
  constexpr int kAdds = 10 * 1000;
  uint64_t fastest = ~uint64_t{0};
  for (auto _ : state) {
    uint64_t x = 0;
    const uint64_t t0 = __rdtsc();
    for (int i = 0; i < kAdds / 10; ++i) {
      asm volatile(
          "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
          "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
          "add $1, %0\n\tadd $1, %0"
          : "+r"(x));
    }
    const uint64_t ticks = __rdtsc() - t0;
    fastest = std::min(fastest, ticks);
  }
  state.counters["tsc_ticks/add"] = static_cast<double>(fastest) / kAdds;
}

// One benchmark per barrier x algorithm x mode, from the barrier list.
[[maybe_unused]] const bool registered = [] {
  benchmark::RegisterBenchmark("BM_DependentAddChain", BM_DependentAddChain);
  benchmark::RegisterBenchmark("BM_PlainStore", BM_PlainStore);
  for (const BarrierInfo& b : AllBarriers()) {
    for (const AlgorithmInfo& a : AllAlgorithms()) {
      if (b.traits.algorithms == kAnyAlgorithm
              ? a.algorithm != AllAlgorithms().front().algorithm
              : !Supports(b.kind, a.algorithm)) {
        continue;  // one benchmark for a kind that ignores the algorithm
      }
      WithBarrier(b.kind, a.algorithm, [&]<class B>() {
        for (Mode m : {Mode::kEnabled, Mode::kEmptied, Mode::kDisabled}) {
          std::string name =
              absl::StrCat("BM_Store/", std::string(b.name), "/",
                           std::string(a.name), "/", ModeName(m));
          benchmark::RegisterBenchmark(name.c_str(), BM_Store<B>, m);
        }
      });
    }
  }
  return true;
}();

}  // namespace
}  // namespace barriers
