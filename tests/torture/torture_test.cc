// File: tests/torture/torture_test.cc
//
// The torture matrix, CI mode: every sound configuration verifies
// kShortCycles cycles and loses nothing; every unsound one loses objects
// within the same budget (the counterpart that shows the first check can
// fail).  The program and its seed are the same for all of them.
#include "tests/torture/torture.h"

#include <set>
#include <string>

#include "gtest/gtest.h"

namespace torture {
namespace {

std::string ConfigName(const ::testing::TestParamInfo<Config>& info) {
  std::string name = info.param.name;
  for (char& ch : name) {
    if (ch == '-' || ch == '/') ch = '_';
  }
  return name;
}

Options CiOptions() {
  Options o;
  o.cycles = kShortCycles;
  o.mutators = 4;
  o.seed = 1;
  return o;
}

class SoundTortureTest : public ::testing::TestWithParam<Config> {};

TEST_P(SoundTortureTest, LosesNothingOverVerifiedCycles) {
  const Options o = CiOptions();
  const Result r = torture::Run(GetParam(), o);
  EXPECT_FALSE(r.timed_out) << Describe(GetParam(), r);
  EXPECT_GE(r.verified, o.cycles) << Describe(GetParam(), r);
  EXPECT_EQ(r.lost, 0u) << Describe(GetParam(), r);
  EXPECT_EQ(r.accounting_errors, 0u) << Describe(GetParam(), r);
  // The adversary made every move the configuration allows.
  EXPECT_TRUE(Tried(GetParam(), r)) << Describe(GetParam(), r);
  EXPECT_GT(r.bulk_copies, 0u) << Describe(GetParam(), r);
  EXPECT_GT(r.large_objects, 0u) << Describe(GetParam(), r);
  // (Workers stopped mid-drain, r.worker_interrupts, depend on timing: the
  // scripted HardeningWorkerTest makes that happen deterministically.)
  EXPECT_TRUE(Passed(GetParam(), o, r)) << Describe(GetParam(), r);
  EXPECT_GE(r.gogc, kMinGogc);
  EXPECT_LE(r.gogc, kMaxGogc);
}

INSTANTIATE_TEST_SUITE_P(Matrix, SoundTortureTest,
                         ::testing::ValuesIn(SoundConfigs()), ConfigName);

class UnsoundTortureTest : public ::testing::TestWithParam<Config> {};

TEST_P(UnsoundTortureTest, VerifierCatchesLostObjects) {
  const Options o = CiOptions();
  const Result r = torture::Run(GetParam(), o);
  EXPECT_GT(r.lost, 0u) << Describe(GetParam(), r);
  EXPECT_LE(r.first_lossy_cycle, o.cycles) << Describe(GetParam(), r);
}

INSTANTIATE_TEST_SUITE_P(Matrix, UnsoundTortureTest,
                         ::testing::ValuesIn(UnsoundConfigs()), ConfigName);

TEST(TortureConfigTest, EveryConfigurationHasAUniqueName) {
  const std::vector<Config> all = AllConfigs();
  for (size_t i = 0; i < all.size(); ++i) {
    ASSERT_TRUE(ConfigFromName(all[i].name).has_value()) << all[i].name;
    for (size_t j = i + 1; j < all.size(); ++j) {
      EXPECT_NE(all[i].name, all[j].name);
    }
  }
  EXPECT_FALSE(ConfigFromName("buffered/no-such").has_value());
}

TEST(TortureConfigTest, GogcIsDrawnInTheIssuesRange) {
  Options o;
  std::set<int> seen;
  for (const Config& c : AllConfigs()) {
    for (uint32_t seed = 0; seed < 20; ++seed) {
      o.seed = seed;
      const int gogc = GogcFor(c, o);
      EXPECT_GE(gogc, kMinGogc);
      EXPECT_LE(gogc, kMaxGogc);
      seen.insert(gogc);
    }
  }
  EXPECT_GT(seen.size(), 30u);  // the matrix covers the range
  o.gogc = 17;
  EXPECT_EQ(GogcFor(AllConfigs()[0], o), 17);
}

}  // namespace
}  // namespace torture
