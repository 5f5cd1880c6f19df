// File: workloads/hash_chain.h
//
// Separate chaining, shared by the hash-map workloads (hash-churn, lru): a
// bucket is a slot of a managed pointer array holding the first entry of a
// chain, and an entry E links to the next through its field `E* hnext` and
// is found by its `uint64_t key` (already well mixed, so the bucket is
// `key & mask`).  Every link update is a counted pointer store.
#ifndef WBBENCH_WORKLOADS_HASH_CHAIN_H_
#define WBBENCH_WORKLOADS_HASH_CHAIN_H_

#include <cstdint>

#include "workloads/workload.h"

namespace workloads {

// The link (bucket slot or an hnext field) pointing at the entry with
// `key` in the chain starting at *bucket, or nullptr.
template <class E>
E** FindLink(E** bucket, uint64_t key) {
  for (E** link = bucket; *link != nullptr; link = &(*link)->hnext) {
    if ((*link)->key == key) return link;
  }
  return nullptr;
}

// Puts e first in the chain at *bucket: two stores.
template <class B, class E>
void ChainPush(Stores<B>& st, E** bucket, E* e) {
  st.Write(&e->hnext, *bucket);
  st.Write(bucket, e);
}

// Removes the entry *link points at from its chain: one store.
template <class B, class E>
void ChainUnlink(Stores<B>& st, E** link) {
  st.Write(link, (*link)->hnext);
}

}  // namespace workloads

#endif  // WBBENCH_WORKLOADS_HASH_CHAIN_H_
