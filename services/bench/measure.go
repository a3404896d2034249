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

// measureProtocol runs the rounds of one protocol, under CPU profiles when
// asked. In a round both sides are warmed up and then measured in
// -slices alternating slices (see measureRound); the side that starts
// flips every round.
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
	// A token must outlive both sides' warm-ups and measured slices.
	need := 2 * (o.warmup + o.duration + time.Duration(o.slices)*callGrace)
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
		results, err := measureRound(ctx, p, order, tokens, o)
		if err != nil {
			return summary{}, fmt.Errorf("%s, round %d, %w", p.name, r, err)
		}
		var rd round
		for i, s := range order {
			printRun(stdout, p, r, s.name, results[i])
			if s.name == roleBare {
				rd.bare = results[i]
			} else {
				rd.engage = results[i]
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

// measureRound warms up each side in order, then measures them in
// o.slices slices of o.duration/o.slices each, alternating A B B A A B …
// with the side warmed last going first. The machine's speed drifts by
// tens of percent over seconds; alternating short slices puts both sides
// in every stretch of it, where back-to-back runs would each get their own.
// The results are in the order of order, each the sum of its slices.
func measureRound(ctx context.Context, p protocol, order []side, tokens []string, o options) ([]loadResult, error) {
	clients := make([]loadClient, len(order))
	for i, s := range order {
		lc, err := startLoad(ctx, p, s.child, tokens, o)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.name, err)
		}
		defer lc.close()
		clients[i] = lc
	}
	slice := o.duration / time.Duration(o.slices)
	parts := make([][]loadResult, len(order))
	for _, i := range sliceOrder(len(order), o.slices) {
		res, err := measured(ctx, p, order[i].child, clients[i], slice, o)
		if err != nil {
			return nil, fmt.Errorf("%s, slice %d: %w", order[i].name, len(parts[i])+1, err)
		}
		parts[i] = append(parts[i], res)
	}
	results := make([]loadResult, len(order))
	for i, ps := range parts {
		results[i] = sumResults(ps)
	}
	return results, nil
}

// sliceOrder is the order in which measureRound measures the slices of
// sides sides (by index) n times each: backwards, forwards, backwards …, so
// that with two sides the last one warmed goes first and the sequence is
// 1 0 0 1 1 0 ….
func sliceOrder(sides, n int) []int {
	seq := make([]int, 0, sides*n)
	for round := range n {
		for k := range sides {
			if round%2 == 0 {
				k = sides - 1 - k
			}
			seq = append(seq, k)
		}
	}
	return seq
}

// runSide loads one server over one protocol: startLoad, then one measured
// run of o.duration.
func runSide(ctx context.Context, p protocol, c *child, tokens []string, o options) (loadResult, error) {
	lc, err := startLoad(ctx, p, c, tokens, o)
	if err != nil {
		return loadResult{}, err
	}
	defer lc.close()
	return measured(ctx, p, c, lc, o.duration, o)
}

// startLoad dials a server, makes a first call that must succeed, and
// runs the warm-up. The caller closes the client.
func startLoad(ctx context.Context, p protocol, c *child, tokens []string, o options) (loadClient, error) {
	lc, err := p.dial(ctx, c.addrs, tokens, o)
	if err != nil {
		return loadClient{}, err
	}
	if err := lc.newCaller(0)(lc.ctx); err != nil {
		lc.close()
		return loadClient{}, fmt.Errorf("first call: %w", err)
	}
	if o.warmup > 0 {
		w := runLoad(lc.ctx, p.workers(o), o.warmup, lc.newCaller)
		if err := check(ctx, w); err != nil {
			lc.close()
			return loadClient{}, fmt.Errorf("warm-up: %w", err)
		}
	}
	return lc, nil
}

// measured runs the load for d, with the server's CPU time read before and
// after it.
func measured(ctx context.Context, p protocol, c *child, lc loadClient, d time.Duration, o options) (loadResult, error) {
	// Where the CPU time cannot be read, the report leaves it out.
	cpu0, cpuErr := c.cpu(ctx)
	r := runLoad(lc.ctx, p.workers(o), d, lc.newCaller)
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
