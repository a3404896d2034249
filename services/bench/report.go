package main

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"text/tabwriter"
	"time"
)

// round is one protocol's bare and Engage runs of one round.
type round struct{ bare, engage loadResult }

func (r round) ratio() float64 {
	if b := r.bare.rate(); b > 0 {
		return r.engage.rate() / b
	}
	return 0
}

// summary is one protocol's medians over its rounds.
type summary struct {
	p            protocol
	bare, engage sideStats
	// ratio is the median of the rounds' Engage/bare throughput ratios.
	ratio float64
	// profiles are the CPU profiles of the bare and Engage processes
	// (-cpuprofile).
	profiles []string
}

// sideStats are one server's medians over the rounds, and its failures.
type sideStats struct {
	rate     float64
	p50, p99 time.Duration
	// cpu is the server's CPU time per call, 0 when unknown.
	cpu    time.Duration
	failed int
}

func summarize(p protocol, rounds []round, profiles []string) summary {
	var bare, engage []loadResult
	var ratios []float64
	for _, r := range rounds {
		bare = append(bare, r.bare)
		engage = append(engage, r.engage)
		ratios = append(ratios, r.ratio())
	}
	return summary{p: p, bare: stats(bare), engage: stats(engage), ratio: median(ratios), profiles: profiles}
}

func stats(runs []loadResult) sideStats {
	var s sideStats
	var rates []float64
	var p50, p99, cpu []time.Duration
	for _, r := range runs {
		rates = append(rates, r.rate())
		p50 = append(p50, r.percentile(50))
		p99 = append(p99, r.percentile(99))
		cpu = append(cpu, r.cpuPerCall())
		s.failed += r.failed
	}
	s.rate, s.p50, s.p99, s.cpu = median(rates), median(p50), median(p99), median(cpu)
	return s
}

// median is the middle value, or the mean of the two middle ones; 0 for none.
func median[T float64 | time.Duration](xs []T) T {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// header describes what a suite measures, for the top of its report.
type header struct {
	title        string
	bare, engage addrs
	// concurrency is the requests in flight, when not -concurrency.
	concurrency int
	// load and clients describe the load and its clients, when not a
	// closed loop of -duration with the usual clients.
	load, clients string
	// notes are lines about the requests, printed last.
	notes []string
}

func printHeader(w io.Writer, o options, h header) {
	workers := o.concurrency
	if h.concurrency > 0 {
		workers = h.concurrency
	}
	fmt.Fprintf(w, "%s\n", h.title)
	fmt.Fprintf(w, "machine       %d CPUs, GOMAXPROCS %d, %s %s/%s; load generator and servers share them\n",
		runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	if h.load != "" {
		fmt.Fprintf(w, "load          %s\n", h.load)
	} else {
		fmt.Fprintf(w, "load          closed loop, %d workers, %s warm-up + %s measured per run; rounds per path: %d\n",
			workers, o.warmup, o.duration, o.rounds)
	}
	if h.clients != "" {
		fmt.Fprintf(w, "clients       %s\n", h.clients)
	} else {
		fmt.Fprintf(w, "clients       gRPC: %d shared connections; REST: one http.Client, HTTP/1.1, up to %d idle connections\n",
			o.conns, workers)
	}
	if h.bare.GRPC != "" {
		fmt.Fprintf(w, "order         per round: warm-up of each side, then %d slices of %s each, alternating A B B A …, bare warmed first in odd rounds;\n", o.slices, o.duration/time.Duration(o.slices))
		fmt.Fprintf(w, "              ratio = median of per-round ratios of calls/s summed over the slices\n")
		fmt.Fprintf(w, "bare          grpc.NewServer() echo on %s, runtime.NewServeMux() on %s (own process)\n", h.bare.GRPC, h.bare.HTTP)
	}
	fmt.Fprintf(w, "engage        app.Start (engage serve) gRPC %s, REST %s (own process, bbolt in a temp dir)\n", h.engage.GRPC, h.engage.HTTP)
	fmt.Fprintf(w, "engage config per-account and anonymous rate limits DISABLED (0), log level %s (no access log), access token TTL %s\n",
		engageLogLevel, engageTokenTTL)
	for _, n := range h.notes {
		fmt.Fprintf(w, "              %s\n", n)
	}
	if o.cpuprofile != "" {
		fmt.Fprintf(w, "profiling     the server processes are CPU-profiled, which slows them a little: take figures from runs without -cpuprofile\n")
	}
	fmt.Fprintln(w)
}

// nameWidth aligns the per-round lines of every path.
const nameWidth = 27

func printRun(w io.Writer, p protocol, r int, side string, res loadResult) {
	fmt.Fprintf(w, "%-*s round %d  %-6s  %8.0f req/s  p50 %7s  p99 %7s  server CPU %8s/call  calls %7d  errors %d\n",
		nameWidth, p.name, r, side, res.rate(), ms(res.percentile(50)), ms(res.percentile(99)), us(res.cpuPerCall()), res.ok+res.failed, res.failed)
}

func printRatio(w io.Writer, p protocol, r int, rd round) {
	fmt.Fprintf(w, "%-*s round %d  ratio   %.2f\n", nameWidth, p.name, r, rd.ratio())
}

func printSummary(w io.Writer, ss []summary) {
	fmt.Fprintf(w, "\nmedians over rounds\n")
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	fmt.Fprintln(tw, "path\tbare req/s\tengage req/s\tratio\ttarget\tbare p50/p99\tengage p50/p99\tCPU/call bare/engage\terrors bare/engage")
	for _, s := range ss {
		verdict := "PASS"
		if s.ratio < s.p.target {
			verdict = "BELOW"
		}
		fmt.Fprintf(tw, "%s\t%.0f\t%.0f\t%.2f %s\t≥%.2f\t%s/%s\t%s/%s\t%s/%s\t%d/%d\n",
			s.p.name, s.bare.rate, s.engage.rate, s.ratio, verdict, s.p.target,
			ms(s.bare.p50), ms(s.bare.p99), ms(s.engage.p50), ms(s.engage.p99),
			us(s.bare.cpu), us(s.engage.cpu), s.bare.failed, s.engage.failed)
	}
	tw.Flush()
	for _, s := range ss {
		if len(s.profiles) == 2 {
			fmt.Fprintf(w, "CPU profiles of the %s rounds: bare %s, Engage %s (go tool pprof -top FILE)\n", s.p.name, s.profiles[0], s.profiles[1])
		}
	}
}

// ms formats a latency in milliseconds.
func ms(d time.Duration) string {
	return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
}

// us formats a CPU time per call in microseconds; "-" when unknown.
func us(d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.1fµs", float64(d)/float64(time.Microsecond))
}
