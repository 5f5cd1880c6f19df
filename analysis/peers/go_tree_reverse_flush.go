//go:build ignore

// go_tree_reverse_flush: the flush's cost per recorded pointer in
// go_tree_reverse, built with it (go build go_tree_reverse.go
// go_tree_reverse_flush.go) only under the runtime overlay that
// analysis/calibrate.py writes (ignored otherwise: it needs that runtime).
//
// The overlay is Go 1.19's runtime/mwbbuf.go with wbBufFlush1 timed: two
// cputicks (RDTSC on amd64) reads around each call and four atomic adds
// after it (WbFlushTicks, WbFlushPtrs, WbFlushGreyed, WbFlushCalls), plus
// WbFlushCputicks to read the same clock here.  Per flush of 512 pointers
// that adds about a hundred cycles, as wbbench's timing of its flush does.
//
// Keys added to the output line:
//
//	flush_calls, flush_pointers (recorded pointers walked, nil included),
//	flush_greyed (newly greyed scannable objects), flush_ticks, and
//	flush_ns_per_recorded_pointer (flush_ticks at the TSC rate measured
//	here against time.Now over the run, per pointer; "-" when none).
package main

import (
	"fmt"
	"runtime"
	"time"
)

func init() {
	t0, w0 := runtime.WbFlushCputicks(), time.Now()
	flushFigures = func() string {
		ticksPerNs := float64(runtime.WbFlushCputicks()-t0) /
			float64(time.Since(w0).Nanoseconds())
		perPtr := "-"
		if runtime.WbFlushPtrs > 0 && ticksPerNs > 0 {
			perPtr = fmt.Sprintf("%.4f", float64(runtime.WbFlushTicks)/
				ticksPerNs/float64(runtime.WbFlushPtrs))
		}
		return fmt.Sprintf("flush_calls=%d flush_pointers=%d flush_greyed=%d "+
			"flush_ticks=%d flush_ns_per_recorded_pointer=%s",
			runtime.WbFlushCalls, runtime.WbFlushPtrs, runtime.WbFlushGreyed,
			runtime.WbFlushTicks, perPtr)
	}
}
