// Installing a barrier: validation, the buffer geometry each kind and
// algorithm gets, what the collector is told, and refusing `none` under
// concurrent marking.
#include "barriers/barrier_config.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/barriers/fake_thread.h"

namespace barriers {
namespace {

using ::testing::HasSubstr;

TEST(BarrierConfigTest, RejectsBufferSizesOutOfRange) {
  const BarrierConfig saved = InstalledBarrier();
  for (size_t entries : {size_t{0}, gc::kWbBufMaxEntries + 1}) {
    absl::Status s = InstallBarrier({.wbbuf_entries = entries});
    EXPECT_FALSE(s.ok()) << entries;
    EXPECT_THAT(std::string(s.message()), HasSubstr("--wbbuf-entries"));
  }
  EXPECT_EQ(InstalledBarrier().wbbuf_entries, saved.wbbuf_entries);
  EXPECT_TRUE(InstallBarrier({.wbbuf_entries = gc::kWbBufMaxEntries}).ok());
  EXPECT_TRUE(InstallBarrier(saved).ok());
}

TEST(BarrierConfigTest, BufferGeometryFollowsKindAndAlgorithm) {
  struct {
    BarrierKind kind;
    Algorithm algorithm;
    size_t words;
  } cases[] = {
      {BarrierKind::kBuffered, Algorithm::kHybrid, 2 * 10},
      {BarrierKind::kBuffered, Algorithm::kHybridCond, 2 * 10},
      {BarrierKind::kBuffered, Algorithm::kDijkstra, 10},
      {BarrierKind::kBatched, Algorithm::kYuasa, 10},
      {BarrierKind::kCgocheck, Algorithm::kHybrid, 2},
      {BarrierKind::kCgocheck, Algorithm::kDijkstra, 1},
  };
  for (const auto& c : cases) {
    testing::BarrierScope scope(
        {.kind = c.kind, .algorithm = c.algorithm, .wbbuf_entries = 10});
    testing::FakeThread thread;
    const gc::WbBuf& buf = thread.p().wb_buf;
    EXPECT_TRUE(buf.Empty());
    EXPECT_EQ(static_cast<size_t>(buf.end - buf.buf), c.words)
        << BarrierName(c.kind) << "/" << InfoFor(c.algorithm).name;
  }
}

TEST(BarrierConfigTest, TellsTheCollectorItsStackPolicyAndBufferSize) {
  gc::GcConfig gc_config;
  ApplyToGcConfig({.algorithm = Algorithm::kYuasa, .wbbuf_entries = 64},
                  &gc_config);
  EXPECT_EQ(gc_config.stack_scan, gc::StackScanPolicy::kStwAtStart);
  EXPECT_EQ(gc_config.wbbuf_entries, 64u);
  ApplyToGcConfig({.kind = BarrierKind::kCgocheck,
                   .algorithm = Algorithm::kDijkstra,
                   .wbbuf_entries = 64},
                  &gc_config);
  EXPECT_EQ(gc_config.stack_scan, gc::StackScanPolicy::kRescanAtTermination);
  EXPECT_EQ(gc_config.wbbuf_entries, 1u);
}

TEST(BarrierConfigTest, NoneIsRefusedUnderConcurrentMarking) {
  for (gc::GcMode mode : {gc::GcMode::kConcurrent, gc::GcMode::kContinuous}) {
    absl::Status s = CheckBarrierForGcMode(BarrierKind::kNone, mode, false);
    EXPECT_FALSE(s.ok());
    EXPECT_THAT(std::string(s.message()), HasSubstr("--gc=stw"));
    EXPECT_TRUE(CheckBarrierForGcMode(BarrierKind::kNone, mode, true).ok());
    EXPECT_TRUE(
        CheckBarrierForGcMode(BarrierKind::kBuffered, mode, false).ok());
  }
  for (gc::GcMode mode : {gc::GcMode::kStw, gc::GcMode::kOff}) {
    EXPECT_TRUE(CheckBarrierForGcMode(BarrierKind::kNone, mode, false).ok());
  }
}

}  // namespace
}  // namespace barriers
