// File: barriers/cardmark_barrier.cc
//
// The cardmark barrier's bulk copy (see cardmark_barrier.h): the single
// stores are generated code.
#include "barriers/cardmark_barrier.h"

#include "barriers/barrier_config.h"
#include "barriers/store.h"
#include "gc/runtime.h"
#include "gc/shade.h"

namespace barriers {

__attribute__((noinline)) void CardmarkBulkPreWrite(uintptr_t* /*dst*/,
                                                    const uintptr_t* src,
                                                    size_t n) {
  gc::P* p = gc::tls_g->m->p;
  if (!ShouldShade(p)) return;
  // A mutator may be storing into src meanwhile: copy it with the loads
  // the copy itself uses, in chunks that bound the stack.
  constexpr size_t kChunk = 256;
  uintptr_t values[kChunk];
  for (size_t i = 0; i < n; i += kChunk) {
    const size_t m = n - i < kChunk ? n - i : kChunk;
    for (size_t k = 0; k < m; ++k) values[k] = LoadPlain(&src[i + k]);
    gc::ShadeBatch(p, values, m, 1);
  }
}

}  // namespace barriers
