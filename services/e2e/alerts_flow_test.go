package e2e

import (
	"context"
	"encoding/xml"
	"slices"
	"strings"
	"testing"
)

// TestAlertsFlow: over REST, an author drafts an EXTREME alert and
// publishes it, which only asks for approval; the same person's approval
// is refused (403), a second person's sends it. The public then finds it
// in the list, as a schema-valid CAP 1.2 document and in the Atom feed;
// an NDJSON stream client and a Server-Sent Events client, both resuming
// from the list's cursor, receive the publish, the update and the cancel,
// and an SSE client reconnecting with Last-Event-ID receives what it
// missed, once.
func TestAlertsFlow(t *testing.T) {
	t.Parallel()
	s := newAlertsSetup(t)
	p := s.p

	cursor := str(p.must(200, "GET", s.base+"/alerts", "", nil)["streamCursor"])
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	ndjson := s.streamREST(ctx, t, cursor, false)
	sse := s.streamREST(ctx, t, cursor, true)

	d := s.draft(s.both, alertBody("SEVERITY_EXTREME", "Shelter in place: downtown"))
	name := str(d["name"])
	if d["state"] != "STATE_DRAFT" || str(d["etag"]) == "" {
		t.Fatalf("new alert = %v, want a draft with an etag", d)
	}
	if r := p.do("GET", "/v1/"+name, "", nil); r.status != 404 {
		t.Errorf("the public reads a draft: %d %s, want 404", r.status, truncate(r.body))
	}
	pending := s.publish(s.both, d)
	if pending["state"] != "STATE_PENDING_APPROVAL" || str(pending["sendTime"]) != "" {
		t.Fatalf("published EXTREME alert = %v, want pending approval, not sent", pending)
	}
	if slices.Contains(s.alertNames("", ""), name) {
		t.Errorf("an alert awaiting approval is in the public list")
	}
	approve := "/v1/" + name + ":approve"
	if r := p.do("POST", approve, s.both, map[string]any{"etag": pending["etag"]}); r.status != 403 {
		t.Errorf("approval by who wrote and published it = %d %s, want 403", r.status, truncate(r.body))
	}
	if r := p.do("POST", approve, s.author, map[string]any{"etag": pending["etag"]}); r.status != 403 {
		t.Errorf("approval by an author without alert_approver = %d %s, want 403", r.status, truncate(r.body))
	}
	if got := p.must(200, "GET", "/v1/"+name, s.both, nil); got["state"] != "STATE_PENDING_APPROVAL" {
		t.Errorf("after refused approvals the alert = %v, want still pending", got["state"])
	}
	sent := p.must(200, "POST", approve, s.approver, map[string]any{"etag": pending["etag"]})
	if sent["state"] != "STATE_PUBLISHED" || str(sent["sendTime"]) == "" || str(sent["approver"]) == "" || sent["messageType"] != "MESSAGE_TYPE_ALERT" {
		t.Fatalf("approved alert = %v, want published, sent, with its approver", sent)
	}
	if !slices.Contains(s.alertNames("", ""), name) {
		t.Errorf("the approved alert is not in the public list")
	}
	public := p.must(200, "GET", "/v1/"+name, "", nil)
	if public["state"] != "STATE_PUBLISHED" {
		t.Errorf("the public reads %v, want the published alert", public)
	}

	// The CAP document, valid against the OASIS schema.
	r := p.do("GET", "/v1/"+name+"/cap", "", nil)
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "application/cap+xml") {
		t.Fatalf("CAP document = %d %s %s", r.status, r.header.Get("Content-Type"), truncate(r.body))
	}
	validateCAP(t, r.body)
	var capDoc struct {
		Identifier string `xml:"identifier"`
		Status     string `xml:"status"`
		MsgType    string `xml:"msgType"`
		Scope      string `xml:"scope"`
		Info       []struct {
			Severity string `xml:"severity"`
			Headline string `xml:"headline"`
		} `xml:"info"`
	}
	if err := xml.Unmarshal(r.body, &capDoc); err != nil {
		t.Fatalf("CAP document: %v", err)
	}
	if capDoc.Identifier != str(sent["messageId"]) || capDoc.Status != "Actual" || capDoc.MsgType != "Alert" || capDoc.Scope != "Public" ||
		len(capDoc.Info) != 1 || capDoc.Info[0].Severity != "Extreme" || capDoc.Info[0].Headline != "Shelter in place: downtown" {
		t.Errorf("CAP document = %+v, want the alert's identifier, Actual, Alert, Public, one Extreme info", capDoc)
	}

	// The Atom feed of active alerts links the CAP document.
	r = p.do("GET", s.base+"/alerts:atom", "", nil)
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "application/atom+xml") {
		t.Fatalf("Atom feed = %d %s %s", r.status, r.header.Get("Content-Type"), truncate(r.body))
	}
	var feed struct {
		XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
		Entries []struct {
			Title string `xml:"title"`
			Links []struct {
				Href string `xml:"href,attr"`
			} `xml:"link"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(r.body, &feed); err != nil {
		t.Fatalf("Atom feed: %v\n%s", err, truncate(r.body))
	}
	linked := false
	for _, e := range feed.Entries {
		for _, l := range e.Links {
			linked = linked || (strings.HasPrefix(l.Href, alertsPublicURL) && strings.HasSuffix(l.Href, "/"+name+"/cap"))
		}
	}
	if len(feed.Entries) != 1 || !linked {
		t.Errorf("Atom feed = %+v, want one entry linking %s/v1/%s/cap", feed, alertsPublicURL, name)
	}

	// An update (MODERATE: sent at once) replaces it; a cancel withdraws the update.
	upd := p.must(200, "POST", "/v1/"+name+":update", s.author, map[string]any{"alert": alertBody("SEVERITY_MODERATE", "Downtown: police activity ending")})
	if upd["state"] != "STATE_PUBLISHED" || upd["messageType"] != "MESSAGE_TYPE_UPDATE" || upd["replaces"] != name {
		t.Fatalf("update = %v, want a published UPDATE replacing %s", upd, name)
	}
	if got := p.must(200, "GET", "/v1/"+name, s.author, nil); got["state"] != "STATE_SUPERSEDED" || got["replacement"] != upd["name"] {
		t.Errorf("the original after the update = %v, want superseded by %s", got, upd["name"])
	}
	cn := p.must(200, "POST", "/v1/"+str(upd["name"])+":cancel", s.author, map[string]any{"reason": "All clear downtown."})
	if cn["messageType"] != "MESSAGE_TYPE_CANCEL" || cn["replaces"] != upd["name"] || cn["note"] != "All clear downtown." {
		t.Fatalf("cancel = %v, want a CANCEL of %s with the reason as its note", cn, upd["name"])
	}
	if got := p.must(200, "GET", "/v1/"+str(upd["name"]), s.author, nil); got["state"] != "STATE_CANCELLED" {
		t.Errorf("the update after the cancel = %v, want cancelled", got["state"])
	}
	for _, n := range []string{name, str(upd["name"])} {
		if slices.Contains(s.alertNames("", ""), n) {
			t.Errorf("%s, replaced or withdrawn, is still in the active list", n)
		}
	}

	want := []alertEvent{
		{eventType: "EVENT_TYPE_PUBLISHED", name: name},
		{eventType: "EVENT_TYPE_UPDATED", name: str(upd["name"])},
		{eventType: "EVENT_TYPE_CANCELLED", name: str(cn["name"])},
	}
	var sseEvents []alertEvent
	for _, st := range []struct {
		kind   string
		events <-chan alertEvent
	}{{"ndjson", ndjson}, {"sse", sse}} {
		got := nextEvents(t, st.events, len(want))
		for i, ev := range got {
			if ev.eventType != want[i].eventType || ev.name != want[i].name || ev.cursor == "" {
				t.Errorf("%s event %d = %+v, want %s of %s with a cursor", st.kind, i, ev, want[i].eventType, want[i].name)
			}
			if st.kind == "sse" && ev.id != ev.cursor {
				t.Errorf("sse event %d has id %q, want its cursor %q", i, ev.id, ev.cursor)
			}
		}
		if st.kind == "sse" {
			sseEvents = got
		}
	}
	cancel()

	// Reconnecting after the first event: the two missed, then the next
	// alert sent, and nothing twice.
	resumed := s.streamREST(t.Context(), t, sseEvents[0].id, true)
	got := nextEvents(t, resumed, 2)
	for i, ev := range got {
		if ev.cursor != sseEvents[i+1].cursor || ev.name != sseEvents[i+1].name {
			t.Errorf("resumed event %d = %+v, want %+v", i, ev, sseEvents[i+1])
		}
	}
	next := s.publish(s.author, s.draft(s.author, alertBody("SEVERITY_MINOR", "Lost dog found on 5th Street")))
	if ev := nextEvents(t, resumed, 1)[0]; ev.name != next["name"] || ev.eventType != "EVENT_TYPE_PUBLISHED" {
		t.Errorf("after the missed events the stream delivered %+v, want the publish of %s", ev, next["name"])
	}
}
