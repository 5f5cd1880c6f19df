// File: tests/barriers/fake_thread.h
//
// A G, M and P wired together and entered on the calling thread (tls_g),
// without a collector: enough to run any barrier's fast path and flush.
// With no collector the flush never shades (ShouldShade is false), so these
// tests need no heap; tests that need marking use gc::MutatorScope instead.
// Also: a scope that turns gc::write_barrier_enabled on and installs a
// barrier configuration, restoring both on exit.
#ifndef WBBENCH_TESTS_BARRIERS_FAKE_THREAD_H_
#define WBBENCH_TESTS_BARRIERS_FAKE_THREAD_H_

#include <atomic>

#include "barriers/barrier_config.h"
#include "gc/runtime.h"
#include "gtest/gtest.h"

namespace barriers::testing {

class FakeThread {
 public:
  FakeThread();
  ~FakeThread();
  FakeThread(const FakeThread&) = delete;
  FakeThread& operator=(const FakeThread&) = delete;

  gc::G& g() { return g_; }
  gc::M& m() { return m_; }
  gc::P& p() { return p_; }
  size_t BufferedWords() const {
    return static_cast<size_t>(p_.wb_buf.next - p_.wb_buf.buf);
  }

 private:
  gc::G g_;
  gc::M m_;
  gc::P p_;
  gc::G* saved_ = nullptr;
};

// Installs `config` and enables the barrier for the scope.
class BarrierScope {
 public:
  explicit BarrierScope(const BarrierConfig& config)
      : saved_(InstalledBarrier()) {
    EXPECT_TRUE(InstallBarrier(config).ok());
    gc::write_barrier_enabled.store(1, std::memory_order_relaxed);
  }
  ~BarrierScope() {
    gc::write_barrier_enabled.store(0, std::memory_order_relaxed);
    EXPECT_TRUE(InstallBarrier(saved_).ok());
  }
  BarrierScope(const BarrierScope&) = delete;
  BarrierScope& operator=(const BarrierScope&) = delete;

 private:
  BarrierConfig saved_;
};

}  // namespace barriers::testing

#endif  // WBBENCH_TESTS_BARRIERS_FAKE_THREAD_H_
