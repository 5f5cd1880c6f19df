#include "harness/callgrind_profile.h"

#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace harness {
namespace {

// "0x1abc" (absolute) or "1234" (decimal), as --compress-pos=no prints.
bool ParseAddress(absl::string_view text, uint64_t* out) {
  if (absl::ConsumePrefix(&text, "0x")) {
    return absl::SimpleHexAtoi(text, out);
  }
  return absl::SimpleAtoi(text, out);
}

}  // namespace

absl::StatusOr<CallgrindProfile> CallgrindProfile::Parse(
    absl::string_view text) {
  CallgrindProfile p;
  std::string object = "???", function, callee;
  bool next_is_call = false;
  bool have_totals = false;
  int positions = 1;  // "positions: instr line" makes it 2
  int number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++number;
    auto bad = [&](absl::string_view why) {
      return absl::InvalidArgumentError(absl::StrCat(
          "callgrind profile line ", number, " (", line, "): ", why));
    };
    if (line.empty() || line[0] == '#') continue;
    if (absl::ConsumePrefix(&line, "events:")) {
      p.events_ = absl::StrSplit(line, ' ', absl::SkipEmpty());
      continue;
    }
    if (absl::ConsumePrefix(&line, "positions:")) {
      positions =
          static_cast<int>(std::vector<absl::string_view>(
                               absl::StrSplit(line, ' ', absl::SkipEmpty()))
                               .size());
      continue;
    }
    if (absl::ConsumePrefix(&line, "totals:")) {
      p.totals_.clear();
      for (absl::string_view v : absl::StrSplit(line, ' ', absl::SkipEmpty())) {
        double d;
        if (!absl::SimpleAtod(v, &d)) return bad("bad total");
        p.totals_.push_back(d);
      }
      have_totals = true;
      continue;
    }
    if (absl::ConsumePrefix(&line, "ob=")) {
      object = std::string(line);
      continue;
    }
    if (absl::ConsumePrefix(&line, "fn=")) {
      function = std::string(line);
      continue;
    }
    if (absl::ConsumePrefix(&line, "cfn=")) {
      callee = std::string(line);
      continue;
    }
    if (absl::StartsWith(line, "calls=")) {
      next_is_call = true;
      continue;
    }
    const char c = line[0];
    const bool cost_line = (c >= '0' && c <= '9') || c == '+' || c == '-';
    if (!cost_line) continue;  // other key=value or header lines
    if (c == '+' || c == '-') {
      return bad("compressed position: run callgrind with --compress-pos=no");
    }
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (static_cast<int>(fields.size()) < positions) return bad("too short");
    Line l;
    l.object = object;
    l.function = function;
    if (!ParseAddress(fields[0], &l.address)) return bad("bad position");
    l.cost.assign(p.events_.size(), 0);
    for (size_t i = positions; i < fields.size(); ++i) {
      if (i - positions >= l.cost.size()) return bad("more costs than events");
      if (!absl::SimpleAtod(fields[i], &l.cost[i - positions])) {
        return bad("bad cost");
      }
    }
    l.call = next_is_call;
    if (next_is_call) l.callee = callee;
    next_is_call = false;
    p.lines_.push_back(std::move(l));
  }
  if (p.events_.empty()) {
    return absl::InvalidArgumentError("callgrind profile: no events: line");
  }
  if (!have_totals) {
    p.totals_ = p.SelfCost([](const Line&) { return true; });
  }
  p.totals_.resize(p.events_.size(), 0);
  return p;
}

int CallgrindProfile::EventIndex(absl::string_view event) const {
  for (size_t i = 0; i < events_.size(); ++i) {
    if (events_[i] == event) return static_cast<int>(i);
  }
  return -1;
}

std::vector<double> CallgrindProfile::SelfCost(
    const std::function<bool(const Line&)>& select) const {
  std::vector<double> sum(events_.size(), 0);
  for (const Line& l : lines_) {
    if (l.call || !select(l)) continue;
    for (size_t i = 0; i < sum.size(); ++i) sum[i] += l.cost[i];
  }
  return sum;
}

std::vector<double> CallgrindProfile::CallCost(
    const std::function<bool(const Line&)>& select) const {
  std::vector<double> sum(events_.size(), 0);
  for (const Line& l : lines_) {
    if (!l.call || !select(l)) continue;
    for (size_t i = 0; i < sum.size(); ++i) sum[i] += l.cost[i];
  }
  return sum;
}

}  // namespace harness
