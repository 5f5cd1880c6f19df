// File: workloads/hash_churn.cc
//
// hash-churn: a chained hash map (uint64 keys) under inserts and deletes
// whose size swings between kTarget / 2 and 2 * kTarget, so the bucket array
// keeps growing and shrinking.  The bucket arrays are managed pointer
// arrays; the map's two array pointers (the table and, while rehashing, the
// old table) live in the globals area, like a Go package-level map, so
// replacing them is a barriered store into a global.
//
// Rehashing is incremental, as Go's maps evacuate and Redis's dicts rehash:
// when the load passes 1 (or falls under 1/4), a table twice (half) the
// size is allocated, inserts go to it at once, and every operation first
// moves the chains of kMigratePerOp old buckets over, clearing each old
// bucket; lookups search the old bucket (empty once moved) and then the new.
//
// Keys are a sequence: insert number i puts key Mix(seed, i); deletes remove
// the oldest key still present (a sliding window, so every delete hits).  A
// phase bit makes inserts 3 times likelier than deletes (growing) or the
// reverse (shrinking), flipping at the bounds.
//
// One operation (pointer stores counted):
//   migrate kMigratePerOp old buckets, if rehashing: per bucket, 2 per
//     entry moved (entry.hnext, new bucket) + 1 (clear the old bucket);
//     + 1 (global old = nil) when the last one has moved;
//   insert (allocates an entry: 2) or delete (1);
//   if not rehashing and the load is out of bounds, start a rehash: allocate
//     the new table, global old = table, global table = new (2).
#include <algorithm>
#include <cstddef>

#include "gc/globals.h"
#include "gc/mutator.h"
#include "gc/type_descriptor.h"
#include "workloads/hash_chain.h"
#include "workloads/managed.h"
#include "workloads/rng.h"
#include "workloads/workload.h"

namespace workloads {
namespace {

struct Entry {
  Entry* hnext;
  uint64_t key;
  uint64_t value;
};

const gc::Type& EntryType() {
  static const gc::Type type =
      gc::Type::Of<Entry>("hash-churn.entry", {offsetof(Entry, hnext)});
  return type;
}

// 256 Ki entries at scale 1 (6 MiB of entries plus up to 4 MiB of buckets,
// swinging between half and twice that); two buckets per operation finish
// a rehash well before the size can leave the new table's bounds.
constexpr double kTargetAtScale1 = 1 << 18;
constexpr size_t kMinBuckets = 64;
constexpr size_t kMigratePerOp = 2;

// Global slots.
constexpr size_t kTable = 0;
constexpr size_t kOld = 1;

template <class B>
class HashChurn final : public Workload {
 public:
  explicit HashChurn(const Params& params)
      : target_(std::max<size_t>(
            kMinBuckets, static_cast<size_t>(kTargetAtScale1 * params.scale))),
        seed_(params.seed),
        rng_(params.seed),
        globals_(2) {}

  void Setup() override {
    Stores<B> st;  // setup stores are not counted
    StartRehash(st, kMinBuckets);
    while (size_ < target_) {
      Migrate(st);
      Insert(st);
      MaybeRehash(st);
    }
  }

  void Step(uint64_t n) override {
    Stores<B> st;
    for (uint64_t i = 0; i < n; ++i) {
      Migrate(st);
      const bool insert = rng_.Below(4) < (growing_ ? 3u : 1u) || size_ == 0;
      if (insert) {
        Insert(st);
      } else {
        Delete(st);
      }
      if (growing_ && size_ >= 2 * target_) growing_ = false;
      if (!growing_ && size_ <= target_ / 2) growing_ = true;
      MaybeRehash(st);
    }
    counts_.ops += n;
    st.AddTo(&counts_);
  }

  // Every chain of both tables, in bucket order.
  uint64_t Checksum() override {
    uint64_t h = Mix(Mix(inserted_, deleted_), mask_);
    for (size_t slot : {kOld, kTable}) {
      Entry** t = Table(slot);
      const size_t n =
          t == nullptr ? 0 : (slot == kOld ? old_mask_ : mask_) + 1;
      for (size_t b = 0; b < n; ++b) {
        for (Entry* e = t[b]; e != nullptr; e = e->hnext) {
          h = Mix(Mix(h, e->key), e->value);
        }
      }
    }
    return h;
  }

 private:
  Entry** Table(size_t slot) const { return Ptr<Entry*>(globals_.Load(slot)); }
  Entry*** GlobalSlot(size_t slot) {
    return reinterpret_cast<Entry***>(globals_.SlotAddress(slot));
  }
  uint64_t Key(uint64_t i) const { return Mix(seed_, i); }

  void Insert(Stores<B>& st) {
    Entry* e = gc::New<Entry>(EntryType());
    e->key = Key(inserted_);
    e->value = inserted_++;
    ChainPush(st, &Table(kTable)[e->key & mask_], e);
    ++size_;
  }

  void Delete(Stores<B>& st) {
    const uint64_t key = Key(deleted_++);
    Entry** link = nullptr;
    if (Entry** old = Table(kOld)) link = FindLink(&old[key & old_mask_], key);
    if (link == nullptr) link = FindLink(&Table(kTable)[key & mask_], key);
    ChainUnlink(st, link);
    --size_;
  }

  void Migrate(Stores<B>& st) {
    Entry** old = Table(kOld);
    if (old == nullptr) return;
    Entry** table = Table(kTable);
    for (size_t k = 0; k < kMigratePerOp && migrated_ <= old_mask_; ++k) {
      Entry** bucket = &old[migrated_++];
      for (Entry* e = *bucket; e != nullptr;) {
        Entry* next = e->hnext;
        ChainPush(st, &table[e->key & mask_], e);
        e = next;
      }
      st.Write(bucket, static_cast<Entry*>(nullptr));
    }
    if (migrated_ > old_mask_)
      st.Write(GlobalSlot(kOld), static_cast<Entry**>(nullptr));
  }

  void MaybeRehash(Stores<B>& st) {
    if (Table(kOld) != nullptr) return;
    const size_t buckets = mask_ + 1;
    if (size_ > buckets) {
      StartRehash(st, 2 * buckets);
    } else if (size_ < buckets / 4 && buckets > kMinBuckets) {
      StartRehash(st, buckets / 2);
    }
  }

  void StartRehash(Stores<B>& st, size_t buckets) {
    auto** fresh =
        static_cast<Entry**>(gc::Allocate(PointerArrayType(), buckets));
    st.Write(GlobalSlot(kOld), Table(kTable));
    st.Write(GlobalSlot(kTable), fresh);
    old_mask_ = mask_;
    mask_ = buckets - 1;
    migrated_ = 0;
  }

  const size_t target_;
  const uint64_t seed_;
  Rng rng_;
  gc::GlobalSlots globals_;  // [kTable], [kOld]: Entry**
  size_t mask_ = 0;          // of the table
  size_t old_mask_ = 0;      // of the old table while rehashing
  size_t migrated_ = 0;      // old buckets moved so far
  size_t size_ = 0;
  uint64_t inserted_ = 0;
  uint64_t deleted_ = 0;
  bool growing_ = true;
};

}  // namespace

template <>
std::unique_ptr<Workload> Make<WorkloadKind::kHashChurn>(
    barriers::BarrierKind barrier, barriers::Algorithm algorithm,
    const Params& params) {
  return MakeFor<HashChurn>(barrier, algorithm, params);
}

}  // namespace workloads
