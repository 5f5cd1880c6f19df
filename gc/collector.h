// File: gc/collector.h
//
// The concurrent tri-colour marker, shaped like Go's (runtime/mgc.go).
//
// A cycle, as Go runs it:
//  1. Start pause (gcStart): stop the world; finish sweeping the last cycle;
//     phase kOff -> kMark; allocate black; turn the write barrier on; queue
//     the root jobs (the globals area, and each stack whose scan the policy
//     makes per-mutator); under kStwAtStart (Yuasa) scan every stack now.
//     Restart the world.
//  2. Concurrent mark: dedicated workers (config.workers threads) run root
//     jobs, scan stacks of parked mutators, and drain gray objects, taking
//     full buffers from the global list; a running mutator scans its own
//     stack at its next safepoint; allocating mutators assist in proportion
//     to their allocation (gc/pacer.h).  Barrier flushes (ShadeBatch) shade
//     into the flushing P's gray buffer.
//  3. Mark termination (gcMarkDone + gcMarkTermination): when no worker is
//     busy, the global list is empty and every root job is done, stop the
//     world and flush every P's write-barrier buffer through ShadeBatch and
//     every P's gray buffer to the global list.  If that produced work, the
//     world restarts and marking resumes (a "retry"; after
//     kMaxTerminationRetries the remainder is drained in the pause, which is
//     always sound).  Under kRescanAtTermination (Dijkstra) every stack is
//     rescanned and drained now.  Then --verify runs the checkmark, the
//     barrier goes off, allocation stops being black, phase -> kOff, the
//     heap starts sweeping, and the world restarts.
// In kStw mode the whole cycle runs in one pause and the barrier stays off.
// Under GcConfig::barrier_always_on (cgocheck, as Go's cgocheck=2) the
// barrier is on from construction to destruction, in every phase and mode;
// only marking shades (barriers::ShouldShade).
//
// In kIncremental mode there are no collector threads at all: the same
// steps run on the mutators' own threads, at Gosched() (gc/mutator.h), one
// bounded step at a time: a step starts a cycle if none is running (and
// the caller scans its own stack), or pays the assist debt the P's
// allocation ran up and marks for as long as the mutator ran since its
// last step (kIncrementalMaxStepNs; or, with
// GcConfig::incremental_step_work, a fixed amount of scan work), and, when
// it finds no work left, tries mark termination and finishes the cycle.
// Allocation only records assist debt (no assist runs inside mutator code),
// and the step that finishes a cycle also sweeps the heap.  Cycles thus
// run back to back, as in kContinuous, while the code between two
// Gosched() calls runs with nothing else marking or sweeping (the harness
// times exactly that code: harness/repetition.h).  One step runs at a time
// (a mutator that finds another one's step running skips its own).
//
// Tri-colour invariant.  Black = marked and scanned (or noscan), gray =
// marked and queued, white = unmarked.  Which invariant holds depends on the
// barrier algorithm and the stack-scan policy, which are paired in
// barriers/algorithm.h: hybrid (shade old and new) with per-mutator stack
// scans; Dijkstra (shade new) with a termination rescan; Yuasa (shade old)
// with a start-of-cycle stack snapshot.  Mismatched pairs are the unsound
// demonstrations (see UnsafeKnobs), which the verifier catches.
//
// Phases (GcPhase) change only with the world stopped, through
// SetPhase(), which checks the transition.
//
// Two drivers share the same steps:
//  - Threaded: Start() launches a coordinator thread (cycles on the pacer's
//    trigger, back to back in kContinuous, or on Collect()) and
//    config.workers mark workers (gc/mark_workers.h).  Stop() joins them.
//  - Manual, for tests that script interleavings (no threads at all with
//    workers = 0 and Start() never called): StartCycle(), MarkSome(n) /
//    DrainAll(), StartTermination() (false: work appeared, still marking),
//    FinishCycle().  The calling thread is the collector; mutators it has
//    not entered are parked, so its pauses are immediate.
//
// Who may call what.  Start/Stop/Collect and the manual steps: one
// controlling thread (never a mark worker); the manual steps must not be
// mixed with a running coordinator.  The thread may have a mutator entered;
// its own G counts as stopped in the pauses it makes.  Heap::Init(config)
// comes first (the heap is process-wide); every Mutator is destroyed before
// its Collector and before the next Heap::Init.
//
// Typical use:
//   Heap::Init(config);
//   Collector collector(config);          // + UnsafeKnobs for demos
//   collector.Start();                    // threaded driver
//   // on each mutator thread:
//   MutatorScope m(collector);            // G, M, P, shadow stack, MCache
//   RootFrame roots(8);                   // stack slots, no barrier
//   roots.Set(0, (uintptr_t)Allocate(type));
//   Safepoint();                          // in every loop
//   { ParkScope park; BlockingCall(); }   // never block unparked
//   // back on the controlling thread:
//   collector.Stop();  collector.stats().History();
//
// Memory ordering.  Phase, cycle counters and the barrier byte change with
// the world stopped, under mu_; everything a mutator did before it stopped
// or parked happens-before the pause (the mutex), and the pause's changes
// happen-before the mutator runs again.
#ifndef WBBENCH_GC_COLLECTOR_H_
#define WBBENCH_GC_COLLECTOR_H_

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gc/checkmark.h"
#include "gc/gc_config.h"
#include "gc/gc_stats.h"
#include "gc/pacer.h"
#include "gc/runtime.h"
#include "gc/work_buf.h"

namespace gc {

class BackgroundSweeper;
class Scavenger;

// V(EnumName, "name", "doc")
#define WBBENCH_FOR_EACH_GC_PHASE(V)                                   \
  V(kOff, "off", "not marking; barrier off; the heap may be sweeping") \
  V(kMark, "mark", "concurrent marking; barrier on")                   \
  V(kMarkTermination, "mark termination", "world stopped, finishing the mark")

enum class GcPhase : uint8_t {
#define WBBENCH_GC_PHASE_ENUM(e, name, doc) e,
  WBBENCH_FOR_EACH_GC_PHASE(WBBENCH_GC_PHASE_ENUM)
#undef WBBENCH_GC_PHASE_ENUM
};
const char* GcPhaseName(GcPhase phase);

// Unsound configurations, for demonstrations and for proving that the
// verifier can fail.  The other two unsound pairings need no knob: run the
// Yuasa (shade-old) or Dijkstra (shade-new) barrier with
// GcConfig::stack_scan = kPerMutatorConcurrent.
struct UnsafeKnobs {
  // Mark concurrently but leave write_barrier_enabled at 0 (the `none`
  // barrier under concurrent marking).
  bool barrier_off_during_mark = false;
  // GcConfig::cards: leave the dirty cards unscanned in the termination
  // pause (cardmark without CMS's remark: stores after the last preclean
  // pass go unseen).
  bool skip_card_remark = false;
};

// Termination pauses that find new work go back to concurrent marking this
// many times; then the rest is drained in the pause.  Go retries without a
// bound; a bound keeps a mutator that re-dirties its buffer every few
// microseconds from starving the cycle, at the price of a longer last pause.
inline constexpr int kMaxTerminationRetries = 8;

// GcConfig::cards: preclean passes run until one finds at most
// kPrecleanDoneCards dirty cards, or kMaxPrecleanPasses have run (CMS's
// abortable preclean).  Each pass costs a read of the whole card table
// (128 KiB per 64 MiB arena) and one membarrier; a pass that leaves a few
// dozen cards leaves the remark a few microseconds of scanning, so more
// passes would mostly chase a mutator that keeps dirtying.
inline constexpr size_t kPrecleanDoneCards = 32;
inline constexpr int kMaxPrecleanPasses = 4;

// An incremental step marks for as long as its mutator ran since its last
// step (after paying the P's assist debt): the time split a dedicated mark
// worker on a second core gives, so the mark proceeds at the pace it keeps
// under kContinuous and the two schedules differ only in running the
// marker beside the mutator.  A step is capped at 2 ms (a mutator that
// blocked for long does not owe a long step), and reads the clock every 64
// objects (a few hundred nanoseconds of marking).
inline constexpr int64_t kIncrementalMaxStepNs = 2'000'000;
inline constexpr size_t kIncrementalClockEvery = 64;

class Collector {
 public:
  explicit Collector(const GcConfig& config, UnsafeKnobs knobs = {});
  // Stops the threaded driver if running.  Every Mutator must be destroyed
  // first.
  ~Collector();
  Collector(const Collector&) = delete;
  Collector& operator=(const Collector&) = delete;

  const GcConfig& config() const { return config_; }
  const UnsafeKnobs& knobs() const { return knobs_; }

  // --- Threaded driver ---------------------------------------------------
  // Launches the coordinator and the dedicated workers (none in kOff mode).
  void Start();
  // Finishes the cycle in progress and joins every thread.
  void Stop();
  // Runs one complete cycle (Go's runtime.GC): on the coordinator if
  // started, else on the caller; nothing in kOff mode.  Returns when a cycle
  // that began after the call has finished.  The caller's own mutator, if any,
  // is parked while it waits.
  void Collect();

  // --- Manual driver -----------------------------------------------------
  // Start pause.  In kStw mode the world stays stopped until FinishCycle.
  void StartCycle();
  // Marks on the calling thread: root jobs first, then up to
  // `max_objects` gray objects.  Returns true if it found any work.
  bool MarkSome(size_t max_objects);
  // MarkSome until there is no work left that this thread can reach
  // (running mutators may still owe their stack scans).
  void DrainAll();
  // GcConfig::cards: one preclean pass (CMS), concurrent: claims every dirty
  // card, serializes the mutators and rescans the claimed cards' marked
  // objects (gc/card_rescan.cc), leaving what it greys to the marker.
  // Returns the cards rescanned.  StartTermination runs the passes itself;
  // tests call this to place a store after the last one.
  size_t Preclean();
  // GcConfig::cards: this cycle's preclean passes are over (what is dirtied
  // from now on is the remark's).  Any thread; tests time stores by it.
  bool precleaned() const {
    return preclean_done_.load(std::memory_order_acquire);
  }
  // Termination pause, first half.  Returns false if work appeared and
  // marking goes on: flushing the buffers produced some (the world was
  // restarted), or, under GcConfig::cards, a preclean pass ran first and
  // found dirty cards (the world was not stopped).  Returns true with the
  // world stopped and phase kMarkTermination.
  bool StartTermination();
  // Termination pause, second half: verify, barrier off, sweep, restart.
  void FinishCycle();
  // StartCycle, mark, terminate (with retries), FinishCycle, on the caller.
  void RunCycle();

  // --- State and statistics ----------------------------------------------
  GcPhase phase() const { return phase_.load(std::memory_order_acquire); }
  // Cycles started so far (the current one if marking).
  uint64_t cycle() const { return cycle_.load(std::memory_order_acquire); }
  uint64_t cycles_completed() const {
    return completed_.load(std::memory_order_acquire);
  }
  const GcStats& stats() const { return stats_; }
  const Pacer& pacer() const { return pacer_; }
  // Whether a scavenger runs beside this collector (GcConfig::scavenge and a
  // mode with background threads).
  bool scavenging() const {
    return config_.scavenge && config_.mode != GcMode::kOff &&
           config_.mode != GcMode::kIncremental;
  }
  // The last --verify result (or of VerifyNow).
  CheckmarkResult last_checkmark() const;
  // Runs the checkmark now; the world must be stopped by the caller
  // (between StartTermination() == true and FinishCycle()).
  CheckmarkResult VerifyNow();
  // True if a stack scan of this cycle is still owed by some mutator.
  bool StacksPending() const {
    return stacks_pending_.load(std::memory_order_acquire) != 0;
  }
  // Bytes the heap has in use (allocated and not yet swept free).
  uint64_t HeapLive() const;

  // --- For Mutator and the allocator (gc/mutator.cc) ---------------------
  // The scheduler (gc/scheduler.h).
  void Register(G* g);
  void Unregister(G* g);
  void Park(G* g);
  void Unpark(G* g);
  void SafepointSlow(G* g);
  // Allocation slow path bookkeeping: trigger, assists, hard goal.
  void OnAllocate(P* p, int64_t bytes);
  // kIncremental's step on the calling mutator `g` (see above;
  // gc/incremental.cc).
  void IncrementalStep(G* g);
  // Incremental steps that ran (any phase): the harness checks none runs
  // inside a timed chunk.
  uint64_t mark_steps() const {
    return mark_steps_.load(std::memory_order_relaxed);
  }

  // Tests only: `hook` runs at each of a dedicated mark worker's checks for
  // a pause (every 256 objects it scans), with the number of gray objects
  // the worker holds; returning true stops the worker there exactly as a
  // termination attempt's pause does (it disposes its gray work, then looks
  // for work again).  Process-wide; nullptr removes it.
  static void SetWorkerInterruptForTesting(bool (*hook)(size_t held));

 private:
  struct Worker;

  // Scheduler (gc/scheduler.cc; "Locked": mu_ held).
  void StopTheWorldLocked(std::unique_lock<std::mutex>& lock);
  void StartTheWorldLocked();
  bool WorldStoppedExceptLocked(G* self) const;
  void ScanStackLocked(G* g, GcWork& gcw);
  bool HasParkedScanLocked() const;
  bool ScanParkedStacks(GcWork& gcw);

  // The cycle's steps.
  bool ScanGlobalsJob(GcWork& gcw);
  void SetPhase(GcPhase next);
  void FlushWbBuf(P* p);
  // GcConfig::cards (gc/card_rescan.cc): rescans one claimed card into
  // gcw; the remark, in the termination pause.
  void ScanCard(GcWork& gcw, uintptr_t card);
  void RemarkCardsLocked();

  // Marking.
  // With `stopped` (a mark worker), stops early at a pause or a test's
  // interrupt and sets *stopped.
  size_t Drain(GcWork& gcw, size_t max_objects, bool* stopped);
  bool WorkerStopRequested(const GcWork& gcw) const;
  bool MarkDoneLocked() const;
  void WaitMarkDone();
  void DrainInPause();
  void CollectTotals(CycleStats& s);
  std::vector<uintptr_t> RootsLocked();
  void Assist(P* p);
  // kIncremental (gc/incremental.cc), on the calling thread with its
  // mutator (if any) parked: finishes the cycle the steps are running,
  // then, with `another_cycle`, runs one more (Stop, Collect).
  // FinishIncrementalCycleLocked: the same with step_mu_ held.
  void RunIncremental(bool another_cycle);
  void FinishIncrementalCycleLocked();

  // Threads (gc/mark_workers.h).
  bool TriggeredLocked() const;
  void CoordinatorLoop();
  void WorkerLoop(Worker* w);
  static void OnPublish(void* self);

  const GcConfig config_;
  const UnsafeKnobs knobs_;
  const bool per_mutator_scan_;  // stacks scanned concurrently, one by one
  const int64_t created_ns_;

  // Scheduler state (gc/scheduler.h, "Locking").
  mutable std::mutex mu_;
  std::condition_variable cv_;          // G status changes, world restarts
  std::condition_variable work_cv_;     // work published, workers idle
  std::condition_variable trigger_cv_;  // the coordinator's trigger
  std::vector<G*> gs_;
  int next_g_id_ = 1;
  bool world_stopped_ = false;
  std::thread::id stopper_;  // the thread that stopped the world

  std::atomic<GcPhase> phase_{GcPhase::kOff};
  std::atomic<uint64_t> cycle_{0};
  std::atomic<uint64_t> completed_{0};
  std::atomic<int> stacks_pending_{0};
  std::atomic<int> globals_job_{0};  // 0 pending, 1 claimed, 2 done

  // Marking state.
  WorkQueue queue_;
  GcWork driver_gcw_;  // the controlling thread's context
  std::atomic<int64_t> mark_cpu_ns_{0};
  std::atomic<int64_t> assist_ns_{0};
  uint64_t retired_bytes_ = 0;  // shaded by mutators since unregistered
  uint64_t retired_objects_ = 0;
  uint64_t repaired_bytes_ = 0;  // marked by the verifier this cycle
  // Go's heapLive: marked heap at the last termination plus allocation since
  // (Ps report it every kPacerCheckBytes and at every pause).
  std::atomic<uint64_t> live_{0};
  Pacer pacer_;
  CycleStats current_;
  int64_t mark_started_ns_ = 0;
  int64_t pause_t0_ = 0;
  // GcConfig::cards: the preclean passes of this cycle are over (written
  // by the controlling thread); the claimed cards of a pass (reused; the
  // controlling thread's).
  std::atomic<bool> preclean_done_{false};
  std::vector<uintptr_t> claimed_cards_;
  GcStats stats_;
  mutable std::mutex result_mu_;
  CheckmarkResult last_checkmark_;

  // Threaded driver.
  std::vector<std::unique_ptr<Worker>> workers_;
  std::thread coordinator_;
  std::unique_ptr<Scavenger> scavenger_;  // before the sweeper, which wakes it
  std::unique_ptr<BackgroundSweeper> sweeper_;
  bool started_ = false;           // under mu_
  bool stopping_ = false;          // under mu_
  bool workers_stopping_ = false;  // under mu_
  bool cycle_requested_ = false;   // under mu_
  int active_workers_ = 0;         // under mu_
  std::atomic<int> idle_waiters_{0};
  std::atomic<bool> threads_running_{false};
  std::atomic<bool> pause_workers_{true};

  // Incremental driver.
  std::mutex step_mu_;  // one step at a time; try-locked by mutators
  std::atomic<uint64_t> mark_steps_{0};
};

}  // namespace gc

#endif  // WBBENCH_GC_COLLECTOR_H_
