package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"net"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestSplitProcesses runs identity and the gateway as two processes, as
// docker-compose does: the REST flow works through the separate gateway,
// and readiness follows the identity process.
func TestSplitProcesses(t *testing.T) {
	t.Parallel()
	identity := startEngage(t, []string{"ENGAGE_INTERNAL_SECRET=" + internalSecret(t)},
		"serve", "identity",
		"--data-dir", t.TempDir(),
		"--grpc-addr", "127.0.0.1:0",
		"--admin-email", adminEmail, "--admin-password", adminPassword)
	if identity.httpURL != "" {
		t.Errorf("identity alone serves REST at %s", identity.httpURL)
	}
	// The gateway holds no internal secret: it only forwards callers' own
	// credentials, and refuses the service scheme at the edge.
	gw := startEngage(t, nil, "serve", "gateway", "--identity-addr", identity.grpcAddr, "--http-addr", "127.0.0.1:0")
	if gw.grpcAddr != "" {
		t.Errorf("the gateway alone serves gRPC at %s", gw.grpcAddr)
	}

	rest := gw.rest()
	name := rest.signUp("split@e2e.example", "a split deployment passphrase")
	s := rest.signIn("split@e2e.example", "a split deployment passphrase", "")
	me := rest.must(200, "GET", "/v1/accounts/me", s["accessToken"].(string), nil)
	if me["name"] != name {
		t.Errorf("accounts/me = %v, want %s", me["name"], name)
	}
	rest.must(200, "GET", "/readyz", "", nil)
	rest.signIn(adminEmail, adminPassword, "") // bootstrapped by identity alone

	probes := []struct {
		name string
		args []string
	}{
		{"grpc", []string{"probe", "--addr", identity.grpcAddr}},
		{"http", []string{"probe", "--http", gw.httpURL + "/readyz"}},
	}
	for _, pr := range probes {
		if _, stderr, code := runEngage(t, nil, pr.args...); code != 0 {
			t.Errorf("%s probe of serving processes: exit %d: %s", pr.name, code, stderr)
		}
	}

	identity.kill()
	deadline := time.Now().Add(startTimeout)
	for {
		r := rest.do("GET", "/readyz", "", nil)
		if r.status == 503 {
			if !strings.Contains(string(r.body), `"identity"`) {
				t.Errorf("/readyz does not name the failing backend: %s", r.body)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz = %d %s %s after identity died", r.status, r.body, startTimeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if r := rest.do("GET", "/v1/agencies", "", nil); r.status != 503 {
		t.Errorf("a call with identity down = %d %s, want 503", r.status, r.body)
	}
	for _, pr := range probes {
		if _, _, code := runEngage(t, nil, slices.Concat(pr.args, []string{"--timeout", "2s"})...); code == 0 {
			t.Errorf("%s probe with identity down: exit 0", pr.name)
		}
	}
}

// TestProbeOfNothing: the container health check fails when nothing
// listens.
func TestProbeOfNothing(t *testing.T) {
	t.Parallel()
	addr := unusedAddr(t)
	tests := []struct {
		name string
		args []string
	}{
		{"grpc", []string{"probe", "--addr", addr, "--timeout", "2s"}},
		{"http", []string{"probe", "--http", "http://" + addr + "/readyz", "--timeout", "2s"}},
		{"no target", []string{"probe"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, _, code := runEngage(t, nil, tt.args...); code == 0 {
				t.Errorf("engage %s: exit 0", strings.Join(tt.args, " "))
			}
		})
	}
}

// TestServeRefusesIncompleteSetup: a split process started without what it
// needs stops at once with an error naming the missing setting, before it
// touches the data directory.
func TestServeRefusesIncompleteSetup(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		env     []string
		args    []string
		wantErr string
	}{
		{
			name:    "identity without internal secret",
			args:    []string{"serve", "identity"},
			wantErr: "ENGAGE_INTERNAL_SECRET must be set (32+ characters)",
		},
		{
			name:    "identity with a short internal secret",
			env:     []string{"ENGAGE_INTERNAL_SECRET=too-short"},
			args:    []string{"serve", "identity"},
			wantErr: "ENGAGE_INTERNAL_SECRET must be set (32+ characters)",
		},
		{
			name:    "gateway without identity address",
			args:    []string{"serve", "gateway"},
			wantErr: "ENGAGE_IDENTITY_ADDR",
		},
		{
			name:    "feedback without identity address",
			env:     []string{"ENGAGE_INTERNAL_SECRET=" + strings.Repeat("s", 32)},
			args:    []string{"serve", "feedback"},
			wantErr: "ENGAGE_IDENTITY_ADDR",
		},
		{
			name:    "training without feedback address",
			env:     []string{"ENGAGE_INTERNAL_SECRET=" + strings.Repeat("s", 32)},
			args:    []string{"serve", "training", "--identity-addr", "127.0.0.1:1"},
			wantErr: "ENGAGE_FEEDBACK_ADDR",
		},
		{
			name:    "unknown component",
			args:    []string{"serve", "alerts-and-more"},
			wantErr: `unknown component "alerts-and-more"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			args := slices.Concat(tt.args, []string{"--data-dir", dir, "--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0"})
			_, stderr, code := runEngage(t, tt.env, args...)
			if code == 0 {
				t.Fatalf("engage %s: exit 0", strings.Join(args, " "))
			}
			if !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr, tt.wantErr)
			}
			if entries, _ := os.ReadDir(dir); len(entries) > 0 {
				t.Errorf("the data directory was written: %v", entries)
			}
		})
	}
}

// internalSecret returns a fresh secret of the required length.
func internalSecret(t *testing.T) string {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// unusedAddr returns a loopback address nothing listens on (a port the
// kernel just handed out and took back).
func unusedAddr(t *testing.T) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	if err := lis.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// TestSplitForum runs identity, the forum and the gateway as three
// processes: the forum checks tokens with identity's published keys,
// records its audit events in identity's log over gRPC, and serves its
// REST routes through the separate gateway.
func TestSplitForum(t *testing.T) {
	t.Parallel()
	secret := "ENGAGE_INTERNAL_SECRET=" + internalSecret(t)
	identity := startEngage(t, []string{secret}, "serve", "identity",
		"--data-dir", t.TempDir(), "--grpc-addr", "127.0.0.1:0",
		"--admin-email", adminEmail, "--admin-password", adminPassword)
	forum := startEngage(t, []string{secret}, "serve", "forum",
		"--data-dir", t.TempDir(), "--grpc-addr", "127.0.0.1:0", "--identity-addr", identity.grpcAddr)
	gw := startEngage(t, nil, "serve", "gateway", "--http-addr", "127.0.0.1:0",
		"--identity-addr", identity.grpcAddr, "--forum-addr", forum.grpcAddr)

	rest := gw.rest()
	admin, steps := mfaSignIn(rest, adminEmail, adminPassword)
	rest.must(200, "POST", "/v1/agencies?agencyId=split-pd", admin, map[string]any{"displayName": "Split PD"})
	// Platform administration is not agency staff: the administrator binds
	// themself as the agency's admin and signs in again to carry the role.
	me := rest.must(200, "GET", "/v1/accounts/me", admin, nil)
	rest.must(200, "POST", "/v1/agencies/split-pd/roleBindings", admin, map[string]any{"member": me["name"], "role": "ROLE_AGENCY_ADMIN"})
	admin = rest.signIn(adminEmail, adminPassword, steps.code())["accessToken"].(string)
	rest.must(200, "POST", "/v1/agencies/split-pd/forums?forumId=town", admin, map[string]any{
		"displayName": "Town square", "visibility": "VISIBILITY_PUBLIC",
	})
	resident := rest.signUp("split-forum@e2e.example", "a split forum passphrase")
	token := rest.signIn("split-forum@e2e.example", "a split forum passphrase", "")["accessToken"].(string)
	th := rest.must(200, "POST", "/v1/agencies/split-pd/forums/town/threads", token, map[string]any{
		"kind": "THREAD_KIND_DISCUSSION", "title": "Crosswalk on Elm Street", "body": "The paint is gone.",
	})
	if th["author"] != resident {
		t.Errorf("thread author = %v, want %s", th["author"], resident)
	}
	list := rest.must(200, "GET", "/v1/agencies/split-pd/forums/town/threads", "", nil)
	if n := len(list["threads"].([]any)); n != 1 {
		t.Errorf("anonymous list = %d threads, want 1", n)
	}
	// The forum's audited write reached identity's log.
	events := rest.must(200, "GET", "/v1/agencies/split-pd/auditEvents", admin, nil)["auditEvents"].([]any)
	var found bool
	for _, e := range events {
		ev := e.(map[string]any)
		found = found || (ev["method"] == "/engage.forum.v1.ForumService/CreateForum" && ev["service"] == "forum")
	}
	if !found {
		t.Errorf("CreateForum is not in the audit log: %v", events)
	}
	rest.must(200, "GET", "/readyz", "", nil)
}

// TestSplitFeedback runs identity, feedback and the gateway as three
// processes: feedback reads agencies' time zones from identity over gRPC,
// and anonymous feedback, its lookup and an analyst's answer work through
// the separate gateway.
func TestSplitFeedback(t *testing.T) {
	t.Parallel()
	secret := "ENGAGE_INTERNAL_SECRET=" + internalSecret(t)
	identity := startEngage(t, []string{secret}, "serve", "identity",
		"--data-dir", t.TempDir(), "--grpc-addr", "127.0.0.1:0",
		"--admin-email", adminEmail, "--admin-password", adminPassword)
	feedback := startEngage(t, []string{secret}, "serve", "feedback",
		"--data-dir", t.TempDir(), "--grpc-addr", "127.0.0.1:0", "--identity-addr", identity.grpcAddr)
	gw := startEngage(t, nil, "serve", "gateway", "--http-addr", "127.0.0.1:0",
		"--identity-addr", identity.grpcAddr, "--feedback-addr", feedback.grpcAddr)

	rest := gw.rest()
	admin, steps := mfaSignIn(rest, adminEmail, adminPassword)
	rest.must(200, "POST", "/v1/agencies?agencyId=split-pd", admin, map[string]any{"displayName": "Split PD", "timeZone": "America/Denver"})
	me := rest.must(200, "GET", "/v1/accounts/me", admin, nil)
	rest.must(200, "POST", "/v1/agencies/split-pd/roleBindings", admin, map[string]any{"member": me["name"], "role": "ROLE_ANALYST"})
	analyst := rest.signIn(adminEmail, adminPassword, steps.code())["accessToken"].(string)

	fb := rest.must(200, "POST", "/v1/agencies/split-pd/feedback", "", map[string]any{
		"kind": "FEEDBACK_KIND_QUESTION", "category": "records", "text": "Where do I pick up a copy of my accident report?",
	})
	rest.must(200, "POST", "/v1/"+str(fb["name"])+":respond", analyst, map[string]any{"text": "At the front desk, weekdays 8 to 5."})
	seen := rest.must(200, "POST", "/v1/agencies/split-pd/feedback:lookup", "", map[string]any{"trackingCode": fb["trackingCode"], "pin": fb["pin"]})
	if r := list(seen["replies"]); len(r) != 1 || r[0]["party"] != "PARTY_AGENCY" {
		t.Errorf("lookup replies = %v, want the analyst's answer", r)
	}
	rest.must(404, "POST", "/v1/agencies/no-such-pd/feedback", "", map[string]any{
		"kind": "FEEDBACK_KIND_QUESTION", "category": "records", "text": "Anyone there?",
	})
	ti := rest.must(200, "GET", "/v1/agencies/split-pd/trustIndex", "", nil)
	if ti["timeZone"] != "America/Denver" {
		t.Errorf("trust index time zone = %v, want the agency's America/Denver", ti["timeZone"])
	}
	rest.must(200, "GET", "/readyz", "", nil)
}
