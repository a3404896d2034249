package gctune

import (
	"runtime"
	"runtime/debug"
	"testing"
)

func TestPercentFor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		live, headroom uint64
		want           int
	}{
		{"before the first collection", 0, 64 << 20, 100},
		{"a small heap gets the headroom", 8 << 20, 64 << 20, 800},
		{"a heap as large as the headroom keeps the default", 64 << 20, 64 << 20, 100},
		{"a larger heap keeps the default", 1 << 30, 64 << 20, 100},
	}
	for _, tt := range tests {
		if got := percentFor(tt.live, tt.headroom); got != tt.want {
			t.Errorf("%s: percentFor(%d, %d) = %d, want %d", tt.name, tt.live, tt.headroom, got, tt.want)
		}
	}
}

// The tests below change the process's GOGC and so do not run in parallel.

func TestStartLeavesTheOperatorsGOGC(t *testing.T) {
	before := debug.SetGCPercent(137)
	defer debug.SetGCPercent(before)
	if tu := Start([]string{"HOME=/root", "GOGC=137"}, 1<<40); tu != nil {
		tu.Stop()
		t.Fatal("Start tuned the collector although the environment sets GOGC")
	}
	if got := debug.SetGCPercent(137); got != 137 {
		t.Fatalf("GOGC = %d, want the operator's 137", got)
	}
}

func TestTunerFollowsCollections(t *testing.T) {
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)
	// A headroom of 1 TiB over any test heap: the tuner's GOGC is far
	// above the default once a collection has measured the live heap.
	tu := Start(nil, 1<<40)
	runtime.GC()
	runtime.GC() // the finalizer of the first collection's sentinel runs by the second
	deadline := 100
	for tu.Percent() <= 100 && deadline > 0 {
		runtime.GC()
		deadline--
	}
	p := tu.Percent()
	if p <= 100 {
		t.Fatalf("GOGC after collections = %d, want above 100", p)
	}
	if got := debug.SetGCPercent(p); got != p {
		t.Fatalf("the runtime's GOGC = %d, the tuner's %d", got, p)
	}
	tu.Stop()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Fatalf("GOGC after Stop = %d, want 100 as Start found it", got)
	}
	runtime.GC()
	runtime.GC()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Fatalf("GOGC set to %d after Stop", got)
	}
}
