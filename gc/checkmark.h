// File: gc/checkmark.h
//
// The verifier (--verify; Go's GODEBUG=gccheckmark=1, runtime/mcheckmark.go).
//
// At mark termination, with the world stopped and the mark complete, trace
// the whole heap again from every root (globals and all shadow stacks) with a
// separate mark set, sequentially.  Every object this trace reaches must
// carry the concurrent mark's bit; one that does not is lost: the sweep would
// free it while it is reachable.  The result counts lost objects and keeps
// the first few (address, span, type) for the report.
//
// Accounting check.  Every mark bit set this cycle was set either by shading
// (counted by the marker) or by allocate-black (counted by the caches), and
// never by both, so
//     bytes with a mark bit == shaded bytes + allocated-black bytes
// must hold exactly.  The marked heap also includes floating garbage
// (objects marked, then dropped during the cycle), so reachable bytes are at
// most the marked bytes; with no mutation during the cycle (kStw mode, or a
// quiescent test) reachable bytes equal shaded bytes plus allocated-black
// bytes of reachable new objects.
//
// Repair.  The verifier sets the mark bit of every lost object it finds
// (after counting it), so the sweep does not free memory the program still
// reaches: an unsound configuration can keep running and be caught again.
// The repaired bytes are reported as lost_bytes.
//
// The separate mark set is a hash set of object bases: the verifier is for
// correctness runs, not for speed, and it leaves the heap's bitmaps alone.
#ifndef WBBENCH_GC_CHECKMARK_H_
#define WBBENCH_GC_CHECKMARK_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace gc {

// Lost objects kept with details in a report.
inline constexpr size_t kCheckmarkReportLost = 8;

struct LostObject {
  uintptr_t address = 0;
  uintptr_t span_base = 0;
  size_t size = 0;
  std::string type;
};

struct DanglingPointer {
  uintptr_t pointer = 0;
  uintptr_t slot = 0;  // where it was found; 0 for a root
};

struct CheckmarkResult {
  uint64_t cycle = 0;
  bool ran = false;
  uint64_t reachable_objects = 0;
  uint64_t reachable_bytes = 0;
  uint64_t lost_objects = 0;
  uint64_t lost_bytes = 0;
  uint64_t marked_bytes = 0;  // bytes with a mark bit, from the bitmaps
  uint64_t shaded_bytes = 0;  // counted by the marker
  uint64_t black_bytes = 0;   // counted by allocate-black
  std::vector<LostObject> first_lost;
  // Reachable pointers to free slots (Go's "found pointer to free object"):
  // the program kept a pointer past its object's sweep.
  uint64_t dangling_pointers = 0;
  std::vector<DanglingPointer> first_dangling;

  bool accounting_ok() const {
    return marked_bytes == shaded_bytes + black_bytes &&
           reachable_bytes <= marked_bytes + lost_bytes;
  }
  bool ok() const {
    return lost_objects == 0 && dangling_pointers == 0 && accounting_ok();
  }
  // One line, plus one line per lost object kept.
  std::string ToString() const;
};

// Traces from `roots` (world stopped, heap not sweeping) and compares with
// the heap's mark bits.  `shaded_bytes` and `black_bytes` are the cycle's
// counters; the caller has flushed every allocation cache.
CheckmarkResult Checkmark(const std::vector<uintptr_t>& roots,
                          uint64_t shaded_bytes, uint64_t black_bytes);

}  // namespace gc

#endif  // WBBENCH_GC_CHECKMARK_H_
