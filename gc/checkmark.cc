// File: gc/checkmark.cc
//
// The verifier's trace; see checkmark.h.
#include "gc/checkmark.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_format.h"
#include "gc/heap.h"

namespace gc {

CheckmarkResult Checkmark(const std::vector<uintptr_t>& roots,
                          uint64_t shaded_bytes, uint64_t black_bytes) {
  CheckmarkResult r;
  r.ran = true;
  r.shaded_bytes = shaded_bytes;
  r.black_bytes = black_bytes;
  r.marked_bytes = Heap::Get().CountMarkedBytes();

  absl::flat_hash_set<uintptr_t> seen;
  std::vector<uintptr_t> stack;
  // `from`: the slot that held p (0 for a root).
  auto visit = [&](uintptr_t p, uintptr_t from) {
    const ObjectRef ref = FindObject(p);
    if (!ref) return;
    if (ref.span->IsFree(ref.index)) {
      // Go's "found pointer to free object": the program holds a pointer
      // the sweep already freed.  Nothing to trace: its bytes are old.
      ++r.dangling_pointers;
      if (r.first_dangling.size() < kCheckmarkReportLost) {
        r.first_dangling.push_back({p, from});
      }
      return;
    }
    if (!seen.insert(ref.base).second) return;
    ++r.reachable_objects;
    r.reachable_bytes += ref.size();
    if (!ref.IsMarked()) {
      ++r.lost_objects;
      r.lost_bytes += ref.size();
      // Keep it: the sweep must not free a reachable object, so that an
      // unsound demonstration can go on running (and counting) safely.
      ref.TryMark();
      if (r.first_lost.size() < kCheckmarkReportLost) {
        const Type* t = ref.span->TypeAt(ref.base).type;
        r.first_lost.push_back({ref.base, ref.span->base, ref.size(),
                                t ? t->name() : std::string("noscan")});
      }
    }
    if (!ref.noscan()) stack.push_back(ref.base);
  };
  for (uintptr_t root : roots) visit(root, 0);
  while (!stack.empty()) {
    const uintptr_t base = stack.back();
    stack.pop_back();
    ForEachPointerSlot(FindObject(base), [&](uintptr_t* slot) {
      const uintptr_t v = LoadSlot(slot);
      if (v != 0) visit(v, reinterpret_cast<uintptr_t>(slot));
    });
  }
  return r;
}

std::string CheckmarkResult::ToString() const {
  std::string s = absl::StrFormat(
      "checkmark cycle %d: %d reachable objects (%d bytes), %d lost (%d "
      "bytes); marked %d bytes = shaded %d + allocated black %d%s",
      cycle, reachable_objects, reachable_bytes, lost_objects, lost_bytes,
      marked_bytes, shaded_bytes, black_bytes,
      accounting_ok() ? "" : " (ACCOUNTING MISMATCH)");
  if (dangling_pointers != 0) {
    absl::StrAppendFormat(&s, "; %d pointers to free objects",
                          dangling_pointers);
  }
  for (const DanglingPointer& d : first_dangling) {
    absl::StrAppendFormat(&s, "\n  pointer %#x to a free object, held %s",
                          d.pointer,
                          d.slot == 0 ? std::string("by a root")
                                      : absl::StrFormat("at %#x", d.slot));
  }
  for (const LostObject& o : first_lost) {
    absl::StrAppendFormat(&s,
                          "\n  lost object %#x (%d bytes, type %s) in "
                          "span %#x",
                          o.address, o.size, o.type, o.span_base);
  }
  return s;
}

}  // namespace gc
