// File: tests/gc/concurrent_mark_test.cc
//
// The collector's own threads against mutator threads that mutate a random
// graph: stores into old objects, loads into the stack, deletions, global
// writes, allocation, parking.  Every cycle is verified (checkmark).  With a
// barrier, nothing may be lost; with the barrier left off under concurrent
// marking, the verifier must find lost objects.
#include <atomic>
#include <chrono>
#include <random>
#include <thread>
#include <vector>

#include "gc/collector.h"
#include "gc/globals.h"
#include "gc/heap.h"
#include "gc/mutator.h"
#include "gc/pacer.h"
#include "gc/shadow_stack.h"
#include "gtest/gtest.h"
#include "tests/gc/marker_test_util.h"

namespace gc {
namespace {

using testing::Field;
using testing::FieldSlot;
using testing::kNodeFields;
using testing::NodeType;
using testing::Shades;
using testing::TestStore;

// Root slots per mutator: enough for a graph of a few thousand live nodes.
constexpr size_t kRoots = 64;
constexpr size_t kGlobals = 16;
// Nodes of ballast per mutator: ~0.5 MiB, a few hundred microseconds of
// marking.
constexpr size_t kBallastNodes = 10000;

template <Shades kShades>
void RandomMutator(Collector& c, GlobalSlots& globals, uint32_t seed,
                   const std::atomic<bool>& stop) {
  auto store = [](uintptr_t* slot, uintptr_t v) {
    TestStore<kShades>(slot, v);
  };
  MutatorScope scope(c);
  // Ballast: a chain the marker needs a while to walk, so that marking
  // overlaps many mutations (a tiny graph is marked in microseconds).
  // ballast[1] holds a chain node while its link is cut (below).
  RootFrame ballast(2);
  // The chain's nodes, head first.  Raw pointers are safe: every node stays
  // reachable (through the chain, or through ballast[1] while cut out; an
  // unsound run's lost nodes are kept alive by the verifier's repair).
  std::vector<uintptr_t> chain(kBallastNodes);
  for (size_t k = 0; k < kBallastNodes; ++k) {
    uintptr_t n = reinterpret_cast<uintptr_t>(Allocate(NodeType()));
    store(FieldSlot(n, 0), ballast.Get(0));
    ballast.Set(0, n);
    chain[kBallastNodes - 1 - k] = n;
  }
  size_t cut = 0;  // chain index whose link to its successor is cut
  RootFrame roots(kRoots);
  std::mt19937 rng(seed);
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  uint64_t steps = 0;
  while (!stop.load(std::memory_order_relaxed)) {
    const size_t i = pick(kRoots), j = pick(kRoots);
    const int f = static_cast<int>(pick(kNodeFields));
    const uintptr_t a = roots.Get(i);
    switch (pick(10)) {
      case 0:
      case 1:
      case 2: {  // allocate, link to something old, keep on the stack
        uintptr_t n = reinterpret_cast<uintptr_t>(Allocate(NodeType()));
        store(FieldSlot(n, f), roots.Get(j));
        roots.Set(i, n);
        break;
      }
      case 3:
      case 4:  // store into an old object
        if (a != 0) store(FieldSlot(a, f), roots.Get(j));
        break;
      case 5:  // load a heap pointer onto the stack
        if (a != 0) roots.Set(j, Field(a, f));
        break;
      case 6:  // move a heap pointer onto the stack (the hiding pattern)
        if (a != 0) {
          roots.Set(j, Field(a, f));
          store(FieldSlot(a, f), 0);
        }
        break;
      case 7:  // delete a heap pointer
        if (a != 0) store(FieldSlot(a, f), 0);
        break;
      case 8:  // globals
        if (rng() & 1) {
          store(globals.SlotAddress(pick(kGlobals)), a);
        } else {
          roots.Set(i, globals.Load(pick(kGlobals)));
        }
        break;
      case 9:  // drop a root
        roots.Set(i, 0);
        break;
    }
    if (steps % 256 == 0) {
      // Cut the chain deep inside, keep the rest on the stack for a while,
      // then link it back: under concurrent marking without a barrier, a
      // marker that passes the cut meanwhile never sees the rest (the stack
      // was scanned before it got the pointer).
      if (cut == 0) {
        cut = 1 + pick(kBallastNodes - 2);
        ballast.Set(1, Field(chain[cut], 0));
        store(FieldSlot(chain[cut], 0), 0);
      } else {
        store(FieldSlot(chain[cut], 0), ballast.Get(1));
        ballast.Set(1, 0);
        cut = 0;
      }
    }
    if (++steps % 64 == 0) Safepoint();
    if (steps % 20000 == 0) {
      ParkScope park;
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
  }
}

struct RunResult {
  uint64_t cycles = 0;
  uint64_t lost = 0;
  uint64_t verified = 0;
};

// Runs `mutators` random mutators until `cycles` cycles completed (or
// `until_lost` and a loss was seen).
template <Shades kShades = Shades::kHybrid>
RunResult RunRandom(const GcConfig& config, UnsafeKnobs knobs, int mutators,
                    uint64_t cycles, bool until_lost = false) {
  Heap::Init(config);
  Collector c(config, knobs);
  GlobalSlots globals(kGlobals);
  std::atomic<bool> stop{false};
  c.Start();
  std::vector<std::thread> threads;
  for (int i = 0; i < mutators; ++i) {
    threads.emplace_back(RandomMutator<kShades>, std::ref(c), std::ref(globals),
                         1234u + static_cast<uint32_t>(i), std::cref(stop));
  }
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (c.cycles_completed() < cycles &&
         std::chrono::steady_clock::now() < deadline &&
         !(until_lost && c.stats().TotalLost() != 0)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  stop.store(true);
  for (auto& t : threads) t.join();
  c.Stop();
  RunResult r;
  for (const CycleStats& s : c.stats().History()) {
    ++r.cycles;
    r.lost += s.lost_objects;
    r.verified += s.verified;
  }
  return r;
}

GcConfig Verified(GcMode mode, StackScanPolicy policy, int gogc = 20) {
  GcConfig c;
  c.mode = mode;
  c.gogc = gogc;
  c.workers = 1;
  c.stack_scan = policy;
  c.verify = true;
  return c;
}

TEST(ConcurrentMarkTest, HybridLosesNothingOverManyCycles) {
  RunResult r = RunRandom(
      Verified(GcMode::kContinuous, StackScanPolicy::kPerMutatorConcurrent), {},
      3, 60);
  EXPECT_GE(r.cycles, 60u);
  EXPECT_EQ(r.verified, r.cycles);
  EXPECT_EQ(r.lost, 0u);
}

TEST(ConcurrentMarkTest, PacedConcurrentCyclesLoseNothing) {
  RunResult r = RunRandom(
      Verified(GcMode::kConcurrent, StackScanPolicy::kPerMutatorConcurrent), {},
      3, 30);
  EXPECT_GE(r.cycles, 30u);
  EXPECT_EQ(r.lost, 0u);
}

TEST(ConcurrentMarkTest, DijkstraWithRescanLosesNothing) {
  RunResult r = RunRandom<Shades::kDijkstra>(
      Verified(GcMode::kContinuous, StackScanPolicy::kRescanAtTermination), {},
      2, 30);
  EXPECT_GE(r.cycles, 30u);
  EXPECT_EQ(r.lost, 0u);
}

TEST(ConcurrentMarkTest, YuasaSnapshotLosesNothing) {
  RunResult r = RunRandom<Shades::kYuasa>(
      Verified(GcMode::kContinuous, StackScanPolicy::kStwAtStart), {}, 2, 30);
  EXPECT_GE(r.cycles, 30u);
  EXPECT_EQ(r.lost, 0u);
}

TEST(ConcurrentMarkTest, StwModeLosesNothingWithoutBarrier) {
  GcConfig config =
      Verified(GcMode::kStw, StackScanPolicy::kPerMutatorConcurrent);
  RunResult r = RunRandom(config, {.barrier_off_during_mark = true}, 2, 30);
  EXPECT_GE(r.cycles, 30u);
  EXPECT_EQ(r.lost, 0u);
}

TEST(ConcurrentMarkTest, NoBarrierUnderConcurrentMarkIsCaught) {
  RunResult r = RunRandom(
      Verified(GcMode::kContinuous, StackScanPolicy::kPerMutatorConcurrent),
      {.barrier_off_during_mark = true}, 3, 400, /*until_lost=*/true);
  EXPECT_GT(r.lost, 0u) << "after " << r.cycles << " cycles";
}

TEST(ConcurrentMarkTest, DijkstraWithoutRescanIsCaught) {
  RunResult r = RunRandom<Shades::kDijkstra>(
      Verified(GcMode::kContinuous, StackScanPolicy::kPerMutatorConcurrent), {},
      3, 400, /*until_lost=*/true);
  EXPECT_GT(r.lost, 0u) << "after " << r.cycles << " cycles";
}

// A steady workload: a fixed live set and a stream of garbage.  The pacer
// must keep the heap at the end of each mark under its hard goal (plus what
// the mutators may allocate between two pacer checks).
TEST(ConcurrentMarkTest, PacingKeepsTheHeapUnderItsGoal) {
  GcConfig config;
  config.mode = GcMode::kConcurrent;
  config.gogc = 100;
  config.workers = 1;
  Heap::Init(config);
  Collector c(config);
  c.Start();
  constexpr int kMutators = 2;
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kMutators; ++t) {
    threads.emplace_back([&] {
      MutatorScope scope(c);
      constexpr size_t kLive = 4096;  // ~200 KiB live per mutator
      RootFrame roots(kLive);
      size_t k = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        uintptr_t n = reinterpret_cast<uintptr_t>(Allocate(NodeType()));
        if (k % 8 == 0) roots.Set((k / 8) % kLive, n);  // 1/8 lives a while
        ++k;
        if (k % 64 == 0) Safepoint();
      }
    });
  }
  // A deadline rather than the ctest timeout: a pacer that stops
  // triggering fails here, with what it did, in seconds.
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (c.cycles_completed() < 20 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  stop.store(true);
  for (auto& t : threads) t.join();
  c.Stop();
  EXPECT_GE(c.cycles_completed(), 20u) << "the pacer stopped triggering";
  const uint64_t slack = kMutators * 2 * kPacerCheckBytes;
  for (const CycleStats& s : c.stats().History()) {
    EXPECT_LE(s.heap_live_end,
              static_cast<uint64_t>(static_cast<double>(s.heap_goal) *
                                    kHardGoalFactor) +
                  slack)
        << GcTraceLine(s);
  }
}

}  // namespace
}  // namespace gc
