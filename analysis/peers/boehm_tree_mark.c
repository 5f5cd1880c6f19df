// boehm_tree_mark: the Boehm GC peer of wbbench's BM_MarkThroughput.
//
// Builds a live complete binary tree of 2^22 - 1 nodes of two pointers each
// (16 bytes, GC_MALLOC, 64 MiB), children before their parent as the Go peer
// (go_tree_mark.go) allocates them, and runs GC_gcollect() on it repeatedly
// after one settling collection.  One marker thread: GC_set_markers_count(1)
// before GC_INIT (GC_MARKERS in the environment overrides it); the summary
// line names the number of marker threads Boehm actually runs.
//
// Boehm reports the start and end of its mark phase through the collection
// event callback; the process CPU clock (which would include any helper
// marker thread) and the monotonic clock are read there.  Per collection it
// prints
//
//   boehm collection I: mark wall W ms cpu C ms; gcollect wall W ms cpu C ms
//
// where "mark" is GC_EVENT_MARK_START..MARK_END (world stopped, roots and
// heap traced: comparable with BM_MarkThroughput's manual time and
// mark_cpu_ms) and "gcollect" the whole GC_gcollect() call (mark plus the
// start of Boehm's lazy sweep), then a summary line with the medians.
//
//   cc -O2 boehm_tree_mark.c -lgc -o boehm_tree_mark && ./boehm_tree_mark
#define GC_THREADS  // declares GC_set_markers_count
#include <gc/gc.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { kDepth = 22, kCycles = 10 };

struct node {
  struct node* left;
  struct node* right;
};

static struct node* build(int depth) {
  if (depth == 0) return NULL;
  struct node* left = build(depth - 1);
  struct node* right = build(depth - 1);
  struct node* n = GC_MALLOC(sizeof(struct node));
  if (n == NULL) {
    fprintf(stderr, "boehm_tree_mark: out of memory\n");
    exit(1);
  }
  n->left = left;
  n->right = right;
  return n;
}

static double now_ms(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

// Mark phase timestamps of the collection under way.
static double mark_wall0, mark_cpu0, mark_wall_ms, mark_cpu_ms;

static void on_event(GC_EventType e) {
  if (e == GC_EVENT_MARK_START) {
    mark_wall0 = now_ms(CLOCK_MONOTONIC);
    mark_cpu0 = now_ms(CLOCK_PROCESS_CPUTIME_ID);
  } else if (e == GC_EVENT_MARK_END) {
    mark_wall_ms = now_ms(CLOCK_MONOTONIC) - mark_wall0;
    mark_cpu_ms = now_ms(CLOCK_PROCESS_CPUTIME_ID) - mark_cpu0;
  }
}

static int cmp_double(const void* a, const void* b) {
  const double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

static double median(double* v, int n) {
  qsort(v, (size_t)n, sizeof(double), cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Kept in a global so the tree is a root for every collection.
static struct node* volatile root;

int main(void) {
  GC_set_markers_count(1);
  GC_INIT();
  GC_set_on_collection_event(on_event);
  root = build(kDepth);
  GC_gcollect();  // settle: the first collection also finds the heap's shape
  double mark_wall[kCycles], mark_cpu[kCycles];
  double gc_wall[kCycles], gc_cpu[kCycles];
  for (int i = 0; i < kCycles; ++i) {
    const double w0 = now_ms(CLOCK_MONOTONIC);
    const double c0 = now_ms(CLOCK_PROCESS_CPUTIME_ID);
    mark_wall_ms = mark_cpu_ms = -1;
    GC_gcollect();
    gc_wall[i] = now_ms(CLOCK_MONOTONIC) - w0;
    gc_cpu[i] = now_ms(CLOCK_PROCESS_CPUTIME_ID) - c0;
    mark_wall[i] = mark_wall_ms;
    mark_cpu[i] = mark_cpu_ms;
    printf(
        "boehm collection %d: mark wall %.3f ms cpu %.3f ms; "
        "gcollect wall %.3f ms cpu %.3f ms\n",
        i, mark_wall[i], mark_cpu[i], gc_wall[i], gc_cpu[i]);
  }
  printf(
      "boehm median over %d collections, %ld nodes, heap %lu bytes, "
      "%d marker threads: "
      "mark wall %.3f ms cpu %.3f ms; gcollect wall %.3f ms cpu %.3f ms\n",
      kCycles, (1L << kDepth) - 1, (unsigned long)GC_get_heap_size(),
      GC_get_parallel() + 1,
      median(mark_wall, kCycles), median(mark_cpu, kCycles),
      median(gc_wall, kCycles), median(gc_cpu, kCycles));
  return root != NULL ? 0 : 1;
}
