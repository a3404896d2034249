package storetest

import (
	"testing"

	"github.com/engagehq/engage/services/internal/idempotent"
	"github.com/engagehq/engage/services/internal/identity"
)

// testRequests: a request id is its caller's, names one request, and is
// forgotten after identity.RetryLifetime or a purge.
func testRequests(t *testing.T, s identity.Store) {
	mustAgency(t, s, "metro")
	first := retryOf("req-1")
	first.Caller = "accounts/ana"
	made, err := s.CreateAgency(ctx(t), agency("north"), first)
	wantErr(t, "create", err, nil)

	other := first
	other.Fingerprint = []byte("another request")
	_, err = s.CreateAgency(ctx(t), agency("south"), other)
	wantErr(t, "the same id with another request", err, idempotent.ErrReused)

	elsewhere := first
	elsewhere.Caller = "accounts/bo"
	got, err := s.CreateAgency(ctx(t), agency("east"), elsewhere)
	wantErr(t, "another caller's id", err, nil)
	if got.ID != "east" {
		t.Fatalf("another caller's request id returned %s, want a new agency", got.ID)
	}

	again, err := s.CreateAgency(ctx(t), agency("west"), first)
	wantErr(t, "retry", err, nil)
	diff(t, "retry", again, made)

	late := first
	late.Time = first.Time.Add(identity.RetryLifetime + 1)
	got, err = s.CreateAgency(ctx(t), agency("west"), late)
	wantErr(t, "retry after the lifetime", err, nil)
	if got.ID != "west" {
		t.Fatalf("an expired request id returned %s, want a new agency", got.ID)
	}

	n, err := s.PurgeRequests(ctx(t), late.Time.Add(1))
	wantErr(t, "purge", err, nil)
	if n != 2 {
		t.Fatalf("purged %d request ids, want 2 (ana's, renewed, and bo's)", n)
	}
	got, err = s.CreateAgency(ctx(t), agency("central"), first)
	wantErr(t, "after the purge", err, nil)
	if got.ID != "central" {
		t.Fatalf("a purged request id returned %s, want a new agency", got.ID)
	}
}
