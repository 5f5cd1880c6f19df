// go_tree_mark: the Go peer of wbbench's BM_MarkThroughput.
//
// Builds a live complete binary tree of 2^22 - 1 16-byte nodes (two
// pointers each, 64 MiB) and runs runtime.GC() on it repeatedly.  Run with
// GOMAXPROCS=1 GODEBUG=gctrace=1 for one marker thread: each gctrace line's
// middle "clock" figure is the concurrent mark's wall time and the middle
// "cpu" figures (assist/background/idle) its CPU time, comparable with
// BM_MarkThroughput's manual time and mark_cpu_ms.  The program itself prints
// the wall time of each whole runtime.GC() (mark, termination and sweep) and
// the process CPU time it took (getrusage: user + system).  gctrace's CPU
// figures are worker run times from the runtime's clock, which on a loaded
// machine include time the worker's thread was descheduled; the getrusage
// figure does not, but it includes the sweep and termination.
//
//	GOMAXPROCS=1 GODEBUG=gctrace=1 go run go_tree_mark.go
package main

import (
	"fmt"
	"runtime"
	"syscall"
	"time"
)

type node struct {
	left, right *node
}

func build(depth int) *node {
	if depth == 0 {
		return nil
	}
	return &node{build(depth - 1), build(depth - 1)}
}

// processCPU is the process's user + system CPU time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func main() {
	const depth = 22
	const cycles = 10
	root := build(depth)
	runtime.GC() // settle: the first cycle also sweeps the build's garbage
	var total, totalCPU time.Duration
	for i := 0; i < cycles; i++ {
		t0, c0 := time.Now(), processCPU()
		runtime.GC()
		d, c := time.Since(t0), processCPU()-c0
		total += d
		totalCPU += c
		fmt.Printf("runtime.GC %d: %.1f ms, cpu %.1f ms\n", i,
			float64(d.Microseconds())/1000, float64(c.Microseconds())/1000)
	}
	runtime.KeepAlive(root)
	fmt.Printf("mean runtime.GC over %d cycles, %d nodes: %.1f ms, cpu %.1f ms\n",
		cycles, (1<<depth)-1, float64(total.Microseconds())/1000/cycles,
		float64(totalCPU.Microseconds())/1000/cycles)
}
