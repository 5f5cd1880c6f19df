#include "tests/workloads/reference_stores.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <list>
#include <unordered_map>
#include <vector>

#include "workloads/rng.h"

namespace workloads::testing {
namespace {

size_t Scaled(double at_scale1, double scale, size_t min) {
  return std::max<size_t>(min, static_cast<size_t>(at_scale1 * scale));
}

int ScaledDepth(int at_scale1, double scale, int lo, int hi) {
  return std::clamp(at_scale1 + static_cast<int>(std::lround(std::log2(scale))),
                    lo, hi);
}

// A complete tree, reversed in preorder with an explicit stack of subtree
// heights: an inner node swaps its children (2 stores), a leaf pops.
uint64_t TreeReverse(const Params& p, uint64_t ops) {
  const int depth = ScaledDepth(22, p.scale, 2, 26);
  std::vector<int> stack;
  uint64_t stores = 0;
  for (uint64_t i = 0; i < ops; ++i) {
    if (stack.empty()) stack.push_back(depth);
    const int h = stack.back();
    stack.pop_back();
    if (h > 1) {
      stores += 2;
      stack.push_back(h - 1);
      stack.push_back(h - 1);
    }
  }
  return stores;
}

// GCBench's schedule; every node but a tree's root is one store.
uint64_t BinaryTrees(const Params& p, uint64_t ops) {
  const int max_depth = std::min(16, ScaledDepth(16, p.scale, 4, 24));
  uint64_t stores = 0;
  int depth = 4;
  uint64_t trees_at_depth = 0;
  while (ops > 0) {
    const uint64_t nodes = (uint64_t{1} << depth) - 1;
    const uint64_t done = std::min(ops, nodes);
    stores += done - 1;
    ops -= done;
    if (++trees_at_depth == uint64_t{1} << (max_depth - depth)) {
      trees_at_depth = 0;
      depth = depth + 2 > max_depth ? 4 : depth + 2;
    }
  }
  return stores;
}

// Queue lengths only: push 2; pop 2, or 3 when it empties the queue.
uint64_t ListQueue(const Params& p, uint64_t ops) {
  constexpr size_t kQueues = 256;
  const size_t nodes = Scaled(1 << 20, p.scale, kQueues);
  std::vector<uint64_t> len(kQueues);
  for (size_t i = 0; i < nodes; ++i) ++len[i % kQueues];
  Rng rng(p.seed);
  uint64_t stores = 0;
  for (uint64_t i = 0; i < ops; ++i) {
    const size_t a = rng.Below(kQueues);
    if (len[a] == 0) {
      ++len[a];
      stores += 2;
      continue;
    }
    stores += --len[a] == 0 ? 3 : 2;
    const size_t b = rng.Below(kQueues);
    rng.Below(4);  // drop or keep: the same stores either way
    ++len[b];
    stores += 2;
  }
  return stores;
}

// The map as vectors of keys per bucket, old and new table.
class HashChurnModel {
 public:
  explicit HashChurnModel(const Params& p)
      : target_(Scaled(1 << 18, p.scale, 64)), seed_(p.seed), rng_(p.seed) {
    StartRehash(64);
    while (size_ < target_) {
      Migrate();
      Insert();
      MaybeRehash();
    }
    stores_ = 0;
  }

  uint64_t Run(uint64_t ops) {
    for (uint64_t i = 0; i < ops; ++i) {
      Migrate();
      if (rng_.Below(4) < (growing_ ? 3u : 1u) || size_ == 0) {
        Insert();
      } else {
        Delete();
      }
      if (growing_ && size_ >= 2 * target_) growing_ = false;
      if (!growing_ && size_ <= target_ / 2) growing_ = true;
      MaybeRehash();
    }
    return stores_;
  }

 private:
  using Table = std::vector<std::vector<uint64_t>>;

  void Insert() {
    const uint64_t key = Mix(seed_, inserted_++);
    table_[key % table_.size()].push_back(key);
    ++size_;
    stores_ += 2;
  }
  void Delete() {
    const uint64_t key = Mix(seed_, deleted_++);
    if (!Erase(old_, key) && !Erase(table_, key)) std::abort();
    --size_;
    stores_ += 1;
  }
  static bool Erase(Table& t, uint64_t key) {
    if (t.empty()) return false;
    auto& b = t[key % t.size()];
    auto it = std::find(b.begin(), b.end(), key);
    if (it == b.end()) return false;
    b.erase(it);
    return true;
  }
  void Migrate() {
    if (!rehashing_) return;
    for (int k = 0; k < 2 && migrated_ < old_.size(); ++k) {
      for (uint64_t key : old_[migrated_]) {
        table_[key % table_.size()].push_back(key);
        stores_ += 2;
      }
      old_[migrated_++].clear();
      stores_ += 1;
    }
    if (migrated_ == old_.size()) {
      old_.clear();
      rehashing_ = false;
      stores_ += 1;
    }
  }
  void MaybeRehash() {
    if (rehashing_) return;
    if (size_ > table_.size()) {
      StartRehash(2 * table_.size());
    } else if (size_ < table_.size() / 4 && table_.size() > 64) {
      StartRehash(table_.size() / 2);
    }
  }
  void StartRehash(size_t buckets) {
    old_ = std::move(table_);
    rehashing_ = !old_.empty();
    table_ = Table(buckets);
    migrated_ = 0;
    stores_ += 2;
  }

  const size_t target_;
  const uint64_t seed_;
  Rng rng_;
  Table table_, old_;
  bool rehashing_ = false;
  size_t migrated_ = 0, size_ = 0;
  uint64_t inserted_ = 0, deleted_ = 0, stores_ = 0;
  bool growing_ = true;
};

// std::list in recency order plus an index: a hit moves (6), a miss inserts
// (6) after evicting the last (3) when full.
uint64_t Lru(const Params& p, uint64_t ops) {
  const size_t capacity = Scaled(1 << 18, p.scale, 16);
  const uint64_t keys = 2 * capacity;
  std::list<uint64_t> recency;
  std::unordered_map<uint64_t, std::list<uint64_t>::iterator> index;
  auto access = [&](uint64_t k) -> uint64_t {
    if (auto it = index.find(k); it != index.end()) {
      recency.splice(recency.begin(), recency, it->second);
      return 6;
    }
    uint64_t stores = 6;
    if (recency.size() == capacity) {
      index.erase(recency.back());
      recency.pop_back();
      stores += 3;
    }
    recency.push_front(k);
    index[k] = recency.begin();
    return stores;
  };
  for (uint64_t k = 0; k < capacity; ++k) access(k);
  Rng rng(p.seed);
  uint64_t stores = 0;
  for (uint64_t i = 0; i < ops; ++i) {
    const bool hot = rng.Below(100) < 75;
    stores += access(rng.Below(hot ? keys / 8 : keys));
  }
  return stores;
}

// Rewire 1, replace 9; Setup drew 8 edges per vertex first.
uint64_t GraphRewire(const Params& p, uint64_t ops) {
  const size_t n = Scaled(1 << 19, p.scale, 16);
  Rng rng(p.seed);
  for (size_t i = 0; i < 8 * n; ++i) rng.Below(n);
  uint64_t stores = 0;
  for (uint64_t i = 0; i < ops; ++i) {
    const int draws = rng.Below(16) == 0 ? 9 : 3;
    for (int d = 0; d < draws; ++d) rng.Next();
    stores += draws == 9 ? 9 : 1;
  }
  return stores;
}

}  // namespace

uint64_t ReferenceStores(WorkloadKind kind, const Params& params,
                         uint64_t ops) {
  switch (kind) {
    case WorkloadKind::kTreeReverse:
      return TreeReverse(params, ops);
    case WorkloadKind::kBinaryTrees:
      return BinaryTrees(params, ops);
    case WorkloadKind::kBulkCopy:
      return 16 * ops;  // one 16-pointer copy per operation
    case WorkloadKind::kListQueue:
      return ListQueue(params, ops);
    case WorkloadKind::kHashChurn:
      return HashChurnModel(params).Run(ops);
    case WorkloadKind::kLru:
      return Lru(params, ops);
    case WorkloadKind::kGraphRewire:
      return GraphRewire(params, ops);
    case WorkloadKind::kAstGarbage:
      return ops;  // one store per node
  }
  std::abort();
}

}  // namespace workloads::testing
