// cgocheck: a managed pointer stored into malloc'd memory is reported (count
// mode) or fatal (abort mode, exit status 2); stores into the heap, a
// shadow-stack slot or the globals area, and stores of nil or non-heap
// values, are not.
#include "barriers/cgocheck.h"

#include <cstdint>
#include <cstdlib>
#include <memory>

#include "barriers/barrier_config.h"
#include "barriers/buffered_barrier.h"
#include "barriers/call_site.h"
#include "barriers/wb_buf_flush.h"
#include "gc/collector.h"
#include "gc/globals.h"
#include "gc/heap.h"
#include "gc/mutator.h"
#include "gc/shadow_stack.h"
#include "gtest/gtest.h"
#include "tests/gc/marker_test_util.h"

namespace barriers {
namespace {

using gc::testing::FieldSlot;
using gc::testing::NodeType;
using Cgocheck = CgocheckBarrier<Algorithm::kHybrid>;

uintptr_t NewNode() {
  return reinterpret_cast<uintptr_t>(gc::Allocate(NodeType()));
}

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};

// The configuration wbbench ships: the cgocheck barrier installed, the
// collector configured from it (barriers::ApplyToGcConfig), nothing turned
// on by hand.  Restores the previous barrier on exit.
class CgocheckTest : public ::testing::Test {
 protected:
  void Install(CgocheckMode mode) {
    saved_ = InstalledBarrier();
    ASSERT_TRUE(
        InstallBarrier({.kind = BarrierKind::kCgocheck, .cgocheck = mode})
            .ok());
    gc_config_.workers = 0;
    ApplyToGcConfig(InstalledBarrier(), &gc_config_);
    gc::Heap::Init(gc_config_);
  }
  void TearDown() override { EXPECT_TRUE(InstallBarrier(saved_).ok()); }

  BarrierConfig saved_;
  gc::GcConfig gc_config_;
};

TEST_F(CgocheckTest, ReportsOnlyManagedPointersInUnmanagedMemory) {
  Install(CgocheckMode::kCount);
  gc::Collector collector(gc_config_);
  gc::MutatorScope mutator(collector);
  ResetCgocheckViolations();
  ResetFlushCounts();
  // Go's cgocheck=2 keeps the barrier on outside marking.
  ASSERT_EQ(collector.phase(), gc::GcPhase::kOff);
  EXPECT_TRUE(WriteBarrierEnabled()) << "cgocheck checks only while marking";

  uintptr_t obj = NewNode(), holder = NewNode();
  std::unique_ptr<uintptr_t[], FreeDeleter> c_memory(
      static_cast<uintptr_t*>(std::calloc(8, sizeof(uintptr_t))));
  gc::RootFrame roots(1);
  gc::GlobalSlots globals(1);

  WritePointer<Cgocheck>(FieldSlot(holder, 0), obj);
  WritePointer<Cgocheck>(roots.SlotAddress(0), obj);
  WritePointer<Cgocheck>(globals.SlotAddress(0), obj);
  WritePointer<Cgocheck>(&c_memory[0], 0);
  WritePointer<Cgocheck>(&c_memory[1], 0x1234);
  EXPECT_EQ(CgocheckViolations(), 0u);
  EXPECT_EQ(TotalFlushes(), 5u) << "every cgocheck store flushes";

  WritePointer<Cgocheck>(&c_memory[2], obj);
  EXPECT_EQ(CgocheckViolations(), 1u);
  EXPECT_EQ(c_memory[2], obj) << "count mode still stores";

  // A bulk copy of two managed pointers into C memory: two reports.
  uintptr_t src[3] = {obj, 0, holder};
  CopyPointers<Cgocheck>(&c_memory[3], src, 3);
  EXPECT_EQ(CgocheckViolations(), 3u);

  // After a cycle the barrier is still on and still checks.
  collector.Collect();
  EXPECT_EQ(collector.cycles_completed(), 1u);
  EXPECT_TRUE(WriteBarrierEnabled()) << "the cycle turned cgocheck off";
  WritePointer<Cgocheck>(&c_memory[6], obj);
  EXPECT_EQ(CgocheckViolations(), 4u);
}

TEST_F(CgocheckTest, AbortModePrintsAndExitsWithStatus2) {
  EXPECT_EXIT(
      {
        Install(CgocheckMode::kAbort);
        gc::Collector collector(gc_config_);
        gc::MutatorScope mutator(collector);
        uintptr_t obj = NewNode();
        uintptr_t* c_memory =
            static_cast<uintptr_t*>(std::calloc(1, sizeof(uintptr_t)));
        // Between cycles, with nothing marking: Go aborts here too.
        WritePointer<Cgocheck>(c_memory, obj);
        std::free(c_memory);
        std::exit(0);
      },
      ::testing::ExitedWithCode(2),
      "fatal: managed pointer 0x[0-9a-f]+ stored into unmanaged memory at "
      "0x[0-9a-f]+");
}

}  // namespace
}  // namespace barriers
