package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/engagehq/engage/services/internal/config"
)

// alertsSetup is metro-pd with an alert author, an approver, a person who
// holds both roles (so that only the two-person rule can refuse them),
// and a resident.
type alertsSetup struct {
	p        *platform
	author   string // alert_author of metro-pd, MFA
	approver string // alert_approver of metro-pd, MFA
	both     string // alert_author and alert_approver of metro-pd, MFA
	resident string // no role anywhere
	admin    string // platform admin, MFA
	agency   string // agencies/metro-pd
	base     string // /v1/agencies/metro-pd
}

// alertsPublicURL is the public URL the alerts e2e platforms give their
// CAP documents and Atom feeds.
const alertsPublicURL = "https://alerts.metro.example"

func newAlertsSetup(t *testing.T, mutate ...func(*config.Config)) *alertsSetup {
	t.Helper()
	mutate = append([]func(*config.Config){func(c *config.Config) { c.PublicURL = alertsPublicURL }}, mutate...)
	p := startPlatform(t, mutate...)
	s := &alertsSetup{p: p, agency: "agencies/metro-pd", base: "/v1/agencies/metro-pd"}
	s.admin, _ = p.staffSignIn(adminEmail, adminPassword)
	p.must(200, "POST", "/v1/agencies?agencyId=metro-pd", s.admin, map[string]any{"displayName": "Metro PD", "timeZone": "America/Chicago"})
	staff := []struct {
		email string
		roles []string
		token *string
	}{
		{"author@e2e.example", []string{"ROLE_ALERT_AUTHOR"}, &s.author},
		{"approver@e2e.example", []string{"ROLE_ALERT_APPROVER"}, &s.approver},
		{"both@e2e.example", []string{"ROLE_ALERT_AUTHOR", "ROLE_ALERT_APPROVER"}, &s.both},
	}
	for _, st := range staff {
		name := p.signUp(st.email, "a staff member's passphrase")
		for _, role := range st.roles {
			p.must(200, "POST", s.base+"/roleBindings", s.admin, map[string]any{"member": name, "role": role})
		}
		*st.token, _ = p.staffSignIn(st.email, "a staff member's passphrase")
	}
	p.signUp("alerts-resident@e2e.example", "a resident's passphrase")
	s.resident = p.signIn("alerts-resident@e2e.example", "a resident's passphrase", "")["accessToken"].(string)
	return s
}

// alertBody is a public ACTUAL alert of one English info block of the
// given severity, over a closed polygon around downtown Metro, in effect
// now and for the next hours.
func alertBody(severity, headline string) map[string]any {
	return map[string]any{
		"status": "STATUS_ACTUAL",
		"scope":  "SCOPE_PUBLIC",
		"infos":  []any{alertInfo("en-US", severity, headline)},
	}
}

func alertInfo(lang, severity, headline string) map[string]any {
	return map[string]any{
		"languageCode": lang,
		"categories":   []string{"CATEGORY_SAFETY"},
		"event":        "Police activity",
		"urgency":      "URGENCY_IMMEDIATE",
		"severity":     severity,
		"certainty":    "CERTAINTY_OBSERVED",
		"headline":     headline,
		"description":  "Officers are responding to an incident downtown.",
		"instruction":  "Avoid the area.",
		"expireTime":   time.Now().Add(6 * time.Hour).UTC().Format(time.RFC3339),
		"areas": []any{map[string]any{
			"description": "Downtown Metro",
			"polygons":    []any{map[string]any{"points": downtownPoints(true)}},
		}},
	}
}

// downtownPoints is a square around (41.88, -87.63); closed, its last
// point is its first.
func downtownPoints(closed bool) []any {
	pts := []any{
		map[string]any{"latitude": 41.87, "longitude": -87.64},
		map[string]any{"latitude": 41.89, "longitude": -87.64},
		map[string]any{"latitude": 41.89, "longitude": -87.62},
		map[string]any{"latitude": 41.87, "longitude": -87.62},
	}
	if closed {
		pts = append(pts, pts[0])
	} else {
		pts = append(pts, map[string]any{"latitude": 41.871, "longitude": -87.641})
	}
	return pts
}

// draft creates a draft as token and returns it.
func (s *alertsSetup) draft(token string, body map[string]any) map[string]any {
	s.p.t.Helper()
	return s.p.must(200, "POST", s.base+"/alerts", token, body)
}

// publish sends a draft as token and returns it as publishing left it.
func (s *alertsSetup) publish(token string, a map[string]any) map[string]any {
	s.p.t.Helper()
	return s.p.must(200, "POST", "/v1/"+str(a["name"])+":publish", token, map[string]any{"etag": a["etag"]})
}

// alertNames lists the names of metro-pd's alerts as token sees them,
// with the query (e.g. "?states=STATE_DRAFT").
func (s *alertsSetup) alertNames(token, query string) []string {
	s.p.t.Helper()
	var names []string
	for _, a := range list(s.p.must(200, "GET", s.base+"/alerts"+query, token, nil)["alerts"]) {
		names = append(names, str(a["name"]))
	}
	return names
}

// alertEvent is one event of an alert stream.
type alertEvent struct {
	id, cursor, eventType, name string
}

// streamWait bounds how long a stream may take to deliver an event before
// the test fails; it measures nothing.
const streamWait = 30 * time.Second

// streamREST streams metro-pd's alerts through the gateway, anonymously,
// as NDJSON or (sse) as Server-Sent Events, resuming after cursor: as the
// cursor parameter, or for SSE as the Last-Event-ID header. The response
// may start only with the first event, so the request runs in the
// background; the stream ends with ctx.
func (s *alertsSetup) streamREST(ctx context.Context, t *testing.T, cursor string, sse bool) <-chan alertEvent {
	t.Helper()
	target := s.p.base + s.base + "/alerts:stream"
	if cursor != "" && !sse {
		target += "?cursor=" + cursor
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantType := "application/x-ndjson"
	if sse {
		wantType = "text/event-stream"
		req.Header.Set("Accept", wantType)
		if cursor != "" {
			req.Header.Set("Last-Event-ID", cursor)
		}
	}
	out := make(chan alertEvent, 64)
	go func() {
		defer close(out)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			if ctx.Err() == nil {
				t.Errorf("stream: %v", err)
			}
			return
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != wantType {
			t.Errorf("stream = %d %s, want 200 %s", resp.StatusCode, resp.Header.Get("Content-Type"), wantType)
			return
		}
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		var id string
		for sc.Scan() {
			line := sc.Text()
			if v, ok := strings.CutPrefix(line, "id: "); ok {
				id = v
				continue
			}
			if ev, ok := parseAlertLine(line, sse); ok {
				ev.id, id = id, ""
				out <- ev
			}
		}
	}()
	return out
}

// parseAlertLine reads an event from a line of an NDJSON stream
// ({"result": …}) or of an event stream ("data: …").
func parseAlertLine(line string, sse bool) (alertEvent, bool) {
	var payload string
	if sse {
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok {
			return alertEvent{}, false
		}
		payload = data
	} else {
		var chunk struct {
			Result json.RawMessage `json:"result"`
		}
		if json.Unmarshal([]byte(line), &chunk) != nil || chunk.Result == nil {
			return alertEvent{}, false
		}
		payload = string(chunk.Result)
	}
	var ev struct {
		Cursor    string `json:"cursor"`
		EventType string `json:"eventType"`
		Alert     struct {
			Name string `json:"name"`
		} `json:"alert"`
	}
	if json.Unmarshal([]byte(payload), &ev) != nil || ev.EventType == "" {
		return alertEvent{}, false
	}
	return alertEvent{cursor: ev.Cursor, eventType: ev.EventType, name: ev.Alert.Name}, true
}

// nextEvents reads n events from a stream, failing the test when the
// stream ends or is quiet for streamWait.
func nextEvents(t *testing.T, events <-chan alertEvent, n int) []alertEvent {
	t.Helper()
	var got []alertEvent
	for len(got) < n {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatalf("the stream ended after %v, want %d events", got, n)
			}
			got = append(got, ev)
		case <-time.After(streamWait):
			t.Fatalf("the stream delivered %v within %s, want %d events", got, streamWait, n)
		}
	}
	return got
}

// validateCAP checks doc against the OASIS CAP 1.2 schema with xmllint.
func validateCAP(t *testing.T, doc []byte) {
	t.Helper()
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		t.Fatalf("xmllint (Debian libxml2-utils) is needed to validate CAP documents: %v", err)
	}
	f := filepath.Join(t.TempDir(), "alert.xml")
	if err := os.WriteFile(f, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(xmllint, "--noout", "--nonet", "--schema", capSchema(t), f).CombinedOutput()
	if err != nil {
		t.Errorf("the CAP document is not valid CAP 1.2: %v\n%s\n%s", err, out, doc)
	}
}

// capSchema finds CAP-v1.2.xsd: in the repository's testdata, or in the
// contract documents beside the repository (../shared/standards).
func capSchema(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{
		filepath.Join(root, "services", "internal", "alerts", "capxml", "testdata", "CAP-v1.2.xsd"),
		filepath.Join(root, "..", "shared", "standards", "cap-1.2", "CAP-v1.2.xsd"),
	} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Fatal("CAP-v1.2.xsd not found (services/internal/alerts/capxml/testdata or ../shared/standards/cap-1.2)")
	return ""
}
