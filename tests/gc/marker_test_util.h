// File: tests/gc/marker_test_util.h
//
// Test-side helpers for the marker tests.
//
// TestStore is a reference write barrier that does exactly what every real
// barrier does (barriers/ is tested separately): if write_barrier_enabled,
// record what the algorithm records (barriers::Record<A>) into the P's wb_buf,
// flush through gc::ShadeBatch when full; then store.  The slot is written
// atomically because the marker reads heap slots concurrently; with release, so
// that mutators that pick the pointer up (acquire loads) see the object's
// initialisation (a relaxed publication is a data race under TSan).
#ifndef WBBENCH_TESTS_GC_MARKER_TEST_UTIL_H_
#define WBBENCH_TESTS_GC_MARKER_TEST_UTIL_H_

#include <atomic>
#include <cstdint>

#include "barriers/algorithm.h"
#include "gc/heap.h"
#include "gc/runtime.h"
#include "gc/shade.h"
#include "gc/type_descriptor.h"

namespace gc::testing {

// What the reference barrier records: the algorithms' one statement of it
// (barriers::Record<A>, barriers/algorithm.h).
using Shades = barriers::Algorithm;

template <Shades kShades = Shades::kHybrid>
inline void TestStore(uintptr_t* slot, uintptr_t value) {
  if (write_barrier_enabled.load(std::memory_order_relaxed)) {
    P* p = tls_g->m->p;
    WbBuf& b = p->wb_buf;
    barriers::RecordStore<kShades>(slot, value, b.next);
    b.next += barriers::EntryPointers(kShades);
    if (b.next >= b.end) {
      ShadeBatch(p, b.buf, static_cast<size_t>(b.next - b.buf),
                 barriers::EntryPointers(kShades));
      b.next = b.buf;
    }
  }
  // Release: a thread that loads `value` (acquire, Field) must see the
  // object's initialisation, including the sweeper's zeroing.
  __atomic_store_n(slot, value, __ATOMIC_RELEASE);
}

// A graph node: four pointer fields and a payload word.
struct Node {
  uintptr_t f[4];
  uint64_t payload;
};
inline constexpr int kNodeFields = 4;

inline const Type& NodeType() {
  static const Type* t = new Type("Node", sizeof(Node), {0, 8, 16, 24});
  return *t;
}
inline const Type& BlobType() {
  static const Type* t = new Type("Blob", 64, {});
  return *t;
}

inline uintptr_t Field(uintptr_t node, int i) {
  return __atomic_load_n(&reinterpret_cast<Node*>(node)->f[i],
                         __ATOMIC_ACQUIRE);
}
inline uintptr_t* FieldSlot(uintptr_t node, int i) {
  return &reinterpret_cast<Node*>(node)->f[i];
}
inline bool IsMarked(uintptr_t p) {
  const ObjectRef ref = FindObject(p);
  return ref && ref.IsMarked();
}

}  // namespace gc::testing

#endif  // WBBENCH_TESTS_GC_MARKER_TEST_UTIL_H_
