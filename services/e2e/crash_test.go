package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"google.golang.org/grpc"
)

// loadFlags are the serve flags of the load tests: one administrator and
// one client address make the whole load, which the per-caller rate limits
// would mostly turn away; per-call logs would only slow it down.
func loadFlags() []string {
	return []string{"--rate-limit", "0", "--anonymous-rate-limit", "0", "--log-level", "warn"}
}

// TestCrashKeepsAcknowledgedWrites kills the server with SIGKILL in the
// middle of a concurrent write load, restarts it on the same data
// directory, and finds every acknowledged write (PRODUCT.md §5: a write is
// acknowledged only once it is durable).
func TestCrashKeepsAcknowledgedWrites(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	args := serveArgs(dir, loadFlags()...)
	srv := startEngage(t, nil, args...)
	rest := srv.rest()
	admin, steps := mfaSignIn(rest, adminEmail, adminPassword)
	rest.must(200, "POST", "/v1/agencies?agencyId=crash-pd", admin, map[string]any{"displayName": "Crash Test PD"})

	load := &writeLoad{}
	agencies := identityv1.NewAgencyServiceClient(srv.dial())
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Go(func() { load.createAgencies(withToken(context.Background(), admin), agencies, "crash", w) })
	}
	for w := range 2 {
		wg.Go(func() { load.signUps(srv.httpURL, "crash", w) })
	}
	defer load.stop(&wg)
	// At least 1.5 s of load, and writes of both kinds acknowledged before
	// the kill (sign-ups hash a password: they are slow).
	waitForLoad(t, srv, load, 1, 1, 1500*time.Millisecond)
	load.stopped.Store(true)
	srv.kill()
	wg.Wait()

	if len(load.failures) > 0 {
		t.Errorf("%d calls failed before the kill; the first: %v", len(load.failures), load.failures[0])
	}
	ackAgencies, ackAccounts := load.acknowledged()
	t.Logf("acknowledged before the kill: %d agencies, %d sign-ups; %d calls in flight at the kill",
		len(ackAgencies), len(ackAccounts), load.cutOff)
	if _, err := os.Stat(filepath.Join(dir, "run", "all.sock")); err != nil {
		t.Errorf("the killed process left no admin socket behind (%v): the restart below does not test a stale one", err)
	}

	// The same data directory, a stale admin socket, the bbolt lock
	// released with the dead process: the restart must simply work.
	srv = startEngage(t, nil, args...)
	if strings.Contains(srv.stdout.String(), "First start") {
		t.Errorf("the restart bootstrapped again:\n%s", srv.stdout)
	}
	rest = srv.rest()

	// The step the last sign-in used is still used after the crash; the
	// next one signs in.
	if r := rest.do("POST", "/v1/sessions", "", map[string]any{"email": adminEmail, "password": adminPassword, "totpCode": steps.used()}); r.status != 401 {
		t.Errorf("replayed TOTP code after the restart = %d %s, want 401", r.status, r.body)
	}
	admin2 := rest.signIn(adminEmail, adminPassword, steps.code())["accessToken"].(string)
	// The session and signing key from before the crash are durable too.
	rest.must(200, "POST", "/v1/agencies?agencyId=after-crash", admin, map[string]any{"displayName": "After the crash"})
	rest.must(200, "GET", "/v1/agencies/crash-pd", "", nil)

	conn := srv.dial()
	ctx := withToken(t.Context(), admin2)
	reportFailures(t, "acknowledged agencies", len(ackAgencies), forEach(ackAgencies, 8, func(id string) error {
		return checkAgency(ctx, conn, id)
	}))
	reportFailures(t, "acknowledged sign-ups", len(ackAccounts), forEach(ackAccounts, 2, func(email string) error {
		return postJSON(srv.httpURL+"/v1/sessions", map[string]any{"email": email, "password": loadPassword})
	}))
}

// checkAgency reports an error unless agency id exists as it was created
// and its audit log holds the OK CreateAgency event and verifies.
func checkAgency(ctx context.Context, conn *grpc.ClientConn, id string) error {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	name := "agencies/" + id
	a, err := identityv1.NewAgencyServiceClient(conn).GetAgency(ctx, &identityv1.GetAgencyRequest{Name: name})
	if err != nil {
		return fmt.Errorf("get %s: %w", name, err)
	}
	if a.GetDisplayName() != displayName(id) {
		return fmt.Errorf("%s: display name %q, want %q", name, a.GetDisplayName(), displayName(id))
	}
	audit := identityv1.NewAuditServiceClient(conn)
	events, err := audit.ListAuditEvents(ctx, &identityv1.ListAuditEventsRequest{Parent: name})
	if err != nil {
		return fmt.Errorf("audit events of %s: %w", name, err)
	}
	var created bool
	for _, e := range events.GetAuditEvents() {
		created = created || strings.HasSuffix(e.GetMethod(), "/CreateAgency") && e.GetOutcome() == "OK"
	}
	if !created {
		return fmt.Errorf("%s: no OK CreateAgency in its audit log: %v", name, events.GetAuditEvents())
	}
	v, err := audit.VerifyAuditEvents(ctx, &identityv1.VerifyAuditEventsRequest{Parent: name})
	if err != nil {
		return fmt.Errorf("verify the audit log of %s: %w", name, err)
	}
	if !v.GetValid() {
		return fmt.Errorf("the audit log of %s does not verify: %v", name, v)
	}
	return nil
}
