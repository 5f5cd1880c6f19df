// File: workloads/list_queue.cc
//
// list-queue: FIFO queues of linked nodes with push/pop churn, the shape of
// a work-queue or channel-backed scheduler.  Nodes move between kQueues
// queues (1 Mi nodes at scale 1), so most stores go into objects that have
// been live for a long time: the queue headers (an array of {head, tail}
// allocated once) and the tail node a push appends to, which has waited
// there since the last push to that queue.
//
// One operation: pick a queue a at random.  If it is empty, push a fresh
// node into it.  Otherwise pop its head x and push x onto a random queue b;
// one time in kDropOneIn, x is dropped instead (garbage) and a fresh node
// pushed in its place.  Pointer stores, counted:
//   pop:  a.head = x.next; x.next = nil (as Go's container/list clears
//         links); a.tail = nil if a became empty      -> 2 or 3
//   push: (b.tail ? b.tail.next : b.head) = x; b.tail = x  -> 2
// so 2, 4 or 5 per operation.
#include <algorithm>
#include <cstddef>

#include "gc/mutator.h"
#include "gc/shadow_stack.h"
#include "gc/type_descriptor.h"
#include "workloads/managed.h"
#include "workloads/rng.h"
#include "workloads/workload.h"

namespace workloads {
namespace {

struct Node {
  Node* next;
  uint64_t value;
};

struct Queue {
  Node* head;
  Node* tail;
};

const gc::Type& NodeType() {
  static const gc::Type type =
      gc::Type::Of<Node>("list-queue.node", {offsetof(Node, next)});
  return type;
}

const gc::Type& QueueType() {
  static const gc::Type type = gc::Type::Of<Queue>(
      "list-queue.queue", {offsetof(Queue, head), offsetof(Queue, tail)});
  return type;
}

// 256 queues keep several thousand nodes each at scale 1, so an empty queue
// is rare; 1 Mi nodes of 16 bytes make a 16 MiB live set.  A quarter of the
// pops recycle their node, so a quarter of the operations allocate.
constexpr size_t kQueues = 256;
constexpr double kNodesAtScale1 = 1 << 20;
constexpr uint64_t kDropOneIn = 4;

template <class B>
class ListQueue final : public Workload {
 public:
  explicit ListQueue(const Params& params)
      : nodes_(std::max<size_t>(
            kQueues, static_cast<size_t>(kNodesAtScale1 * params.scale))),
        rng_(params.seed),
        frame_(1) {}

  void Setup() override {
    Stores<B> st;  // setup stores are not counted
    frame_.Set(0, Word(gc::Allocate(QueueType(), kQueues)));
    for (size_t i = 0; i < nodes_; ++i) Push(st, i % kQueues, NewNode());
  }

  void Step(uint64_t n) override {
    Stores<B> st;
    for (uint64_t i = 0; i < n; ++i) {
      const size_t a = rng_.Below(kQueues);
      if (Queues()[a].head == nullptr) {
        Push(st, a, NewNode());
        continue;
      }
      Node* x = Pop(st, a);
      const size_t b = rng_.Below(kQueues);
      if (rng_.Below(kDropOneIn) == 0) x = NewNode();  // x is garbage now
      Push(st, b, x);
    }
    counts_.ops += n;
    st.AddTo(&counts_);
  }

  // Every queue's values in order.
  uint64_t Checksum() override {
    uint64_t h = next_value_;
    for (size_t q = 0; q < kQueues; ++q) {
      h = Mix(h, q);
      for (Node* x = Queues()[q].head; x != nullptr; x = x->next) {
        h = Mix(h, x->value);
      }
    }
    return h;
  }

 private:
  Queue* Queues() const { return Ptr<Queue>(frame_.Get(0)); }

  Node* NewNode() {
    Node* x = gc::New<Node>(NodeType());
    x->value = next_value_++;
    return x;
  }

  void Push(Stores<B>& st, size_t q, Node* x) {
    Queue& queue = Queues()[q];
    st.Write(queue.tail != nullptr ? &queue.tail->next : &queue.head, x);
    st.Write(&queue.tail, x);
  }

  Node* Pop(Stores<B>& st, size_t q) {
    Queue& queue = Queues()[q];
    Node* x = queue.head;
    st.Write(&queue.head, x->next);
    if (x->next == nullptr) st.Write(&queue.tail, static_cast<Node*>(nullptr));
    st.Write(&x->next, static_cast<Node*>(nullptr));
    return x;
  }

  const size_t nodes_;
  Rng rng_;
  gc::RootFrame frame_;  // [0]: the queue headers
  uint64_t next_value_ = 0;
};

}  // namespace

template <>
std::unique_ptr<Workload> Make<WorkloadKind::kListQueue>(
    barriers::BarrierKind barrier, barriers::Algorithm algorithm,
    const Params& params) {
  return MakeFor<ListQueue>(barrier, algorithm, params);
}

}  // namespace workloads
