// File: workloads/tree_reverse.cc
//
// tree-reverse: Go's BenchmarkWriteBarrier (runtime/gc_test.go), the
// calibration workload.  A complete binary tree of {left, right} nodes (depth
// 22 at scale 1: 2^22 - 1 nodes of 16 bytes, 64 MiB) is reversed one step
// per operation with an explicit stack: a node with children swaps them (two
// barriered stores) and pushes both; a leaf pops (no store).  Exactly half
// of the operations swap, so there is one pointer store per operation on
// average; Go's ns/op counts two operations per loop trip (`i += 2`), so its
// figure is half the cost of one barriered store.
//
// The explicit stack lives on the mutator's shadow stack, as Go's local
// array lives on the goroutine stack: its writes take no barrier.
#include <cmath>
#include <cstddef>
#include <vector>

#include "barriers/registry.h"
#include "gc/mutator.h"
#include "gc/shadow_stack.h"
#include "gc/type_descriptor.h"
#include "workloads/workload.h"

namespace workloads {
namespace {

struct Node {
  Node* left;
  Node* right;
};

const gc::Type& NodeType() {
  static const gc::Type type = gc::Type::Of<Node>(
      "tree-reverse.node", {offsetof(Node, left), offsetof(Node, right)});
  return type;
}

// Go's depth: 22 levels, 64 MiB.  --scale multiplies the node count.
constexpr int kDepthAtScale1 = 22;
constexpr int kMinDepth = 2;
constexpr int kMaxDepth = 26;  // 1 GiB per mutator.

int DepthFor(double scale) {
  int d = kDepthAtScale1 + static_cast<int>(std::lround(std::log2(scale)));
  return std::clamp(d, kMinDepth, kMaxDepth);
}

template <class B>
class TreeReverse final : public Workload {
 public:
  explicit TreeReverse(const Params& params)
      : depth_(DepthFor(params.scale)), frame_(depth_ + 1) {}

  void Setup() override { frame_.Set(0, ToWord(Build(depth_))); }

  void Step(uint64_t n) override {
    Stores<B> st;
    // The frame's slots in a register, as Go's loop keeps its stack array
    // at an offset from SP: one load or store per slot access.
    const gc::RootSlots stack = frame_.slots();
    int64_t tos = tos_;
    uint64_t h = hash_;
    for (uint64_t i = 0; i < n; ++i) {
      if (tos == -1) {
        stack.Set(1, stack.Get(0));
        tos = 0;
      }
      Node* node = FromWord(stack.Get(1 + tos));
      Node* left = node->left;
      if (left == nullptr) {
        --tos;
      } else {
        Node* right = node->right;
        st.Write(&node->left, right);
        st.Write(&node->right, left);
        stack.Set(1 + tos, ToWord(right));
        stack.Set(2 + tos, ToWord(left));
        ++tos;
      }
      h = h * 31 + static_cast<uint64_t>(tos + 1);
    }
    tos_ = tos;
    hash_ = h;
    counts_.ops += n;
    st.AddTo(&counts_);
  }

  // The step history, the stack depth, and a walk that checks every node is
  // still there (a lost node would have been swept and zeroed).
  uint64_t Checksum() override {
    uint64_t nodes = 0;
    std::vector<Node*> todo = {FromWord(frame_.Get(0))};
    while (!todo.empty()) {
      Node* n = todo.back();
      todo.pop_back();
      if (n == nullptr) continue;
      ++nodes;
      todo.push_back(n->left);
      todo.push_back(n->right);
    }
    return Mix(Mix(hash_, static_cast<uint64_t>(tos_ + 1)), nodes);
  }

 private:
  static uintptr_t ToWord(Node* n) { return reinterpret_cast<uintptr_t>(n); }
  static Node* FromWord(uintptr_t w) { return reinterpret_cast<Node*>(w); }

  // Go's mkTree: children first, then the parent; children stay rooted on
  // the shadow stack while the parent is allocated.
  Node* Build(int level) {
    if (level == 0) return nullptr;
    gc::RootFrame kids(2);
    kids.Set(0, ToWord(Build(level - 1)));
    kids.Set(1, ToWord(Build(level - 1)));
    Node* n = gc::New<Node>(NodeType());
    Stores<B> st;  // setup stores are not counted
    st.Write(&n->left, FromWord(kids.Get(0)));
    st.Write(&n->right, FromWord(kids.Get(1)));
    return n;
  }

  const int depth_;
  gc::RootFrame frame_;  // [0]: the root; [1 + i]: the explicit stack.
  int64_t tos_ = -1;
  uint64_t hash_ = 0;
};

}  // namespace

template <>
std::unique_ptr<Workload> Make<WorkloadKind::kTreeReverse>(
    barriers::BarrierKind barrier, barriers::Algorithm algorithm,
    const Params& params) {
  return barriers::WithBarrier(
      barrier, algorithm, [&]<class B>() -> std::unique_ptr<Workload> {
        return std::make_unique<TreeReverse<B>>(params);
      });
}

}  // namespace workloads
