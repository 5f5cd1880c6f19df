// File: harness/callgrind_profile.h
//
// Reads the profile callgrind writes (its "callgrind format"), as
// --counters=valgrind runs it: --dump-instr=yes (a cost line per
// instruction address), --compress-strings=no and --compress-pos=no (every
// name and address spelled out).  What the harness asks of it:
//  - the totals of each event (Ir, Dr, Dw, D1mr, ...);
//  - the self cost at an instruction address: the generated barrier has no
//    symbol, so its instructions are found by address (barrier_jit.h keeps
//    every instruction's offset and whether the fast path runs it);
//  - the inclusive cost of calls: made from an address range (the JIT
//    code's call of the flush) or into a named function (the unbuffered
//    barrier's writebarrierptr, the bulk barriers).
// Addresses are as callgrind prints them: absolute for code outside any
// mapped object file (the JIT code), relative to the object's load address
// otherwise; each line names the object it belongs to.
#ifndef WBBENCH_HARNESS_CALLGRIND_PROFILE_H_
#define WBBENCH_HARNESS_CALLGRIND_PROFILE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace harness {

class CallgrindProfile {
 public:
  // One cost line: the instruction it belongs to and its costs, one per
  // event (missing trailing costs are 0, as the format says).
  struct Line {
    std::string object;    // ob=, the mapped file ("???" when none)
    std::string function;  // fn=
    uint64_t address = 0;  // the instruction (for a call: the call)
    std::vector<double> cost;
    // A call's inclusive cost (a line after calls=): the callee's name.
    bool call = false;
    std::string callee;
  };

  // InvalidArgument names the line that does not parse.
  static absl::StatusOr<CallgrindProfile> Parse(absl::string_view text);

  const std::vector<std::string>& events() const { return events_; }
  // The index of `event` in events(), or -1.
  int EventIndex(absl::string_view event) const;
  // The totals line, or the sum of the self costs when there is none.
  const std::vector<double>& totals() const { return totals_; }
  const std::vector<Line>& lines() const { return lines_; }

  // Sums over the lines `select` picks: their self cost (lines that are not
  // calls), or the inclusive cost of their calls.
  std::vector<double> SelfCost(
      const std::function<bool(const Line&)>& select) const;
  std::vector<double> CallCost(
      const std::function<bool(const Line&)>& select) const;

 private:
  std::vector<std::string> events_;
  std::vector<double> totals_;
  std::vector<Line> lines_;
};

}  // namespace harness

#endif  // WBBENCH_HARNESS_CALLGRIND_PROFILE_H_
