// wbbench's command line, tested as a user runs it: every class of bad value
// exits with status 2 and one line naming the value and what is accepted.
#include "harness/options.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "subprocess.h"

namespace {

using testing_util::RunCommand;
using testing_util::WbbenchBinary;

struct BadFlag {
  std::string args;
  std::string must_mention;  // the bad value and part of what is accepted.
  std::string accepted;
};

void PrintTo(const BadFlag& f, std::ostream* os) { *os << f.args; }

class BadFlagTest : public ::testing::TestWithParam<BadFlag> {};

TEST_P(BadFlagTest, ExitsTwoWithOneLine) {
  const BadFlag& c = GetParam();
  auto r = RunCommand(WbbenchBinary() + " " + c.args);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_TRUE(absl::StrContains(r.err, c.must_mention)) << r.err;
  EXPECT_TRUE(absl::StrContains(r.err, c.accepted)) << r.err;
  EXPECT_EQ(r.out, "");
}

// --heap-limit above what the machine can map (here ulimit -v) is refused
// up front, naming the machine's figure.
TEST(HeapLimitTest, AboveWhatTheMachineCanMapIsRefused) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "a sanitized wbbench cannot start under ulimit -v";
#else
  auto r = RunCommand("ulimit -v 2000000; " + WbbenchBinary() +
                      " --heap-limit=3GiB --workload=list-queue");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(absl::StrContains(r.err, "1953 MiB")) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
#endif
}

INSTANTIATE_TEST_SUITE_P(
    EachClass, BadFlagTest,
    ::testing::Values(
        BadFlag{"--barrier=nonsense", "'nonsense'",
                "unbuffered, buffered, cgocheck, batched, cardmark, none"},
        BadFlag{"--barrier=buffered,buffered", "'buffered'", "twice"},
        BadFlag{"--workload=nope", "'nope'", "tree-reverse"},
        BadFlag{"--algorithm=steele", "'steele'", "hybrid, dijkstra"},
        // A kind that runs one algorithm gets it only when none is named.
        BadFlag{"--barrier=satb --algorithm=hybrid", "--algorithm=hybrid",
                "accepted: yuasa"},
        BadFlag{"--filter=twice", "'twice'", "none, nil, same"},
        BadFlag{"--barrier=unbuffered --filter=nil", "--filter=nil",
                "--barrier=buffered"},
        BadFlag{"--threads=-1", "'-1'", "from 1 to 256"},
        BadFlag{"--threads=two", "'two'", "from 1 to 256"},
        BadFlag{"--duration=abc", "'abc'", "10ms to 10m"},
        BadFlag{"--duration=-1s", "'-1s'", "10ms to 10m"},
        BadFlag{"--repetitions=0", "'0'", "from 1 to 1000"},
        BadFlag{"--gc=sometimes", "'sometimes'", "concurrent, continuous"},
        BadFlag{"--gogc=0", "'0'", "or off"},
        BadFlag{"--gc-workers=x", "'x'", "or auto"},
        BadFlag{"--format=xml", "'xml'", "console, json, csv, go"},
        BadFlag{"--wbbuf-entries=2000", "'2000'", "from 1 to 1024"},
        BadFlag{"--heap-limit=lots", "'lots'", "MiB"},
        BadFlag{"--scale=0", "'0'", "0.001 to 1000"},
        BadFlag{"--seed=-3", "'-3'", "unsigned"},
        BadFlag{"--cgocheck=maybe", "'maybe'", "count, abort"},
        BadFlag{"--scavenge=sometimes", "'sometimes'", "accepted: on, off"},
        BadFlag{"--dump-barrier=unbuffered", "'unbuffered'", "buffered"},
        BadFlag{"--verify=perhaps", "'perhaps'", "true, false"},
        BadFlag{"--out=/no-such-dir/run.json", "'/no-such-dir/run.json'",
                "writable directory"},
        BadFlag{"--out=/tmp", "it is a directory", "writable directory"},
        BadFlag{"--heap-limit=1000000GiB", "'1000000GiB'",
                "accepted: a size up to"},
        BadFlag{"--out=/etc/passwd/run.json", "not a directory",
                "writable directory"},
        BadFlag{"--no-such-flag", "--no_such_flag", "--help"},
        BadFlag{"stray", "'stray'", "--flags"},
        BadFlag{"--barrier", "--barrier", "VALUE"}),
    [](const ::testing::TestParamInfo<BadFlag>& info) {
      std::string name = absl::StrCat(info.index, "_");
      for (char c : info.param.args) name += absl::ascii_isalnum(c) ? c : '_';
      return name;
    });

TEST(OptionsTest, ListNamesEveryBarrierAndWorkload) {
  auto r = RunCommand(WbbenchBinary() + " --list");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const auto& b : barriers::AllBarriers()) {
    EXPECT_TRUE(absl::StrContains(r.out, b.name)) << b.name;
  }
  for (const auto& w : workloads::AllWorkloads()) {
    EXPECT_TRUE(absl::StrContains(r.out, w.name)) << w.name;
  }
  EXPECT_TRUE(absl::StrContains(r.out, "filters (--filter")) << r.out;
  for (const auto& f : barriers::kFilterInfos) {
    EXPECT_TRUE(absl::StrContains(r.out, absl::StrCat("  ", f.name, " ")))
        << f.name;
  }
}

TEST(OptionsTest, HelpListsWbbenchFlags) {
  auto r = RunCommand(WbbenchBinary() + " --help");
  std::string all = r.out + r.err;
  EXPECT_TRUE(absl::StrContains(all, "--barrier")) << all;
  EXPECT_TRUE(absl::StrContains(all, "--wbbuf_entries")) << all;
}

TEST(OptionsTest, DashesAndUnderscoresAreTheSameFlag) {
  char arg0[] = "wbbench";
  char arg1[] = "--wbbuf-entries=64";
  char arg2[] = "--benchmark_min_time=0.1";
  char* argv[] = {arg0, arg1, arg2};
  harness::SplitArgs split = harness::SplitCommandLine(3, argv);
  ASSERT_EQ(split.absl_args.size(), 2u);
  EXPECT_EQ(split.absl_args[1], "--wbbuf_entries=64");
  ASSERT_EQ(split.benchmark_args.size(), 2u);
  EXPECT_EQ(split.benchmark_args[1], "--benchmark_min_time=0.1");
}

TEST(OptionsTest, ByteSizes) {
  EXPECT_EQ(*harness::ParseByteSize("64MiB"), size_t{64} << 20);
  EXPECT_EQ(*harness::ParseByteSize("2G"), size_t{2} << 30);
  EXPECT_EQ(*harness::ParseByteSize("4096"), 4096u);
  EXPECT_FALSE(harness::ParseByteSize("0").ok());
  EXPECT_FALSE(harness::ParseByteSize("MiB").ok());
  EXPECT_FALSE(harness::ParseByteSize("3PiB").ok());
}

}  // namespace
