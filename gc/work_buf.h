// File: gc/work_buf.h
//
// Gray work as Go's gcWork (runtime/mgcwork.go): the queue of objects that
// are marked but not yet scanned.
//
// Algorithm.  Gray objects live in fixed-size WorkBufs.  Each marking context
// (a mutator's P, a dedicated mark worker, the thread that drives a cycle by
// hand) owns a GcWork holding two of them, `wbuf1_` (the one being pushed to
// and popped from) and `wbuf2_` (a spare).  Go's trick: when wbuf1 is full
// (empty) the two are swapped before touching the shared lists, so a context
// that alternates put/get around a buffer boundary does not hammer the global
// lists.  Only when both are full (empty) does a GcWork give a full buffer to
// the global WorkQueue (take a full one from it).  Idle mark workers find
// work by taking full buffers from the global list; a context that holds the
// only gray objects while others starve publishes its partial buffer
// (Balance, Go's gcWork.balance).
//
// Invariants.
//  - A WorkBuf is in exactly one place: the queue's full list, the queue's
//    empty list, or held by one GcWork.  The queue owns the memory.
//  - Gray objects are never lost by buffer motion: a GcWork that stops
//    marking calls Dispose(), which moves every non-empty buffer to the full
//    list.  Mark termination disposes every GcWork with the world stopped.
//
// Memory ordering.  The global lists are protected by one mutex; a buffer's
// contents are published by PutFull (unlock) and acquired by TryGetFull
// (lock).  `nfull_` is an atomic copy of the full-list length that pollers
// read without the lock (a hint; decisions that matter re-check under it or
// with the world stopped).  A GcWork itself is single-threaded: only its
// owner touches it, or the collector while the world is stopped.
//
// Who calls what.  Put/PutBatch/TryGet/Balance/Dispose: the owning context,
// during marking.  WorkQueue::Reset: the collector, between cycles, when every
// GcWork has been disposed.
#ifndef WBBENCH_GC_WORK_BUF_H_
#define WBBENCH_GC_WORK_BUF_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>

namespace gc {

// Go's _WorkbufSize: 2 KiB.  Large enough that the global lock is taken once
// per ~250 objects, small enough that a partially filled buffer parked on an
// idle P hides little work.
inline constexpr size_t kWorkBufBytes = 2048;

struct WorkBuf {
  WorkBuf* next = nullptr;
  size_t nobj = 0;
  // Header is two words; the rest holds object base addresses.
  static constexpr size_t kCapacity =
      (kWorkBufBytes - 2 * sizeof(void*)) / sizeof(uintptr_t);
  uintptr_t obj[kCapacity];
};
static_assert(sizeof(WorkBuf) == kWorkBufBytes);

// The global full and empty lists (Go's work.full, work.empty).
class WorkQueue {
 public:
  WorkQueue() = default;
  ~WorkQueue();
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  // An empty buffer, from the empty list or freshly allocated.  Never
  // throws (the write-barrier flush, which generated code calls, reaches it):
  // out of memory, it prints one line and aborts.
  WorkBuf* GetEmpty() noexcept;
  void PutEmpty(WorkBuf* b);
  // Publishes a non-empty buffer for any context to take.
  void PutFull(WorkBuf* b);
  // A full (non-empty) buffer, or nullptr if the list is empty.
  WorkBuf* TryGetFull();

  // Lock-free hint: whether the full list was non-empty a moment ago.
  bool HasFull() const { return nfull_.load(std::memory_order_acquire) != 0; }
  size_t FullCount() const { return nfull_.load(std::memory_order_acquire); }
  // Buffers ever allocated (a memory statistic).
  size_t Allocated() const;

  // Called whenever a buffer is published; the collector uses it to wake idle
  // workers.  Set once, before marking starts.
  void set_on_publish(void (*fn)(void*), void* arg) {
    on_publish_ = fn;
    on_publish_arg_ = arg;
  }

 private:
  mutable std::mutex mu_;
  WorkBuf* full_ = nullptr;
  WorkBuf* empty_ = nullptr;
  std::atomic<size_t> nfull_{0};
  // Every buffer, owned (malloc'd array, so that growing it cannot throw).
  WorkBuf** all_ = nullptr;
  size_t nall_ = 0, cap_ = 0;
  void (*on_publish_)(void*) = nullptr;
  void* on_publish_arg_ = nullptr;
};

// Go's gcWork: one marking context's gray objects.
class GcWork {
 public:
  GcWork() = default;
  GcWork(const GcWork&) = delete;
  GcWork& operator=(const GcWork&) = delete;

  void set_queue(WorkQueue* q) { queue_ = q; }
  WorkQueue* queue() const { return queue_; }

  // Pushes one gray object (Go's putFast, falling back to put).
  void Put(uintptr_t obj) {
    WorkBuf* b = wbuf1_;
    if (b != nullptr && b->nobj < WorkBuf::kCapacity) {
      b->obj[b->nobj++] = obj;
      return;
    }
    PutSlow(obj);
  }
  // Pushes n gray objects (Go's putBatch, used by the barrier flush).
  void PutBatch(const uintptr_t* objs, size_t n);

  // Pops a gray object, taking a full buffer from the global list when both
  // local buffers are empty (Go's tryGetFast, falling back to tryGet).
  bool TryGet(uintptr_t* obj) {
    WorkBuf* b = wbuf1_;
    if (b != nullptr && b->nobj > 0) {
      *obj = b->obj[--b->nobj];
      return true;
    }
    // The slow path returns the object rather than storing through `obj`, so
    // that the caller's variable can stay in a register.
    *obj = TryGetSlow();
    return *obj != 0;
  }

  // True if this context holds no gray objects.
  bool LocalEmpty() const {
    return (wbuf1_ == nullptr || wbuf1_->nobj == 0) &&
           (wbuf2_ == nullptr || wbuf2_->nobj == 0);
  }
  // Gray objects this context holds.
  size_t LocalCount() const {
    return (wbuf1_ == nullptr ? 0 : wbuf1_->nobj) +
           (wbuf2_ == nullptr ? 0 : wbuf2_->nobj);
  }
  // Publishes local work when the global list is empty (Go's balance).
  void Balance();
  // Go's balance as gcDrain runs it, for a context that drains its own work
  // while another waits for some: when the global list is empty, publishes
  // wbuf2 if it holds anything, else the older half of wbuf1 when it holds
  // more than 4 objects (Go's handoff), keeping the newest, cache-warm half.
  void Handoff();
  // Publishes all local work and returns the buffers (Go's dispose).
  void Dispose();

  // Statistics, read by the collector with the world stopped.  (All data
  // members are private so that P, which embeds a GcWork, stays
  // standard-layout for the JIT's offsetof.)
  void CountMarked(size_t bytes) {
    bytes_marked_ += bytes;
    ++objects_marked_;
  }
  void AddScanWork(size_t bytes) { scan_work_ += bytes; }
  uint64_t bytes_marked() const { return bytes_marked_; }
  uint64_t objects_marked() const { return objects_marked_; }
  uint64_t scan_work() const { return scan_work_; }
  void ResetStats() { bytes_marked_ = objects_marked_ = scan_work_ = 0; }

 private:
  void PutSlow(uintptr_t obj);
  uintptr_t TryGetSlow();  // 0: no gray object anywhere

  WorkQueue* queue_ = nullptr;
  WorkBuf* wbuf1_ = nullptr;
  WorkBuf* wbuf2_ = nullptr;
  uint64_t bytes_marked_ = 0;    // bytes of objects this context shaded
  uint64_t objects_marked_ = 0;  // objects this context shaded
  uint64_t scan_work_ = 0;       // bytes of objects this context scanned
};

}  // namespace gc

#endif  // WBBENCH_GC_WORK_BUF_H_
