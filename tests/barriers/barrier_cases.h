// File: tests/barriers/barrier_cases.h
//
// Test parameters drawn from the single lists of barriers and algorithms
// (barriers/barrier_kind.h, barriers/algorithm.h): a barrier added to the
// list is tested without touching the tests.
#ifndef WBBENCH_TESTS_BARRIERS_BARRIER_CASES_H_
#define WBBENCH_TESTS_BARRIERS_BARRIER_CASES_H_

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
      cases.push_back({kind, a.algorithm});
    }
  }
  return cases;
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
