// File: gc/mutator.cc
//
// Mutator construction and the thread-facing entry points; the scheduling
// decisions live in Collector (gc/collector.cc), which owns the lock.
#include "gc/mutator.h"

#include <cstdio>
#include <cstdlib>

#include "gc/collector.h"

namespace gc {

Mutator::Mutator(Collector& collector, size_t stack_slots)
    : collector_(collector), stack_(stack_slots) {
  g_.m = &m_;
  g_.mutator = this;
  m_.p = &p_;
  p_.collector = &collector;
  p_.wb_buf.Init(collector.config().wbbuf_entries,
                 collector.config().wbbuf_entry_pointers);
  p_.mcache = mcache_.get();
  p_.tally_shading = collector.config().tally_shading;
  p_.time_flush = collector.config().time_flush;
  collector.Register(&g_);
}

Mutator::~Mutator() {
  if (tls_g == &g_) {
    std::fprintf(stderr, "wbbench: Mutator destroyed while entered\n");
    std::abort();
  }
  collector_.Unregister(&g_);
}

void Mutator::Enter() {
  if (tls_g != nullptr) {
    std::fprintf(stderr, "wbbench: a thread entered two mutators\n");
    std::abort();
  }
  tls_g = &g_;
  collector_.Unpark(&g_);
}

void Mutator::Leave() {
  collector_.Park(&g_);
  tls_g = nullptr;
}

void SafepointSlow() {
  G* g = tls_g;
  g->mutator->collector().SafepointSlow(g);
}

void Gosched() {
  Safepoint();
  G* g = tls_g;
  Collector& c = g->mutator->collector();
  if (c.config().mode == GcMode::kIncremental) c.IncrementalStep(g);
}

void Park() {
  G* g = tls_g;
  g->mutator->collector().Park(g);
}

void Unpark() {
  G* g = tls_g;
  g->mutator->collector().Unpark(g);
}

void AllocateSlow(P* p) {
  int64_t bytes = p->alloc_since_check;
  p->alloc_since_check = 0;
  p->collector->OnAllocate(p, bytes);
}

}  // namespace gc
