// go_tree_reverse: the Go peer of wbbench's tree-reverse workload, for the
// calibration (analysis/calibrate.py).
//
// The loop is the one of Go's BenchmarkWriteBarrier (runtime/gc_test.go):
// a complete binary tree of 2^depth - 1 16-byte {l, r} nodes (depth 22:
// 64 MiB), reversed one step per iteration with an explicit stack held in a
// local array (on the goroutine stack, so its writes take no barrier).  An
// iteration at an inner node swaps its children (two pointer stores into
// the heap) and pushes both; one at a leaf pops.  Half of the iterations
// swap, so there is one store per iteration on average.  BenchmarkWriteBarrier
// counts two iterations per loop trip (`i += 2`) and so reports half the cost
// of one store; this program counts the stores it actually makes.
//
// -gc=continuous keeps the collector running as writeBarrierBenchmark does:
// a goroutine calls runtime.GC() in a loop (a cycle starts as soon as the
// previous one, sweep included, has finished).  With GOMAXPROCS=2 the mark
// runs on the other P, as wbbench's marker runs on the other core; with
// GOMAXPROCS=1 it runs on the mutator's own P (a fractional worker) while
// the mutator yields at its Gosched between chunks, none beside it, as
// wbbench's gc=incremental steps run between its chunks.
// -gc=off keeps GOGC=off (debug.SetGCPercent(-1)) after one runtime.GC():
// the barrier is never on.  In both modes the tree is built with the
// collector off.  Build with -gcflags=-wb=false for a binary with no
// barrier code at all (the model of wbbench's baseline, barrier none); such
// a binary must only run with -gc=off.
//
// The loop is timed in chunks of -chunk iterations with time.Now, as
// wbbench times its work in chunks of 512 operations; runtime.Gosched()
// between chunks every 2048 iterations, as in the benchmark, stays outside
// the timed chunks.  A chunk counts as "barrier on" when the runtime's
// writeBarrierEnabled flag (read through go:linkname) was set before and
// after it, as wbbench tags its chunks.
//
// Output, one line of key=value pairs (analysis/calibrate.py parses it):
//
//	go_tree_reverse: gc=continuous depth=22 iters=... stores=... ns=...
//	    on_iters=... on_stores=... on_ns=... ns_per_store=...
//	    ns_per_store_on=... barrier_on_fraction=... gc_cycles=... check=...
//
// ns_per_store is over every chunk; ns_per_store_on only over the chunks run
// with the barrier on (every store in them is barriered), "-" when none.
//
// Built together with go_tree_reverse_flush.go and the runtime overlay
// analysis/calibrate.py writes (wbBufFlush1 timed with the TSC), the line
// also has the flush's figures: flush_calls, flush_pointers, flush_greyed,
// flush_ticks and flush_ns_per_recorded_pointer (see that file).
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"time"
	_ "unsafe" // go:linkname
)

// The first byte of the runtime's writeBarrier struct (runtime/mgc.go,
// Go 1.19) is its enabled flag, which the compiler tests before every
// barriered store.  Declared as a bool (a struct type here would leave the
// linker's DWARF without a definition); read-only here.
//
//go:linkname writeBarrierEnabled runtime.writeBarrier
var writeBarrierEnabled bool

// flushFigures, set by go_tree_reverse_flush.go where it is built in, gives
// the flush's key=value pairs for the output line.
var flushFigures func() string

type node struct {
	l, r *node
}

// maxDepth bounds the explicit stack, a fixed-size local array so that it
// stays on the goroutine stack (a slice sized at run time would escape to
// the heap and its writes would be barriered).
const maxDepth = 28

// wbRoots: as BenchmarkWriteBarrier, the level-10 subtrees are also held in
// a slice, so an early mark has pointers deep in the tree to start from.
var wbRoots []*node

func mkTree(level int) *node {
	if level == 0 {
		return nil
	}
	n := &node{mkTree(level - 1), mkTree(level - 1)}
	if level == 10 {
		wbRoots = append(wbRoots, n)
	}
	return n
}

type result struct {
	iters, stores, ns       int64
	onIters, onStores, onNs int64
	check                   uint64
}

// reverse runs the benchmark's loop until the deadline or the iteration
// limit, in timed chunks.
//
//go:noinline
func reverse(root *node, chunk int, iters int64, deadline time.Time) result {
	var res result
	var stack [maxDepth]*node
	tos := -1
	var h uint64
	sinceYield := 0
	for {
		if iters > 0 && res.iters >= iters {
			break
		}
		if iters == 0 && !time.Now().Before(deadline) {
			break
		}
		n0 := chunk
		if iters > 0 && int64(n0) > iters-res.iters {
			n0 = int(iters - res.iters)
		}
		onBefore := writeBarrierEnabled
		swaps := int64(0)
		t0 := time.Now()
		for i := 0; i < n0; i++ {
			if tos == -1 {
				stack[0] = root
				tos = 0
			}
			n := stack[tos]
			if n.l == nil {
				tos--
			} else {
				n.l, n.r = n.r, n.l
				stack[tos] = n.l
				stack[tos+1] = n.r
				tos++
				swaps++
			}
			h = h*31 + uint64(tos+1)
		}
		d := time.Since(t0).Nanoseconds()
		res.iters += int64(n0)
		res.stores += 2 * swaps
		res.ns += d
		if onBefore && writeBarrierEnabled {
			res.onIters += int64(n0)
			res.onStores += 2 * swaps
			res.onNs += d
		}
		sinceYield += n0
		if sinceYield >= 2048 {
			sinceYield = 0
			runtime.Gosched() // as the benchmark, untimed here
		}
	}
	res.check = h
	return res
}

func main() {
	gcMode := flag.String("gc", "continuous", "continuous (runtime.GC() in a loop) or off (GOGC=off)")
	depth := flag.Int("depth", 22, "tree depth: 2^depth - 1 nodes of 16 bytes (22: 64 MiB, Go's)")
	duration := flag.Duration("duration", time.Second, "how long to run the loop (ignored with -iters)")
	iters := flag.Int64("iters", 0, "iterations to run instead of -duration (0: use -duration)")
	chunk := flag.Int("chunk", 512, "iterations per timed chunk (wbbench: 512 operations)")
	flag.Parse()
	if *gcMode != "continuous" && *gcMode != "off" {
		fmt.Fprintf(os.Stderr, "go_tree_reverse: -gc=%q: want continuous or off\n", *gcMode)
		os.Exit(2)
	}
	if *depth < 2 || *depth > maxDepth-1 {
		fmt.Fprintf(os.Stderr, "go_tree_reverse: -depth=%d: want 2..%d\n", *depth, maxDepth-1)
		os.Exit(2)
	}
	if *chunk < 1 || *iters < 0 || *duration <= 0 {
		fmt.Fprintln(os.Stderr, "go_tree_reverse: -chunk, -iters and -duration must be positive")
		os.Exit(2)
	}

	// No collection while the tree is built, in both modes: the build is
	// then the same, and a -wb=false binary (whose own stores, wbRoots'
	// included, have no barrier) never marks concurrently with them.
	gogc := debug.SetGCPercent(-1)
	root := mkTree(*depth)
	runtime.GC() // start from a collected heap, as writeBarrierBenchmark
	var stop, cycles uint32
	done := make(chan bool)
	if *gcMode == "off" {
		close(done)
	} else {
		debug.SetGCPercent(gogc)
		go func() {
			for atomic.LoadUint32(&stop) == 0 {
				runtime.GC()
				atomic.AddUint32(&cycles, 1)
			}
			close(done)
		}()
	}
	res := reverse(root, *chunk, *iters, time.Now().Add(*duration))
	atomic.StoreUint32(&stop, 1)
	<-done
	runtime.KeepAlive(root)
	runtime.KeepAlive(wbRoots)

	perStore := func(ns, stores int64) string {
		if stores == 0 {
			return "-"
		}
		return fmt.Sprintf("%.4f", float64(ns)/float64(stores))
	}
	frac := 0.0
	if res.ns > 0 {
		frac = float64(res.onNs) / float64(res.ns)
	}
	extra := ""
	if flushFigures != nil {
		extra = " " + flushFigures()
	}
	fmt.Printf("go_tree_reverse: gc=%s depth=%d chunk=%d iters=%d stores=%d ns=%d "+
		"on_iters=%d on_stores=%d on_ns=%d ns_per_store=%s ns_per_store_on=%s "+
		"barrier_on_fraction=%.4f gc_cycles=%d gomaxprocs=%d check=%d%s\n",
		*gcMode, *depth, *chunk, res.iters, res.stores, res.ns,
		res.onIters, res.onStores, res.onNs, perStore(res.ns, res.stores),
		perStore(res.onNs, res.onStores), frac, atomic.LoadUint32(&cycles),
		runtime.GOMAXPROCS(0), res.check, extra)
}
