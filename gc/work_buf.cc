// File: gc/work_buf.cc
//
// Slow paths of the gray work buffers; see work_buf.h for the algorithm.
#include "gc/work_buf.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <utility>

namespace gc {

namespace {

[[noreturn]] void OutOfMemory() {
  std::fprintf(stderr, "wbbench: out of memory for gray work buffers\n");
  std::abort();
}

}  // namespace

WorkQueue::~WorkQueue() {
  for (size_t i = 0; i < nall_; ++i) delete all_[i];
  std::free(all_);
}

WorkBuf* WorkQueue::GetEmpty() noexcept {
  std::lock_guard<std::mutex> lock(mu_);
  if (empty_ != nullptr) {
    WorkBuf* b = empty_;
    empty_ = b->next;
    b->next = nullptr;
    return b;
  }
  if (nall_ == cap_) {
    const size_t cap = cap_ == 0 ? 64 : 2 * cap_;
    void* all = std::realloc(all_, cap * sizeof(WorkBuf*));
    if (all == nullptr) OutOfMemory();
    all_ = static_cast<WorkBuf**>(all);
    cap_ = cap;
  }
  WorkBuf* b = new (std::nothrow) WorkBuf();
  if (b == nullptr) OutOfMemory();
  all_[nall_++] = b;
  return b;
}

void WorkQueue::PutEmpty(WorkBuf* b) {
  b->nobj = 0;
  std::lock_guard<std::mutex> lock(mu_);
  b->next = empty_;
  empty_ = b;
}

void WorkQueue::PutFull(WorkBuf* b) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    b->next = full_;
    full_ = b;
    nfull_.fetch_add(1, std::memory_order_release);
  }
  if (on_publish_ != nullptr) on_publish_(on_publish_arg_);
}

WorkBuf* WorkQueue::TryGetFull() {
  if (!HasFull()) return nullptr;
  std::lock_guard<std::mutex> lock(mu_);
  WorkBuf* b = full_;
  if (b == nullptr) return nullptr;
  full_ = b->next;
  b->next = nullptr;
  nfull_.fetch_sub(1, std::memory_order_relaxed);
  return b;
}

size_t WorkQueue::Allocated() const {
  std::lock_guard<std::mutex> lock(mu_);
  return nall_;
}

__attribute__((noinline, cold)) void GcWork::PutSlow(uintptr_t obj) {
  if (wbuf1_ == nullptr) {
    wbuf1_ = queue_->GetEmpty();
    wbuf2_ = queue_->GetEmpty();
  } else {
    std::swap(wbuf1_, wbuf2_);
    if (wbuf1_->nobj == WorkBuf::kCapacity) {
      queue_->PutFull(wbuf1_);
      wbuf1_ = queue_->GetEmpty();
    }
  }
  wbuf1_->obj[wbuf1_->nobj++] = obj;
}

void GcWork::PutBatch(const uintptr_t* objs, size_t n) {
  while (n > 0) {
    WorkBuf* b = wbuf1_;
    if (b == nullptr || b->nobj == WorkBuf::kCapacity) {
      PutSlow(*objs++);  // makes room and stores one
      --n;
      continue;
    }
    size_t room = WorkBuf::kCapacity - b->nobj;
    size_t k = n < room ? n : room;
    for (size_t i = 0; i < k; ++i) b->obj[b->nobj + i] = objs[i];
    b->nobj += k;
    objs += k;
    n -= k;
  }
}

__attribute__((noinline)) uintptr_t GcWork::TryGetSlow() {
  if (wbuf1_ == nullptr) {
    wbuf1_ = queue_->GetEmpty();
    wbuf2_ = queue_->GetEmpty();
  }
  std::swap(wbuf1_, wbuf2_);
  if (wbuf1_->nobj == 0) {
    WorkBuf* full = queue_->TryGetFull();
    if (full == nullptr) return 0;
    queue_->PutEmpty(wbuf1_);
    wbuf1_ = full;
  }
  return wbuf1_->obj[--wbuf1_->nobj];
}

void GcWork::Balance() {
  if (queue_ == nullptr || queue_->HasFull()) return;
  if (wbuf2_ != nullptr && wbuf2_->nobj != 0) {
    queue_->PutFull(wbuf2_);
    wbuf2_ = queue_->GetEmpty();
  } else if (wbuf1_ != nullptr && wbuf1_->nobj != 0) {
    // Keep nothing back: a partial buffer is all the work there is, and a
    // mutator's P does not drain its own buffer unless it assists.
    queue_->PutFull(wbuf1_);
    wbuf1_ = queue_->GetEmpty();
  }
}

void GcWork::Handoff() {
  if (queue_ == nullptr || queue_->HasFull()) return;
  if (wbuf2_ != nullptr && wbuf2_->nobj != 0) {
    queue_->PutFull(wbuf2_);
    wbuf2_ = queue_->GetEmpty();
  } else if (wbuf1_ != nullptr && wbuf1_->nobj > 4) {
    WorkBuf* kept = queue_->GetEmpty();
    const size_t n = wbuf1_->nobj / 2;
    wbuf1_->nobj -= n;
    std::copy(wbuf1_->obj + wbuf1_->nobj, wbuf1_->obj + wbuf1_->nobj + n,
              kept->obj);
    kept->nobj = n;
    queue_->PutFull(wbuf1_);
    wbuf1_ = kept;
  }
}

void GcWork::Dispose() {
  for (WorkBuf** slot : {&wbuf1_, &wbuf2_}) {
    WorkBuf* b = *slot;
    if (b == nullptr) continue;
    if (b->nobj != 0) {
      queue_->PutFull(b);
    } else {
      queue_->PutEmpty(b);
    }
    *slot = nullptr;
  }
}

}  // namespace gc
