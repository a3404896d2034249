package main

import (
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"
)

// alertsResult is one path's runs on both servers.
type alertsResult struct {
	path         alertsPath
	bare, engage alertsRun
}

// alertsStats are one run's figures.
type alertsStats struct {
	p50, p99, max      time.Duration
	callP50, callP99   time.Duration
	connect            time.Duration
	heap, stack, goMem float64 // bytes per subscriber
	rss                float64
	hasMem             bool
}

func statsOf(r alertsRun) alertsStats {
	lat := slices.Clone(r.latencies)
	slices.Sort(lat)
	calls := slices.Clone(r.calls)
	slices.Sort(calls)
	s := alertsStats{
		p50: percentile(lat, 50), p99: percentile(lat, 99), max: percentile(lat, 100),
		callP50: percentile(calls, 50), callP99: percentile(calls, 99),
		connect: r.connect, hasMem: r.hasMem,
	}
	if r.hasMem {
		s.heap, s.stack, s.goMem, s.rss = perSubscriber(r.none, r.with, r.subscribers)
	}
	return s
}

// alertsRatios are Engage's figures over bare's; 0 when unknown.
type alertsRatios struct {
	p50, p99, goMem, heap float64
}

func alertsRatiosOf(bare, engage alertsStats) alertsRatios {
	div := func(a, b float64) float64 {
		if b <= 0 || a <= 0 {
			return 0
		}
		return a / b
	}
	r := alertsRatios{p50: div(float64(engage.p50), float64(bare.p50)), p99: div(float64(engage.p99), float64(bare.p99))}
	if bare.hasMem && engage.hasMem {
		r.goMem, r.heap = div(engage.goMem, bare.goMem), div(engage.heap, bare.heap)
	}
	return r
}

// verdict is PASS when a ratio is known and within its target, and
// BELOW (the target missed) when it is known and over it.
func verdict(ratio, target float64) string {
	switch {
	case ratio <= 0:
		return "-"
	case ratio <= target:
		return "PASS"
	}
	return "BELOW"
}

func alertsLoad(sc alertsScale) string {
	return fmt.Sprintf("%d subscribers per run; %d alerts published one after another, each once the previous one reached every subscriber (after %d warm-up alerts)",
		sc.subscribers, sc.alerts, alertsWarmup)
}

func alertsClients(sc alertsScale, fileLimit uint64) string {
	per := (sc.subscribers + sc.conns - 1) / sc.conns
	limit := ""
	if fileLimit > 0 {
		limit = fmt.Sprintf(" (open-file limit %d)", fileLimit)
	}
	return fmt.Sprintf("gRPC: %d connections, up to %d streams each; REST: HTTP/1.1, one connection per subscriber%s; every subscriber anonymous, filtering on a point inside every alert",
		sc.conns, per, limit)
}

func alertsNotes(bare addrs) []string {
	notes := []string{
		"latency     from the PublishAlert call's start to the last subscriber's receipt; the publisher is the agency's alert author",
		"            (signed in with TOTP) publishing pre-created MODERATE PUBLIC drafts, which need no approval",
		"engage      StreamAlerts through the real auth interceptor, the bbolt stream log and hub; REST through the real gateway",
		"            (NDJSON), whose streams ride pooled connections of their own, 500 to each; grpcserver's default",
		"            MaxConcurrentStreams (1000 per connection) is left as it is",
	}
	if bare.GRPC != "" {
		notes = append(notes,
			fmt.Sprintf("bare        grpc.NewServer() on %s: StreamAlerts is a goroutine with a channel per subscriber, PublishAlert", bare.GRPC),
			fmt.Sprintf("            hands one pre-built message to every channel (each stream encodes it); runtime.NewServeMux() on %s", bare.HTTP),
			"            over one loopback connection serves it as NDJSON; no auth, no store, no filter (own process)")
	}
	return append(notes,
		"memory      the server's (HeapInuse + StackInuse) after GC with every subscriber connected minus with none, per subscriber;",
		"            heap alone and RSS beside it; the target is on gRPC",
		"load        the machine's one-minute load average at the run's start → at its last delivery",
		"order       bare then Engage on gRPC, Engage then bare on REST; one run each")
}

func printAlertsRun(w io.Writer, p alertsPath, side string, r alertsRun) {
	if r.err != nil {
		fmt.Fprintf(w, "%-*s %-6s  FAILED: %v\n", nameWidth, p.name, side, r.err)
		return
	}
	s := statsOf(r)
	mem := ""
	if s.hasMem {
		mem = fmt.Sprintf("  memory/subscriber %s (heap %s, stack %s, RSS %s)", kib(s.goMem), kib(s.heap), kib(s.stack), kib(s.rss))
	}
	load := ""
	if r.loadStart != "" && r.loadEnd != "" {
		load = fmt.Sprintf("  load %s→%s", r.loadStart, r.loadEnd)
	}
	fmt.Fprintf(w, "%-*s %-6s  to last receipt p50 %8s p99 %8s max %8s  publish call p50 %7s  all served after %s%s%s\n",
		nameWidth, p.name, side, ms(s.p50), ms(s.p99), ms(s.max), ms(s.callP50), s.connect.Round(time.Millisecond), mem, load)
}

func printAlertsSummary(w io.Writer, results []alertsResult) {
	fmt.Fprintf(w, "\nfan-out, Engage/bare (targets: latency ≤ %.1f×, memory per subscriber ≤ %.0f×)\n", alertsLatencyTarget, alertsMemoryTarget)
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	fmt.Fprintln(tw, "path\tsubscribers\tbare p50/p99\tengage p50/p99\tratio p50\tratio p99\tmemory bare/engage\tratio memory")
	for _, res := range results {
		if res.bare.err != nil || res.engage.err != nil {
			fmt.Fprintf(tw, "%s\t%d\tFAILED (see above)\n", res.path.name, res.bare.subscribers)
			continue
		}
		b, e := statsOf(res.bare), statsOf(res.engage)
		r := alertsRatiosOf(b, e)
		mem, memRatio := "-", "-"
		if b.hasMem && e.hasMem {
			mem = kib(b.goMem) + "/" + kib(e.goMem)
			memRatio = ratioText(r.goMem)
			if res.path.memTarget > 0 {
				memRatio += " " + verdict(r.goMem, res.path.memTarget)
			}
		}
		fmt.Fprintf(tw, "%s\t%d\t%s/%s\t%s/%s\t%s %s\t%s %s\t%s\t%s\n",
			res.path.name, res.bare.subscribers, ms(b.p50), ms(b.p99), ms(e.p50), ms(e.p99),
			ratioText(r.p50), verdict(r.p50, alertsLatencyTarget), ratioText(r.p99), verdict(r.p99, alertsLatencyTarget), mem, memRatio)
	}
	tw.Flush()
}

// kib formats bytes per subscriber in KiB.
func kib(b float64) string {
	return fmt.Sprintf("%.1fKiB", b/1024)
}
