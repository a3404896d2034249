// Command engage-gateway runs the REST gateway alone, in front of services
// running as their own processes: it dials each service's gRPC address and
// serves the REST API, /healthz, /readyz, /metrics, /openapi.json and /docs.
//
//	ENGAGE_IDENTITY_ADDR=identity:9090 engage-gateway --addr :8080
//
// On SIGINT or SIGTERM it turns not ready, ends open streams (clients
// reconnect elsewhere with their cursor), lets unary calls finish within the
// shutdown timeout, and exits.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Environ()); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		if !errors.Is(err, errUsage) {
			fmt.Fprintln(os.Stderr, "engage-gateway:", err)
		}
		stop()
		os.Exit(1)
	}
}

// run parses the configuration, then serves until ctx is done.
func run(ctx context.Context, args, environ []string) error {
	cfg, err := parseConfig(args, environ)
	if err != nil {
		return err
	}
	logger, err := cfg.logger(os.Stderr)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", cfg.Addr, err)
	}
	return serve(ctx, cfg, logger, ln)
}
