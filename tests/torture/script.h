// File: tests/torture/script.h
//
// Scripted interleavings with the manual driver (gc/collector.h): no
// collector threads; the test thread is the collector and runs the
// mutators in turn, so every interleaving is exactly the one a test writes.
// A Script installs one barrier configuration (kind, algorithm, stack-scan
// policy) for its lifetime, with the verifier on.
#ifndef WBBENCH_TESTS_TORTURE_SCRIPT_H_
#define WBBENCH_TESTS_TORTURE_SCRIPT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "barriers/barrier_config.h"
#include "barriers/call_site.h"
#include "barriers/registry.h"
#include "gc/collector.h"
#include "gc/heap.h"
#include "gc/mutator.h"
#include "gtest/gtest.h"
#include "tests/gc/marker_test_util.h"
#include "tests/torture/torture.h"

namespace torture {

inline uintptr_t NewNode() {
  return reinterpret_cast<uintptr_t>(gc::Allocate(gc::testing::NodeType()));
}

// The collector for one script: manual driver, verifier on, the barrier
// (kind, algorithm) installed for its duration.
class Script {
 public:
  Script(barriers::BarrierKind kind, barriers::Algorithm algorithm,
         gc::StackScanPolicy policy, gc::UnsafeKnobs knobs = {})
      : saved_(barriers::InstalledBarrier()),
        kind_(kind),
        algorithm_(algorithm) {
    const Config script{.name = "script",
                        .kind = kind,
                        .algorithm = algorithm,
                        .mode = gc::GcMode::kConcurrent,
                        .stack_scan = policy,
                        .knobs = knobs,
                        .sound = true};
    gc::GcConfig config = InstallBarrierFor(script, gc::kWbBufDefaultEntries);
    config.workers = 0;
    gc::Heap::Init(config);
    collector_ = std::make_unique<gc::Collector>(config, knobs);
  }
  ~Script() { EXPECT_TRUE(barriers::InstallBarrier(saved_).ok()); }

  gc::Collector& c() { return *collector_; }

  // Enters m on this thread (its buffer has the installed barrier's
  // geometry from birth: the collector's GcConfig).
  void Enter(gc::Mutator& m) { m.Enter(); }

  // A store the compiler would emit, through the installed barrier.
  void Write(uintptr_t obj, int field, uintptr_t value) {
    Store(gc::testing::FieldSlot(obj, field), value);
  }
  void Store(uintptr_t* slot, uintptr_t value) {
    barriers::WithBarrier(kind_, algorithm_, [&]<class B>() {
      barriers::WritePointer<B>(slot, value);
    });
  }

  // Marks what is left, terminates (flushing every barrier buffer, retrying
  // while that finds work) and returns the verifier's count of lost objects.
  uint64_t FinishAndVerify() {
    c().DrainAll();
    while (!c().StartTermination()) c().DrainAll();
    const gc::CheckmarkResult r = c().VerifyNow();
    c().FinishCycle();
    return r.lost_objects;
  }

 private:
  const barriers::BarrierConfig saved_;
  const barriers::BarrierKind kind_;
  const barriers::Algorithm algorithm_;
  std::unique_ptr<gc::Collector> collector_;
};

// A scenario under every sound barrier kind (barriers::SoundBarriers(): all
// but `none`).  A scenario about one algorithm skips the kinds that do not
// run it:  if (!Runs(Algorithm::kYuasa)) GTEST_SKIP();
class ScenarioTest : public ::testing::TestWithParam<barriers::BarrierKind> {
 protected:
  barriers::BarrierKind kind() const { return GetParam(); }
  bool Runs(barriers::Algorithm a) const {
    return barriers::Supports(kind(), a);
  }
};

inline std::string KindName(
    const ::testing::TestParamInfo<barriers::BarrierKind>& info) {
  return std::string(barriers::BarrierName(info.param));
}

}  // namespace torture

#endif  // WBBENCH_TESTS_TORTURE_SCRIPT_H_
