// File: gc/shadow_stack.cc
//
// Shadow stack allocation and its failure path; see shadow_stack.h.
#include "gc/shadow_stack.h"

#include <cstdio>
#include <cstdlib>

#include "gc/mutator.h"

namespace gc {

ShadowStack::ShadowStack(size_t capacity)
    : capacity_(capacity), slots_(new uintptr_t[capacity]) {}

void ShadowStack::Overflow(size_t n) const {
  std::fprintf(stderr,
               "wbbench: shadow stack overflow: %zu slots in use, %zu more "
               "requested, capacity %zu\n",
               size(), n, capacity_);
  std::abort();
}

ShadowStack& CurrentShadowStack() { return CurrentMutator()->stack(); }

}  // namespace gc
