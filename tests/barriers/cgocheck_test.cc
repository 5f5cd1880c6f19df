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
#include "tests/barriers/fake_thread.h"
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

class CgocheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    gc_config_.workers = 0;
    gc::Heap::Init(gc_config_);
  }
  gc::GcConfig gc_config_;
};

TEST_F(CgocheckTest, ReportsOnlyManagedPointersInUnmanagedMemory) {
  gc::Collector collector(gc_config_);
  gc::MutatorScope mutator(collector);
  // cgocheck keeps the barrier on outside marking, as Go does.
  testing::BarrierScope barrier({.kind = BarrierKind::kCgocheck});
  ResetWbBuf(mutator.mutator().p());
  ResetCgocheckViolations();
  ResetFlushCounts();

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
}

TEST_F(CgocheckTest, AbortModePrintsAndExitsWithStatus2) {
  EXPECT_EXIT(
      {
        gc::Collector collector(gc_config_);
        gc::MutatorScope mutator(collector);
        testing::BarrierScope barrier(
            {.kind = BarrierKind::kCgocheck, .cgocheck = CgocheckMode::kAbort});
        ResetWbBuf(mutator.mutator().p());
        uintptr_t obj = NewNode();
        uintptr_t* c_memory =
            static_cast<uintptr_t*>(std::calloc(1, sizeof(uintptr_t)));
        WritePointer<Cgocheck>(c_memory, obj);
      },
      ::testing::ExitedWithCode(2),
      "fatal: managed pointer 0x[0-9a-f]+ stored into unmanaged memory at "
      "0x[0-9a-f]+");
}

}  // namespace
}  // namespace barriers
