// File: tests/gc/work_buf_test.cc
#include "gc/work_buf.h"

#include <set>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace gc {
namespace {

TEST(WorkBufTest, PutAndGetAcrossManyBuffersLosesNothing) {
  WorkQueue q;
  GcWork w;
  w.set_queue(&q);
  const uintptr_t n = 5 * WorkBuf::kCapacity + 17;
  for (uintptr_t i = 1; i <= n; ++i) w.Put(i * 8);
  EXPECT_GE(q.FullCount(), 3u);  // both local buffers full, the rest global
  std::set<uintptr_t> seen;
  uintptr_t v;
  while (w.TryGet(&v)) EXPECT_TRUE(seen.insert(v).second);
  EXPECT_EQ(seen.size(), n);
  EXPECT_TRUE(w.LocalEmpty());
  EXPECT_FALSE(q.HasFull());
}

TEST(WorkBufTest, PutBatchFillsAcrossBufferBoundaries) {
  WorkQueue q;
  GcWork w;
  w.set_queue(&q);
  std::vector<uintptr_t> batch(3 * WorkBuf::kCapacity + 5);
  for (size_t i = 0; i < batch.size(); ++i) batch[i] = (i + 1) * 16;
  w.PutBatch(batch.data(), batch.size());
  size_t got = 0;
  uintptr_t v;
  while (w.TryGet(&v)) ++got;
  EXPECT_EQ(got, batch.size());
}

TEST(WorkBufTest, DisposePublishesEverythingForAnotherContext) {
  WorkQueue q;
  GcWork a, b;
  a.set_queue(&q);
  b.set_queue(&q);
  for (uintptr_t i = 1; i <= 10; ++i) a.Put(i);
  uintptr_t v;
  EXPECT_FALSE(b.TryGet(&v));  // a's partial buffer is private
  a.Dispose();
  EXPECT_TRUE(a.LocalEmpty());
  size_t got = 0;
  while (b.TryGet(&v)) ++got;
  EXPECT_EQ(got, 10u);
}

TEST(WorkBufTest, BalancePublishesOnlyWhenTheGlobalListIsEmpty) {
  WorkQueue q;
  GcWork a, b;
  a.set_queue(&q);
  b.set_queue(&q);
  a.Put(8);
  a.Balance();
  EXPECT_EQ(q.FullCount(), 1u);
  b.Put(16);
  b.Balance();  // the global list has work: b keeps its own
  EXPECT_EQ(q.FullCount(), 1u);
  EXPECT_FALSE(b.LocalEmpty());
}

TEST(WorkBufTest, IdleContextsStealPublishedWorkConcurrently) {
  WorkQueue q;
  constexpr uintptr_t kObjects = 200000;
  std::atomic<uint64_t> sum{0}, count{0};
  {
    GcWork producer;
    producer.set_queue(&q);
    for (uintptr_t i = 1; i <= kObjects; ++i) producer.Put(i);
    producer.Dispose();
  }
  std::vector<std::thread> workers;
  for (int t = 0; t < 4; ++t) {
    workers.emplace_back([&] {
      GcWork w;
      w.set_queue(&q);
      uintptr_t v;
      while (w.TryGet(&v)) {
        sum.fetch_add(v);
        count.fetch_add(1);
      }
    });
  }
  for (auto& t : workers) t.join();
  EXPECT_EQ(count.load(), kObjects);
  EXPECT_EQ(sum.load(), kObjects * (kObjects + 1) / 2);
}

}  // namespace
}  // namespace gc
