package e2e

import (
	"testing"
	"time"
)

// TestSplitAlerts runs identity, forum, alerts and the gateway as four
// processes: alerts reads agencies from identity and opens an alert's Q&A
// thread in forum across the network, where the public reads it. With
// forum stopped, opening a thread fails promptly with 503 while alerts
// keep being sent.
func TestSplitAlerts(t *testing.T) {
	t.Parallel()
	secret := "ENGAGE_INTERNAL_SECRET=" + internalSecret(t)
	identity := startEngage(t, []string{secret}, "serve", "identity",
		"--data-dir", t.TempDir(), "--grpc-addr", "127.0.0.1:0",
		"--admin-email", adminEmail, "--admin-password", adminPassword)
	forum := startEngage(t, []string{secret}, "serve", "forum",
		"--data-dir", t.TempDir(), "--grpc-addr", "127.0.0.1:0", "--identity-addr", identity.grpcAddr)
	alerts := startEngage(t, []string{secret}, "serve", "alerts",
		"--data-dir", t.TempDir(), "--grpc-addr", "127.0.0.1:0", "--identity-addr", identity.grpcAddr,
		"--forum-addr", forum.grpcAddr, "--forum-timeout", "2s", "--public-url", alertsPublicURL)
	if alerts.httpURL != "" {
		t.Errorf("alerts alone serves REST at %s", alerts.httpURL)
	}
	gw := startEngage(t, nil, "serve", "gateway", "--http-addr", "127.0.0.1:0", "--identity-addr", identity.grpcAddr,
		"--forum-addr", forum.grpcAddr, "--alerts-addr", alerts.grpcAddr)

	rest := gw.rest()
	admin, steps := mfaSignIn(rest, adminEmail, adminPassword)
	rest.must(200, "POST", "/v1/agencies?agencyId=split-pd", admin, map[string]any{"displayName": "Split PD", "timeZone": "America/Denver"})
	me := rest.must(200, "GET", "/v1/accounts/me", admin, nil)
	for _, role := range []string{"ROLE_MODERATOR", "ROLE_ALERT_AUTHOR"} {
		rest.must(200, "POST", "/v1/agencies/split-pd/roleBindings", admin, map[string]any{"member": me["name"], "role": role})
	}
	staff := rest.signIn(adminEmail, adminPassword, steps.code())["accessToken"].(string)
	rest.must(200, "POST", "/v1/agencies/split-pd/forums?forumId=town", staff, map[string]any{
		"displayName": "Town square", "visibility": "VISIBILITY_PUBLIC",
	})

	const base = "/v1/agencies/split-pd/alerts"
	send := func(headline string) map[string]any {
		t.Helper()
		d := rest.must(200, "POST", base, staff, alertBody("SEVERITY_MODERATE", headline))
		a := rest.must(200, "POST", "/v1/"+str(d["name"])+":publish", staff, map[string]any{"etag": d["etag"]})
		if a["state"] != "STATE_PUBLISHED" {
			t.Fatalf("published MODERATE alert = %v, want published", a)
		}
		return a
	}
	a := send("Water main break on Elm Street")
	opened := rest.must(200, "POST", "/v1/"+str(a["name"])+":openThread", staff, map[string]any{"forum": "agencies/split-pd/forums/town"})
	thread := str(opened["thread"])
	if thread == "" {
		t.Fatalf("after :openThread the alert = %v, want its thread", opened)
	}
	th := rest.must(200, "GET", "/v1/"+thread, "", nil)
	if th["kind"] != "THREAD_KIND_QUESTION" || th["author"] != "agencies/split-pd" {
		t.Errorf("the alert's thread = %v, want a QUESTION thread in the agency's name", th)
	}
	again := rest.must(200, "POST", "/v1/"+str(a["name"])+":openThread", staff, map[string]any{"forum": "agencies/split-pd/forums/town"})
	if again["thread"] != thread {
		t.Errorf("opening the thread again = %v, want the same thread %s", again["thread"], thread)
	}
	rest.must(200, "GET", "/readyz", "", nil)

	forum.kill()
	// Generous: it bounds a failure, it does not measure.
	const prompt = 15 * time.Second
	b := send("Power outage in the north end")
	start := time.Now()
	r := rest.do("POST", "/v1/"+str(b["name"])+":openThread", staff, map[string]any{"forum": "agencies/split-pd/forums/town"})
	if took := time.Since(start); r.status != 503 || took > prompt {
		t.Errorf("opening a thread with forum down = %d %s after %s, want 503 within %s", r.status, truncate(r.body), took, prompt)
	}
	if got := rest.must(200, "GET", "/v1/"+str(b["name"]), "", nil); str(got["thread"]) != "" {
		t.Errorf("after the failed :openThread the alert = %v, want no thread", got)
	}
}
