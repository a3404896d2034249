package agencies

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"github.com/engagehq/engage/services/internal/errs"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// fakeAgencies answers GetAgency from a map and counts the calls.
type fakeAgencies struct {
	identityv1.AgencyServiceClient
	mu     sync.Mutex
	zones  map[string]string
	calls  int
	broken bool
}

func (f *fakeAgencies) GetAgency(_ context.Context, req *identityv1.GetAgencyRequest, _ ...grpc.CallOption) (*identityv1.Agency, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.broken {
		return nil, status.Error(codes.Unavailable, "down")
	}
	tz, ok := f.zones[req.GetName()]
	if !ok {
		return nil, status.Error(codes.NotFound, "no such agency")
	}
	return &identityv1.Agency{Name: req.GetName(), TimeZone: tz}, nil
}

func TestAgencyDirectory(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 5, 6, 10, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }
	client := &fakeAgencies{zones: map[string]string{"agencies/metro": "America/Chicago", "agencies/utc": ""}}
	d := newAgencyDirectory(client, clock)

	info, err := d.Agency(t.Context(), "metro")
	if err != nil || info.Location.String() != "America/Chicago" {
		t.Fatalf("metro: %v, %v", info.Location, err)
	}
	info, err = d.Agency(t.Context(), "utc")
	if err != nil || info.Location != time.UTC {
		t.Fatalf("an agency without a zone: %v, %v", info.Location, err)
	}
	if _, err := d.Agency(t.Context(), "nowhere"); !errors.Is(err, errs.NotFound) {
		t.Fatalf("unknown agency: %v", err)
	}
	calls := client.calls
	_, _ = d.Agency(t.Context(), "metro")
	_, _ = d.Agency(t.Context(), "nowhere")
	if client.calls != calls {
		t.Fatalf("cached answers asked identity again (%d calls)", client.calls-calls)
	}
	advance(11 * time.Second) // the absence expires, the agency not yet
	_, _ = d.Agency(t.Context(), "metro")
	_, _ = d.Agency(t.Context(), "nowhere")
	if client.calls != calls+1 {
		t.Fatalf("%d calls after 11s, want 1", client.calls-calls)
	}
	advance(time.Minute)
	client.broken = true
	if _, err := d.Agency(t.Context(), "metro"); !errors.Is(err, errs.Unavailable) {
		t.Fatalf("identity down: %v", err)
	}
}
