// Package storetest is the conformance suite of identity.Store: every
// implementation runs it from its own tests,
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) identity.Store { … a new, empty store … })
//	}
//
// It checks the behaviour the Store documentation promises (errors,
// idempotency, ordering, indexes, atomic updates), not how data is laid
// out.
package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/idempotent"
	"github.com/engagehq/engage/services/internal/identity"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Opener returns a new, empty store for one test and arranges its release
// with t.Cleanup.
type Opener func(t *testing.T) identity.Store

// Run runs the whole suite against stores made by open.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		run  func(t *testing.T, s identity.Store)
	}{
		{"Accounts", testAccounts},
		{"AccountUpdates", testAccountUpdates},
		{"AccountList", testAccountList},
		{"BootstrapAdmin", testBootstrapAdmin},
		{"Sessions", testSessions},
		{"SessionPurge", testSessionPurge},
		{"Agencies", testAgencies},
		{"RoleBindings", testRoleBindings},
		{"Partners", testPartners},
		{"Requests", testRequests},
		{"AuditChain", testAuditChain},
		{"AuditConcurrentAppends", testAuditConcurrentAppends},
		{"ConcurrentAccountUpdates", testConcurrentAccountUpdates},
		{"SigningKeys", testSigningKeys},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, open(t))
		})
	}
}

// base is the suite's clock: a time with nanoseconds, which stores must
// keep.
var base = time.Date(2026, 3, 14, 15, 9, 26, 535897932, time.UTC)

// retryOf is the retry of request id made at base, with a fingerprint of
// its own; the zero Request for "".
func retryOf(id string) idempotent.Request {
	if id == "" {
		return idempotent.Request{}
	}
	return idempotent.Request{ID: id, Fingerprint: []byte("fingerprint of " + id), Time: base}
}

func ctx(t *testing.T) context.Context { return t.Context() }

// wantErr fails unless err wraps want (nil: no error).
func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	switch {
	case want == nil && err != nil:
		t.Fatalf("%s: unexpected error %v", what, err)
	case want != nil && !errors.Is(err, want):
		t.Fatalf("%s: error %v, want one wrapping %v", what, err, want)
	}
}

// diff fails when got and want differ.
func diff(t *testing.T, what string, got, want any, opts ...cmp.Option) {
	t.Helper()
	opts = append(opts, cmpopts.EquateEmpty())
	if d := cmp.Diff(want, got, opts...); d != "" {
		t.Fatalf("%s mismatch (-want +got):\n%s", what, d)
	}
}

var (
	errNotFound      = errs.NotFound
	errAlreadyExists = errs.AlreadyExists
)
