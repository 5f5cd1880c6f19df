// File: gc/heap_benchmark.cc
//
// Micro benchmarks of the managed heap's hot paths:
//  - BM_HeapAlloc/N: MCache::Alloc fast path, ns per object of N bytes (a
//    noscan type, allocate-black off).  Every 64 MiB the heap is swept
//    (nothing marked, so everything is freed) with the timer paused: the
//    figure excludes sweeping, and includes zeroing each reused slot.
//    One untimed cycle first faults the pages in.  Neither this nor the
//    malloc benchmark writes the objects.
//    BM_HeapAllocSwept/N times the same loop with the sweeps included.
//  - BM_Malloc/N: glibc malloc of N bytes in the same run; the frees are
//    untimed, like the heap's sweeps.
//  - BM_FindObject*: FindObject on interior pointers into heap objects of
//    several classes, and on addresses outside the heap (malloc memory).
#include <malloc.h>

#include <cstdlib>
#include <vector>

#include "benchmark/benchmark.h"
#include "gc/heap.h"

namespace gc {
namespace {

// Objects per timed batch: large enough that pausing the timer between
// batches costs under 0.1 ns per object.
constexpr int kBatch = 4096;
// Bytes allocated between sweeps: a heap several times the last-level cache,
// like a real young heap between collections.
constexpr size_t kSweepEvery = size_t{64} << 20;

// Reported as time per object (e.g. "3.1ns"), from CPU time.
void SetPerObject(benchmark::State& state, int64_t objects) {
  state.counters["per_obj"] = benchmark::Counter(
      static_cast<double>(objects),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// Allocates and sweeps one kSweepEvery of `type`, so the timed loop runs on
// pages already faulted in (steady state, as after a first GC cycle).
void WarmUp(MCache& cache, const Type& type) {
  for (size_t n = 0; n < kSweepEvery; n += type.size()) {
    benchmark::DoNotOptimize(cache.Alloc(type));
  }
  Heap::Get().StartSweep();
  Heap::Get().FinishSweep();
}

void HeapAlloc(benchmark::State& state, bool time_sweeps) {
  Heap::Init(GcConfig());
  const size_t size = static_cast<size_t>(state.range(0));
  const Type type("Bytes", size, {});
  int64_t objects = 0;
  {
    MCache cache;
    WarmUp(cache, type);
    size_t since_sweep = 0;
    for (auto _ : state) {
      for (int i = 0; i < kBatch; ++i) {
        benchmark::DoNotOptimize(cache.Alloc(type));
      }
      objects += kBatch;
      since_sweep += kBatch * size;
      if (since_sweep >= kSweepEvery) {
        if (!time_sweeps) state.PauseTiming();
        Heap::Get().StartSweep();
        Heap::Get().FinishSweep();
        since_sweep = 0;
        if (!time_sweeps) state.ResumeTiming();
      }
    }
  }
  SetPerObject(state, objects);
  Heap::Init(GcConfig());
}

void BM_HeapAlloc(benchmark::State& state) { HeapAlloc(state, false); }
void BM_HeapAllocSwept(benchmark::State& state) { HeapAlloc(state, true); }
BENCHMARK(BM_HeapAlloc)->Arg(16)->Arg(64)->Arg(1024);
BENCHMARK(BM_HeapAllocSwept)->Arg(16)->Arg(64)->Arg(1024);

void BM_Malloc(benchmark::State& state) {
  const size_t size = static_cast<size_t>(state.range(0));
  // Keep freed memory in the process, as the managed heap does, so both
  // sides run on resident pages.
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  std::vector<void*> batch(kBatch);
  for (int i = 0; i < kBatch; ++i) batch[i] = std::malloc(size);
  for (void* p : batch) std::free(p);
  int64_t objects = 0;
  for (auto _ : state) {
    for (int i = 0; i < kBatch; ++i) {
      batch[i] = std::malloc(size);
      benchmark::DoNotOptimize(batch[i]);
    }
    objects += kBatch;
    state.PauseTiming();
    for (void* p : batch) std::free(p);
    state.ResumeTiming();
  }
  SetPerObject(state, objects);
}
BENCHMARK(BM_Malloc)->Arg(16)->Arg(64)->Arg(1024);

void BM_FindObjectHeap(benchmark::State& state) {
  Heap::Init(GcConfig());
  std::vector<uintptr_t> addrs;
  {
    MCache cache;
    const Type small("Small", 48, {0});
    const Type medium("Medium", 1000, {0});
    const Type large("Large", 100000, {0});
    for (int i = 0; i < kBatch; ++i) {
      const Type& t = i % 64 == 0 ? large : i % 2 ? small : medium;
      // An interior pointer, as a barrier sees for a field address.
      addrs.push_back(reinterpret_cast<uintptr_t>(cache.Alloc(t)) + 8);
    }
    for (auto _ : state) {
      for (uintptr_t p : addrs) benchmark::DoNotOptimize(FindObject(p));
    }
  }
  SetPerObject(state, state.iterations() * kBatch);
  Heap::Init(GcConfig());
}
BENCHMARK(BM_FindObjectHeap);

void BM_FindObjectNonHeap(benchmark::State& state) {
  Heap::Init(GcConfig());
  MCache cache;
  benchmark::DoNotOptimize(cache.Alloc(Type("X", 16, {})));
  std::vector<void*> blocks;
  std::vector<uintptr_t> addrs;
  for (int i = 0; i < kBatch; ++i) {
    blocks.push_back(std::malloc(64));
    addrs.push_back(reinterpret_cast<uintptr_t>(blocks.back()));
  }
  for (auto _ : state) {
    for (uintptr_t p : addrs) benchmark::DoNotOptimize(FindObject(p));
  }
  for (void* b : blocks) std::free(b);
  SetPerObject(state, state.iterations() * kBatch);
}
BENCHMARK(BM_FindObjectNonHeap);

}  // namespace
}  // namespace gc
