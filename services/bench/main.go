// Command bench measures what Engage costs on top of bare servers doing
// no work, the forum's absolute search latency, and how the Trust Index
// query's cost depends on the answers behind it, and what a training
// compliance report costs for a large agency:
//
//	go run ./services/bench [-suite identity|forum|feedback|training|alerts|all] [-rounds 3]
//	    [-duration 5s] [-slices 5] [-warmup 1s] [-concurrency 64] [-conns 4]
//	    [-search-posts 100000] [-search-threads 1000] [-search-concurrency 8]
//	    [-trust-answers 1000000] [-trust-concurrency 4]
//	    [-officers 5000] [-courses 20] [-iterations 200]
//	    [-alert-subscribers 10000] [-alert-conns 100] [-alerts 100]
//	    [-cpuprofile /tmp/engage]
//
// `go run ./services/bench -suite forum` runs the forum's benchmarks (about
// five minutes); `go run ./services/bench -suite feedback` the feedback
// service's (about twelve minutes on two cores, nine of them loading the
// million answers; `-trust-answers 100000` for a quicker look); `-suite
// training` the training compliance report's (a few minutes, most of them
// seeding; `-officers 500` for a quicker look); `make bench` runs the
// identity suite. The suites:
//
//   - identity (the default, `make bench`): an authenticated read, REST
//     GET /v1/accounts/me and its gRPC twin engage.identity.v1.AccountService/
//     GetAccount {name: "accounts/me"}. Targets: Engage gRPC ≥ 0.5 × bare
//     gRPC, Engage REST ≥ 0.7 × bare REST.
//   - forum: durable, acknowledged post creation at -concurrency 64,
//     engage.forum.v1.PostService/CreatePost and REST POST
//     /v1/agencies/{a}/forums/{f}/threads/{t}/posts, spread over 64 threads
//     and, as a second row, all into one hot thread. Targets: Engage gRPC ≥
//     0.3 × bare gRPC, Engage REST ≥ 0.5 × bare REST. Then search:
//     -search-posts posts (100,000) in -search-threads threads are written
//     through the API into a fresh Engage, SearchThreads runs over gRPC and
//     REST at -search-concurrency, and the report gives p50/p99 latency
//     against the absolute target p99 < 20 ms; finally Engage restarts on
//     the same data and the report gives how long it took to be ready,
//     which is mostly rebuilding the search index.
//   - feedback: durable, acknowledged anonymous feedback at -concurrency
//     64, REST POST /v1/agencies/{a}/feedback without credentials, against
//     a bare echo of engage.feedback.v1.FeedbackService/CreateFeedback.
//     Target: Engage ≥ 0.5 × bare. Then the Trust Index: on a fresh
//     Engage, 1,000 survey answers go to one agency and -trust-answers
//     (1,000,000) to another, through CreateSurveyResponse over gRPC, each
//     with its own device token, and the same GetTrustIndex query (one
//     area, MONTH, the default 12 months) runs over gRPC on each agency in
//     alternating rounds. Target: the large agency's p50 latency and CPU
//     time per query ≤ 1.5 × the small one's. Engage stamps answers with
//     the current hour, so all of them fall in the current month.
//   - training: on a fresh Engage, a trainer seeds one agency through the
//     public API over gRPC with -courses (20) mandatory courses and
//     -officers (5,000) officers in ten units (ImportOfficers), assigns
//     each course unit by unit (AssignCourse) and completes most of the
//     enrollments (CompleteEnrollment, about 100,000), and seeds a baseline
//     agency of 100 officers the same way. Then, one report at a time,
//     -iterations (200) times after a warm-up, on each agency: the whole
//     compliance report over gRPC (GetTrainingCompliance, pages of 1,000),
//     one page of 100 with its summary, the CSV export
//     (ExportTrainingCompliance, streamed to the end) and the whole report
//     over REST through the gateway. Target: the whole report's p99 < 200
//     ms; the report also gives each path's cost over the baseline's, per
//     report and per officer.
//   - alerts: alert fan-out. -alert-subscribers (10,000) anonymous
//     subscribers stream an agency's alerts with a point filter that every
//     alert matches, over gRPC (StreamAlerts, on -alert-conns (100) client
//     connections) and then over REST (GET /v1/{agency}/alerts:stream
//     through the gateway, NDJSON, one connection per subscriber), and the
//     agency's alert author publishes -alerts (100) MODERATE alerts one
//     after another (PublishAlert). Each alert's time runs from the
//     publish call's start to its last subscriber's receipt. The same
//     clients run against a bare fan-out server (a goroutine and a channel
//     per stream, one pre-built message handed to every channel, no auth,
//     no store) and a bare gateway in front of it. Targets: Engage's p50
//     and p99 ≤ 1.5 × bare's on both; the server memory each subscriber
//     holds (heap and goroutine stacks after GC, with every subscriber
//     connected minus with none) ≤ 2 × bare's over gRPC. Every subscriber
//     must receive every measured alert exactly once.
//
// # Method
//
// The program re-executes itself to run each server in its own child
// process: "bare" (a plain grpc.NewServer answering the suite's RPC with a
// fixed message of the same shape as Engage's answer, and a plain
// runtime.NewServeMux in front of it over a loopback client connection) and
// "engage" (the real platform from app.Start, exactly the `engage serve`
// wiring, on a fresh bbolt data directory). The parent is the load
// generator, so load and servers are separate processes, as in production;
// all of them share the machine's cores.
//
// The identity suite signs up one resident on Engage and signs in; every
// request, to either server, carries that access token. The forum suite
// sets Engage up through its public API as an agency would: the platform
// administrator signs in with a TOTP code and creates an agency, grants
// staff roles to accounts that sign in with TOTP codes too, and one of them
// creates a PUBLIC forum and its threads. Posts are written by that agency
// staff (worker w as staff member w mod 8): new accounts' posting limits
// (a few posts a minute) would otherwise be what is measured, and staff are
// exempt from them by design. Every post body is unique and every request
// carries a fresh request_id, as a client retrying safely would send. Bare
// gets the identical requests and ignores them.
//
// A side's share of a round is a closed loop of -concurrency workers for
// -warmup (discarded) and then -duration (measured), cut into -slices
// slices; every latency is recorded. gRPC workers
// share -conns client connections; REST workers share one http.Client
// keeping a connection per worker. The server process's CPU time is read
// before and after each measured slice, so that the report also gives each
// server's CPU time per call: unlike requests/s, it hardly moves when
// something else loads the machine.
//
// # Fairness
//
// Absolute figures drift from run to run on these machines, so the
// throughput targets are ratios of Engage to bare measured in the same
// invocation. In each round both sides are warmed up, then measured in
// turn, slice by slice (-slices 5: five slices of a second each with the
// default -duration), in the order A B B A A B …, so that a stretch where
// the machine runs faster or slower falls on both sides alike; which side
// starts flips every round. A round's ratio is Engage's calls per second
// over bare's, each summed over its slices, and the reported ratio is the
// median of the per-round ratios. Both
// sides get identical requests from identical clients, and both run their
// gRPC server and REST gateway in one process. Engage runs with its
// per-caller rate limits disabled (a real account's 20 requests/s, or the
// 10 requests/s an anonymous client gets, all of the load coming from one
// address, would otherwise be what is measured) and logs at warn level (an info
// access-log line per call would dominate). The search target is absolute,
// so search has no bare side; its p50 and p99 are over every call of every
// round.
//
// Missing a target is a measurement, printed as BELOW; the exit status is
// non-zero only when requests fail (more than 1%) or a server cannot start.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "bench:", err)
		}
		os.Exit(1)
	}
}

// options are the command line.
type options struct {
	// role, dataDir and keepData are set only on the child processes
	// (suite too, on a bare child).
	role, dataDir string
	keepData      bool

	suite              string
	rounds, slices     int
	duration, warmup   time.Duration
	concurrency, conns int
	cpuprofile         string

	searchPosts, searchThreads, searchConcurrency int

	trustAnswers, trustConcurrency int

	officers, courses, iterations int

	alertSubscribers, alertConns, alerts int
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.role, "role", "", "child process role: bare or engage")
	fs.StringVar(&o.dataDir, "data-dir", "", "data directory of the engage child")
	fs.BoolVar(&o.keepData, "keep-data", false, "the engage child leaves its data directory for the next one")
	fs.StringVar(&o.suite, "suite", suiteIdentity, "what to measure: identity, forum, feedback, training, alerts or all")
	fs.IntVar(&o.rounds, "rounds", 3, "rounds of bare and Engage for each protocol")
	fs.DurationVar(&o.duration, "duration", 5*time.Second, "measured time of each round and side")
	fs.IntVar(&o.slices, "slices", 5, "slices each side's measured time is cut into, bare and Engage alternating slice by slice")
	fs.DurationVar(&o.warmup, "warmup", time.Second, "unmeasured load before each measurement")
	fs.IntVar(&o.concurrency, "concurrency", 64, "requests in flight (closed-loop workers)")
	fs.IntVar(&o.conns, "conns", 4, "gRPC client connections the workers share")
	fs.IntVar(&o.searchPosts, "search-posts", 100_000, "forum suite: posts written before searching")
	fs.IntVar(&o.searchThreads, "search-threads", 1000, "forum suite: threads the search posts are spread over")
	fs.IntVar(&o.searchConcurrency, "search-concurrency", 8, "forum suite: searches in flight")
	fs.IntVar(&o.trustAnswers, "trust-answers", 1_000_000, "feedback suite: survey answers of the large agency whose Trust Index is queried")
	fs.IntVar(&o.trustConcurrency, "trust-concurrency", 4, "feedback suite: Trust Index queries in flight")
	fs.IntVar(&o.officers, "officers", 5000, "training suite: officers of the large agency")
	fs.IntVar(&o.courses, "courses", 20, "training suite: mandatory courses of each agency")
	fs.IntVar(&o.iterations, "iterations", 200, "training suite: measured reports per path and agency")
	fs.IntVar(&o.alertSubscribers, "alert-subscribers", 10_000, "alerts suite: streams subscribed at once")
	fs.IntVar(&o.alertConns, "alert-conns", 100, "alerts suite: gRPC client connections the streams share")
	fs.IntVar(&o.alerts, "alerts", 100, "alerts suite: alerts published and measured per run")
	fs.StringVar(&o.cpuprofile, "cpuprofile", "", "write the CPU profiles of the server processes to `prefix`-{bare,engage}-{path}.pprof")
	// -role, -data-dir and -keep-data are how the parent starts its
	// children; -h does not list them.
	hidden := map[string]bool{"role": true, "data-dir": true, "keep-data": true}
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: go run ./services/bench [flags]\n\n")
		fs.VisitAll(func(f *flag.Flag) {
			if hidden[f.Name] {
				return
			}
			name, usage := flag.UnquoteUsage(f)
			fmt.Fprintf(fs.Output(), "  -%s %s\n    \t%s", f.Name, name, usage)
			if f.DefValue != "" {
				fmt.Fprintf(fs.Output(), " (default %s)", f.DefValue)
			}
			fmt.Fprintln(fs.Output())
		})
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %v", fs.Args())
	}
	if o.rounds < 1 || o.slices < 1 || o.concurrency < 1 || o.conns < 1 || o.duration <= 0 || o.warmup < 0 {
		return o, errors.New("-rounds, -slices, -concurrency and -conns must be ≥ 1, -duration > 0 and -warmup ≥ 0")
	}
	if o.duration/time.Duration(o.slices) < 100*time.Millisecond {
		return o, errors.New("-duration / -slices must be at least 100ms: shorter slices measure their own start and end")
	}
	if _, err := suitesOf(o.suite); err != nil {
		return o, err
	}
	if o.searchPosts < 1 || o.searchThreads < 1 || o.searchConcurrency < 1 {
		return o, errors.New("-search-posts, -search-threads and -search-concurrency must be ≥ 1")
	}
	if o.trustAnswers < 1 || o.trustConcurrency < 1 {
		return o, errors.New("-trust-answers and -trust-concurrency must be ≥ 1")
	}
	if err := checkTrainingScale(o); err != nil {
		return o, err
	}
	if err := checkAlertsScale(o); err != nil {
		return o, err
	}
	return o, nil
}

// run is the whole program: a child serves, the parent measures.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	switch o.role {
	case "":
		return measure(ctx, o, stdout, stderr)
	case roleBare, roleEngage:
		return serveChild(ctx, o, stdin, stdout, stderr)
	default:
		return fmt.Errorf("unknown role %q", o.role)
	}
}
