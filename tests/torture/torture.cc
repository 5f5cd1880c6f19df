// File: tests/torture/torture.cc
//
// The torture program (see torture.h for what it proves).  Each mutator
// thread owns:
//  - kRoots random root slots on its shadow stack, the random graph's roots;
//  - a private chain of kChain nodes hanging off one of its global slots,
//    which the marker walks node by node: its tail stays white for a while
//    after the mutator's stack is scanned, the target of "hide in the stack";
//  - a stash slot holding an object allocated between cycles and referenced
//    from nowhere else, the target of "hide in the heap";
// and shares kSharedGlobals global slots with the other mutators.
//
// Sharing objects between threads.  A Go program hands objects to another
// goroutine through a channel or a lock, which orders the allocation's
// zeroing before the other side's reads.  Here objects also travel through
// heap fields written with the barriers' relaxed stores, so every allocation
// is followed by a release increment of `published` and every access to a
// field by an acquire load of it: the zeroing (by the sweeper, before the
// allocation) happens-before any other mutator's access, which is what
// ThreadSanitizer checks.  The global slots are read and written under
// globals_mu.
#include "tests/torture/torture.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "barriers/barrier_config.h"
#include "barriers/call_site.h"
#include "barriers/registry.h"
#include "gc/globals.h"
#include "gc/heap.h"
#include "gc/mutator.h"
#include "gc/shadow_stack.h"
#include "gc/type_descriptor.h"
#include "gc/work_buf.h"
#include "tests/gc/marker_test_util.h"

namespace torture {
namespace {

using gc::testing::FieldSlot;
using gc::testing::IsMarked;
using gc::testing::kNodeFields;
using gc::testing::NodeType;

// Random roots per mutator: with four fields per node, a random graph of a
// few hundred live nodes per mutator.
constexpr size_t kRoots = 16;
constexpr size_t kSharedGlobals = 16;
// Private chain length: ~48 KiB per mutator, long enough that the marker is
// still walking it when the mutator's first safepoint of a cycle scans its
// stack (tens of microseconds of marking), short enough to keep the heap
// tiny.
constexpr size_t kChain = 1024;
constexpr uint64_t kSafepointEvery = 32;
// A small write-barrier buffer, so buffered barriers flush during the mark
// as well as in the termination pause.
constexpr size_t kWbBufEntries = 32;
// Each mutator's pointer array (bulk copies, array scans): scanning it
// greys up to this many objects, more than a workbuf (gc::WorkBuf), so a
// mark worker that scans it holds more than a workbuf of gray objects.
constexpr size_t kArraySlots = 384;
// A large object (over gc::kMaxSmallSize): a pointer array of 36 KiB.
constexpr size_t kLargeSlots = 4608;
// Longest bulk copy within the array.
constexpr size_t kMaxCopy = 32;
// The live heap stays under 2 MiB; past this something leaks.
constexpr size_t kHeapLimit = size_t{64} << 20;
// Of every kWaiterRotation mutators, one keeps running between cycles.
constexpr uint64_t kWaiterRotation = 4;
// How long a mutator waits, parked, for the next cycle to start, and how
// often it looks.
constexpr auto kWaitForCycle = std::chrono::milliseconds(5);
// A mutator holding a hidden tail for the remark waits this long at most
// for the preclean passes to end (a torture cycle marks in a few ms).
constexpr auto kWaitForPreclean = std::chrono::milliseconds(50);
constexpr auto kWaitPoll = std::chrono::microseconds(20);

// The mutator's own stack slots and global slots.
enum OwnSlot : size_t { kStash, kHidden, kPair, kLarge, kOwnSlots };
enum OwnGlobal : size_t { kChainHead, kBox, kArray, kOwnGlobals };

// How a mutator deletes the heap edge when it hides in the stack, in turn
// by cycle: directly; through a courier, a mutator that is created, makes
// the deletion and exits during the mark (so its barrier buffer must be
// handed over when it unregisters); or directly and then waiting parked
// until the cycle ends (so its own buffer still holds the deletion when
// mark termination flushes every P's buffer).
enum HideMode : uint64_t { kDirect, kByCourier, kThenWait, kHideModes };

// A pointer array and a type that shares the nodes' size class with a
// different pointer map (two pointer words of four), so spans hold objects
// of mixed types.
const gc::Type& ArrayType() {
  static const gc::Type* t = new gc::Type("slot", sizeof(uintptr_t), {0});
  return *t;
}
const gc::Type& PairType() {
  static const gc::Type* t =
      new gc::Type("pair", sizeof(gc::testing::Node), {0, 16});
  return *t;
}
// FieldSlot indexes of its pointers: the next pair, and a node.
constexpr int kPairLink = 0;
constexpr int kPairValue = 2;

// Mark workers stopped mid-drain (gc::Collector::SetWorkerInterruptForTesting)
// while holding more than a workbuf of gray objects: every other time.
std::atomic<uint64_t> worker_interrupts{0};
std::atomic<uint64_t> interrupt_chances{0};
bool InterruptHoldingMoreThanAWorkbuf(size_t held) {
  if (held <= gc::WorkBuf::kCapacity) return false;
  if (interrupt_chances.fetch_add(1, std::memory_order_relaxed) % 2 != 0) {
    return false;
  }
  worker_interrupts.fetch_add(1, std::memory_order_relaxed);
  return true;
}

struct Shared {
  explicit Shared(gc::Collector& c) : collector(c) {}
  gc::Collector& collector;
  gc::GlobalSlots globals{kSharedGlobals};
  std::mutex globals_mu;
  std::atomic<uint64_t> published{0};
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> heap_hides{0};
  std::atomic<uint64_t> stack_hides{0};
  std::atomic<uint64_t> boxed_hides{0};  // BoxAfterPreclean moves
  std::atomic<uint64_t> courier_exits{0};
  std::atomic<uint64_t> bulk_copies{0};
  std::atomic<uint64_t> large_objects{0};
};

template <class B>
class TortureMutator {
 public:
  TortureMutator(Shared& shared, int index, uint32_t seed)
      : shared_(shared), c_(shared.collector), index_(index), rng_(seed) {}

  void Run() {
    gc::MutatorScope scope(c_);
    self_ = &scope.mutator();
    g_ = scope.mutator().g();
    gc::GlobalSlots own(kOwnGlobals);
    gc::RootFrame roots(kRoots);
    gc::RootFrame adv(kOwnSlots);
    own_ = &own;
    roots_ = &roots;
    adv_ = &adv;
    BuildChain();
    barriers::WritePointer<B>(
        own_->SlotAddress(kArray),
        reinterpret_cast<uintptr_t>(gc::Allocate(ArrayType(), kArraySlots)));
    uint64_t steps = 0;
    while (!shared_.stop.load(std::memory_order_relaxed)) {
      Adversary();
      RandomOp();
      // Gosched: a safepoint, and under kIncremental the cycle's next step.
      if (++steps % kSafepointEvery == 0) gc::Gosched();
    }
  }

 private:
  size_t Pick(size_t n) { return static_cast<size_t>(rng_() % n); }

  uintptr_t New() {
    const auto n = reinterpret_cast<uintptr_t>(gc::Allocate(NodeType()));
    shared_.published.fetch_add(1, std::memory_order_release);
    return n;
  }
  void Acquire() { (void)shared_.published.load(std::memory_order_acquire); }
  uintptr_t* Array() {
    return reinterpret_cast<uintptr_t*>(own_->Load(kArray));
  }
  // memmove within or into an array, through the bulk barrier.
  void Copy(uintptr_t* dst, const uintptr_t* src, size_t n) {
    Acquire();
    barriers::CopyPointers<B>(dst, src, n);
    shared_.bulk_copies.fetch_add(1, std::memory_order_relaxed);
  }
  uintptr_t Load(uintptr_t obj, int f) {
    Acquire();
    return barriers::LoadPlain(FieldSlot(obj, f));
  }
  void Store(uintptr_t obj, int f, uintptr_t v) {
    Acquire();
    barriers::WritePointer<B>(FieldSlot(obj, f), v);
  }

  void BuildChain() {
    chain_.resize(kChain);
    chain_[0] = New();
    barriers::WritePointer<B>(own_->SlotAddress(kChainHead), chain_[0]);
    for (size_t i = 1; i < kChain; ++i) {
      chain_[i] = New();  // New polls before allocating, never after
      Store(chain_[i - 1], 0, chain_[i]);
    }
  }

  // The two hiding moves, timed by peeking at the collector.  Phase, cycle
  // and this G's stack colour cannot change while it runs between two
  // safepoints (every change is made in a pause or while it is parked).
  void Adversary() {
    if ((adv_->Get(kHidden) != 0 || boxed_) &&
        c_.cycles_completed() >= hidden_cycle_) {
      Store(chain_[kChain - 2], 0, chain_[kChain - 1]);  // link it back
      adv_->Set(kHidden, 0);
      boxed_ = false;
    }
    gc::GcPhase phase = c_.phase();
    uint64_t cycle = c_.cycle();
    if (phase == gc::GcPhase::kOff) {
      // Allocated now, so white in the next cycle, and only on this stack.
      if (adv_->Get(kStash) == 0) adv_->Set(kStash, New());
      // A fan of white nodes for the next cycle: whoever scans the array
      // then holds more than a workbuf of gray objects.
      if (fan_cycle_ != cycle) {
        fan_cycle_ = cycle;
        for (size_t k = 0; k < kArraySlots; ++k) {
          const uintptr_t n = New();
          Acquire();
          barriers::WritePointer<B>(&Array()[k], n);
        }
      }
      // All mutators but one (in turn) wait for each cycle parked, so that
      // they may wake in it with a stack still grey (if no mark worker
      // scanned it first): then they hide at once, before any safepoint.
      // The one left running allocates towards the trigger.
      if ((cycle + static_cast<uint64_t>(index_)) % kWaiterRotation != 0 &&
          waited_cycle_ != cycle + 1) {
        waited_cycle_ = cycle + 1;
        WaitParkedForCycle(cycle);
        phase = c_.phase();
        cycle = c_.cycle();
      }
    }
    if (phase != gc::GcPhase::kMark) return;
    const bool stack_black = g_->stack_black.load(std::memory_order_relaxed);
    if (!stack_black && adv_->Get(kStash) != 0 && heap_hide_cycle_ != cycle) {
      HideInHeap(cycle);
    } else if (stack_black && adv_->Get(kHidden) == 0 && !boxed_ &&
               stack_hide_cycle_ != cycle) {
      HideInStack(cycle);
    }
  }

  void WaitParkedForCycle(uint64_t cycle) {
    gc::ParkScope park;
    const auto deadline = std::chrono::steady_clock::now() + kWaitForCycle;
    while (c_.cycle() == cycle &&
           !shared_.stop.load(std::memory_order_relaxed) &&
           std::chrono::steady_clock::now() < deadline) {
      // Sleep, not yield: three mutators spinning on two cores starved the
      // others, and the mark often ended before any of them ran in it.
      std::this_thread::sleep_for(kWaitPoll);
    }
  }

  // Grey stack: the only pointer to white x moves from this stack into a
  // black object (allocated during the mark, so never scanned).  Sound
  // only with an insertion barrier (hybrid, hybrid-cond, dijkstra) or a
  // start-of-cycle snapshot of the stack (yuasa).
  void HideInHeap(uint64_t cycle) {
    heap_hide_cycle_ = cycle;
    const uintptr_t box = New();  // black
    Store(box, 0, adv_->Get(kStash));
    barriers::WritePointer<B>(own_->SlotAddress(kBox), box);
    adv_->Set(kStash, 0);  // a stack write: no barrier
    shared_.heap_hides.fetch_add(1, std::memory_order_relaxed);
  }

  // Black stack: the only pointer to the chain's white tail moves from the
  // heap onto this stack, and the heap edge is deleted.  Sound only with a
  // deletion barrier (hybrid, hybrid-cond, yuasa) or a stack rescan at
  // termination (dijkstra).  Undone after the cycle.
  void HideInStack(uint64_t cycle) {
    stack_hide_cycle_ = cycle;
    const uintptr_t tail = chain_[kChain - 1];
    if (IsMarked(tail)) return;  // the marker got there first
    adv_->Set(kHidden, tail);
    const uint64_t mode = (cycle + static_cast<uint64_t>(index_)) % kHideModes;
    if (mode == kByCourier) {
      DeleteByCourier(chain_[kChain - 2], 0);
    } else {
      Store(chain_[kChain - 2], 0, 0);
    }
    hidden_cycle_ = cycle;
    shared_.stack_hides.fetch_add(1, std::memory_order_relaxed);
    if (mode == kThenWait) {
      if (c_.config().cards) {
        BoxAfterPreclean(cycle);
      } else {
        WaitParkedForCycleEnd(cycle);
      }
    }
  }

  // Card-marking collectors (cardmark): the hidden tail waits on this
  // black stack until the preclean passes are over, then moves into a
  // black box, so that only the box's dirty card leads to it: the remark's
  // alone to find (the stack rescan no longer sees it, and no preclean
  // pass is left).
  void BoxAfterPreclean(uint64_t cycle) {
    const uintptr_t box = New();  // black; allocated now: New polls
    barriers::WritePointer<B>(own_->SlotAddress(kBox), box);
    const auto deadline = std::chrono::steady_clock::now() + kWaitForPreclean;
    for (;;) {
      if (shared_.stop.load(std::memory_order_relaxed) || c_.cycle() != cycle ||
          c_.phase() != gc::GcPhase::kMark ||
          std::chrono::steady_clock::now() >= deadline) {
        return;  // the tail stays on the stack: the rescan finds it
      }
      if (c_.precleaned()) break;
      gc::Gosched();  // under kIncremental, the steps that reach it
      std::this_thread::sleep_for(kWaitPoll);
    }
    // No safepoint from here to the next operation: the world cannot stop
    // between the check and the move.
    Store(box, 0, adv_->Get(kHidden));
    adv_->Set(kHidden, 0);  // a stack write: no barrier
    boxed_ = true;
    shared_.boxed_hides.fetch_add(1, std::memory_order_relaxed);
  }

  // A mutator that comes and goes during the mark: this one parks, a new
  // one makes the store `obj.f = nil` on this thread and exits.
  void DeleteByCourier(uintptr_t obj, int f) {
    self_->Leave();
    {
      gc::Mutator courier(c_);
      courier.Enter();
      Store(obj, f, 0);
      courier.Leave();
    }
    self_->Enter();
    shared_.courier_exits.fetch_add(1, std::memory_order_relaxed);
  }

  void WaitParkedForCycleEnd(uint64_t cycle) {
    gc::ParkScope park;
    const auto deadline = std::chrono::steady_clock::now() + kWaitForCycle;
    while (c_.cycles_completed() < cycle &&
           !shared_.stop.load(std::memory_order_relaxed) &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(kWaitPoll);
    }
  }

  void RandomOp() {
    gc::RootFrame& roots = *roots_;
    const size_t i = Pick(kRoots), j = Pick(kRoots);
    const int f = static_cast<int>(Pick(kNodeFields));
    const uintptr_t a = roots.Get(i);
    switch (Pick(20)) {
      case 0:
      case 1:
      case 2: {  // allocate, point it at something old, keep it on the stack
        const uintptr_t n = New();
        Store(n, f, roots.Get(j));
        roots.Set(i, n);
        break;
      }
      case 3:
      case 4:
      case 5:  // store into an old object
        if (a != 0) Store(a, f, roots.Get(j));
        break;
      case 6:  // load a heap pointer onto the stack
        if (a != 0) roots.Set(j, Load(a, f));
        break;
      case 7:  // move a heap pointer onto the stack
        if (a != 0) {
          roots.Set(j, Load(a, f));
          Store(a, f, 0);
        }
        break;
      case 8:  // delete a heap pointer
        if (a != 0) Store(a, f, 0);
        break;
      case 9:
      case 10: {  // global writes and reads, shared between the mutators
        const size_t k = Pick(kSharedGlobals);
        std::lock_guard<std::mutex> lock(shared_.globals_mu);
        if (rng_() & 1) {
          barriers::WritePointer<B>(shared_.globals.SlotAddress(k), a);
        } else {
          roots.Set(i, shared_.globals.Load(k));
        }
        break;
      }
      case 11:  // root churn: drop a root, or copy one
        roots.Set(i, Pick(2) == 0 ? 0 : roots.Get(j));
        break;
      case 12: {  // allocation burst: a list, built in a frame of its own
        gc::RootFrame burst(1);
        const size_t n = 8 + Pick(57);
        for (size_t k = 0; k < n; ++k) {
          const uintptr_t node = New();
          Store(node, 0, burst.Get(0));
          burst.Set(0, node);
        }
        if (a != 0 && Pick(2) == 0) {
          Store(a, f, burst.Get(0));
        } else {
          roots.Set(i, burst.Get(0));
        }
        break;
      }
      case 13: {  // a deeper frame across a safepoint
        gc::RootFrame frame(2);
        frame.Set(0, a);
        frame.Set(1, New());
        roots.Set(i, 0);
        gc::Safepoint();
        Store(frame.Get(1), f, frame.Get(0));
        roots.Set(i, frame.Get(1));
        break;
      }
      case 14:  // park (a blocking call) and wake
        if (Pick(16) == 0) {
          gc::ParkScope park;
          std::this_thread::sleep_for(std::chrono::microseconds(Pick(50)));
        }
        break;
      case 15:  // copy a field of one old object into another
        if (a != 0 && roots.Get(j) != 0) {
          Store(roots.Get(j), f, Load(a, static_cast<int>(Pick(kNodeFields))));
        }
        break;
      case 16: {  // bulk copy within the array (overlapping, either way)
        const size_t n = 1 + Pick(kMaxCopy);
        Copy(Array() + Pick(kArraySlots - n + 1),
             Array() + Pick(kArraySlots - n + 1), n);
        break;
      }
      case 17: {  // an array slot to and from the stack
        const size_t k = Pick(kArraySlots);
        if (Pick(2) == 0) {
          Acquire();
          barriers::WritePointer<B>(&Array()[k], a);
        } else {
          Acquire();
          roots.Set(i, barriers::LoadPlain(&Array()[k]));
        }
        break;
      }
      case 18: {  // a large object, written by bulk copies from the array
        // Held only by this stack, so large objects never nest.
        if (adv_->Get(kLarge) == 0 || Pick(16) == 0) {
          adv_->Set(kLarge, reinterpret_cast<uintptr_t>(
                                gc::Allocate(ArrayType(), kLargeSlots)));
          shared_.published.fetch_add(1, std::memory_order_release);
          shared_.large_objects.fetch_add(1, std::memory_order_relaxed);
        }
        auto* large = reinterpret_cast<uintptr_t*>(adv_->Get(kLarge));
        const size_t at = Pick(kLargeSlots - kArraySlots + 1);
        if (Pick(4) == 0) {
          Acquire();
          roots.Set(i, barriers::LoadPlain(&large[at]));
        } else {
          Copy(large + at, Array(), kArraySlots);
        }
        break;
      }
      case 19: {  // an object of another type in the nodes' spans
        // A chain of pairs through their first pointer; the second holds
        // what the roots hold.  A pair never reaches the roots, whose
        // objects the other operations treat as nodes.
        const uintptr_t pair = adv_->Get(kPair);
        if (pair == 0 || Pick(4) == 0) {
          const auto n = reinterpret_cast<uintptr_t>(gc::Allocate(PairType()));
          shared_.published.fetch_add(1, std::memory_order_release);
          Store(n, kPairLink, Pick(2) == 0 ? pair : 0);  // chains stay short
          adv_->Set(kPair, n);
        } else if (Pick(2) == 0) {
          Store(pair, kPairValue, a);
        } else {
          roots.Set(i, Load(pair, kPairValue));
        }
        break;
      }
    }
  }

  Shared& shared_;
  gc::Collector& c_;
  const int index_;
  std::mt19937 rng_;
  gc::Mutator* self_ = nullptr;
  gc::G* g_ = nullptr;
  gc::GlobalSlots* own_ = nullptr;
  gc::RootFrame* roots_ = nullptr;
  gc::RootFrame* adv_ = nullptr;
  // Raw pointers are safe: every chain node stays reachable (through the
  // chain, or the hidden slot while cut; in an unsound run the verifier's
  // repair keeps a lost one from being freed).
  std::vector<uintptr_t> chain_;
  uint64_t waited_cycle_ = 0;
  uint64_t fan_cycle_ = 0;
  uint64_t heap_hide_cycle_ = 0;
  uint64_t stack_hide_cycle_ = 0;
  uint64_t hidden_cycle_ = 0;
  bool boxed_ = false;  // the hidden tail is in a box (BoxAfterPreclean)
};

Config SoundConfig(const barriers::BarrierInfo& b,
                   const barriers::AlgorithmInfo& a, gc::GcMode mode) {
  return {absl::StrCat(b.name, "/", a.name,
                       mode == gc::GcMode::kIncremental ? "/incremental" : ""),
          b.kind,
          a.algorithm,
          mode,
          a.stack_scan,
          {},
          true};
}

}  // namespace

std::vector<Config> SoundConfigs() {
  std::vector<Config> configs;
  // Concurrent, then the incremental schedule: the same steps on the
  // mutators' threads.
  for (gc::GcMode mode : {gc::GcMode::kConcurrent, gc::GcMode::kIncremental}) {
    for (const barriers::BarrierInfo& b : barriers::AllBarriers()) {
      if (!b.traits.sound) continue;
      for (const barriers::AlgorithmInfo& a : barriers::AllAlgorithms()) {
        if (!barriers::Supports(b.kind, a.algorithm)) continue;
        configs.push_back(SoundConfig(b, a, mode));
      }
    }
  }
  configs.push_back({"none/stw",
                     barriers::BarrierKind::kNone,
                     barriers::Algorithm::kHybrid,
                     gc::GcMode::kStw,
                     gc::StackScanPolicy::kPerMutatorConcurrent,
                     {},
                     true});
  return configs;
}

std::vector<Config> UnsoundConfigs() {
  std::vector<Config> configs;
  configs.push_back({"none/concurrent",
                     barriers::BarrierKind::kNone,
                     barriers::Algorithm::kHybrid,
                     gc::GcMode::kConcurrent,
                     gc::StackScanPolicy::kPerMutatorConcurrent,
                     {.barrier_off_during_mark = true},
                     false});
  configs.push_back({"none/incremental",
                     barriers::BarrierKind::kNone,
                     barriers::Algorithm::kHybrid,
                     gc::GcMode::kIncremental,
                     gc::StackScanPolicy::kPerMutatorConcurrent,
                     {.barrier_off_during_mark = true},
                     false});
  for (const barriers::BarrierInfo& b : barriers::AllBarriers()) {
    if (!b.traits.sound) continue;
    if (barriers::Supports(b.kind, barriers::Algorithm::kYuasa)) {
      configs.push_back({absl::StrCat(b.name, "/yuasa-no-snapshot"),
                         b.kind,
                         barriers::Algorithm::kYuasa,
                         gc::GcMode::kConcurrent,
                         gc::StackScanPolicy::kPerMutatorConcurrent,
                         {},
                         false});
    }
    if (b.traits.cards) {
      // CMS without its remark: stores after the last preclean pass leave
      // their cards dirty and unscanned.
      for (const barriers::AlgorithmInfo& a : barriers::AllAlgorithms()) {
        if (!barriers::Supports(b.kind, a.algorithm)) continue;
        configs.push_back({absl::StrCat(b.name, "/", a.name, "-no-remark"),
                           b.kind,
                           a.algorithm,
                           gc::GcMode::kConcurrent,
                           a.stack_scan,
                           {.skip_card_remark = true},
                           false});
      }
    }
    if (barriers::Supports(b.kind, barriers::Algorithm::kDijkstra)) {
      configs.push_back({absl::StrCat(b.name, "/dijkstra-no-rescan"),
                         b.kind,
                         barriers::Algorithm::kDijkstra,
                         gc::GcMode::kConcurrent,
                         gc::StackScanPolicy::kPerMutatorConcurrent,
                         {},
                         false});
    }
  }
  return configs;
}

std::vector<Config> AllConfigs() {
  std::vector<Config> configs = SoundConfigs();
  for (Config& c : UnsoundConfigs()) configs.push_back(std::move(c));
  return configs;
}

std::optional<Config> ConfigFromName(absl::string_view name) {
  for (Config& c : AllConfigs()) {
    if (c.name == name) return std::move(c);
  }
  return std::nullopt;
}

int GogcFor(const Config& config, const Options& options) {
  if (options.gogc != 0) return options.gogc;
  std::mt19937 rng(options.seed ^ static_cast<uint32_t>(
                                      std::hash<std::string>()(config.name)));
  return kMinGogc + static_cast<int>(rng() % (kMaxGogc - kMinGogc + 1));
}

gc::GcConfig InstallBarrierFor(const Config& config, size_t wbbuf_entries) {
  barriers::BarrierConfig bc;
  bc.kind = config.kind;
  bc.algorithm = config.algorithm;
  bc.wbbuf_entries = wbbuf_entries;
  if (!barriers::InstallBarrier(bc).ok()) std::abort();
  gc::GcConfig gcc;
  gcc.mode = config.mode;
  gcc.workers = 1;
  gcc.verify = true;
  barriers::ApplyToGcConfig(bc, &gcc);
  gcc.stack_scan = config.stack_scan;  // the algorithm's, or a mismatch
  return gcc;
}

Result Run(const Config& config, const Options& options) {
  const barriers::BarrierConfig saved = barriers::InstalledBarrier();
  gc::GcConfig gcc = InstallBarrierFor(config, kWbBufEntries);
  gcc.gogc = GogcFor(config, options);
  gcc.heap_limit = kHeapLimit;
  gc::Heap::Init(gcc);

  Result r;
  r.gogc = gcc.gogc;
  const auto t0 = std::chrono::steady_clock::now();
  const auto deadline =
      t0 + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
               std::chrono::duration<double>(options.timeout_seconds));
  {
    gc::Collector collector(gcc, config.knobs);
    Shared shared(collector);
    worker_interrupts = 0;
    gc::Collector::SetWorkerInterruptForTesting(
        &InterruptHoldingMoreThanAWorkbuf);
    collector.Start();
    std::vector<std::thread> threads;
    for (int i = 0; i < options.mutators; ++i) {
      const uint32_t seed = options.seed * 7919u + static_cast<uint32_t>(i);
      threads.emplace_back([&shared, &config, i, seed] {
        barriers::WithBarrier(config.kind, config.algorithm, [&]<class B>() {
          TortureMutator<B>(shared, i, seed).Run();
        });
      });
    }
    for (;;) {
      if (collector.cycles_completed() >= options.cycles) break;
      if (options.stop_at_first_loss && collector.stats().TotalLost() != 0) {
        break;
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        r.timed_out = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    shared.stop.store(true);
    for (std::thread& t : threads) t.join();
    collector.Stop();
    gc::Collector::SetWorkerInterruptForTesting(nullptr);
    r.heap_hides = shared.heap_hides.load();
    r.stack_hides = shared.stack_hides.load();
    r.boxed_hides = shared.boxed_hides.load();
    r.courier_exits = shared.courier_exits.load();
    r.bulk_copies = shared.bulk_copies.load();
    r.large_objects = shared.large_objects.load();
    r.worker_interrupts = worker_interrupts.load();
    for (const gc::CycleStats& s : collector.stats().History()) {
      ++r.cycles;
      r.verified += s.verified ? 1 : 0;
      r.lost += s.lost_objects;
      r.accounting_errors += s.verified && !s.accounting_ok ? 1 : 0;
      if (s.lost_objects != 0) {
        ++r.lossy_cycles;
        if (r.first_lossy_cycle == 0) r.first_lossy_cycle = r.cycles;
      }
    }
  }
  r.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  if (!barriers::InstallBarrier(saved).ok()) std::abort();
  return r;
}

bool Tried(const Config& config, const Result& r) {
  // Under stop-the-world collection no mutator runs while marking; with
  // Yuasa's start snapshot no mutator runs with a grey stack, so hiding in
  // the heap cannot even be attempted.
  if (config.mode == gc::GcMode::kStw) return true;
  return r.stack_hides > 0 && r.courier_exits > 0 &&
         (config.stack_scan == gc::StackScanPolicy::kStwAtStart ||
          r.heap_hides > 0) &&
         (!barriers::TraitsOf(config.kind).cards || r.boxed_hides > 0);
}

bool Passed(const Config& config, const Options& options, const Result& r) {
  if (config.sound) {
    return r.verified >= options.cycles && r.lost == 0 &&
           r.accounting_errors == 0 && r.bulk_copies > 0 &&
           r.large_objects > 0 && Tried(config, r);
  }
  return r.lost != 0 && r.first_lossy_cycle <= options.cycles;
}

std::string Describe(const Config& config, const Result& r) {
  return absl::StrFormat(
      "%-30s %-7s cycles %5u verified %5u lost %6u (in %u cycles, first %u) "
      "accounting errors %u hides %u+%u+%u couriers %u copies %u large %u "
      "interrupts %u gogc %d %.1fs%s",
      config.name, config.sound ? "sound" : "UNSOUND", r.cycles, r.verified,
      r.lost, r.lossy_cycles, r.first_lossy_cycle, r.accounting_errors,
      r.heap_hides, r.stack_hides, r.boxed_hides, r.courier_exits,
      r.bulk_copies, r.large_objects, r.worker_interrupts, r.gogc, r.seconds,
      r.timed_out ? " TIMED OUT" : "");
}

}  // namespace torture
