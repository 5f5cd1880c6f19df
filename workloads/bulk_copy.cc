// File: workloads/bulk_copy.cc
//
// bulk-copy: Go's BenchmarkBulkWriteBarrier (runtime/gc_test.go), whose
// stores are bulk copies (typedmemmove / typedslicecopy): the bulk barrier
// runs once per copy over the destination, recording every pointer of it
// (old and new values, batched into the buffer for the buffered kinds),
// then the words move.
//
// Go's benchmark rotates blocks of 1024 pointers in a 64 MiB heap of
// [16]*T objects.  Here the unit is Go's object itself: 64 MiB of objects of
// 16 pointers (512 Ki objects at scale 1, each pointing at 16 random
// objects), reached through a managed pointer array (Go's `ptrs`).  Blocks
// of kBlock consecutive objects are rotated by contents: save the first
// object's 16 pointers on the shadow stack (Go's local `first`: no barrier),
// copy each next object's array over the previous one, copy the saved array
// into the last; then the next block, wrapping at the end.
//
// One operation is one 16-pointer copy into a heap object: exactly 16
// pointer stores, all through Stores<B>::Copy.  A rotation preserves the
// multiset of pointers, so every object stays reachable and nothing is
// allocated after Setup.
#include <algorithm>
#include <cstddef>
#include <unordered_map>
#include <vector>

#include "gc/mutator.h"
#include "gc/shadow_stack.h"
#include "gc/type_descriptor.h"
#include "workloads/managed.h"
#include "workloads/rng.h"
#include "workloads/workload.h"

namespace workloads {
namespace {

constexpr size_t kPointers = 16;

struct Obj {
  Obj* p[kPointers];
};

uintptr_t* Words(Obj* o) { return reinterpret_cast<uintptr_t*>(o->p); }

const gc::Type& ObjType() {
  static const gc::Type type = [] {
    std::vector<size_t> offsets;
    for (size_t i = 0; i < kPointers; ++i) offsets.push_back(i * 8);
    return gc::Type("bulk-copy.obj", sizeof(Obj), offsets);
  }();
  return type;
}

// Go's heap: 64 MiB of objects; --scale multiplies it.  Go rotates 1024
// pointers per block: 64 objects of 16.
constexpr double kObjectsAtScale1 = (64 << 20) / sizeof(Obj);
constexpr size_t kBlock = 64;

// Frame slots: the pointer array, then the saved first array.
constexpr size_t kPtrs = 0;
constexpr size_t kSaved = 1;

template <class B>
class BulkCopy final : public Workload {
 public:
  explicit BulkCopy(const Params& params)
      : n_(std::max<size_t>(
            2 * kBlock, static_cast<size_t>(kObjectsAtScale1 * params.scale))),
        seed_(params.seed),
        frame_(1 + kPointers) {}

  void Setup() override {
    Stores<B> st;  // setup stores are not counted
    frame_.Set(kPtrs, Word(gc::Allocate(PointerArrayType(), n_)));
    for (size_t i = 0; i < n_; ++i) {
      Obj* o = gc::New<Obj>(ObjType());
      st.Write(&Objs()[i], o);
    }
    Rng rng(seed_);
    for (size_t i = 0; i < n_; ++i) {
      for (Obj*& slot : Objs()[i]->p) st.Write(&slot, Objs()[rng.Below(n_)]);
    }
  }

  void Step(uint64_t n) override {
    Stores<B> st;
    Obj** objs = Objs();  // no allocation below: safe to hold
    for (uint64_t i = 0; i < n; ++i) {
      Obj* dst = objs[pos_ + j_];
      if (j_ == 0) {
        for (size_t k = 0; k < kPointers; ++k)
          frame_.Set(kSaved + k, Word(dst->p[k]));
      }
      if (j_ + 1 < kBlock) {
        st.Copy(Words(dst), Words(objs[pos_ + j_ + 1]), kPointers);
        ++j_;
      } else {
        st.Copy(Words(dst), frame_.SlotAddress(kSaved), kPointers);
        for (size_t k = 0; k < kPointers; ++k) frame_.Set(kSaved + k, 0);
        j_ = 0;
        pos_ = pos_ + 2 * kBlock > n_ ? 0 : pos_ + kBlock;
      }
    }
    counts_.ops += n;
    st.AddTo(&counts_);
  }

  // Every object's pointers as object indices, the saved array and the
  // position.
  uint64_t Checksum() override {
    std::unordered_map<uintptr_t, uint64_t> index;
    Obj** objs = Objs();
    for (size_t i = 0; i < n_; ++i) index[Word(objs[i])] = i + 1;
    uint64_t h = Mix(pos_, j_);
    for (size_t i = 0; i < n_; ++i) {
      for (Obj* p : objs[i]->p) h = Mix(h, index[Word(p)]);
    }
    for (size_t k = 0; k < kPointers; ++k)
      h = Mix(h, index[frame_.Get(kSaved + k)]);
    return h;
  }

 private:
  Obj** Objs() const { return Ptr<Obj*>(frame_.Get(kPtrs)); }

  const size_t n_;
  const uint64_t seed_;
  gc::RootFrame frame_;
  size_t pos_ = 0;  // first object of the block being rotated
  size_t j_ = 0;    // next object of the block to overwrite
};

}  // namespace

template <>
std::unique_ptr<Workload> Make<WorkloadKind::kBulkCopy>(
    barriers::BarrierKind barrier, barriers::Algorithm algorithm,
    const Params& params) {
  return MakeFor<BulkCopy>(barrier, algorithm, params);
}

}  // namespace workloads
