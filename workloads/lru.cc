// File: workloads/lru.cc
//
// lru: a least-recently-used cache, the textbook pair of a chained hash map
// (key -> entry) and a doubly linked recency list through the same entries,
// circular around a sentinel.  The cache holds kCapacity entries (256 Ki at
// scale 1); keys are drawn from twice as many, three quarters of them from a
// hot eighth, which gives a steady mix of hits and misses (about 3 in 4
// hits).
//
// One operation looks up one key (pointer stores counted):
//   hit:  move the entry to the front: unlink it from the list (2) and
//         insert it after the sentinel (4)                         -> 6
//   miss: allocate an entry, put it first in its bucket (2) and at the
//         front of the list (4); when the cache is full, first evict the
//         list's last entry: unlink it from the list (2) and from its
//         hash chain (1)                                            -> 6 or 9
// Every store but the new entry's own goes into an old object: neighbours
// in the list, the sentinel, the bucket array.
#include <algorithm>
#include <cstddef>

#include "gc/mutator.h"
#include "gc/shadow_stack.h"
#include "gc/type_descriptor.h"
#include "workloads/hash_chain.h"
#include "workloads/managed.h"
#include "workloads/rng.h"
#include "workloads/workload.h"

namespace workloads {
namespace {

struct Entry {
  Entry* hnext;  // hash chain
  Entry* prev;   // recency list, most recent after the sentinel
  Entry* next;
  uint64_t key;
  uint64_t value;
};

const gc::Type& EntryType() {
  static const gc::Type type = gc::Type::Of<Entry>(
      "lru.entry",
      {offsetof(Entry, hnext), offsetof(Entry, prev), offsetof(Entry, next)});
  return type;
}

constexpr double kCapacityAtScale1 = 1 << 18;
constexpr size_t kMinCapacity = 16;
constexpr uint64_t kKeysPerEntry = 2;
constexpr uint64_t kHotPercent = 75;
constexpr uint64_t kHotFraction = 8;  // the hot keys: the first 1/8

// Frame slots.
constexpr size_t kTable = 0;
constexpr size_t kSentinel = 1;

size_t BucketsFor(size_t capacity) {
  size_t b = 1;
  while (b < capacity) b *= 2;
  return b;
}

template <class B>
class Lru final : public Workload {
 public:
  explicit Lru(const Params& params)
      : capacity_(std::max<size_t>(
            kMinCapacity,
            static_cast<size_t>(kCapacityAtScale1 * params.scale))),
        mask_(BucketsFor(capacity_) - 1),
        keys_(kKeysPerEntry * capacity_),
        seed_(params.seed),
        rng_(params.seed),
        frame_(2) {}

  void Setup() override {
    Stores<B> st;  // setup stores are not counted
    frame_.Set(kTable, Word(gc::Allocate(PointerArrayType(), mask_ + 1)));
    frame_.Set(kSentinel, Word(gc::New<Entry>(EntryType())));
    Entry* s = Sentinel();
    st.Write(&s->prev, s);
    st.Write(&s->next, s);
    for (uint64_t k = 0; size_ < capacity_; ++k) Access(st, k);
  }

  void Step(uint64_t n) override {
    Stores<B> st;
    for (uint64_t i = 0; i < n; ++i) {
      const bool hot = rng_.Below(100) < kHotPercent;
      Access(st, rng_.Below(hot ? keys_ / kHotFraction : keys_));
    }
    counts_.ops += n;
    st.AddTo(&counts_);
  }

  // The list from most to least recent, and the hit count.
  uint64_t Checksum() override {
    uint64_t h = Mix(hits_, size_);
    Entry* s = Sentinel();
    for (Entry* e = s->next; e != s; e = e->next)
      h = Mix(Mix(h, e->key), e->value);
    return h;
  }

 private:
  Entry** Table() const { return Ptr<Entry*>(frame_.Get(kTable)); }
  Entry* Sentinel() const { return Ptr<Entry>(frame_.Get(kSentinel)); }
  uint64_t Hash(uint64_t k) const { return Mix(seed_, k); }

  void Access(Stores<B>& st, uint64_t k) {
    const uint64_t key = Hash(k);
    if (Entry** link = FindLink(&Table()[key & mask_], key)) {
      Entry* e = *link;
      ++e->value;
      ++hits_;
      Unlink(st, e);
      PushFront(st, e);
      return;
    }
    Entry* e = gc::New<Entry>(EntryType());
    e->key = key;
    if (size_ == capacity_) {
      Entry* victim = Sentinel()->prev;
      Unlink(st, victim);
      ChainUnlink(st, FindLink(&Table()[victim->key & mask_], victim->key));
    } else {
      ++size_;
    }
    ChainPush(st, &Table()[key & mask_], e);
    PushFront(st, e);
  }

  void Unlink(Stores<B>& st, Entry* e) {
    st.Write(&e->prev->next, e->next);
    st.Write(&e->next->prev, e->prev);
  }

  void PushFront(Stores<B>& st, Entry* e) {
    Entry* s = Sentinel();
    st.Write(&e->next, s->next);
    st.Write(&e->prev, s);
    st.Write(&s->next->prev, e);
    st.Write(&s->next, e);
  }

  const size_t capacity_;
  const size_t mask_;
  const uint64_t keys_;
  const uint64_t seed_;
  Rng rng_;
  gc::RootFrame frame_;
  size_t size_ = 0;
  uint64_t hits_ = 0;
};

}  // namespace

template <>
std::unique_ptr<Workload> Make<WorkloadKind::kLru>(
    barriers::BarrierKind barrier, barriers::Algorithm algorithm,
    const Params& params) {
  return MakeFor<Lru>(barrier, algorithm, params);
}

}  // namespace workloads
