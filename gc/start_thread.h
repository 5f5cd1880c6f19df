// File: gc/start_thread.h
//
// Starting the runtime's and the harness's threads (mark workers, the
// coordinator, the sweeper, mutators).  std::thread throws std::system_error
// when the system cannot create one (too many threads, no memory for its
// stack); unwinding past other joinable threads would end in
// std::terminate.  StartThread turns that into one line on stderr naming
// the thread and the reason, and exit status 1, as the heap limit does.
#ifndef WBBENCH_GC_START_THREAD_H_
#define WBBENCH_GC_START_THREAD_H_

#include <cstdio>
#include <cstdlib>
#include <system_error>
#include <thread>
#include <utility>

namespace gc {

template <class F>
std::thread StartThread(const char* what, F&& f) {
  try {
    return std::thread(std::forward<F>(f));
  } catch (const std::system_error& e) {
    std::fprintf(stderr, "wbbench: cannot create a thread for %s: %s\n", what,
                 e.what());
    std::fflush(nullptr);
    std::_Exit(1);
  }
}

}  // namespace gc

#endif  // WBBENCH_GC_START_THREAD_H_
