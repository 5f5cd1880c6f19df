// File: workloads/tree_builder.h
//
// Building a tree top-down one node per operation, so that a workload whose
// unit of work is "allocate a node and link it into its parent" can stop
// after any node and resume in the next Step() (binary-trees, ast-garbage).
//
// Nodes start with a TreeNode header: the node's kind, how many children it
// gets (at most its type's pointer slots) and how many are linked so far;
// the child pointers follow the header directly (TreeNode::kids()).  The
// builder keeps the path of unfinished parents on the mutator's shadow stack
// (one slot per level, as a recursive builder's frames would hold them), so
// nothing managed lives only in a C++ local across an allocation.
//
// Use, per operation:
//   parent = builder.Parent();          // read what the child depends on,
//   child = <allocate>;                 // then allocate (may safepoint),
//   builder.Link(st, child);            // then link: one counted store.
// The tree is complete when Done() turns true again.  The root is the
// caller's to store (Begin() only records it as the first parent).
#ifndef WBBENCH_WORKLOADS_TREE_BUILDER_H_
#define WBBENCH_WORKLOADS_TREE_BUILDER_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "gc/shadow_stack.h"
#include "workloads/managed.h"
#include "workloads/workload.h"

namespace workloads {

struct TreeNode {
  uint32_t kind;
  uint16_t nkids;   // children this node gets
  uint16_t filled;  // children linked so far

  TreeNode** kids() { return reinterpret_cast<TreeNode**>(this + 1); }
  TreeNode* kid(int i) { return kids()[i]; }
};
static_assert(sizeof(TreeNode) == 8);

// Calls f(node) for every node of the tree under root (preorder, children
// left to right), with no allocation: callers hold no safepoint meanwhile.
// `todo` is scratch space, reused between calls.
template <class F>
void ForEachTreeNode(TreeNode* root, std::vector<TreeNode*>& todo, F&& f) {
  todo.clear();
  if (root != nullptr) todo.push_back(root);
  while (!todo.empty()) {
    TreeNode* n = todo.back();
    todo.pop_back();
    f(n);
    for (int i = n->filled; i-- > 0;) todo.push_back(n->kid(i));
  }
}

template <class B>
class TreeBuilder {
 public:
  // Trees of at most max_depth levels (the root is level 1).
  explicit TreeBuilder(size_t max_depth) : stack_(max_depth) {}

  bool Done() const { return depth_ == 0; }
  // Levels of unfinished parents: the next child is at level depth() + 1.
  size_t depth() const { return depth_; }

  void Begin(TreeNode* root) {
    depth_ = 0;
    Push(root);
  }
  // The node the next child is linked into.  Valid until an allocation.
  TreeNode* Parent() const { return Ptr<TreeNode>(stack_.Get(depth_ - 1)); }
  // Links `child` as Parent()'s next child: one counted pointer store.
  void Link(Stores<B>& st, TreeNode* child) {
    TreeNode* parent = Parent();
    st.Write(&parent->kids()[parent->filled++], child);
    Push(child);
  }

 private:
  // Pushes n if it gets children, then pops the finished parents, so that
  // slot i always holds the unfinished node at level i + 1.
  void Push(TreeNode* n) {
    if (n->nkids > 0) stack_.Set(depth_++, Word(n));
    while (depth_ > 0 && Parent()->filled == Parent()->nkids) {
      stack_.Set(--depth_, 0);
    }
  }

  gc::RootFrame stack_;
  size_t depth_ = 0;
};

}  // namespace workloads

#endif  // WBBENCH_WORKLOADS_TREE_BUILDER_H_
