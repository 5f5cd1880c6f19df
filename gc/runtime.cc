#include "gc/runtime.h"

namespace gc {

thread_local G* tls_g __attribute__((tls_model("initial-exec"))) = nullptr;
std::atomic<uint8_t> write_barrier_enabled{0};

}  // namespace gc
