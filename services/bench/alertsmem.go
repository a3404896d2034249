package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// memSample is a server process's memory, read after a garbage collection.
type memSample struct {
	// heap is runtime.MemStats.HeapInuse; stack is StackInuse, where the
	// goroutines of every stream live.
	heap, stack uint64
	// rss is the resident set (VmRSS), 0 where /proc is not there.
	rss uint64
}

// goMem is the memory the Go runtime holds in use for the program.
func (m memSample) goMem() uint64 { return m.heap + m.stack }

// perSubscriber is what each of n subscribers adds to a server's memory:
// (with − none) / n for each measure, in bytes.
func perSubscriber(none, with memSample, n int) (heap, stack, goMem, rss float64) {
	per := func(a, b uint64) float64 { return (float64(b) - float64(a)) / float64(n) }
	return per(none.heap, with.heap), per(none.stack, with.stack), per(none.goMem(), with.goMem()), per(none.rss, with.rss)
}

// memInUse answers the child's "mem" command: the process's memory after
// two garbage collections (the second frees what the first finalized),
// as "HEAP STACK RSS" in bytes.
func memInUse() (string, error) {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return fmt.Sprintf("%d %d %d", ms.HeapInuse, ms.StackInuse, residentSet()), nil
}

// residentSet is the process's VmRSS in bytes, 0 when unknown.
func residentSet() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}

// mem reads the child's memory (see memInUse).
func (c *child) mem(ctx context.Context) (memSample, error) {
	v, err := c.send(ctx, "mem")
	if err != nil {
		return memSample{}, err
	}
	var m memSample
	if _, err := fmt.Sscanf(v, "%d %d %d", &m.heap, &m.stack, &m.rss); err != nil {
		return memSample{}, fmt.Errorf("%s server: mem %q: %w", c.role, v, err)
	}
	return m, nil
}

// loadAverage is the machine's one-minute load average as /proc/loadavg
// gives it, "" where there is none: the suite's figures move with what
// else runs on the machine, so each run says how busy it was.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	if f := strings.Fields(string(b)); len(f) > 0 {
		return f[0]
	}
	return ""
}
