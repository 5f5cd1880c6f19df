// --counters=valgrind: the callgrind profile reader on a written profile,
// and the whole path as a user runs it on a tiny tree-reverse: two runs give
// the same counts, the JSON names the source, the buffered barrier's fast
// path is --dump-barrier's count, and bad plans exit with status 2.
#include <unistd.h>

#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "harness/callgrind_profile.h"
#include "subprocess.h"

namespace {

using harness::CallgrindProfile;
using testing_util::RunCommand;
using testing_util::WbbenchBinary;

// As callgrind writes it with --dump-instr=yes --compress-strings=no
// --compress-pos=no: a JIT function without symbol (ob=???) that calls a
// flush, and a function in a file.
constexpr char kProfile[] = R"(# callgrind format
version: 1
creator: callgrind-3.19.0
positions: instr line
events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw Bc Bcm Bi Bim
summary: 132 20 10

ob=???
fl=???
fn=0x0000000004a27000
0x4a27000 0 10 0 2
0x4a27004 0 10 5 5 0 1
cob=build/wbbench
cfi=barriers/wb_buf_flush.cc
cfn=barriers::WbBufFlush(unsigned long*, unsigned long)
calls=2 0x1234 30
0x4a27040 0 100 10 2 0 3
0x4a27045 0 2

ob=build/wbbench
fl=workloads/tree_reverse.cc
fn=workloads::TreeReverse::Step(unsigned long)
0x5000 12 10 5 1 0 0 0 0 0 0 4 1
totals: 132 20 10 0 4 0 0 0 0 4 1
)";

TEST(CallgrindProfileTest, ReadsSelfCostsCallsAndTotals) {
  absl::StatusOr<CallgrindProfile> p = CallgrindProfile::Parse(kProfile);
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_EQ(p->events().size(), 13u);
  EXPECT_EQ(p->EventIndex("Ir"), 0);
  EXPECT_EQ(p->EventIndex("D1mr"), 4);
  EXPECT_EQ(p->EventIndex("nope"), -1);
  EXPECT_EQ(p->totals()[0], 132);
  EXPECT_EQ(p->totals()[4], 4);
  auto jit = [](const CallgrindProfile::Line& l) {
    return l.address >= 0x4a27000 && l.address < 0x4a27100;
  };
  // Self: the three JIT lines that are not a call (10 + 10 + 2).
  EXPECT_EQ(p->SelfCost(jit)[0], 22);
  EXPECT_EQ(p->SelfCost(jit)[1], 5);
  // The call's inclusive cost, at the call instruction, with its callee.
  EXPECT_EQ(p->CallCost(jit)[0], 100);
  EXPECT_EQ(p->CallCost([](const CallgrindProfile::Line& l) {
    return absl::StrContains(l.callee, "WbBufFlush");
  })[4],
            3);
  // Missing trailing costs are zero; every line keeps its object.
  const CallgrindProfile::Line& last = p->lines().back();
  EXPECT_EQ(last.object, "build/wbbench");
  EXPECT_EQ(last.address, 0x5000u);
  EXPECT_EQ(last.cost[10], 1);
  EXPECT_EQ(last.cost[12], 0);
  EXPECT_EQ(p->SelfCost([](const CallgrindProfile::Line&) { return true; })[0],
            32);
}

TEST(CallgrindProfileTest, RefusesWhatItCannotRead) {
  EXPECT_FALSE(CallgrindProfile::Parse("positions: instr line\n").ok());
  absl::StatusOr<CallgrindProfile> compressed = CallgrindProfile::Parse(
      "events: Ir\npositions: instr line\nfn=f\n0x10 1 5\n+3 1 2\n");
  ASSERT_FALSE(compressed.ok());
  EXPECT_TRUE(
      absl::StrContains(compressed.status().message(), "--compress-pos=no"));
  EXPECT_FALSE(CallgrindProfile::Parse("events: Ir\nfn=f\n0x10 5 6 7\n").ok());
}

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define WBBENCH_UNDER_SANITIZER 1
#else
#define WBBENCH_UNDER_SANITIZER 0
#endif

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Every counter of the JSON's rows, as "row key" -> value text.
std::map<std::string, std::string> Counters(const std::string& json) {
  std::map<std::string, std::string> out;
  std::regex row("\"name\": \"([^\"]+)\"");
  std::regex kv("\"([a-z0-9_]+)\": (-?[0-9.e+-]+)");
  std::string name;
  std::istringstream in(json);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_search(line, m, row)) name = m[1];
    if (std::regex_search(line, m, kv)) out[name + " " + m[1].str()] = m[2];
  }
  return out;
}

// A tiny run: a small tree, few operations, seconds under callgrind.
const char kTiny[] =
    " --counters=valgrind --workload=tree-reverse --scale=0.005 --ops=16384"
    " --format=json";

TEST(ValgrindCountsTest, TwoRunsCountTheSameAndTheJsonNamesTheSource) {
  if (WBBENCH_UNDER_SANITIZER) GTEST_SKIP() << "valgrind cannot run ASan/TSan";
  std::string json[2];
  for (int i = 0; i < 2; ++i) {
    const std::string out = absl::StrCat(::testing::TempDir(), "/wbbench-vg-",
                                         getpid(), "-", i, ".json");
    auto r = RunCommand(WbbenchBinary() + kTiny +
                        " --barrier=buffered,unbuffered --out=" + out);
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
    json[i] = Slurp(out);
    unlink(out.c_str());
  }
  for (const char* key :
       {"\"counting\": \"valgrind\"", "\"valgrind\": \"valgrind (simulated)\"",
        "\"instructions\": \"valgrind (simulated)\"",
        "\"instructions_per_store\"",
        "\"own_instructions_per_barriered_store\"",
        "\"check_instructions_per_store\"", "\"d1_misses_per_store\"",
        "\"ll_misses_per_store\"", "\"fast_path_instructions_per_call\"",
        "\"flush_instructions_per_barriered_store\"", "\"real_time\": null"}) {
    EXPECT_TRUE(absl::StrContains(json[0], key)) << key << "\n" << json[0];
  }
  // No time figure: valgrind's time is not the program's.
  EXPECT_FALSE(absl::StrContains(json[0], "\"ns_per_store\"")) << json[0];
  const auto a = Counters(json[0]), b = Counters(json[1]);
  ASSERT_GT(a.size(), 60u);
  for (const auto& [key, value] : a) {
    // The rows' counters; the context's machine figures are the host's.
    if (!key.starts_with("tree-reverse/")) continue;
    if (key.ends_with(" jit_code") || key.ends_with(" off_jit_code")) continue;
    auto it = b.find(key);
    ASSERT_NE(it, b.end()) << key;
    EXPECT_EQ(value, it->second) << key;
  }
}

TEST(ValgrindCountsTest, BufferedFastPathIsTheDumpedCount) {
  if (WBBENCH_UNDER_SANITIZER) GTEST_SKIP() << "valgrind cannot run ASan/TSan";
  auto dump = RunCommand(WbbenchBinary() + " --dump-barrier=buffered");
  ASSERT_EQ(dump.exit_code, 0) << dump.err;
  std::smatch m;
  ASSERT_TRUE(
      std::regex_search(dump.out, m, std::regex("(\\d+) on the fast path")))
      << dump.out;
  const std::string out =
      absl::StrCat(::testing::TempDir(), "/wbbench-vg-fast-", getpid());
  auto r =
      RunCommand(WbbenchBinary() + kTiny + " --barrier=buffered --out=" + out);
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  const auto c = Counters(Slurp(out));
  unlink(out.c_str());
  auto it =
      c.find("tree-reverse/barrier=buffered fast_path_instructions_per_call");
  ASSERT_NE(it, c.end());
  double measured;
  ASSERT_TRUE(absl::SimpleAtod(it->second, &measured));
  EXPECT_EQ(measured, std::stod(m[1].str()));
}

TEST(ValgrindCountsTest, WithoutValgrindItSaysHowToInstallIt) {
  auto r = RunCommand("PATH=/nonexistent " + WbbenchBinary() + kTiny +
                      " --barrier=buffered");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(absl::StrContains(r.err, "apt-get install valgrind")) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST(ValgrindCountsTest, MoreThanOneMutatorIsRefused) {
  auto r = RunCommand(WbbenchBinary() + kTiny + " --threads=2");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(absl::StrContains(r.err, "accepted: --threads=1")) << r.err;
}

}  // namespace
