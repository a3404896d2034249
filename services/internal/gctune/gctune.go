// Package gctune gives the Go collector a floor of headroom above the live
// heap.
//
// Engage keeps its data in bbolt's memory maps, outside the Go heap, so a
// server's live heap is small: around ten megabytes, more with a large
// forum's search index. Go's default GOGC=100 lets the heap grow by the
// live heap between collections, which for a small heap means a collection
// every few megabytes allocated: dozens a second under load, with the
// collector taking a fifth of the CPU. A floor of headroom (GOGC raised
// until the heap may grow by at least the headroom) collects several times
// less often for a bounded amount of memory, and leaves a large heap at
// GOGC=100, whose growth is already the live heap. This is what a ballast
// or Uber's GC tuner does, without allocating the ballast.
//
// After every collection the tuner reads the live heap and sets GOGC to
// max(100, 100·headroom/live). An operator who sets GOGC in the
// environment keeps it: Start does nothing then.
//
// More headroom is not better: past some tens of megabytes the
// allocations run through memory the CPU caches no longer hold, and
// requests get slower (a 256 MB floor cost a third of the feedback
// benchmark's throughput where 32–96 MB all gained a fifth).
package gctune

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
)

// DefaultHeadroom is the heap growth allowed between collections at least.
// Under the benchmarks' load it takes the server's CPU per request down by
// a fifth (feedback) to a third (forum over gRPC), for about as much more
// resident memory.
const DefaultHeadroom = 64 << 20

// liveHeap is the runtime metric of the heap left live by the last
// collection.
const liveHeap = "/gc/heap/live:bytes"

// Tuner adjusts GOGC after every collection. Stop ends it and restores the
// GOGC it found.
type Tuner struct {
	headroom uint64
	before   int
	stopped  atomic.Bool
	// mu orders adjust with Stop, so that no adjustment follows the
	// restore.
	mu      sync.Mutex
	percent atomic.Int64 // the GOGC last set
}

// Start starts a Tuner with headroom bytes of headroom, unless environ sets
// GOGC: then it returns nil, and the runtime keeps the operator's setting.
func Start(environ []string, headroom uint64) *Tuner {
	for _, kv := range environ {
		if strings.HasPrefix(kv, "GOGC=") {
			return nil
		}
	}
	t := &Tuner{headroom: headroom}
	t.before = debug.SetGCPercent(100)
	debug.SetGCPercent(t.before)
	t.adjust()
	t.arm()
	return t
}

// Percent returns the GOGC the tuner set last.
func (t *Tuner) Percent() int { return int(t.percent.Load()) }

// Stop ends the tuning and restores GOGC as Start found it.
func (t *Tuner) Stop() {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.stopped.Swap(true) {
		debug.SetGCPercent(t.before)
	}
}

// sentinel is garbage whose finalizer runs once per collection.
type sentinel struct{ t *Tuner }

// arm leaves a sentinel for the next collection to find.
func (t *Tuner) arm() {
	runtime.SetFinalizer(&sentinel{t: t}, func(s *sentinel) {
		if s.t.adjust() {
			s.t.arm()
		}
	})
}

// adjust sets GOGC for the live heap the last collection left, and
// reports whether the tuner still runs.
func (t *Tuner) adjust() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped.Load() {
		return false
	}
	sample := []metrics.Sample{{Name: liveHeap}}
	metrics.Read(sample)
	live := uint64(0)
	if sample[0].Value.Kind() == metrics.KindUint64 {
		live = sample[0].Value.Uint64()
	}
	p := percentFor(live, t.headroom)
	if int64(p) != t.percent.Load() {
		debug.SetGCPercent(p)
		t.percent.Store(int64(p))
	}
	return true
}

// percentFor is the GOGC that lets a heap of live bytes grow by headroom
// bytes at least: never below Go's default of 100.
func percentFor(live, headroom uint64) int {
	const floor = 100
	if live == 0 {
		return floor // no collection yet
	}
	p := headroom * 100 / live
	if p < floor {
		return floor
	}
	return int(min(p, 1<<20))
}
