// File: tests/workloads/workloads_test.cc
//
// Every workload of the list (workloads/workload_kind.h), at a small scale:
//  - it counts exactly the stores its logic makes (reference_stores.h);
//  - its checksum and store count are the same under every barrier, with
//    cycles scripted so the barrier is on for part of the run, checked by
//    the verifier (none runs with stop-the-world cycles, its only sound
//    pairing);
//  - it loses no object under the checkmark verifier, on 1 and 4 mutators.
#include <ostream>
#include <string>

#include "absl/strings/str_cat.h"
#include "barriers/barrier_kind.h"
#include "gtest/gtest.h"
#include "tests/workloads/reference_stores.h"
#include "tests/workloads/workload_runner.h"
#include "workloads/workload_kind.h"

namespace workloads {

// Names the parameter in test output (found by argument-dependent lookup).
void PrintTo(const WorkloadInfo& info, std::ostream* os) { *os << info.name; }

namespace testing {
namespace {

using barriers::BarrierKind;

// Long enough for several cycles besides the requested ones.
constexpr uint64_t kVerifyOps = 100000;

class WorkloadTest : public ::testing::TestWithParam<WorkloadInfo> {
 protected:
  RunSpec Spec() const {
    RunSpec s;
    s.kind = GetParam().kind;
    return s;
  }
  // No collection at all: what every other run must agree with.
  RunResult Baseline(uint64_t ops = RunSpec().ops) const {
    RunSpec s = Spec();
    s.ops = ops;
    s.barrier = BarrierKind::kNone;
    s.mode = gc::GcMode::kOff;
    return RunWorkload(s);
  }
};

// Cycles ran, the verifier lost nothing, and thread 0 ended with the
// baseline's data after the baseline's stores.
void ExpectCollectedAndAgrees(const RunResult& r, const RunResult& base) {
  EXPECT_GT(r.cycles, 0u);
  EXPECT_EQ(r.lost, 0u);
  EXPECT_EQ(r.checksums[0], base.checksums[0]);
  EXPECT_EQ(r.counts[0].stores, base.counts[0].stores);
}

TEST_P(WorkloadTest, CountsTheStoresItsLogicMakes) {
  const RunSpec s = Spec();
  const RunResult r = Baseline();
  const Params params{s.seed, s.scale};
  EXPECT_EQ(r.counts[0].ops, s.ops);
  EXPECT_EQ(r.counts[0].stores, ReferenceStores(s.kind, params, s.ops));
  EXPECT_GT(r.counts[0].stores, 0u);
  EXPECT_EQ(r.counts[0].barriered, 0u);
}

TEST_P(WorkloadTest, SameChecksumAndStoresUnderEveryBarrier) {
  const RunResult base = Baseline();
  for (const barriers::BarrierInfo& info : barriers::AllBarriers()) {
    const BarrierKind barrier = info.kind;
    SCOPED_TRACE(std::string(info.name));
    RunSpec s = Spec();
    s.barrier = barrier;
    s.mode = info.traits.sound ? gc::GcMode::kConcurrent : gc::GcMode::kStw;
    s.scripted = true;
    s.verify = true;
    const RunResult r = RunWorkload(s);
    ExpectCollectedAndAgrees(r, base);
    if (barrier == BarrierKind::kNone) {
      EXPECT_EQ(r.counts[0].barriered, 0u);
    } else {
      EXPECT_GT(r.counts[0].barriered, 0u);
      EXPECT_LE(r.counts[0].barriered, r.counts[0].stores);
    }
    EXPECT_EQ(r.cgocheck_violations, 0u);
  }
}

TEST_P(WorkloadTest, LosesNothingUnderVerifyOnOneAndFourMutators) {
  const RunResult base = Baseline(kVerifyOps);
  for (gc::GcMode mode : {gc::GcMode::kContinuous, gc::GcMode::kIncremental}) {
    for (int threads : {1, 4}) {
      SCOPED_TRACE(absl::StrCat(
          threads, " mutators, ",
          mode == gc::GcMode::kIncremental ? "incremental" : "continuous"));
      RunSpec s = Spec();
      s.mode = mode;
      s.threads = threads;
      s.verify = true;
      s.gogc = 10;
      s.ops = kVerifyOps;
      // Thread 0 runs the baseline's seed (the others run their own).
      ExpectCollectedAndAgrees(RunWorkload(s), base);
    }
  }
}

std::string Name(const ::testing::TestParamInfo<WorkloadInfo>& info) {
  std::string name(info.param.name);
  for (char& c : name) {
    if (c == '-') c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(AllWorkloads, WorkloadTest,
                         ::testing::ValuesIn(AllWorkloads().begin(),
                                             AllWorkloads().end()),
                         Name);

}  // namespace
}  // namespace testing
}  // namespace workloads
