package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestPercentile(t *testing.T) {
	t.Parallel()
	ms := func(ns ...int) []time.Duration {
		out := make([]time.Duration, len(ns))
		for i, n := range ns {
			out[i] = time.Duration(n) * time.Millisecond
		}
		return out
	}
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i+1) * time.Millisecond
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one value is every percentile", ms(7), 99, 7 * time.Millisecond},
		{"p0 is the smallest", ms(1, 2, 3), 0, time.Millisecond},
		{"p100 is the largest", ms(1, 2, 3), 100, 3 * time.Millisecond},
		{"median of an odd count", ms(1, 2, 3, 4, 5), 50, 3 * time.Millisecond},
		{"p50 of an even count is the lower middle", ms(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{"p51 of an even count is the upper middle", ms(1, 2, 3, 4), 51, 3 * time.Millisecond},
		{"p50 of 1..100", hundred, 50, 50 * time.Millisecond},
		{"p99 of 1..100", hundred, 99, 99 * time.Millisecond},
		{"p99.9 of 1..100 rounds up", hundred, 99.9, 100 * time.Millisecond},
		{"p99 of ten is the largest", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 99, 10 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := percentile(tt.sorted, tt.p); got != tt.want {
				t.Errorf("percentile(%v, %v) = %v, want %v", tt.sorted, tt.p, got, tt.want)
			}
		})
	}
}

func TestMedian(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		xs   []float64
		want float64
	}{
		{"none", nil, 0},
		{"odd count, unsorted", []float64{0.9, 0.5, 0.7}, 0.7},
		{"even count is the mean of the middle two", []float64{4, 1, 3, 2}, 2.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := slices.Clone(tt.xs)
			if got := median(tt.xs); got != tt.want {
				t.Errorf("median(%v) = %v, want %v", tt.xs, got, tt.want)
			}
			if diff := cmp.Diff(in, tt.xs); diff != "" {
				t.Errorf("median changed its input (-before +after):\n%s", diff)
			}
		})
	}
}

// TestRunLoadCounts checks the bookkeeping with a caller that fails every
// third call: every call is counted once, failures apart from latencies.
func TestRunLoadCounts(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	boom := errors.New("boom")
	r := runLoad(t.Context(), 4, 100*time.Millisecond, func(int) caller {
		return func(context.Context) error {
			if calls.Add(1)%3 == 0 {
				return boom
			}
			return nil
		}
	})
	if got := int64(r.ok + r.failed); got != calls.Load() {
		t.Errorf("ok %d + failed %d = %d, want the %d calls made", r.ok, r.failed, got, calls.Load())
	}
	if want := int(calls.Load() / 3); r.failed != want {
		t.Errorf("failed = %d, want %d", r.failed, want)
	}
	if len(r.latencies) != r.ok {
		t.Errorf("%d latencies for %d OK calls", len(r.latencies), r.ok)
	}
	if !slices.IsSorted(r.latencies) {
		t.Error("latencies are not sorted")
	}
	if !errors.Is(r.firstErr, boom) {
		t.Errorf("firstErr = %v, want %v", r.firstErr, boom)
	}
	if r.elapsed < 100*time.Millisecond {
		t.Errorf("elapsed %v, shorter than the run", r.elapsed)
	}
}

// TestRunLoadBare loads in-process bare servers over every protocol of
// each suite with the benchmark's own clients.
func TestRunLoadBare(t *testing.T) {
	t.Parallel()
	const thread = "agencies/bench-pd/forums/board-1/threads/019a0000-0000-7000-8000-00000000000a"
	suites := []struct {
		suite     string
		protocols []protocol
	}{
		{suiteIdentity, identityProtocols()},
		{suiteForum, postProtocols([]string{thread, thread + "b"}, thread+"c")},
	}
	for _, st := range suites {
		t.Run(st.suite, func(t *testing.T) {
			t.Parallel()
			s, err := startBare(st.suite)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if err := s.stop(context.Background()); err != nil {
					t.Error(err)
				}
			})
			o := options{concurrency: 8, conns: 2}
			for _, p := range st.protocols {
				t.Run(p.file, func(t *testing.T) {
					t.Parallel()
					lc, err := p.dial(t.Context(), s.addrs, []string{"token one", "token two"}, o)
					if err != nil {
						t.Fatal(err)
					}
					defer lc.close()
					r := runLoad(lc.ctx, o.concurrency, 200*time.Millisecond, lc.newCaller)
					if r.ok == 0 || r.failed != 0 {
						t.Fatalf("ok %d, failed %d (first: %v), want only OK calls", r.ok, r.failed, r.firstErr)
					}
					if len(r.latencies) != r.ok || !slices.IsSorted(r.latencies) {
						t.Errorf("%d latencies (sorted: %v) for %d calls", len(r.latencies), slices.IsSorted(r.latencies), r.ok)
					}
					if p50, p99 := r.percentile(50), r.percentile(99); p50 <= 0 || p99 < p50 || p99 > r.latencies[r.ok-1] {
						t.Errorf("p50 %v, p99 %v, max %v", p50, p99, r.latencies[r.ok-1])
					}
					if r.rate() <= 0 {
						t.Errorf("rate %v", r.rate())
					}
				})
			}
		})
	}
}

func TestSliceOrder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		sides, n int
		want     []int
	}{
		{2, 1, []int{1, 0}},
		{2, 5, []int{1, 0, 0, 1, 1, 0, 0, 1, 1, 0}},
		{1, 3, []int{0, 0, 0}},
	}
	for _, tt := range tests {
		if got := sliceOrder(tt.sides, tt.n); !slices.Equal(got, tt.want) {
			t.Errorf("sliceOrder(%d, %d) = %v, want %v", tt.sides, tt.n, got, tt.want)
		}
	}
}

// TestSumResults checks that a side's slices add up to one result, with the
// CPU time unknown as soon as one slice's is.
func TestSumResults(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	ms := func(ns ...int) []time.Duration {
		var ds []time.Duration
		for _, n := range ns {
			ds = append(ds, time.Duration(n)*time.Millisecond)
		}
		return ds
	}
	a := loadResult{ok: 3, elapsed: time.Second, latencies: ms(1, 4, 9), serverCPU: 30 * time.Millisecond}
	b := loadResult{ok: 2, failed: 1, firstErr: boom, elapsed: 2 * time.Second, latencies: ms(2, 3), serverCPU: 20 * time.Millisecond}
	got := sumResults([]loadResult{a, b})
	if got.ok != 5 || got.failed != 1 || !errors.Is(got.firstErr, boom) {
		t.Errorf("ok %d, failed %d, first %v; want 5, 1, %v", got.ok, got.failed, got.firstErr, boom)
	}
	if got.elapsed != 3*time.Second || got.serverCPU != 50*time.Millisecond {
		t.Errorf("elapsed %v, CPU %v; want 3s and 50ms", got.elapsed, got.serverCPU)
	}
	if !slices.Equal(got.latencies, ms(1, 2, 3, 4, 9)) {
		t.Errorf("latencies %v, want both slices' merged in order", got.latencies)
	}
	if rate := got.rate(); rate < 1.66 || rate > 1.67 {
		t.Errorf("rate %v, want 5 calls over 3s", rate)
	}
	b.serverCPU = 0
	if got := sumResults([]loadResult{a, b}); got.serverCPU != 0 {
		t.Errorf("CPU %v with one slice's unknown, want 0 (unknown)", got.serverCPU)
	}
}

func TestLineWriter(t *testing.T) {
	t.Parallel()
	lines := make(chan string, 4)
	w := &lineWriter{lines: lines}
	for _, chunk := range []string{`{"grpc":`, `"a"}` + "\nok\nerr", "or: x\n", "partial"} {
		if _, err := w.Write([]byte(chunk)); err != nil {
			t.Fatal(err)
		}
	}
	close(lines)
	var got []string
	for l := range lines {
		got = append(got, l)
	}
	if diff := cmp.Diff([]string{`{"grpc":"a"}`, "ok", "error: x"}, got); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
}

// TestSummarize checks that the reported ratio is the median of the
// per-round ratios, not the ratio of the median rates.
func TestSummarize(t *testing.T) {
	t.Parallel()
	run := func(ok int) loadResult {
		lat := make([]time.Duration, ok)
		for i := range lat {
			lat[i] = time.Duration(i+1) * time.Millisecond
		}
		return loadResult{ok: ok, elapsed: time.Second, latencies: lat, serverCPU: time.Duration(ok) * 10 * time.Microsecond}
	}
	rounds := []round{
		{bare: run(100), engage: run(90)},  // 0.9
		{bare: run(200), engage: run(60)},  // 0.3
		{bare: run(300), engage: run(150)}, // 0.5
	}
	s := summarize(protocol{name: "p", target: 0.5}, rounds, nil)
	if s.ratio != 0.5 {
		t.Errorf("ratio = %v, want the median round ratio 0.5", s.ratio)
	}
	if s.bare.rate != 200 || s.engage.rate != 90 {
		t.Errorf("rates = %v/%v, want the medians 200/90", s.bare.rate, s.engage.rate)
	}
	if s.bare.p50 != 100*time.Millisecond || s.engage.p99 != 90*time.Millisecond {
		t.Errorf("bare p50 %v, engage p99 %v, want medians 100ms and 90ms", s.bare.p50, s.engage.p99)
	}
	if s.bare.cpu != 10*time.Microsecond {
		t.Errorf("bare CPU per call = %v, want 10µs", s.bare.cpu)
	}
}

func TestControl(t *testing.T) {
	t.Parallel()
	var c control
	v, err := c.do("cpu")
	if err != nil {
		t.Fatalf("cpu: %v", err)
	}
	if ns, err := strconv.ParseInt(v, 10, 64); err != nil || ns <= 0 {
		t.Errorf("cpu = %q, want a positive number of nanoseconds", v)
	}
	path := filepath.Join(t.TempDir(), "cpu.pprof")
	if _, err := c.do("profile " + path); err != nil {
		t.Fatalf("profile: %v", err)
	}
	if _, err := c.do("profile " + path); err == nil {
		t.Error("a second profile started while one runs")
	}
	if _, err := c.do("stop"); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		t.Errorf("profile file: %v, %v", fi, err)
	}
	if _, err := c.do("dance"); err == nil {
		t.Error("an unknown command succeeded")
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	tests := []struct {
		name    string
		ctx     context.Context
		r       loadResult
		wantErr bool
	}{
		{"no failures", t.Context(), loadResult{ok: 1000}, false},
		{"1% failed is tolerated", t.Context(), loadResult{ok: 990, failed: 10}, false},
		{"over 1% failed", t.Context(), loadResult{ok: 979, failed: 21, firstErr: errors.New("unavailable")}, true},
		{"no OK call", t.Context(), loadResult{}, true},
		{"interrupted", cancelled, loadResult{ok: 1000}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if err := check(tt.ctx, tt.r); (err != nil) != tt.wantErr {
				t.Errorf("check = %v, want error: %v", err, tt.wantErr)
			}
		})
	}
}
