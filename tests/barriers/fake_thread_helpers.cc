#include "tests/barriers/fake_thread.h"

namespace barriers::testing {

// Out of line: GCC 12's -fsanitize=null miscompiles the store to the extern
// thread_local gc::tls_g in some inlined copies of this constructor (it
// tests the weak TLS-init symbol instead of the address).
FakeThread::FakeThread() {
  g_.m = &m_;
  m_.p = &p_;
  saved_ = gc::tls_g;
  gc::tls_g = &g_;
  // A P made without a Mutator: the installed barrier's buffer geometry.
  const BarrierConfig& installed = InstalledBarrier();
  p_.wb_buf.Init(BufferEntries(installed), EntryPointers(installed.algorithm));
}

FakeThread::~FakeThread() { gc::tls_g = saved_; }

}  // namespace barriers::testing
