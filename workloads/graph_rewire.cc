// File: workloads/graph_rewire.cc
//
// graph-rewire: a random directed graph whose edges are rewired uniformly at
// random, the worst case for a buffered barrier's flush: the old and the new
// target of every store are independent, uniformly spread over the whole
// heap, so shading them touches a cold span and mark-bit word each time.
//
// kVertices vertices (512 Ki at scale 1, 40 MiB), each with kEdges
// out-edges, reached through a managed pointer array.  One operation:
//   rewire (15 in 16): u.edge[i] = v for random u, i, v             -> 1
//   replace (1 in 16): allocate a vertex with kEdges random edges (8)
//     and put it in a random vertex's place in the array (1)         -> 9
// A replaced vertex stays alive while edges still point at it and becomes
// garbage as they are rewired away, so the heap keeps some churn.
#include <algorithm>
#include <cstddef>
#include <vector>

#include "gc/mutator.h"
#include "gc/shadow_stack.h"
#include "gc/type_descriptor.h"
#include "workloads/managed.h"
#include "workloads/rng.h"
#include "workloads/workload.h"

namespace workloads {
namespace {

constexpr size_t kEdges = 8;

struct Vertex {
  Vertex* edge[kEdges];
  uint64_t id;
};

const gc::Type& VertexType() {
  static const gc::Type type = [] {
    std::vector<size_t> offsets;
    for (size_t i = 0; i < kEdges; ++i) offsets.push_back(i * sizeof(Vertex*));
    return gc::Type("graph-rewire.vertex", sizeof(Vertex), offsets);
  }();
  return type;
}

constexpr double kVerticesAtScale1 = 1 << 19;
constexpr size_t kMinVertices = 16;
constexpr uint64_t kReplaceOneIn = 16;

template <class B>
class GraphRewire final : public Workload {
 public:
  explicit GraphRewire(const Params& params)
      : n_(std::max<size_t>(
            kMinVertices,
            static_cast<size_t>(kVerticesAtScale1 * params.scale))),
        rng_(params.seed),
        frame_(1) {}

  void Setup() override {
    Stores<B> st;  // setup stores are not counted
    frame_.Set(0, Word(gc::Allocate(PointerArrayType(), n_)));
    for (size_t i = 0; i < n_; ++i) {
      Vertex* v = NewVertex();
      st.Write(&Vertices()[i], v);
    }
    for (size_t i = 0; i < n_; ++i) AddEdges(st, Vertices()[i]);
  }

  void Step(uint64_t n) override {
    Stores<B> st;
    for (uint64_t i = 0; i < n; ++i) {
      if (rng_.Below(kReplaceOneIn) == 0) {
        const size_t w = rng_.Below(n_);
        Vertex* v = NewVertex();
        AddEdges(st, v);
        st.Write(&Vertices()[w], v);
      } else {
        Vertex** vs = Vertices();
        Vertex* u = vs[rng_.Below(n_)];
        const size_t e = rng_.Below(kEdges);
        st.Write(&u->edge[e], vs[rng_.Below(n_)]);
      }
    }
    counts_.ops += n;
    st.AddTo(&counts_);
  }

  // Every vertex of the array with its edges, as ids.
  uint64_t Checksum() override {
    uint64_t h = next_id_;
    Vertex** vs = Vertices();
    for (size_t i = 0; i < n_; ++i) {
      h = Mix(h, vs[i]->id);
      for (Vertex* t : vs[i]->edge) h = Mix(h, t->id);
    }
    return h;
  }

 private:
  Vertex** Vertices() const { return Ptr<Vertex*>(frame_.Get(0)); }

  Vertex* NewVertex() {
    Vertex* v = gc::New<Vertex>(VertexType());
    v->id = next_id_++;
    return v;
  }

  void AddEdges(Stores<B>& st, Vertex* v) {
    Vertex** vs = Vertices();
    for (Vertex*& e : v->edge) st.Write(&e, vs[rng_.Below(n_)]);
  }

  const size_t n_;
  Rng rng_;
  gc::RootFrame frame_;  // [0]: the vertex array
  uint64_t next_id_ = 0;
};

}  // namespace

template <>
std::unique_ptr<Workload> Make<WorkloadKind::kGraphRewire>(
    barriers::BarrierKind barrier, barriers::Algorithm algorithm,
    const Params& params) {
  return MakeFor<GraphRewire>(barrier, algorithm, params);
}

}  // namespace workloads
