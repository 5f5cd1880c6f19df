// Tests for gc/type_descriptor.h: pointer maps are exact.
#include "gc/type_descriptor.h"

#include <vector>

#include "gtest/gtest.h"

namespace gc {
namespace {

std::vector<size_t> Words(const Type& t) {
  std::vector<size_t> w;
  t.ForEachPointerWord([&](size_t i) { w.push_back(i); });
  return w;
}

TEST(TypeTest, MixedLayout) {
  const Type t("Mixed", 48, {0, 16, 40});
  EXPECT_EQ(t.name(), "Mixed");
  EXPECT_EQ(t.size(), 48u);
  EXPECT_EQ(t.num_pointers(), 3u);
  EXPECT_EQ(t.ptrdata(), 48u);
  EXPECT_FALSE(t.noscan());
  EXPECT_EQ(Words(t), (std::vector<size_t>{0, 2, 5}));
  for (size_t w = 0; w < 6; ++w) {
    EXPECT_EQ(t.IsPointerWord(w), w == 0 || w == 2 || w == 5) << w;
  }
}

TEST(TypeTest, NoPointersIsNoscan) {
  const Type t("Bytes", 100, {});
  EXPECT_TRUE(t.noscan());
  EXPECT_EQ(t.ptrdata(), 0u);
  EXPECT_TRUE(Words(t).empty());
}

TEST(TypeTest, WideBitmapCrossesWords) {
  const Type t("Wide", 8 * 200, {8 * 3, 8 * 63, 8 * 64, 8 * 150});
  EXPECT_EQ(Words(t), (std::vector<size_t>{3, 63, 64, 150}));
  EXPECT_EQ(t.ptrdata(), 8u * 151);
  EXPECT_FALSE(t.IsPointerWord(199));
}

TEST(TypeTest, OfUsesSizeof) {
  struct Node {
    Node* left;
    long key;
    Node* right;
  };
  const Type t =
      Type::Of<Node>("Node", {offsetof(Node, left), offsetof(Node, right)});
  EXPECT_EQ(t.size(), sizeof(Node));
  EXPECT_EQ(Words(t), (std::vector<size_t>{0, 2}));
}

TEST(TypeDeathTest, RejectsMisalignedPointer) {
  EXPECT_DEATH(Type("Bad", 32, {4}), "multiples of 8");
  EXPECT_DEATH(Type("Bad", 32, {32}), "outside the object");
}

}  // namespace
}  // namespace gc
