// Tests for gc/size_classes.h: rounding picks the smallest class that fits,
// and the divMagic multiply equals division everywhere inside a span.
#include "gc/size_classes.h"

#include <cstdint>

#include "gtest/gtest.h"

namespace gc {
namespace {

TEST(SizeClassesTest, RoundsUpToGoClasses) {
  EXPECT_EQ(RoundUpSize(0), 8u);
  EXPECT_EQ(RoundUpSize(1), 8u);
  EXPECT_EQ(RoundUpSize(8), 8u);
  EXPECT_EQ(RoundUpSize(9), 16u);
  EXPECT_EQ(RoundUpSize(17), 24u);
  EXPECT_EQ(RoundUpSize(33), 48u);
  EXPECT_EQ(RoundUpSize(1000), 1024u);
  EXPECT_EQ(RoundUpSize(1024), 1024u);
  EXPECT_EQ(RoundUpSize(1025), 1152u);
  EXPECT_EQ(RoundUpSize(3073), 3200u);
  EXPECT_EQ(RoundUpSize(32767), 32768u);
  EXPECT_EQ(RoundUpSize(kMaxSmallSize), kMaxSmallSize);
}

TEST(SizeClassesTest, EverySizeGetsTheSmallestClassThatFits) {
  for (size_t size = 1; size <= kMaxSmallSize; ++size) {
    const int c = SizeToClass(size);
    ASSERT_GE(c, 1) << size;
    ASSERT_LT(c, kNumSizeClasses) << size;
    ASSERT_GE(kClassSize[c], size) << size;
    ASSERT_LT(kClassSize[c - 1], size) << size;
  }
}

TEST(SizeClassesTest, DivMagicEqualsDivisionForEveryOffset) {
  for (int c = 1; c < kNumSizeClasses; ++c) {
    const uint64_t span_bytes = kClassPages[c] * kPageSize;
    for (uint64_t off = 0; off < span_bytes; ++off) {
      ASSERT_EQ((off * kClassDivMagic[c]) >> 32, off / kClassSize[c])
          << "class " << c << " offset " << off;
    }
  }
}

TEST(SizeClassesTest, SpanClassEncodesNoscan) {
  EXPECT_EQ(SpanClassSize(MakeSpanClass(5, true)), 5);
  EXPECT_TRUE(SpanClassNoscan(MakeSpanClass(5, true)));
  EXPECT_FALSE(SpanClassNoscan(MakeSpanClass(5, false)));
  EXPECT_NE(MakeSpanClass(5, true), MakeSpanClass(5, false));
}

}  // namespace
}  // namespace gc
