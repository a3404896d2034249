// Command engage runs the Engage platform: every service and the REST gateway
// in one process (`engage serve`), one of them alone (`engage serve identity`,
// `engage serve gateway`), and the admin commands (backup, probe, totp).
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
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Environ(), os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "engage:", err)
		}
		os.Exit(1)
	}
}

const usage = `engage — community engagement for law-enforcement agencies

Usage:
  engage serve [--demo] [flags]       every service and the REST gateway in one process
  engage serve <part> [flags]         one part alone: identity, forum, feedback,
                                      training, alerts or gateway
  engage backup --data-dir D --out O  hot, consistent copy of every bbolt file
  engage probe --addr HOST:PORT       exit 0 when a gRPC server reports SERVING
  engage probe --http URL             exit 0 when URL answers 200
  engage totp --secret BASE32         print the current TOTP code for a secret
  engage version

Run 'engage <command> -h' for a command's flags. Every flag can also be set
from the environment (ENGAGE_…), as its help says.
`

// run is the whole program; main only wires signals and exit codes.
func run(ctx context.Context, args, environ []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return flag.ErrHelp
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		return serve(ctx, rest, environ, stdout, stderr)
	case "backup":
		return backup(ctx, rest, environ, stdout, stderr)
	case "probe":
		return probe(ctx, rest, stderr)
	case "totp":
		return totpCode(rest, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, version())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
}
