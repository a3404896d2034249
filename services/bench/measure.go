package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"
)

// maxErrorRate is the share of failed calls above which a run is not a
// measurement but a failure.
const maxErrorRate = 0.01

// side is one of the two servers compared.
type side struct {
	name  string
	child *child
}

// signedIn gives the access tokens a load sends, signing in again (or
// refreshing) when one would expire within need. Worker w sends token w mod
// the number of tokens.
type signedIn interface {
	tokens(ctx context.Context, need time.Duration) ([]string, error)
}

// measureProtocol runs the rounds of one protocol, bare and Engage back to
// back in each, the order flipping every round, under CPU profiles when asked.
func measureProtocol(ctx context.Context, p protocol, sides []side, who signedIn, o options, stdout io.Writer) (summary, error) {
	var profiles []string
	if o.cpuprofile != "" {
		for _, s := range sides {
			path := fmt.Sprintf("%s-%s-%s.pprof", o.cpuprofile, s.name, p.file)
			if _, err := s.child.send(ctx, "profile "+path); err != nil {
				return summary{}, err
			}
			profiles = append(profiles, path)
		}
	}
	// A token must outlive both runs of a round.
	need := 2 * (o.warmup + o.duration + callGrace)
	var rounds []round
	for r := 1; r <= o.rounds; r++ {
		tokens, err := who.tokens(ctx, need)
		if err != nil {
			return summary{}, fmt.Errorf("sign in on Engage: %w", err)
		}
		order := slices.Clone(sides)
		if r%2 == 0 {
			slices.Reverse(order)
		}
		var rd round
		for _, s := range order {
			res, err := runSide(ctx, p, s.child, tokens, o)
			if err != nil {
				return summary{}, fmt.Errorf("%s, round %d, %s: %w", p.name, r, s.name, err)
			}
			printRun(stdout, p, r, s.name, res)
			if s.name == roleBare {
				rd.bare = res
			} else {
				rd.engage = res
			}
		}
		printRatio(stdout, p, r, rd)
		rounds = append(rounds, rd)
	}
	if o.cpuprofile != "" {
		for _, s := range sides {
			if _, err := s.child.send(ctx, "stop"); err != nil {
				return summary{}, err
			}
		}
	}
	return summarize(p, rounds, profiles), nil
}

// runSide loads one server over one protocol: a first call that must
// succeed, the warm-up, then the measured run, with the server's CPU time
// read before and after it.
func runSide(ctx context.Context, p protocol, c *child, tokens []string, o options) (loadResult, error) {
	lc, err := p.dial(ctx, c.addrs, tokens, o)
	if err != nil {
		return loadResult{}, err
	}
	defer lc.close()
	if err := lc.newCaller(0)(lc.ctx); err != nil {
		return loadResult{}, fmt.Errorf("first call: %w", err)
	}
	workers := p.workers(o)
	if o.warmup > 0 {
		w := runLoad(lc.ctx, workers, o.warmup, lc.newCaller)
		if err := check(ctx, w); err != nil {
			return loadResult{}, fmt.Errorf("warm-up: %w", err)
		}
	}
	// Where the CPU time cannot be read, the report leaves it out.
	cpu0, cpuErr := c.cpu(ctx)
	r := runLoad(lc.ctx, workers, o.duration, lc.newCaller)
	if err := check(ctx, r); err != nil {
		return r, err
	}
	if cpuErr == nil {
		cpu1, err := c.cpu(ctx)
		if err != nil {
			return r, err
		}
		r.serverCPU = cpu1 - cpu0
	}
	return r, nil
}

// check fails a run that was interrupted or had too many failed calls.
func check(ctx context.Context, r loadResult) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if r.ok == 0 || r.errorRate() > maxErrorRate {
		return fmt.Errorf("%d of %d calls failed (%.2f%%, more than %.0f%%); first: %v",
			r.failed, r.ok+r.failed, 100*r.errorRate(), 100*maxErrorRate, r.firstErr)
	}
	return nil
}
