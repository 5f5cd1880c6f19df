// go_binary_trees: the Go peer of wbbench's binary-trees workload
// (workloads/binary_trees.cc), for the calibration (analysis/calibrate.py).
//
// One mutator goroutine, the collector's own settings (GOGC=100, the
// concurrent mark on whatever Ps are free: run with GOMAXPROCS=2 for one
// mutator core and one core for the marker, as wbbench runs one mutator
// thread and one dedicated mark worker on two cores).
//
// The same program as wbbench's, step for step:
//   - live for the whole run: a complete tree of -depth levels (GCBench's
//     kLongLivedTreeDepth, 16 at wbbench's --scale=1) and an array of
//     -array float64 (500,000; noscan);
//   - then short-lived trees in GCBench's schedule: depths 4, 6, ..., up to
//     min(16, -depth), 2^(maxShort - d) trees of depth d, and round again;
//   - every tree is built top-down, depth first (GCBench's Populate): each
//     node is allocated and then linked into its parent, one pointer store
//     into the heap, so a tree of depth d is 2^d - 1 nodes and 2^d - 2
//     stores; the root stays in a local (no heap store);
//   - each finished tree is checked (the Benchmarks Game's itemCheck:
//     item + check(left) - check(right), children numbered 2i - 1 and 2i).
//
// Nodes are 32 bytes as in wbbench: a header (kind, number of children,
// children linked so far), two child pointers and an item.
//
// The loop runs for -duration after a runtime.GC() (wbbench starts each
// repetition from a collected heap), checking the clock after each tree.
// Output, one line of key=value pairs:
//
//	go_binary_trees: depth=16 array=500000 nodes=... stores=... trees=...
//	    ns=... pause_ns=... ns_per_store=... ns_per_store_mutator=...
//	    cpu_ns_per_store=... gc_cycles=... check=...
//
// ns_per_store is the loop's wall time per pointer store; pause_ns the
// stop-the-world pauses during it (runtime.MemStats.PauseTotalNs), and
// ns_per_store_mutator the wall time less those pauses, per store, which is
// what wbbench times (its chunks leave safepoint waits out).
// cpu_ns_per_store is the mutator thread's CPU time per store (the main
// goroutine is locked to its thread, whose CLOCK_THREAD_CPUTIME_ID is read
// around the loop): assists and page faults included, time spent waiting
// for a core excluded, as wbbench's task-clock cpu_ns_per_store, so a busy
// machine distorts it less than the wall time.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"syscall"
	"time"
	"unsafe"
)

// clockThreadCPUTimeID is CLOCK_THREAD_CPUTIME_ID (linux/time.h).
const clockThreadCPUTimeID = 3

// threadCPUNs: CPU time of the calling thread, in ns.
func threadCPUNs() int64 {
	var ts syscall.Timespec
	_, _, errno := syscall.Syscall(syscall.SYS_CLOCK_GETTIME,
		clockThreadCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0)
	if errno != 0 {
		return -1
	}
	return ts.Nano()
}

func init() {
	// The mutator stays on one thread, so that thread's CPU clock is its.
	runtime.LockOSThread()
}

type node struct {
	kind          uint32
	nkids, filled uint16
	kids          [2]*node
	item          int64
}

const (
	minShortDepth = 4
	maxShortDepth = 16
)

// newNode: a node `levels` deep (1: a leaf) with item `item`.
func newNode(levels int, item int64) *node {
	n := &node{item: item}
	if levels > 1 {
		n.nkids = 2
	}
	return n
}

// populate links n's children top-down, depth first, as wbbench's
// TreeBuilder does one operation at a time: allocate the child, store it
// into its parent, descend.
func populate(n *node, levels int) {
	if levels <= 1 {
		return
	}
	for i := 0; i < 2; i++ {
		// Left child 2*item - 1, right child 2*item.
		c := newNode(levels-1, 2*n.item-int64(1-i))
		n.kids[i] = c
		n.filled++
		populate(c, levels-1)
	}
}

func check(n *node) int64 {
	if n.nkids == 0 {
		return n.item
	}
	return n.item + check(n.kids[0]) - check(n.kids[1])
}

func mix(h, v uint64) uint64 {
	z := h + 0x9e3779b97f4a7c15 + v
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func main() {
	depth := flag.Int("depth", 16, "long-lived tree depth (wbbench --scale=1: 16)")
	arraySize := flag.Int("array", 500000, "long-lived float64 array (wbbench --scale=1: 500000)")
	duration := flag.Duration("duration", time.Second, "how long to build short-lived trees")
	seed := flag.Int64("seed", 1, "item of the first tree's root (wbbench: --seed % 1000)")
	flag.Parse()
	if *depth < minShortDepth || *depth > 24 || *arraySize < 1 || *duration <= 0 {
		fmt.Fprintln(os.Stderr, "go_binary_trees: want 4 <= -depth <= 24, -array >= 1, -duration > 0")
		os.Exit(2)
	}
	maxShort := *depth
	if maxShort > maxShortDepth {
		maxShort = maxShortDepth
	}

	longLived := newNode(*depth, *seed%1000)
	populate(longLived, *depth)
	array := make([]float64, *arraySize)
	for i := range array {
		array[i] = 1.0 / float64(i+1)
	}
	longCheck := check(longLived)

	runtime.GC()
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	var nodes, stores, trees, atDepth uint64
	var h uint64
	d := minShortDepth
	seedItem := *seed % 1000
	cpu0 := threadCPUNs()
	t0 := time.Now()
	deadline := t0.Add(*duration)
	for time.Now().Before(deadline) {
		t := newNode(d, seedItem+int64(trees))
		populate(t, d)
		h = mix(h, uint64(check(t)))
		nodes += (uint64(1) << d) - 1
		stores += (uint64(1) << d) - 2 // every node but the root
		trees++
		if atDepth++; atDepth >= uint64(1)<<(maxShort-d) {
			atDepth = 0
			if d+2 > maxShort {
				d = minShortDepth
			} else {
				d += 2
			}
		}
	}
	ns := time.Since(t0).Nanoseconds()
	cpu := threadCPUNs() - cpu0
	cpuPerStore := "-"
	if cpu0 >= 0 && cpu >= 0 {
		cpuPerStore = fmt.Sprintf("%.4f", float64(cpu)/float64(stores))
	}
	runtime.ReadMemStats(&ms1)
	pause := int64(ms1.PauseTotalNs - ms0.PauseTotalNs)
	h = mix(mix(h, uint64(longCheck)), uint64(check(longLived)))
	h = mix(h, uint64(array[len(array)/2]*1e9))
	runtime.KeepAlive(array)

	fmt.Printf("go_binary_trees: depth=%d array=%d nodes=%d stores=%d trees=%d "+
		"ns=%d pause_ns=%d ns_per_store=%.4f ns_per_store_mutator=%.4f "+
		"cpu_ns_per_store=%s gc_cycles=%d gomaxprocs=%d check=%d\n",
		*depth, *arraySize, nodes, stores, trees, ns, pause,
		float64(ns)/float64(stores), float64(ns-pause)/float64(stores),
		cpuPerStore, ms1.NumGC-ms0.NumGC, runtime.GOMAXPROCS(0), h)
}
