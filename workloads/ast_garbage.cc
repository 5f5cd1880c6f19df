// File: workloads/ast_garbage.cc
//
// ast-garbage: the idea of Go's test/bench/garbage (parse source files over
// and over, keep the last few trees, drop the rest), without a parser: a
// random generator plays the parser, producing syntax trees of mixed node
// types (files, functions, blocks, statements, expressions, identifiers,
// names, literals), sized and shaped like small Go files, top-down.  The
// last kFiles trees stay live in a ring (a managed pointer array); starting
// a file overwrites the oldest, which becomes garbage all at once.
//
// Node types differ in pointer slots and payload words (13 gc::Types, from
// 16-byte noscan literals to 72-byte blocks); every node starts with a
// TreeNode header and is built by workloads/tree_builder.h.  Depth is
// bounded by the grammar: if-statements only start above level
// kMaxDepth - 6, and expressions become leaves near kMaxDepth.
//
// One operation allocates one node and stores it into its parent's next
// child slot, or, for a file, into the ring slot it replaces: exactly one
// pointer store per operation.
#include <algorithm>
#include <array>
#include <cstddef>
#include <vector>

#include "gc/mutator.h"
#include "gc/shadow_stack.h"
#include "gc/type_descriptor.h"
#include "workloads/managed.h"
#include "workloads/rng.h"
#include "workloads/tree_builder.h"
#include "workloads/workload.h"

namespace workloads {
namespace {

enum Kind : uint32_t {
  kFile,
  kFunc,
  kBlock,
  kAssign,
  kIf,
  kReturn,
  kExprStmt,
  kBinary,
  kUnary,
  kCall,
  kIdent,
  kName,
  kLit,
  kNumKinds,
};

struct Layout {
  const char* name;
  int kids;     // pointer slots after the header
  int payload;  // data words after the pointers
};

constexpr std::array<Layout, kNumKinds> kLayouts = {{
    {"ast-garbage.file", 8, 0},
    {"ast-garbage.func", 2, 1},
    {"ast-garbage.block", 8, 0},
    {"ast-garbage.assign", 2, 1},
    {"ast-garbage.if", 3, 0},
    {"ast-garbage.return", 1, 0},
    {"ast-garbage.exprstmt", 1, 0},
    {"ast-garbage.binary", 2, 1},
    {"ast-garbage.unary", 1, 1},
    {"ast-garbage.call", 4, 0},
    {"ast-garbage.ident", 1, 1},
    {"ast-garbage.name", 0, 3},
    {"ast-garbage.lit", 0, 1},
}};

const gc::Type& TypeOf(Kind kind) {
  static const std::vector<gc::Type> types = [] {
    std::vector<gc::Type> t;
    for (const Layout& l : kLayouts) {
      std::vector<size_t> offsets;
      for (int i = 0; i < l.kids; ++i) offsets.push_back(8 * (1 + i));
      t.emplace_back(l.name, 8 * (1 + l.kids + l.payload), offsets);
    }
    return t;
  }();
  return types[kind];
}

uint64_t* Payload(TreeNode* n) {
  return reinterpret_cast<uint64_t*>(n->kids() + kLayouts[n->kind].kids);
}

// Go's benchmark keeps a few parsed packages live, tens of MiB; 1024 files
// of about 45 KiB as this grammar generates them make a live set of about
// 45 MiB at scale 1.
constexpr double kFilesAtScale1 = 1024;
constexpr size_t kMinFiles = 2;
constexpr int kMaxDepth = 24;

// The grammar: what kind of node goes into `slot` of a `parent`, at `level`.
Kind ChildKind(Kind parent, int slot, int level, Rng& rng) {
  switch (parent) {
    case kFile:
      return kFunc;
    case kFunc:
      return slot == 0 ? kIdent : kBlock;
    case kIf:
      if (slot > 0) return kBlock;
      break;
    case kBlock: {
      const uint64_t r = rng.Below(100);
      if (r < 8 && level <= kMaxDepth - 6) return kIf;
      if (r < 48) return kAssign;
      return r < 58 ? kReturn : kExprStmt;
    }
    case kExprStmt:
      return kCall;
    case kAssign:
    case kCall:
      if (slot == 0) return kIdent;
      break;
    case kIdent:
      return kName;
    default:
      break;
  }
  // An expression.
  const uint64_t r = rng.Below(100);
  if (level >= kMaxDepth - 2) return r < 50 ? kIdent : kLit;
  if (r < 30) return kBinary;
  if (r < 40) return kUnary;
  if (r < 55) return kCall;
  return r < 80 ? kIdent : kLit;
}

// How many children a new node of `kind` gets.
int NumKids(Kind kind, Rng& rng) {
  switch (kind) {
    case kBlock:
      return 1 + static_cast<int>(rng.Below(8));
    case kIf:
      return 2 + static_cast<int>(rng.Below(2));  // with or without else
    case kCall:
      return 1 + static_cast<int>(rng.Below(4));  // callee and 0..3 args
    default:
      return kLayouts[kind].kids;
  }
}

template <class B>
class AstGarbage final : public Workload {
 public:
  explicit AstGarbage(const Params& params)
      : files_(std::max<size_t>(
            kMinFiles, static_cast<size_t>(kFilesAtScale1 * params.scale))),
        rng_(params.seed),
        frame_(1),
        builder_(kMaxDepth) {}

  void Setup() override {
    frame_.Set(0, Word(gc::Allocate(PointerArrayType(), files_)));
    Stores<B> st;  // setup stores are not counted: fill the ring once
    while (started_ < files_ || !builder_.Done()) AddNode(st);
  }

  void Step(uint64_t n) override {
    Stores<B> st;
    for (uint64_t i = 0; i < n; ++i) AddNode(st);
    counts_.ops += n;
    st.AddTo(&counts_);
  }

  // Every node of every file in the ring: kind, children, payload.
  uint64_t Checksum() override {
    uint64_t h = Mix(started_, builder_.depth());
    std::vector<TreeNode*> todo;
    for (size_t f = 0; f < files_; ++f) {
      ForEachTreeNode(Ring()[f], todo, [&](TreeNode* n) {
        h = Mix(h, n->kind * 65536 + n->filled);
        for (int w = 0; w < kLayouts[n->kind].payload; ++w) {
          h = Mix(h, Payload(n)[w]);
        }
      });
    }
    return h;
  }

 private:
  TreeNode** Ring() const { return Ptr<TreeNode*>(frame_.Get(0)); }

  void AddNode(Stores<B>& st) {
    if (builder_.Done()) {
      TreeNode* file = NewNode(kFile);
      st.Write(&Ring()[started_++ % files_], file);
      builder_.Begin(file);
      return;
    }
    const TreeNode* parent = builder_.Parent();
    const int level = static_cast<int>(builder_.depth()) + 1;
    builder_.Link(st, NewNode(ChildKind(static_cast<Kind>(parent->kind),
                                        parent->filled, level, rng_)));
  }

  TreeNode* NewNode(Kind kind) {
    const int kids = NumKids(kind, rng_);
    auto* n = static_cast<TreeNode*>(gc::Allocate(TypeOf(kind)));
    n->kind = kind;
    n->nkids = static_cast<uint16_t>(kids);
    for (int w = 0; w < kLayouts[kind].payload; ++w)
      Payload(n)[w] = rng_.Next();
    return n;
  }

  const size_t files_;
  Rng rng_;
  gc::RootFrame frame_;  // [0]: the ring of files
  TreeBuilder<B> builder_;
  uint64_t started_ = 0;  // files started
};

}  // namespace

template <>
std::unique_ptr<Workload> Make<WorkloadKind::kAstGarbage>(
    barriers::BarrierKind barrier, barriers::Algorithm algorithm,
    const Params& params) {
  return MakeFor<AstGarbage>(barrier, algorithm, params);
}

}  // namespace workloads
