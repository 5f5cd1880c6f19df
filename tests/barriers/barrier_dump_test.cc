// --dump-barrier: the listing names the function, counts its instructions,
// and carries the generator's pseudo-C comments; barriers that are not
// generated code are refused with a message naming those that are.
#include "barriers/barrier_dump.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "barriers/barrier_jit.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace barriers {
namespace {

using ::testing::HasSubstr;

TEST(BarrierDumpTest, ListsTheBufferedFastPath) {
  absl::StatusOr<std::string> dump =
      DumpBarrier("buffered", Algorithm::kHybrid);
  ASSERT_TRUE(dump.ok()) << dump.status();
  const JitFunction* fn =
      FindJitBarrier(BarrierKind::kBuffered, Algorithm::kHybrid);
  ASSERT_NE(fn, nullptr);
  EXPECT_THAT(*dump, HasSubstr(fn->name));
  EXPECT_THAT(*dump, HasSubstr(std::to_string(fn->FastPathInstructions()) +
                               " on the fast path"));
  EXPECT_THAT(*dump, HasSubstr("*slot = value"));
  EXPECT_THAT(*dump, HasSubstr("p->wb_buf.next = r13"));
  // Beside it, the call site and Go 1.10's own count: 22 on its fast path
  // with the frame its assembler adds; this one has no frame but the same
  // loads and stores.
  EXPECT_THAT(*dump, HasSubstr("call site: the enabled test"));
  EXPECT_THAT(*dump, HasSubstr("Go 1.10 gcWriteBarrier"));
  EXPECT_THAT(*dump, HasSubstr("22 on the fast path"));
  EXPECT_GE(fn->FastPathInstructions(), 15u);
  EXPECT_LE(fn->FastPathInstructions(), 22u);
}

TEST(BarrierDumpTest, BatchedNamesGo121) {
  absl::StatusOr<std::string> dump = DumpBarrier("batched", Algorithm::kHybrid);
  ASSERT_TRUE(dump.ok()) << dump.status();
  EXPECT_THAT(*dump, HasSubstr("Go 1.21 gcWriteBarrier2"));
  EXPECT_THAT(*dump, HasSubstr("21 on the fast path"));
}

TEST(BarrierDumpTest, InstructionBoundariesMatchObjdump) {
  // Each recorded instruction starts where the previous one ended: offsets
  // strictly increase and stay inside the function.
  for (const JitFunction& fn : AllJitFunctions()) {
    uint32_t last = 0;
    for (size_t i = 0; i < fn.instructions.size(); ++i) {
      if (i > 0) {
        EXPECT_GT(fn.instructions[i].offset, last) << fn.name;
      }
      last = fn.instructions[i].offset;
      EXPECT_FALSE(fn.instructions[i].pseudo_c.empty()) << fn.name;
    }
    EXPECT_LT(last, fn.size) << fn.name;
  }
  if (std::system("objdump --version > /dev/null 2>&1") != 0) {
    GTEST_SKIP() << "objdump not installed";
  }
  absl::StatusOr<std::string> dump = DumpBarrier("batched", Algorithm::kYuasa);
  ASSERT_TRUE(dump.ok());
  const JitFunction* fn =
      FindJitBarrier(BarrierKind::kBatched, Algorithm::kYuasa);
  // Every instruction of the function got its comment in the listing.
  size_t commented = 0;
  for (absl::string_view line : absl::StrSplit(*dump, '\n')) {
    if (absl::StrContains(line, " // ")) ++commented;
  }
  EXPECT_EQ(commented, fn->instructions.size()) << *dump;
}

TEST(BarrierJitTest, CodeIsReadExecuteOnlyAndInThePerfMap) {
  std::ifstream maps("/proc/self/maps");
  std::vector<std::string> lines;
  for (std::string line; std::getline(maps, line);) lines.push_back(line);
  std::ifstream perf_map(absl::StrCat("/tmp/perf-", getpid(), ".map"));
  std::string perf_text((std::istreambuf_iterator<char>(perf_map)),
                        std::istreambuf_iterator<char>());
  for (const JitFunction& fn : AllJitFunctions()) {
    const auto addr = reinterpret_cast<uintptr_t>(fn.code);
    std::string perms;
    for (const std::string& line : lines) {
      uintptr_t lo = 0, hi = 0;
      char p[5] = {};
      if (std::sscanf(line.c_str(), "%lx-%lx %4s", &lo, &hi, p) == 3 &&
          addr >= lo && addr < hi) {
        perms = p;
      }
    }
    EXPECT_EQ(perms, "r-xp") << fn.name;
    EXPECT_THAT(perf_text, HasSubstr(absl::StrFormat("%x %x %s\n", addr,
                                                     fn.size, fn.name)));
  }
}

TEST(BarrierDumpTest, RefusesBarriersThatAreNotGenerated) {
  for (const char* name : {"unbuffered", "none", "nonsense"}) {
    absl::StatusOr<std::string> dump = DumpBarrier(name, Algorithm::kHybrid);
    ASSERT_FALSE(dump.ok()) << name;
    EXPECT_THAT(
        std::string(dump.status().message()),
        HasSubstr(absl::StrCat("expected ", BarrierNames(JitBarriers()))));
  }
}

}  // namespace
}  // namespace barriers
