// File: barriers/barrier_dump.h
//
// `wbbench --dump-barrier=NAME`: the generated machine code of a JIT barrier
// (buffered, cgocheck, batched) for one algorithm, as hex, as a disassembly
// from `objdump -D -b binary -mi386:x86-64` when objdump is installed (the
// generator's pseudo-C comment beside each instruction), and with its
// instruction counts: on the fast path (a store that does not fill the
// buffer) and in all.  Without objdump, each instruction's bytes are listed
// with its comment.
#ifndef WBBENCH_BARRIERS_BARRIER_DUMP_H_
#define WBBENCH_BARRIERS_BARRIER_DUMP_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "barriers/algorithm.h"
#include "barriers/barrier_kind.h"

namespace barriers {

// `name` is a --barrier name.  InvalidArgument for unknown names and for
// barriers that are not generated code (unbuffered, none).  `filter` is
// --filter (EffectiveFilter picks the function).
absl::StatusOr<std::string> DumpBarrier(absl::string_view name,
                                        Algorithm algorithm,
                                        Filter filter = Filter::kNone);

}  // namespace barriers

#endif  // WBBENCH_BARRIERS_BARRIER_DUMP_H_
