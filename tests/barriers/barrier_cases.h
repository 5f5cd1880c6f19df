// File: tests/barriers/barrier_cases.h
//
// Test parameters drawn from the single lists of barriers and algorithms
// (barriers/barrier_kind.h, barriers/algorithm.h): a barrier added to the
// list is tested without touching the tests.
#ifndef WBBENCH_TESTS_BARRIERS_BARRIER_CASES_H_
#define WBBENCH_TESTS_BARRIERS_BARRIER_CASES_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "barriers/algorithm.h"
#include "barriers/barrier_kind.h"
#include "gtest/gtest.h"

namespace barriers::testing {

struct Case {
  BarrierKind kind;
  Algorithm algorithm;
};

inline void PrintTo(const Case& c, std::ostream* os) {
  *os << BarrierName(c.kind) << "/" << InfoFor(c.algorithm).name;
}

// Every (barrier, algorithm), or those of the given kinds.
inline std::vector<Case> Cases(std::vector<BarrierKind> kinds = {}) {
  if (kinds.empty()) {
    for (const BarrierInfo& b : AllBarriers()) kinds.push_back(b.kind);
  }
  std::vector<Case> cases;
  for (BarrierKind kind : kinds) {
    for (const AlgorithmInfo& a : AllAlgorithms()) {
      if (Supports(kind, a.algorithm)) cases.push_back({kind, a.algorithm});
    }
  }
  return cases;
}

// What one store of `value` over `old` records (Record<A>, chosen at run
// time): the model the generated code and every call site are checked
// against.
inline std::vector<uintptr_t> Entry(Algorithm a, uintptr_t value, uintptr_t old,
                                    bool stack_black) {
  std::vector<uintptr_t> out(EntryPointers(a));
  switch (a) {
#define WBBENCH_RECORD_CASE(e, name, o, nw, policy, doc)       \
  case Algorithm::e:                                           \
    Record<Algorithm::e>(old, value, stack_black, out.data()); \
    break;
    WBBENCH_FOR_EACH_ALGORITHM(WBBENCH_RECORD_CASE)
#undef WBBENCH_RECORD_CASE
  }
  return out;
}

inline std::string CaseName(const ::testing::TestParamInfo<Case>& info) {
  std::string name = absl::StrCat(BarrierName(info.param.kind), "_",
                                  InfoFor(info.param.algorithm).name);
  for (char& ch : name) {
    if (ch == '-') ch = '_';
  }
  return name;
}

}  // namespace barriers::testing

#endif  // WBBENCH_TESTS_BARRIERS_BARRIER_CASES_H_
