package main

import (
	"context"
	"math"
	"slices"
	"sync"
	"time"
)

// caller makes one request and returns nil only for an OK answer.
type caller func(ctx context.Context) error

// loadResult is what one closed-loop run measured.
type loadResult struct {
	ok, failed int
	firstErr   error
	elapsed    time.Duration
	// latencies are those of the OK calls, sorted.
	latencies []time.Duration
	// serverCPU is the CPU time the server process used during the run,
	// 0 when unknown.
	serverCPU time.Duration
}

// cpuPerCall is the server's CPU time per call, 0 when unknown.
func (r loadResult) cpuPerCall() time.Duration {
	if n := r.ok + r.failed; n > 0 {
		return r.serverCPU / time.Duration(n)
	}
	return 0
}

// rate is OK calls per second.
func (r loadResult) rate() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.ok) / r.elapsed.Seconds()
}

// errorRate is the share of calls that failed.
func (r loadResult) errorRate() float64 {
	if n := r.ok + r.failed; n > 0 {
		return float64(r.failed) / float64(n)
	}
	return 0
}

// percentile is the nearest-rank p-th percentile of the OK calls' latencies.
func (r loadResult) percentile(p float64) time.Duration {
	return percentile(r.latencies, p)
}

// percentile returns the smallest value of sorted that at least p percent
// of the values are less than or equal to (the nearest-rank method), or 0
// for no values.
func percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(n)))
	rank = min(max(rank, 1), n)
	return sorted[rank-1]
}

// Sizing of the per-worker latency slices, so that recording a latency
// does not allocate while measuring: room for expectedRate calls a second
// in all, plus slack; a faster run only grows the slices.
const expectedRate = 50_000

// callGrace is how long calls in flight at the end of a run may take before
// they are cancelled and counted as failures.
const callGrace = 10 * time.Second

// runLoad calls with workers goroutines in a closed loop (each starts its
// next call when the previous one answers) for d, and records every
// latency. newCaller gives each worker its caller, e.g. its connection of a
// pool. Calls in flight at the end complete and count; the elapsed time
// runs until the last of them.
func runLoad(ctx context.Context, workers int, d time.Duration, newCaller func(worker int) caller) loadResult {
	ctx, cancel := context.WithTimeout(ctx, d+callGrace)
	defer cancel()
	type tally struct {
		latencies []time.Duration
		failed    int
		firstErr  error
	}
	tallies := make([]tally, workers)
	perWorker := int(d.Seconds()*expectedRate)/workers + 64
	callers := make([]caller, workers)
	for w := range callers {
		callers[w] = newCaller(w)
	}

	var wg sync.WaitGroup
	start := time.Now()
	end := start.Add(d)
	for w, call := range callers {
		wg.Go(func() {
			// Locals while running: neighbouring tallies share cache lines.
			var t tally
			t.latencies = make([]time.Duration, 0, perWorker)
			for ctx.Err() == nil {
				t0 := time.Now()
				if !t0.Before(end) {
					break
				}
				err := call(ctx)
				if err != nil {
					t.failed++
					if t.firstErr == nil {
						t.firstErr = err
					}
					continue
				}
				t.latencies = append(t.latencies, time.Since(t0))
			}
			tallies[w] = t
		})
	}
	wg.Wait()
	r := loadResult{elapsed: time.Since(start)}

	n := 0
	for _, t := range tallies {
		n += len(t.latencies)
	}
	r.latencies = make([]time.Duration, 0, n)
	for _, t := range tallies {
		r.latencies = append(r.latencies, t.latencies...)
		r.failed += t.failed
		if r.firstErr == nil {
			r.firstErr = t.firstErr
		}
	}
	r.ok = len(r.latencies)
	slices.Sort(r.latencies)
	return r
}

// sumResults adds up the runs of one side: their calls, failures, elapsed
// and server CPU times, and latencies. The CPU time is unknown (0) when it
// is for any of the runs.
func sumResults(runs []loadResult) loadResult {
	var s loadResult
	n := 0
	for _, r := range runs {
		n += len(r.latencies)
	}
	s.latencies = make([]time.Duration, 0, n)
	cpuKnown := len(runs) > 0
	for _, r := range runs {
		s.ok += r.ok
		s.failed += r.failed
		if s.firstErr == nil {
			s.firstErr = r.firstErr
		}
		s.elapsed += r.elapsed
		s.serverCPU += r.serverCPU
		cpuKnown = cpuKnown && r.serverCPU > 0
		s.latencies = append(s.latencies, r.latencies...)
	}
	if !cpuKnown {
		s.serverCPU = 0
	}
	slices.Sort(s.latencies)
	return s
}
