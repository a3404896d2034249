// Command bench measures what Engage costs on top of a bare gRPC server and
// a bare grpc-gateway mux, for an authenticated read: REST
// GET /v1/accounts/me and its gRPC twin engage.identity.v1.AccountService/
// GetAccount {name: "accounts/me"}.
//
//	go run ./services/bench [-rounds 3] [-duration 5s] [-warmup 1s]
//	    [-concurrency 64] [-conns 4] [-cpuprofile /tmp/engage]
//
// # Method
//
// The program re-executes itself to run each server in its own child
// process: "bare" (a plain grpc.NewServer answering GetAccount with a fixed
// account, and a plain runtime.NewServeMux in front of it over a loopback
// client connection) and "engage" (the real platform from app.Start, exactly
// the `engage serve` wiring, on a fresh bbolt data directory). The parent is
// the load generator, so load and servers are separate processes, as in
// production; all of them share the machine's cores.
//
// The parent signs up one resident on Engage and signs in; every request,
// to either server, carries that access token. A round is a closed loop of
// -concurrency workers for -warmup (discarded) and then -duration (measured);
// every latency is recorded. gRPC workers share -conns client connections;
// REST workers share one http.Client keeping a connection per worker. The
// server process's CPU time is read before and after each measured run, so
// that the report also gives each server's CPU time per call: unlike
// requests/s, it hardly moves when something else loads the machine.
//
// # Fairness
//
// Absolute figures drift from run to run on these machines, so the targets
// are ratios of Engage to bare measured in the same invocation: each round
// runs bare and Engage back to back, the order flipping every round (bare
// first in odd rounds, Engage first in even ones), and the reported ratio is
// the median of the per-round ratios. Both sides get identical requests
// from identical clients, and both run their gRPC server and REST gateway in
// one process. Engage runs with its per-caller rate limits disabled (a real
// account's 20 requests/s would otherwise be what is measured) and logs at
// warn level (an info access-log line per call would dominate).
//
// Targets: Engage gRPC ≥ 0.5 × bare gRPC, Engage REST ≥ 0.7 × bare REST.
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
	// role and dataDir are set only on the child processes.
	role, dataDir string

	rounds             int
	duration, warmup   time.Duration
	concurrency, conns int
	cpuprofile         string
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.role, "role", "", "child process role: bare or engage")
	fs.StringVar(&o.dataDir, "data-dir", "", "data directory of the engage child")
	fs.IntVar(&o.rounds, "rounds", 3, "rounds of bare and Engage for each protocol")
	fs.DurationVar(&o.duration, "duration", 5*time.Second, "measured time of each round and side")
	fs.DurationVar(&o.warmup, "warmup", time.Second, "unmeasured load before each measurement")
	fs.IntVar(&o.concurrency, "concurrency", 64, "requests in flight (closed-loop workers)")
	fs.IntVar(&o.conns, "conns", 4, "gRPC client connections the workers share")
	fs.StringVar(&o.cpuprofile, "cpuprofile", "", "write the CPU profiles of the server processes to `prefix`-{bare,engage}-{grpc,rest}.pprof")
	// -role and -data-dir are how the parent starts its children; -h does
	// not list them.
	hidden := map[string]bool{"role": true, "data-dir": true}
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
	if o.rounds < 1 || o.concurrency < 1 || o.conns < 1 || o.duration <= 0 || o.warmup < 0 {
		return o, errors.New("-rounds, -concurrency and -conns must be ≥ 1, -duration > 0 and -warmup ≥ 0")
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
		return serveChild(ctx, o.role, o.dataDir, stdin, stdout, stderr)
	default:
		return fmt.Errorf("unknown role %q", o.role)
	}
}
