package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
)

// trustRatios are the large agency's costs over the small one's in one
// round, or the medians of the rounds'.
type trustRatios struct{ p50, p99, cpu float64 }

// pass tells whether the query cost meets the target: latency and CPU
// time per query both at most trustMaxRatio times the small agency's. p99
// is reported but not judged: a few slow calls out of thousands on a
// shared machine say little about the query.
func (t trustRatios) pass() bool {
	return t.p50 <= trustMaxRatio && t.cpu <= trustMaxRatio
}

// measureTrust runs -rounds rounds of the query on both agencies, the
// small one first in odd rounds and the large one first in even rounds,
// under CPU profiles when asked, and prints the runs and the summary.
func measureTrust(ctx context.Context, r *runner, engage *child, agencies []*trustAgency) error {
	protocols := make([]protocol, len(agencies))
	for i, a := range agencies {
		protocols[i] = protocol{
			name:     "gRPC GetTrustIndex",
			file:     "trust-" + a.label,
			inFlight: r.o.trustConcurrency,
			dial:     dialTrustGRPC(a.name),
		}
	}
	results := make([][]loadResult, len(agencies))
	var ratios []trustRatios
	var profiles []string
	for round := 1; round <= r.o.rounds; round++ {
		order := []int{0, 1}
		if round%2 == 0 {
			order = []int{1, 0}
		}
		for _, i := range order {
			p := protocols[i]
			if r.o.cpuprofile != "" {
				path := fmt.Sprintf("%s-engage-%s-round%d.pprof", r.o.cpuprofile, p.file, round)
				if _, err := engage.send(ctx, "profile "+path); err != nil {
					return err
				}
				profiles = append(profiles, path)
			}
			res, err := runSide(ctx, p, engage, nil, r.o)
			if err != nil {
				return fmt.Errorf("%s, round %d, %s: %w", p.name, round, agencies[i].label, err)
			}
			if r.o.cpuprofile != "" {
				if _, err := engage.send(ctx, "stop"); err != nil {
					return err
				}
			}
			printRun(r.stdout, p, round, agencies[i].label, res)
			results[i] = append(results[i], res)
		}
		small, large := results[0][round-1], results[1][round-1]
		rt := trustRatios{
			p50: durationRatio(large.percentile(50), small.percentile(50)),
			p99: durationRatio(large.percentile(99), small.percentile(99)),
			cpu: durationRatio(large.cpuPerCall(), small.cpuPerCall()),
		}
		fmt.Fprintf(r.stdout, "%-*s round %d  ratio %s/%s  p50 %.2f  p99 %.2f  CPU/call %.2f\n",
			nameWidth, protocols[0].name, round, agencies[1].label, agencies[0].label, rt.p50, rt.p99, rt.cpu)
		ratios = append(ratios, rt)
	}
	printTrustSummary(r.stdout, agencies, results, ratios)
	if len(profiles) > 0 {
		fmt.Fprintf(r.stdout, "CPU profiles of Engage per agency and round: %s … (go tool pprof -top FILE…)\n", profiles[0])
	}
	return nil
}

// durationRatio is a / b, 0 when b is unknown.
func durationRatio(a, b time.Duration) float64 {
	if b <= 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func printTrustSummary(w io.Writer, agencies []*trustAgency, results [][]loadResult, ratios []trustRatios) {
	fmt.Fprintf(w, "\nmedians over rounds\n")
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	fmt.Fprintln(tw, "answers\tload time\tload answers/s\tqueries/s\tp50\tp99\tCPU/query\terrors")
	for i, a := range agencies {
		s := stats(results[i])
		fmt.Fprintf(tw, "%d\t%s\t%.0f\t%.0f\t%s\t%s\t%s\t%d\n", a.answers, a.load.Round(time.Millisecond),
			float64(a.answers)/a.load.Seconds(), s.rate, ms(s.p50), ms(s.p99), us(s.cpu), s.failed)
	}
	tw.Flush()
	var p50, p99, cpu []float64
	for _, r := range ratios {
		p50, p99, cpu = append(p50, r.p50), append(p99, r.p99), append(cpu, r.cpu)
	}
	m := trustRatios{p50: median(p50), p99: median(p99), cpu: median(cpu)}
	verdict := "PASS"
	if !m.pass() {
		verdict = "BELOW"
	}
	fmt.Fprintf(w, "cost %s/%s (median of per-round ratios): p50 latency %.2f, CPU/query %.2f, p99 latency %.2f; target p50 and CPU ≤%.2f: %s\n",
		agencies[1].label, agencies[0].label, m.p50, m.cpu, m.p99, trustMaxRatio, verdict)
}

// dialTrustGRPC asks agency's Trust Index over o.conns connections,
// without credentials.
func dialTrustGRPC(agency string) func(context.Context, addrs, []string, options) (loadClient, error) {
	return func(ctx context.Context, a addrs, _ []string, o options) (loadClient, error) {
		conns, closeAll, err := dialConns(a.GRPC, o)
		if err != nil {
			return loadClient{}, err
		}
		req := trustQuery(agency)
		return loadClient{
			ctx: ctx,
			newCaller: func(w int) caller {
				client := feedbackv1.NewStatsServiceClient(conns[w%len(conns)])
				return func(ctx context.Context) error {
					ti, err := client.GetTrustIndex(ctx, req)
					if err != nil {
						return err
					}
					if len(ti.GetPeriods()) != 12 {
						return fmt.Errorf("trust index of %s: %d periods, want 12", agency, len(ti.GetPeriods()))
					}
					return nil
				}
			},
			close: closeAll,
		}, nil
	}
}
