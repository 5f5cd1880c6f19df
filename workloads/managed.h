// File: workloads/managed.h
//
// What every workload needs to hold managed objects and to be built for a
// barrier:
//  - Word / Ptr: the conversions between a managed pointer and the word a
//    root slot (gc::RootFrame, gc::GlobalSlots) holds;
//  - PointerArrayType: the element type of a managed array of pointers (Go's
//    []*T backing array), allocated with gc::Allocate(PointerArrayType(), n);
//  - MakeFor<W>: the body of a Make<WorkloadKind> specialisation, W<B> being
//    the workload class template instantiated for barrier policy B.
#ifndef WBBENCH_WORKLOADS_MANAGED_H_
#define WBBENCH_WORKLOADS_MANAGED_H_

#include <cstdint>
#include <memory>

#include "barriers/registry.h"
#include "gc/type_descriptor.h"
#include "workloads/workload.h"

namespace workloads {

template <class T>
uintptr_t Word(T* p) {
  return reinterpret_cast<uintptr_t>(p);
}
template <class T>
T* Ptr(uintptr_t w) {
  return reinterpret_cast<T*>(w);
}

inline const gc::Type& PointerArrayType() {
  static const gc::Type type("workloads.pointer", sizeof(void*), {0});
  return type;
}

template <template <class> class W>
std::unique_ptr<Workload> MakeFor(barriers::BarrierKind barrier,
                                  barriers::Algorithm algorithm,
                                  const Params& params) {
  return barriers::WithBarrier(barrier, algorithm,
                               [&]<class B>() -> std::unique_ptr<Workload> {
                                 return std::make_unique<W<B>>(params);
                               });
}

}  // namespace workloads

#endif  // WBBENCH_WORKLOADS_MANAGED_H_
