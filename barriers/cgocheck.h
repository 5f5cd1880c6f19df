// File: barriers/cgocheck.h
//
// Go's cgocheck=2 (cgoCheckWriteBarrier): catch a managed pointer stored
// into memory the collector cannot see.  A pointer that lands outside the
// managed heap, the shadow stacks and the globals area is invisible to the
// marker, so the object it keeps alive may be freed under it.
//
// The `cgocheck` barrier is the buffered barrier with the buffer's end one
// entry past its start (barriers/barrier_config.h), so every store reaches
// WbBufFlush, which passes the store's slot and value here.  This is why
// cgocheck is slow: the check itself is cheap, but every store pays a full
// flush (register save, C++ call), as it did in Go.
//
// What counts as managed: `value` is a pointer into an in-use heap span;
// `slot` is managed if it lies in a heap span, in the globals area, or in
// the current mutator's shadow stack.  Stores of nil and non-heap values are
// never reported.
#ifndef WBBENCH_BARRIERS_CGOCHECK_H_
#define WBBENCH_BARRIERS_CGOCHECK_H_

#include <cstdint>

namespace barriers {

// Checks the store `*slot = value` (not yet done).  On a violation, counts
// it, or under CgocheckMode::kAbort prints
//   fatal: managed pointer 0x... stored into unmanaged memory at 0x...
// on stderr and exits with status 2.
void CgocheckStore(const uintptr_t* slot, uintptr_t value);

// Whether generated code's stores into `slot` are visible to the marker.
bool IsManagedSlot(const uintptr_t* slot);

// Violations counted since the last reset (CgocheckMode::kCount).
uint64_t CgocheckViolations();
void ResetCgocheckViolations();

}  // namespace barriers

#endif  // WBBENCH_BARRIERS_CGOCHECK_H_
