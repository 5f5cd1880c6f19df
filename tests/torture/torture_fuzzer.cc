// File: tests/torture/torture_fuzzer.cc
//
// libFuzzer target: a byte string is a program for a few mutators and the
// collector, run on one thread with the manual driver (so every input
// replays exactly), and every cycle it completes is checked by the
// verifier.  A lost object (or a broken mark accounting) aborts.
//
// Input.  Byte 0 picks the configuration (one of the sound configurations
// that mark concurrently, torture::SoundConfigs()), byte 1 the barrier
// buffer size (1..8 entries, so buffers fill and flush inside short
// programs).  Then operations, an opcode byte (mod kOps) and its operands,
// each taken mod its range; a missing byte reads as 0:
//   alloc s          slot s of the running mutator's stack = a new node
//   store o f v      node in slot o, field f = slot v (nil if v >= 0x80)
//   load o f d       slot d = field f of the node in slot o
//   drop s           slot s = nil
//   switch m         the running mutator parks (paying an owed stack scan,
//                    as parking does) and mutator m runs
//   safepoint        the running mutator polls (scans its stack if owed)
//   gc-step n        between cycles: start one; while marking: the
//                    collector marks root jobs and up to n gray objects
//   gc-finish        drain, terminate (retrying while buffers flush new
//                    work), verify, finish the cycle
//   gstore g s       global g = slot s, through the barrier
//   gload g s        slot s = global g
//   move o f d       slot d = field f of node o, then that field = nil
//   array s k        slot s = a new pointer array: 64 slots if k is even,
//                    else a large object (kLargeSlots, over 32 KiB)
//   wide s           slot s = a new object of another type in the nodes'
//                    size class (five pointer words), so spans mix types
//   copy o d a b n   memmove n (1..4) pointer slots from field a of object o
//                    to field b of object d, through the bulk barrier
// Every object has at least four pointer words first, so any op may treat
// any object as a node.  Opcodes are numbered in this order; the seed
// corpus uses only the first eleven, whose numbers never change.
// At the end a cycle in progress is finished and verified.
//
// WBBENCH_FUZZ_CONFIG=<name> pins the configuration instead (any of
// `wbbench_torture --list`, sound or not): with an unsound one such as
// none/concurrent the fuzzer must find a lost object, which is how CI
// checks that it can fail.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <vector>

#include "barriers/barrier_config.h"
#include "barriers/call_site.h"
#include "barriers/registry.h"
#include "gc/collector.h"
#include "gc/globals.h"
#include "gc/heap.h"
#include "gc/mutator.h"
#include "gc/shadow_stack.h"
#include "gc/type_descriptor.h"
#include "tests/gc/marker_test_util.h"
#include "tests/torture/torture.h"

namespace {

using gc::testing::FieldSlot;
using gc::testing::kNodeFields;
using gc::testing::NodeType;

constexpr int kMutators = 3;
constexpr size_t kSlots = 4;
constexpr size_t kGlobals = 2;
constexpr size_t kMaxWbBufEntries = 8;
// Shadow-stack capacity per mutator: the slots plus room for nothing else
// (the default 64 Ki slots would cost more than a whole input to set up).
constexpr size_t kStackSlots = 16;
constexpr size_t kSmallArraySlots = 64;
constexpr size_t kLargeSlots = 4608;

const gc::Type& ArrayType() {
  static const gc::Type* t = new gc::Type("slot", sizeof(uintptr_t), {0});
  return *t;
}
const gc::Type& WideType() {
  static const gc::Type* t =
      new gc::Type("Wide", sizeof(gc::testing::Node), {0, 8, 16, 24, 32});
  return *t;
}

enum Op : uint8_t {
  kAlloc,
  kStore,
  kLoad,
  kDrop,
  kSwitch,
  kSafepoint,
  kGcStep,
  kGcFinish,
  kGlobalStore,
  kGlobalLoad,
  kMove,
  kArray,
  kWide,
  kCopy,
  kOps,
};

class Input {
 public:
  Input(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool Done() const { return pos_ >= size_; }
  uint8_t Byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  size_t Pick(size_t n) { return Byte() % n; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

const std::vector<torture::Config>& FuzzConfigs() {
  static const auto* configs = [] {
    auto* v = new std::vector<torture::Config>;
    if (const char* name = std::getenv("WBBENCH_FUZZ_CONFIG")) {
      std::optional<torture::Config> c = torture::ConfigFromName(name);
      if (!c || c->mode != gc::GcMode::kConcurrent) {
        std::fprintf(stderr,
                     "torture_fuzzer: WBBENCH_FUZZ_CONFIG=%s: expected a "
                     "concurrent configuration from wbbench_torture --list\n",
                     name);
        std::exit(2);
      }
      v->push_back(*c);
    } else {
      for (torture::Config& c : torture::SoundConfigs()) {
        if (c.mode == gc::GcMode::kConcurrent) v->push_back(c);
      }
    }
    return v;
  }();
  return *configs;
}

template <class B>
class Program {
 public:
  Program(const torture::Config& config, gc::GcConfig gc_config)
      : config_(config), collector_(gc_config, config.knobs) {
    for (int i = 0; i < kMutators; ++i) {
      mutators_.push_back(
          std::make_unique<gc::Mutator>(collector_, kStackSlots));
      gc::Mutator& m = *mutators_.back();
      m.Enter();
      frames_.push_back(std::make_unique<gc::RootFrame>(kSlots));
      m.Leave();
    }
    mutators_[0]->Enter();
  }

  ~Program() {
    mutators_[current_]->Leave();
    while (!frames_.empty()) frames_.pop_back();
    mutators_.clear();
  }

  void Run(Input& in) {
    while (!in.Done()) Step(in);
    if (collector_.phase() == gc::GcPhase::kMark) FinishCycle();
  }

 private:
  gc::RootFrame& roots() { return *frames_[current_]; }

  void Step(Input& in) {
    switch (static_cast<Op>(in.Pick(kOps))) {
      case kAlloc:
        roots().Set(in.Pick(kSlots),
                    reinterpret_cast<uintptr_t>(gc::Allocate(NodeType())));
        break;
      case kStore: {
        const uintptr_t obj = roots().Get(in.Pick(kSlots));
        const int f = static_cast<int>(in.Pick(kNodeFields));
        const uint8_t v = in.Byte();
        const uintptr_t value = v >= 0x80 ? 0 : roots().Get(v % kSlots);
        if (obj != 0) barriers::WritePointer<B>(FieldSlot(obj, f), value);
        break;
      }
      case kLoad:
        LoadOrMove(in, /*move=*/false);
        break;
      case kMove:
        LoadOrMove(in, /*move=*/true);
        break;
      case kDrop:
        roots().Set(in.Pick(kSlots), 0);
        break;
      case kSwitch:
        mutators_[current_]->Leave();
        current_ = in.Pick(kMutators);
        mutators_[current_]->Enter();
        break;
      case kSafepoint:
        gc::Safepoint();
        break;
      case kGcStep: {
        const size_t n = in.Pick(8);
        if (collector_.phase() == gc::GcPhase::kOff) {
          collector_.StartCycle();
        } else {
          collector_.MarkSome(n);
        }
        break;
      }
      case kGcFinish:
        if (collector_.phase() == gc::GcPhase::kMark) FinishCycle();
        break;
      case kGlobalStore: {
        uintptr_t* slot = globals_.SlotAddress(in.Pick(kGlobals));
        barriers::WritePointer<B>(slot, roots().Get(in.Pick(kSlots)));
        break;
      }
      case kGlobalLoad: {
        const uintptr_t v = globals_.Load(in.Pick(kGlobals));
        roots().Set(in.Pick(kSlots), v);
        break;
      }
      case kArray: {
        const size_t s = in.Pick(kSlots);
        const size_t n = in.Pick(2) == 0 ? kSmallArraySlots : kLargeSlots;
        roots().Set(s,
                    reinterpret_cast<uintptr_t>(gc::Allocate(ArrayType(), n)));
        break;
      }
      case kWide:
        roots().Set(in.Pick(kSlots),
                    reinterpret_cast<uintptr_t>(gc::Allocate(WideType())));
        break;
      case kCopy: {
        const uintptr_t src = roots().Get(in.Pick(kSlots));
        const uintptr_t dst = roots().Get(in.Pick(kSlots));
        const size_t n = 1 + in.Pick(kNodeFields);
        const int a = static_cast<int>(in.Pick(kNodeFields - n + 1));
        const int b = static_cast<int>(in.Pick(kNodeFields - n + 1));
        if (src != 0 && dst != 0) {
          barriers::CopyPointers<B>(FieldSlot(dst, b), FieldSlot(src, a), n);
        }
        break;
      }
      case kOps:
        break;
    }
  }

  void LoadOrMove(Input& in, bool move) {
    const uintptr_t obj = roots().Get(in.Pick(kSlots));
    const int f = static_cast<int>(in.Pick(kNodeFields));
    const size_t dst = in.Pick(kSlots);
    if (obj == 0) return;
    roots().Set(dst, barriers::LoadPlain(FieldSlot(obj, f)));
    if (move) barriers::WritePointer<B>(FieldSlot(obj, f), 0);
  }

  void FinishCycle() {
    collector_.DrainAll();
    while (!collector_.StartTermination()) collector_.DrainAll();
    collector_.FinishCycle();
    const gc::CheckmarkResult r = collector_.last_checkmark();
    if (!r.ok()) {
      std::fprintf(stderr, "torture_fuzzer: %s: %s\n", config_.name.c_str(),
                   r.ToString().c_str());
      std::abort();
    }
  }

  const torture::Config& config_;
  gc::Collector collector_;
  gc::GlobalSlots globals_{kGlobals};
  std::vector<std::unique_ptr<gc::Mutator>> mutators_;
  std::vector<std::unique_ptr<gc::RootFrame>> frames_;
  size_t current_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Input in(data, size);
  const std::vector<torture::Config>& configs = FuzzConfigs();
  const torture::Config& config = configs[in.Pick(configs.size())];
  gc::GcConfig gcc =
      torture::InstallBarrierFor(config, 1 + in.Pick(kMaxWbBufEntries));
  gcc.gogc = -1;  // cycles only when the input asks
  gcc.workers = 0;
  gc::Heap::Init(gcc);
  barriers::WithBarrier(config.kind, config.algorithm,
                        [&]<class B>() { Program<B>(config, gcc).Run(in); });
  return 0;
}
