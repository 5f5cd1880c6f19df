// File: workloads/binary_trees.cc
//
// binary-trees: the collector classic (Ellis, Kovac and Boehm's GCBench, and
// the Benchmarks Game's binary-trees).  Setup builds what stays live: a
// long-lived complete tree (depth 16 at scale 1, GCBench's
// kLongLivedTreeDepth) and GCBench's array of 500,000 doubles (noscan).
// Then the operations build short-lived trees and drop them, in GCBench's
// schedule: depths 4, 6, ..., 16 (capped at the long-lived depth), 2^(16-d)
// trees of depth d, so every depth gets the same number of nodes, and round
// again.
//
// One operation allocates one node and links it into its parent, top-down
// (GCBench's Populate), so a tree may span several Step() calls; the
// unfinished parents wait on the shadow stack (workloads/tree_builder.h).
// The root goes into a shadow-stack slot (GCBench's local `tempTree`): no
// heap store.  So a tree of depth d costs 2^d - 1 operations and 2^d - 2
// pointer stores, every one into a freshly allocated (black) parent: this is
// the workload of initialising stores.  The operation that completes a tree
// also checks it (the Benchmarks Game's itemCheck: item + check(left) -
// check(right), items numbered 2i - 1 and 2i from the parent's i), which
// reads the whole tree once (64 Ki nodes for a depth-16 tree: that one
// operation is long, as GCBench's check between trees is).
#include <algorithm>
#include <cmath>
#include <cstddef>

#include "gc/mutator.h"
#include "gc/shadow_stack.h"
#include "gc/type_descriptor.h"
#include "workloads/managed.h"
#include "workloads/tree_builder.h"
#include "workloads/workload.h"

namespace workloads {
namespace {

struct Node {
  TreeNode header;
  TreeNode* kids[2];  // left, right; nil in leaves
  int64_t item;
};

const gc::Type& NodeType() {
  static const gc::Type type = gc::Type::Of<Node>(
      "binary-trees.node", {offsetof(Node, kids), offsetof(Node, kids) + 8});
  return type;
}

const gc::Type& DoubleType() {
  static const gc::Type type("binary-trees.double", sizeof(double), {});
  return type;
}

// GCBench's constants.  --scale moves the long-lived tree's depth by
// log2(scale) and multiplies the array; short-lived trees stay within
// [kMinShortDepth, min(kMaxShortDepth, long-lived depth)].
constexpr int kLongLivedDepthAtScale1 = 16;
constexpr int kMinLongLivedDepth = 4;
constexpr int kMaxLongLivedDepth = 24;
constexpr int kMinShortDepth = 4;
constexpr int kMaxShortDepth = 16;
constexpr double kArraySizeAtScale1 = 500000;

int LongLivedDepth(double scale) {
  const int d =
      kLongLivedDepthAtScale1 + static_cast<int>(std::lround(std::log2(scale)));
  return std::clamp(d, kMinLongLivedDepth, kMaxLongLivedDepth);
}

// Frame slots.
constexpr size_t kLongLived = 0;
constexpr size_t kArray = 1;
constexpr size_t kShortLived = 2;

template <class B>
class BinaryTrees final : public Workload {
 public:
  explicit BinaryTrees(const Params& params)
      : long_depth_(LongLivedDepth(params.scale)),
        max_short_depth_(std::min(kMaxShortDepth, long_depth_)),
        array_size_(std::max<size_t>(
            1, static_cast<size_t>(kArraySizeAtScale1 * params.scale))),
        seed_(static_cast<int64_t>(params.seed % 1000)),
        frame_(3),
        builder_(static_cast<size_t>(kMaxLongLivedDepth)) {}

  void Setup() override {
    Stores<B> st;  // setup stores are not counted
    frame_.Set(kLongLived, Word(NewNode(long_depth_, seed_)));
    builder_.Begin(Ptr<TreeNode>(frame_.Get(kLongLived)));
    while (!builder_.Done()) AddChild(st, long_depth_);
    auto* array = static_cast<double*>(gc::Allocate(DoubleType(), array_size_));
    for (size_t i = 0; i < array_size_; ++i) array[i] = 1.0 / (i + 1);
    frame_.Set(kArray, Word(array));
    long_check_ = Check(Ptr<TreeNode>(frame_.Get(kLongLived)));
  }

  void Step(uint64_t n) override {
    Stores<B> st;
    for (uint64_t i = 0; i < n; ++i) {
      if (builder_.Done()) {
        frame_.Set(kShortLived, Word(NewNode(depth_, seed_ + trees_)));
        builder_.Begin(Ptr<TreeNode>(frame_.Get(kShortLived)));
      } else {
        AddChild(st, depth_);
      }
      if (builder_.Done()) FinishTree();
    }
    counts_.ops += n;
    st.AddTo(&counts_);
  }

  // The short-lived trees' checks, the long-lived tree's check at Setup and
  // now (a lost node would have been swept and zeroed), and the array.
  uint64_t Checksum() override {
    const auto* array = Ptr<double>(frame_.Get(kArray));
    uint64_t h = Mix(hash_, static_cast<uint64_t>(long_check_));
    h = Mix(
        h, static_cast<uint64_t>(Check(Ptr<TreeNode>(frame_.Get(kLongLived)))));
    h = Mix(h, static_cast<uint64_t>(array[array_size_ / 2] * 1e9));
    return Mix(Mix(h, trees_), builder_.depth());
  }

 private:
  // A node `levels` deep (levels == 1: a leaf) with item `item`.
  static TreeNode* NewNode(int levels, int64_t item) {
    Node* n = gc::New<Node>(NodeType());
    n->header.nkids = levels > 1 ? 2 : 0;
    n->item = item;
    return &n->header;
  }

  // One node of a tree `tree_depth` levels deep, linked into its parent.
  void AddChild(Stores<B>& st, int tree_depth) {
    const auto* parent = reinterpret_cast<const Node*>(builder_.Parent());
    const int64_t item = 2 * parent->item - (parent->header.filled == 0);
    const int levels = tree_depth - static_cast<int>(builder_.depth());
    TreeNode* child = NewNode(levels, item);
    builder_.Link(st, child);
  }

  // The Benchmarks Game's itemCheck (recursion as deep as the tree).
  static int64_t Check(const TreeNode* t) {
    const auto* n = reinterpret_cast<const Node*>(t);
    if (t->nkids == 0) return n->item;
    return n->item + Check(n->kids[0]) - Check(n->kids[1]);
  }

  void FinishTree() {
    hash_ = Mix(hash_, static_cast<uint64_t>(
                           Check(Ptr<TreeNode>(frame_.Get(kShortLived)))));
    frame_.Set(kShortLived, 0);
    ++trees_;
    if (++trees_at_depth_ >= (uint64_t{1} << (max_short_depth_ - depth_))) {
      trees_at_depth_ = 0;
      depth_ = depth_ + 2 > max_short_depth_ ? kMinShortDepth : depth_ + 2;
    }
  }

  const int long_depth_;
  const int max_short_depth_;
  const size_t array_size_;
  const int64_t seed_;
  gc::RootFrame frame_;
  TreeBuilder<B> builder_;
  int64_t long_check_ = 0;
  int depth_ = kMinShortDepth;  // of the tree being built
  uint64_t trees_at_depth_ = 0;
  uint64_t trees_ = 0;
  uint64_t hash_ = 0;
};

}  // namespace

template <>
std::unique_ptr<Workload> Make<WorkloadKind::kBinaryTrees>(
    barriers::BarrierKind barrier, barriers::Algorithm algorithm,
    const Params& params) {
  return MakeFor<BinaryTrees>(barrier, algorithm, params);
}

}  // namespace workloads
