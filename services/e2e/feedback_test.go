package e2e

import (
	"encoding/csv"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/engagehq/engage/services/internal/config"
)

// feedbackSetup is two agencies, each with an analyst, a trainer in the
// first, and residents, built over REST.
type feedbackSetup struct {
	p            *platform
	admin        string // platform admin, MFA
	analyst      string // analyst of metro-pd, MFA
	otherAnalyst string // analyst of other-pd, MFA
	trainer      string // trainer of metro-pd, MFA
	residents    []string
	names        []string // the residents' account names
	agency       string   // agencies/metro-pd
	base         string   // /v1/agencies/metro-pd
}

func newFeedbackSetup(t *testing.T, mutate ...func(*config.Config)) *feedbackSetup {
	t.Helper()
	p := startPlatform(t, mutate...)
	s := &feedbackSetup{p: p, agency: "agencies/metro-pd", base: "/v1/agencies/metro-pd"}
	s.admin, _ = p.staffSignIn(adminEmail, adminPassword)
	p.must(200, "POST", "/v1/agencies?agencyId=metro-pd", s.admin, map[string]any{"displayName": "Metro PD", "timeZone": "America/Chicago"})
	p.must(200, "POST", "/v1/agencies?agencyId=other-pd", s.admin, map[string]any{"displayName": "Other PD", "timeZone": "Europe/Berlin"})
	staff := []struct {
		email, agency, role string
		token               *string
	}{
		{"analyst@e2e.example", "metro-pd", "ROLE_ANALYST", &s.analyst},
		{"other-analyst@e2e.example", "other-pd", "ROLE_ANALYST", &s.otherAnalyst},
		{"trainer@e2e.example", "metro-pd", "ROLE_TRAINER", &s.trainer},
	}
	for _, st := range staff {
		name := p.signUp(st.email, "a staff member's passphrase")
		p.must(200, "POST", "/v1/agencies/"+st.agency+"/roleBindings", s.admin, map[string]any{"member": name, "role": st.role})
		*st.token, _ = p.staffSignIn(st.email, "a staff member's passphrase")
	}
	for i := range 2 {
		email := fmt.Sprintf("fb-resident%d@e2e.example", i)
		s.names = append(s.names, p.signUp(email, "a resident's passphrase"))
		s.residents = append(s.residents, p.signIn(email, "a resident's passphrase", "")["accessToken"].(string))
	}
	return s
}

// submit posts feedback to metro-pd as token ("" for anonymous) and
// returns the created feedback.
func (s *feedbackSetup) submit(token string, fb map[string]any) map[string]any {
	s.p.t.Helper()
	return s.p.must(200, "POST", s.base+"/feedback", token, fb)
}

func complaint(text string) map[string]any {
	return map[string]any{"kind": "FEEDBACK_KIND_COMPLAINT", "category": "courtesy", "text": text, "rating": 2, "area": "d1"}
}

// TestFeedbackAnonymousFollowUp: an anonymous complaint gets a tracking
// code and PIN; the lookup shows it; an analyst triages and answers it;
// the answer appears in the lookup without the analyst's name; the
// submitter replies anonymously and the analyst sees the reply.
func TestFeedbackAnonymousFollowUp(t *testing.T) {
	t.Parallel()
	s := newFeedbackSetup(t)
	p := s.p

	created := s.submit("", complaint("The officer at the front desk was rude and dismissive. Terrible experience."))
	code, pin := str(created["trackingCode"]), str(created["pin"])
	if !trackingCode.MatchString(code) || !eightDigits.MatchString(pin) {
		t.Fatalf("tracking code %q, PIN %q: want XXXXX-XXXXX-XXXXX-XXXXX and 8 digits", code, pin)
	}
	if created["submitter"] != "" || created["state"] != "STATE_RECEIVED" {
		t.Errorf("anonymous feedback = submitter %v, state %v", created["submitter"], created["state"])
	}
	wantOnTheHour(t, "create_time", created["createTime"])
	name := "/v1/" + str(created["name"])

	lookup := func(code, pin string) response {
		return p.do("POST", s.base+"/feedback:lookup", "", map[string]any{"trackingCode": code, "pin": pin})
	}
	seen := lookup(code, pin)
	if seen.status != 200 {
		t.Fatalf("lookup = %d %s", seen.status, seen.body)
	}
	if got := seen.json(t); got["name"] != created["name"] || got["trackingCode"] != "" || got["pin"] != "" {
		t.Errorf("lookup = %v; want the feedback without its code and PIN", got)
	}
	// The code is forgiving of how it is typed; a wrong PIN and a wrong
	// code look the same.
	typed := strings.ToLower(strings.ReplaceAll(code, "-", " "))
	if r := lookup(typed, pin); r.status != 200 {
		t.Errorf("lookup with %q = %d %s", typed, r.status, r.body)
	}
	wrongPIN, wrongCode := lookup(code, otherPIN(pin)), lookup("00000-00000-00000-00000", pin)
	if wrongPIN.status != 404 || wrongCode.status != 404 || wrongPIN.json(t)["message"] != wrongCode.json(t)["message"] {
		t.Errorf("wrong PIN = %d %s; wrong code = %d %s; want the same 404", wrongPIN.status, wrongPIN.body, wrongCode.status, wrongCode.body)
	}

	got := p.must(200, "GET", name, s.analyst, nil)
	if tone, _ := got["sentiment"].(map[string]any); tone["label"] != "LABEL_NEGATIVE" {
		t.Errorf("sentiment of a rude-officer complaint = %v", got["sentiment"])
	}
	p.must(200, "POST", name+":changeState", s.analyst, map[string]any{"state": "STATE_TRIAGED", "note": "Front desk, Tuesday shift.", "etag": got["etag"]})
	p.must(412, "POST", name+":changeState", s.analyst, map[string]any{"state": "STATE_IN_REVIEW", "etag": got["etag"]})
	p.must(200, "POST", name+":changeState", s.analyst, map[string]any{"state": "STATE_IN_REVIEW"})
	p.must(200, "POST", name+"/notes", s.analyst, map[string]any{"text": "Internal: check the desk camera."})
	p.must(200, "POST", name+":respond", s.analyst, map[string]any{"text": "We are sorry. The desk sergeant will review the shift and get back to you here."})

	seen = lookup(code, pin)
	view := seen.json(t)
	if view["state"] != "STATE_IN_REVIEW" {
		t.Errorf("lookup state = %v, want STATE_IN_REVIEW", view["state"])
	}
	replies := list(view["replies"])
	if len(replies) != 1 || replies[0]["party"] != "PARTY_AGENCY" || !strings.Contains(str(replies[0]["text"]), "desk sergeant") {
		t.Fatalf("lookup replies = %v, want the agency's answer", replies)
	}
	if replies[0]["author"] != "" {
		t.Errorf("the lookup names the analyst: %v", replies[0]["author"])
	}
	for _, h := range list(view["history"]) {
		if h["actor"] != "" || h["note"] != "" {
			t.Errorf("the lookup shows staff details in the history: %v", h)
		}
	}
	if strings.Contains(string(seen.body), "desk camera") {
		t.Errorf("the lookup shows an internal note: %s", seen.body)
	}

	after := p.must(200, "POST", s.base+"/feedback:reply", "", map[string]any{"trackingCode": code, "pin": pin, "text": "Thank you. It was around 3 pm."})
	if r := list(after["replies"]); len(r) != 2 || r[1]["party"] != "PARTY_SUBMITTER" {
		t.Errorf("replies after the submitter's reply = %v", r)
	} else {
		wantOnTheHour(t, "reply create_time", r[1]["createTime"])
	}
	p.must(404, "POST", s.base+"/feedback:reply", "", map[string]any{"trackingCode": code, "pin": otherPIN(pin), "text": "Not mine."})

	staffView := p.must(200, "GET", name, s.analyst, nil)
	if r := list(staffView["replies"]); len(r) != 2 || r[0]["author"] == "" {
		t.Errorf("the analyst sees replies %v, want both with the analyst named on the answer", r)
	}
	if staffView["submitter"] != "" {
		t.Errorf("the analyst sees a submitter of anonymous feedback: %v", staffView["submitter"])
	}
}

// TestFeedbackRetryMustRepeat: over REST, a request id seen in a log and
// sent with another body neither reveals the submission made with it nor
// replaces it; the submitter's own retry still gets its code and PIN.
func TestFeedbackRetryMustRepeat(t *testing.T) {
	t.Parallel()
	s := newFeedbackSetup(t)
	p := s.p
	url := s.base + "/feedback?requestId=2c4e6a8b-0d1f-4a3c-9e5b-7d9f1b3d5e70"
	mine := complaint("Sergeant at the desk refused to take my report about the break-in.")
	first := p.must(200, "POST", url, "", mine)
	code, pin := str(first["trackingCode"]), str(first["pin"])

	r := p.do("POST", url, "", complaint("Someone else's complaint, sent with the same request id."))
	if r.status != 400 || !strings.Contains(string(r.body), `"field":"request_id"`) {
		t.Fatalf("the same request id with another body = %d %s, want 400 naming request_id", r.status, r.body)
	}
	for what, secret := range map[string]string{"tracking code": code, "PIN": pin, "text": str(mine["text"]), "name": str(first["name"])} {
		if strings.Contains(string(r.body), secret) {
			t.Errorf("the refusal tells the first submission's %s: %s", what, r.body)
		}
	}
	if got := feedbackNames(p, s.base, s.analyst); len(got) != 1 || got[0] != first["name"] {
		t.Errorf("metro-pd holds %v, want only %v", got, first["name"])
	}
	seen := p.must(200, "POST", s.base+"/feedback:lookup", "", map[string]any{"trackingCode": code, "pin": pin})
	if seen["text"] != mine["text"] {
		t.Errorf("the first submission now reads %q", seen["text"])
	}

	again := p.must(200, "POST", url, "", mine)
	if again["name"] != first["name"] || again["trackingCode"] != code || again["pin"] != pin {
		t.Errorf("the identical retry = %v, want %v", again, first)
	}

	// A reply's request id names that reply alone.
	reply, rid := s.base+"/feedback:reply", "7a1c3e5f-2b4d-4f6a-8c0e-1d3f5b7d9e21"
	p.must(200, "POST", reply, "", map[string]any{"trackingCode": code, "pin": pin, "text": "It was around 3 pm.", "requestId": rid})
	r = p.do("POST", reply, "", map[string]any{"trackingCode": code, "pin": pin, "text": "Another reply entirely.", "requestId": rid})
	if r.status != 400 || !strings.Contains(string(r.body), `"field":"request_id"`) {
		t.Fatalf("a reply's request id with another text = %d %s, want 400 naming request_id", r.status, r.body)
	}
	view := p.must(200, "POST", reply, "", map[string]any{"trackingCode": code, "pin": pin, "text": "It was around 3 pm.", "requestId": rid})
	if replies := list(view["replies"]); len(replies) != 1 || replies[0]["text"] != "It was around 3 pm." {
		t.Errorf("replies after a reply, its reuse and its retry = %v, want the first reply once", replies)
	}
}

// TestFeedbackVisibility: a resident sees only their own identified
// feedback; an analyst of another agency reads none of this agency's.
func TestFeedbackVisibility(t *testing.T) {
	t.Parallel()
	s := newFeedbackSetup(t)
	p := s.p
	anon := s.submit("", complaint("Nobody answered the non-emergency line for an hour."))
	mine := s.submit(s.residents[0], map[string]any{"kind": "FEEDBACK_KIND_COMPLIMENT", "category": "courtesy", "text": "Officer Diaz was kind and helpful.", "rating": 5})
	theirs := s.submit(s.residents[1], map[string]any{"kind": "FEEDBACK_KIND_QUESTION", "category": "records", "text": "How do I get a copy of a report?"})
	if mine["submitter"] != s.names[0] || mine["trackingCode"] != "" || mine["pin"] != "" {
		t.Errorf("identified feedback = submitter %v, code %v, PIN %v", mine["submitter"], mine["trackingCode"], mine["pin"])
	}

	if got := feedbackNames(p, s.base, s.residents[0]); !slices.Equal(got, []string{str(mine["name"])}) {
		t.Errorf("resident 0 lists %v, want only their own", got)
	}
	p.must(200, "GET", "/v1/"+str(mine["name"]), s.residents[0], nil)
	for _, other := range []map[string]any{theirs, anon} {
		p.must(404, "GET", "/v1/"+str(other["name"]), s.residents[0], nil)
	}
	p.must(401, "GET", s.base+"/feedback", "", nil)

	all := feedbackNames(p, s.base, s.analyst)
	slices.Sort(all)
	want := []string{str(anon["name"]), str(mine["name"]), str(theirs["name"])}
	slices.Sort(want)
	if !slices.Equal(all, want) {
		t.Errorf("the analyst lists %v, want %v", all, want)
	}
	complaints := p.must(200, "GET", s.base+"/feedback?filter=kind%20%3D%20FEEDBACK_KIND_COMPLAINT", s.analyst, nil)
	if got := list(complaints["feedback"]); len(got) != 1 || got[0]["name"] != anon["name"] {
		t.Errorf("complaints = %v, want the one anonymous complaint", got)
	}

	// metro-pd's feedback does not exist for other-pd's analyst.
	for _, fb := range []map[string]any{anon, mine} {
		p.must(404, "GET", "/v1/"+str(fb["name"]), s.otherAnalyst, nil)
		if r := p.do("POST", "/v1/"+str(fb["name"])+":respond", s.otherAnalyst, map[string]any{"text": "Hello from elsewhere."}); r.status != 403 && r.status != 404 {
			t.Errorf("another agency's analyst responds: %d %s", r.status, r.body)
		}
	}
	if got := feedbackNames(p, s.base, s.otherAnalyst); len(got) != 0 {
		t.Errorf("another agency's analyst lists %v", got)
	}
	if r := p.do("GET", s.base+"/feedback:export", s.otherAnalyst, nil); r.status != 403 && r.status != 404 {
		t.Errorf("another agency's analyst exports: %d %s", r.status, truncate(r.body))
	}
	p.must(404, "POST", "/v1/agencies/no-such-pd/feedback", "", complaint("Which agency is this?"))
}

// TestFeedbackExportCSV: the export over REST is a CSV file with a header
// row and one row per feedback, for analysts only.
func TestFeedbackExportCSV(t *testing.T) {
	t.Parallel()
	s := newFeedbackSetup(t)
	p := s.p
	var names []string
	for i, text := range []string{"Slow response, again.", "Thanks for the quick help, \"really\"!", "Line one\nline two, with a comma."} {
		fb := complaint(text)
		if i == 1 {
			fb["kind"] = "FEEDBACK_KIND_COMPLIMENT"
		}
		names = append(names, str(s.submit("", fb)["name"]))
	}
	r := p.do("GET", s.base+"/feedback:export", s.analyst, nil)
	if r.status != 200 {
		t.Fatalf("export = %d %s", r.status, truncate(r.body))
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("Content-Type = %q, want text/csv", ct)
	}
	rows, err := csv.NewReader(strings.NewReader(string(r.body))).ReadAll()
	if err != nil {
		t.Fatalf("the export is not CSV: %v\n%s", err, truncate(r.body))
	}
	if len(rows) != 1+len(names) {
		t.Fatalf("rows = %d, want a header and %d: %q", len(rows), len(names), rows)
	}
	body := string(r.body)
	for _, n := range names {
		if !strings.Contains(body, n) {
			t.Errorf("the export lacks %s", n)
		}
	}
	if !strings.Contains(body, "Line one\nline two, with a comma.") {
		t.Errorf("a text with a newline and a comma did not survive the export:\n%s", body)
	}
	if strings.Contains(body, `"result"`) {
		t.Errorf("the export is wrapped as JSON stream chunks:\n%s", truncate(r.body))
	}
	filtered := p.do("GET", s.base+"/feedback:export?filter=kind%20%3D%20FEEDBACK_KIND_COMPLIMENT", s.analyst, nil)
	if n := strings.Count(strings.TrimSpace(string(filtered.body)), "\n"); filtered.status != 200 || n != 1 {
		t.Errorf("filtered export = %d, %d data rows, want 1:\n%s", filtered.status, n, filtered.body)
	}
	p.must(403, "GET", s.base+"/feedback:export", s.residents[0], nil)
	p.must(401, "GET", s.base+"/feedback:export", "", nil)
}

// feedbackNames lists the names of metro-pd's feedback token may read.
func feedbackNames(p *platform, base, token string) []string {
	p.t.Helper()
	var names []string
	for _, fb := range list(p.must(200, "GET", base+"/feedback", token, nil)["feedback"]) {
		names = append(names, str(fb["name"]))
	}
	return names
}

// wantOnTheHour checks that a JSON timestamp is a whole hour.
func wantOnTheHour(t *testing.T, what string, v any) {
	t.Helper()
	ts, err := time.Parse(time.RFC3339Nano, str(v))
	if err != nil {
		t.Errorf("%s = %v: %v", what, v, err)
		return
	}
	if !ts.Equal(ts.Truncate(time.Hour)) {
		t.Errorf("%s = %s, want it rounded down to the hour", what, ts)
	}
}

// otherPIN returns a PIN that differs from pin in its last digit.
func otherPIN(pin string) string {
	if pin == "" {
		return "00000000"
	}
	last := (pin[len(pin)-1]-'0'+1)%10 + '0'
	return pin[:len(pin)-1] + string(last)
}

// str returns v as a string ("" when it is not one).
func str(v any) string {
	s, _ := v.(string)
	return s
}

// list returns a JSON array of objects (nil when v is not one).
func list(v any) []map[string]any {
	items, _ := v.([]any)
	out := make([]map[string]any, 0, len(items))
	for _, it := range items {
		if m, ok := it.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

var (
	trackingCode = regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){3}$`)
	eightDigits  = regexp.MustCompile(`^[0-9]{8}$`)
)
