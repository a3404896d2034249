package main

import (
	"context"
	"errors"
	"fmt"
	"os"
)

// runIdentity compares an authenticated read on Engage with the bare echo,
// over gRPC and REST.
func runIdentity(ctx context.Context, r *runner) (err error) {
	dataDir, err := os.MkdirTemp("", "engage-bench-")
	if err != nil {
		return err
	}
	// Deferred first, so it runs after the Engage child has stopped.
	defer os.RemoveAll(dataDir)

	bare, err := r.startBare(ctx, suiteIdentity)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, bare.stop()) }()
	engage, _, err := r.startEngage(ctx, dataDir, false)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, engage.stop()) }()

	acct := newResident(engage.addrs.HTTP)
	if err := acct.signUp(ctx); err != nil {
		return fmt.Errorf("sign up on Engage: %w", err)
	}
	printHeader(r.stdout, r.o, header{
		title:  `Engage vs bare: authenticated read, GET /v1/accounts/me and AccountService/GetAccount {name: "accounts/me"}`,
		bare:   bare.addrs,
		engage: engage.addrs,
		notes:  []string{"every request carries the same signed-in resident's Authorization: Bearer token, bare ignores it"},
	})

	sides := []side{{roleBare, bare}, {roleEngage, engage}}
	var summaries []summary
	for _, p := range identityProtocols() {
		s, err := measureProtocol(ctx, p, sides, acct, r.o, r.stdout)
		if err != nil {
			return err
		}
		summaries = append(summaries, s)
	}
	printSummary(r.stdout, summaries)
	return nil
}
