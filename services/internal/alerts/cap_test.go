package alerts_test

import (
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	alertsv1 "github.com/engagehq/engage/api/gen/engage/alerts/v1"
	"github.com/engagehq/engage/services/internal/alerts"
	"github.com/engagehq/engage/services/internal/alerts/capxml"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// validateCap checks a CAP document against the OASIS schema in
// ../shared beside the repository root (the directory holding go.work).
func validateCap(t *testing.T, doc []byte) {
	t.Helper()
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		t.Fatal("xmllint is needed to validate CAP documents: apt-get install libxml2-utils (Debian/Ubuntu) or brew install libxml2")
	}
	dir, err := os.Getwd()
	must(t, "Getwd", err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			break
		}
		if filepath.Dir(dir) == dir {
			t.Fatal("no go.work above the test's directory")
		}
		dir = filepath.Dir(dir)
	}
	f := filepath.Join(t.TempDir(), "alert.xml")
	must(t, "WriteFile", os.WriteFile(f, doc, 0o600))
	xsd := filepath.Join(dir, "..", "shared", "standards", "cap-1.2", "CAP-v1.2.xsd")
	if out, err := exec.Command(xmllint, "--noout", "--nonet", "--schema", xsd, f).CombinedOutput(); err != nil {
		t.Fatalf("xmllint refuses the document: %v\n%s\n%s", err, out, doc)
	}
}

// getCap fetches an alert's CAP document and decodes it.
func (e *env) getCap(t *testing.T, u *user, name string) *alertsv1.Alert {
	t.Helper()
	ctx := anonymous(t)
	if u != nil {
		ctx = u.ctx(t)
	}
	body, err := e.alerts.GetAlertCap(ctx, &alertsv1.GetAlertCapRequest{Name: name})
	must(t, "GetAlertCap", err)
	if body.GetContentType() != "application/cap+xml" {
		t.Fatalf("content type %q", body.GetContentType())
	}
	validateCap(t, body.GetData())
	a, err := capxml.Decode(body.GetData())
	must(t, "decoding the CAP document", err)
	return a
}

func TestGetAlertCapOfSentAlerts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := content(alertsv1.Severity_SEVERITY_MODERATE, start)
	c.Infos = append(c.Infos, content(alertsv1.Severity_SEVERITY_MODERATE, start).Infos[0])
	c.Infos[1].LanguageCode, c.Infos[1].Headline = "es", "Evite la calle Main"
	p := e.publish(t, c)

	got := e.getCap(t, nil, p.GetName())
	if got.GetMessageId() != p.GetMessageId() || got.GetSender() != "metro@engage.example.org" ||
		!got.GetSendTime().AsTime().Equal(start) || got.GetMessageType() != alertsv1.MessageType_MESSAGE_TYPE_ALERT {
		t.Fatalf("CAP message = %v, alert %v", got, p)
	}
	diff(t, "info blocks", got.GetInfos(), p.GetInfos())

	// An update and a cancel: each names what it replaces; the replaced
	// messages stay readable.
	e.clock.Advance(time.Minute)
	u, err := e.alerts.SupersedeAlert(e.author().ctx(t), &alertsv1.SupersedeAlertRequest{Name: p.GetName(), Alert: content(alertsv1.Severity_SEVERITY_MINOR, e.clock.Now())})
	must(t, "SupersedeAlert", err)
	e.clock.Advance(time.Minute)
	x, err := e.alerts.CancelAlert(e.author().ctx(t), &alertsv1.CancelAlertRequest{Name: u.GetName(), Reason: "All clear."})
	must(t, "CancelAlert", err)
	cu := e.getCap(t, nil, u.GetName())
	cx := e.getCap(t, nil, x.GetName())
	if cu.GetMessageType() != alertsv1.MessageType_MESSAGE_TYPE_UPDATE || len(cu.GetReferences()) != 1 ||
		!strings.Contains(cu.GetReferences()[0], ","+p.GetMessageId()+",") {
		t.Errorf("update's CAP message = %v", cu)
	}
	if cx.GetMessageType() != alertsv1.MessageType_MESSAGE_TYPE_CANCEL || len(cx.GetReferences()) != 2 || cx.GetNote() != "All clear." {
		t.Errorf("cancel's CAP message = %v", cx)
	}
	if a := e.getCap(t, nil, p.GetName()); a.GetMessageId() != p.GetMessageId() {
		t.Errorf("the superseded alert's CAP message = %v", a)
	}
}

func TestGetAlertCapOnlyOfSentAlertsTheCallerMaySee(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	draft := e.create(t, e.author(), content(alertsv1.Severity_SEVERITY_MINOR, start))
	pending := e.publish(t, content(alertsv1.Severity_SEVERITY_SEVERE, start))
	r := content(alertsv1.Severity_SEVERITY_MINOR, start)
	r.Scope, r.Restriction = alertsv1.Scope_SCOPE_RESTRICTED, "Metro Police staff"
	restricted := e.publish(t, r)
	for _, tc := range []struct {
		name  string
		who   *user
		alert string
	}{
		{"a draft, to its author", e.author(), draft.GetName()},
		{"a draft, to anyone", nil, draft.GetName()},
		{"an alert awaiting approval, to an approver", e.approver(), pending.GetName()},
		{"a restricted alert, to anyone", nil, restricted.GetName()},
		{"a restricted alert, to a resident", e.resident("r1"), restricted.GetName()},
		{"a restricted alert, to another agency's author", e.otherAuthor(), restricted.GetName()},
		{"an alert that does not exist", nil, "agencies/metro/alerts/nope"},
		{"an alert of an agency that does not exist", nil, "agencies/nope/alerts/nope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := anonymous(t)
			if tc.who != nil {
				ctx = tc.who.ctx(t)
			}
			_, err := e.alerts.GetAlertCap(ctx, &alertsv1.GetAlertCapRequest{Name: tc.alert})
			wantCode(t, "GetAlertCap", err, codes.NotFound)
		})
	}
	got := e.getCap(t, e.approver(), restricted.GetName())
	if got.GetScope() != alertsv1.Scope_SCOPE_RESTRICTED || got.GetRestriction() != "Metro Police staff" {
		t.Errorf("restricted CAP message = %v", got)
	}
}

// atomFeed is an Atom feed as a reader parses it, in the Atom namespace.
type atomFeed struct {
	XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string   `xml:"http://www.w3.org/2005/Atom id"`
	Updated string   `xml:"http://www.w3.org/2005/Atom updated"`
	Entries []struct {
		ID    string `xml:"http://www.w3.org/2005/Atom id"`
		Title string `xml:"http://www.w3.org/2005/Atom title"`
		Link  struct {
			Rel  string `xml:"rel,attr"`
			Type string `xml:"type,attr"`
			Href string `xml:"href,attr"`
		} `xml:"http://www.w3.org/2005/Atom link"`
	} `xml:"http://www.w3.org/2005/Atom entry"`
}

func (e *env) feed(t *testing.T, language string) atomFeed {
	t.Helper()
	body, err := e.alerts.ExportAtomFeed(anonymous(t), &alertsv1.ExportAtomFeedRequest{Parent: "agencies/metro", LanguageCode: language})
	must(t, "ExportAtomFeed", err)
	if body.GetContentType() != "application/atom+xml" {
		t.Fatalf("content type %q", body.GetContentType())
	}
	var f atomFeed
	d := xml.NewDecoder(strings.NewReader(string(body.GetData())))
	d.Strict = true
	must(t, "parsing the feed", d.Decode(&f))
	return f
}

func titles(f atomFeed) []string {
	var out []string
	for _, e := range f.Entries {
		out = append(out, e.Title)
	}
	return out
}

func TestExportAtomFeed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if f := e.feed(t, ""); len(f.Entries) != 0 || f.ID != "https://engage.example.org/v1/agencies/metro/alerts:atom" {
		t.Fatalf("empty feed = %+v", f)
	}

	expiring := content(alertsv1.Severity_SEVERITY_MINOR, start)
	expiring.Infos[0].Headline = "Expiring"
	expiring.Infos[0].ExpireTime.Seconds -= 30 * 60
	e.publish(t, expiring)
	e.clock.Advance(time.Minute)
	bilingual := content(alertsv1.Severity_SEVERITY_MINOR, start)
	bilingual.Infos = append(bilingual.Infos, content(alertsv1.Severity_SEVERITY_MINOR, start).Infos[0])
	bilingual.Infos[0].Headline = "Road closed"
	bilingual.Infos[1].LanguageCode, bilingual.Infos[1].Headline = "es-MX", "Calle cerrada"
	b := e.publish(t, bilingual)
	e.clock.Advance(time.Minute)
	test := content(alertsv1.Severity_SEVERITY_MINOR, start)
	test.Status, test.Infos[0].Headline = alertsv1.Status_STATUS_TEST, "Siren test"
	e.publish(t, test)
	restricted := content(alertsv1.Severity_SEVERITY_MINOR, start)
	restricted.Scope, restricted.Restriction, restricted.Infos[0].Headline = alertsv1.Scope_SCOPE_RESTRICTED, "staff", "Staff only"
	e.publish(t, restricted)
	draft := content(alertsv1.Severity_SEVERITY_MINOR, start)
	draft.Infos[0].Headline = "Draft"
	e.create(t, e.author(), draft)
	e.clock.Advance(time.Minute)

	f := e.feed(t, "")
	diff(t, "titles", titles(f), []string{"[TEST] Siren test", "Road closed", "Expiring"})
	if f.Updated != "2026-11-23T16:02:00Z" {
		t.Errorf("feed updated %s, want the newest entry's send time", f.Updated)
	}
	entry := f.Entries[1]
	want := "https://engage.example.org/v1/" + b.GetName() + "/cap"
	if entry.ID != want || entry.Link.Href != want || entry.Link.Rel != "alternate" || entry.Link.Type != "application/cap+xml" {
		t.Errorf("entry = %+v, want its id and link %s", entry, want)
	}

	diff(t, "Spanish titles", titles(e.feed(t, "es")), []string{"[TEST] Siren test", "Calle cerrada", "Expiring"})

	// Expired alerts leave the feed.
	e.clock.Advance(30 * time.Minute)
	diff(t, "titles later", titles(e.feed(t, "")), []string{"[TEST] Siren test", "Road closed"})

	// A cancelled alert leaves the feed; its cancel message says so.
	_, err := e.alerts.CancelAlert(e.author().ctx(t), &alertsv1.CancelAlertRequest{Name: b.GetName(), Reason: "Reopened."})
	must(t, "CancelAlert", err)
	diff(t, "titles after a cancel", titles(e.feed(t, "")), []string{"[CANCELLED] Road closed", "[TEST] Siren test"})

	_, err = e.alerts.ExportAtomFeed(anonymous(t), &alertsv1.ExportAtomFeedRequest{Parent: "agencies/nope"})
	wantCode(t, "feed of an unknown agency", err, codes.NotFound)
}

// capDoc is a CAP document of one info block expiring an hour after
// start; refs is the references element's text, sev the severity and
// extra more elements at the end of the alert's first area.
func capDoc(id, sender, msgType, refs, sev, extra string) string {
	references := ""
	if refs != "" {
		references = "<references>" + refs + "</references>"
	}
	return fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>%s</identifier>
  <sender>%s</sender>
  <sent>2026-11-23T09:55:00-06:00</sent>
  <status>Actual</status>
  <msgType>%s</msgType>
  <scope>Public</scope>
  %s
  <info>
    <category>Met</category>
    <event>Flood</event>
    <urgency>Expected</urgency>
    <severity>%s</severity>
    <certainty>Likely</certainty>
    <expires>2026-11-23T11:00:00-06:00</expires>
    <headline>Flood warning</headline>
    <area>
      <areaDesc>River valley</areaDesc>
      <polygon>41.8,-87.7 41.9,-87.7 41.9,-87.6 41.8,-87.7</polygon>%s
    </area>
  </info>
</alert>`, id, sender, msgType, references, sev, extra)
}

func (e *env) importCap(t *testing.T, doc string, publish bool) (*alertsv1.Alert, error) {
	t.Helper()
	return e.alerts.ImportCapAlert(e.author().ctx(t), &alertsv1.ImportCapAlertRequest{Parent: "agencies/metro", CapXml: doc, Publish: publish})
}

func TestImportCapAlert(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	draft, err := e.importCap(t, capDoc("NWS-1", "w-nws.webmaster@noaa.gov", "Alert", "", "Moderate", ""), false)
	must(t, "ImportCapAlert", err)
	if draft.GetState() != alertsv1.Alert_STATE_DRAFT || draft.GetMessageId() != "NWS-1" || draft.GetSender() != "w-nws.webmaster@noaa.gov" ||
		draft.GetSendTime() != nil || draft.GetAuthor() != e.author().name() || draft.GetMessageType() != alertsv1.MessageType_MESSAGE_TYPE_ALERT ||
		!strings.HasPrefix(draft.GetName(), "agencies/metro/alerts/") {
		t.Fatalf("imported draft = %v", draft)
	}
	if got := draft.GetInfos()[0].GetExpireTime().AsTime(); !got.Equal(start.Add(time.Hour)) {
		t.Errorf("expires %v", got)
	}
	if len(e.events(t)) != 0 {
		t.Fatal("an imported draft was sent")
	}

	// The same identifier again is refused, draft or not.
	_, err = e.importCap(t, capDoc("NWS-1", "w-nws.webmaster@noaa.gov", "Alert", "", "Moderate", ""), true)
	wantCode(t, "importing an identifier again", err, codes.AlreadyExists)

	// Published at once, or awaiting a second person when SEVERE.
	e.clock.Advance(time.Minute)
	sent, err := e.importCap(t, capDoc("NWS-2", "w-nws.webmaster@noaa.gov", "Alert", "", "Minor", ""), true)
	must(t, "ImportCapAlert publish", err)
	if sent.GetState() != alertsv1.Alert_STATE_PUBLISHED || !sent.GetSendTime().AsTime().Equal(e.clock.Now()) || sent.GetPublisher() != e.author().name() {
		t.Fatalf("imported and published = %v", sent)
	}
	if es := e.events(t); len(es) != 1 || es[0].Alert.GetName() != sent.GetName() {
		t.Fatalf("events = %v", es)
	}
	severe, err := e.importCap(t, capDoc("NWS-3", "w-nws.webmaster@noaa.gov", "Alert", "", "Extreme", ""), true)
	must(t, "ImportCapAlert severe", err)
	if severe.GetState() != alertsv1.Alert_STATE_PENDING_APPROVAL {
		t.Fatalf("imported severe alert = %v, want PENDING_APPROVAL", severe)
	}

	// The partner's UPDATE replaces it; its CANCEL withdraws the update.
	e.clock.Advance(time.Minute)
	ref := "w-nws.webmaster@noaa.gov,NWS-2,2026-11-23T09:55:00-06:00"
	upd, err := e.importCap(t, capDoc("NWS-2-U", "w-nws.webmaster@noaa.gov", "Update", ref, "Moderate", ""), true)
	must(t, "ImportCapAlert update", err)
	if upd.GetState() != alertsv1.Alert_STATE_PUBLISHED || upd.GetReplaces() != sent.GetName() || upd.GetMessageType() != alertsv1.MessageType_MESSAGE_TYPE_UPDATE ||
		len(upd.GetReferences()) != 1 || !strings.HasPrefix(upd.GetReferences()[0], "w-nws.webmaster@noaa.gov,NWS-2,") {
		t.Fatalf("imported update = %v", upd)
	}
	orig, err := e.alerts.GetAlert(e.author().ctx(t), &alertsv1.GetAlertRequest{Name: sent.GetName()})
	must(t, "GetAlert", err)
	if orig.GetState() != alertsv1.Alert_STATE_SUPERSEDED || orig.GetReplacement() != upd.GetName() {
		t.Fatalf("original after the update = %v", orig)
	}
	cancel := `<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>NWS-2-C</identifier>
  <sender>w-nws.webmaster@noaa.gov</sender>
  <sent>2026-11-23T10:05:00-06:00</sent>
  <status>Actual</status>
  <msgType>Cancel</msgType>
  <scope>Public</scope>
  <note>Flood over.</note>
  <references>` + ref + ` w-nws.webmaster@noaa.gov,NWS-2-U,2026-11-23T10:00:00-06:00</references>
</alert>`
	x, err := e.importCap(t, cancel, true)
	must(t, "ImportCapAlert cancel", err)
	if x.GetState() != alertsv1.Alert_STATE_PUBLISHED || x.GetReplaces() != upd.GetName() || x.GetNote() != "Flood over." || len(x.GetInfos()) != 1 {
		t.Fatalf("imported cancel = %v", x)
	}
	u2, err := e.alerts.GetAlert(e.author().ctx(t), &alertsv1.GetAlertRequest{Name: upd.GetName()})
	must(t, "GetAlert", err)
	if u2.GetState() != alertsv1.Alert_STATE_CANCELLED {
		t.Fatalf("update after the cancel = %v", u2)
	}
	if n := len(e.events(t)); n != 3 {
		t.Fatalf("%d events, want 3 (alert, update, cancel)", n)
	}
}

func TestImportCapCancelsTheAgencysOwnAlert(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// A severe alert of the agency's own, approved and sent.
	p := e.publish(t, content(alertsv1.Severity_SEVERITY_SEVERE, start))
	p, err := e.alerts.ApproveAlert(e.approver().ctx(t), &alertsv1.ApproveAlertRequest{Name: p.GetName(), Etag: p.GetEtag()})
	must(t, "ApproveAlert", err)
	ref := p.GetSender() + "," + p.GetMessageId() + ",2026-11-23T16:00:00-00:00"
	// A CANCEL never waits for approval, even of a SEVERE alert.
	x, err := e.importCap(t, capDoc("PARTNER-C", "county@partner.example.org", "Cancel", ref, "Severe", ""), true)
	must(t, "ImportCapAlert cancel", err)
	if x.GetState() != alertsv1.Alert_STATE_PUBLISHED || x.GetReplaces() != p.GetName() {
		t.Fatalf("imported cancel = %v", x)
	}
	// An UPDATE of the cancelled alert is refused.
	_, err = e.importCap(t, capDoc("PARTNER-U", "county@partner.example.org", "Update", ref, "Minor", ""), true)
	wantCode(t, "updating a cancelled alert", err, codes.FailedPrecondition)
}

func TestImportCapRetry(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	req := &alertsv1.ImportCapAlertRequest{
		Parent: "agencies/metro", CapXml: capDoc("R-1", "p@x.example", "Alert", "", "Minor", ""),
		Publish: true, RequestId: "6f1c2b9e-3d4a-4e5f-8a7b-9c0d1e2f3a4b",
	}
	first, err := e.alerts.ImportCapAlert(e.author().ctx(t), req)
	must(t, "ImportCapAlert", err)
	again, err := e.alerts.ImportCapAlert(e.author().ctx(t), req)
	must(t, "retried ImportCapAlert", err)
	diff(t, "retry", again, first)
	if n := len(e.events(t)); n != 1 {
		t.Fatalf("a retried import sent %d events", n)
	}
	req.CapXml = capDoc("R-2", "p@x.example", "Alert", "", "Minor", "")
	_, err = e.alerts.ImportCapAlert(e.author().ctx(t), req)
	wantField(t, "request id reused", err, "request_id")
}

func TestImportCapRefuses(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, err := e.importCap(t, capDoc("DRAFT-1", "p@x.example", "Alert", "", "Minor", ""), false)
	must(t, "ImportCapAlert", err)
	valid := capDoc("V-1", "p@x.example", "Alert", "", "Minor", "")
	for _, tc := range []struct {
		name string
		doc  string
		// field and message, or code for refusals on no field.
		message string
		code    codes.Code
	}{
		{"a DOCTYPE", strings.Replace(valid, "<alert ", "<!DOCTYPE alert [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n<alert ", 1), "document: a DOCTYPE", 0},
		{"not CAP 1.2", strings.Replace(valid, "cap:1.2", "cap:1.1", 1), "document: the root element", 0},
		{"a polygon that does not close", strings.Replace(valid, "41.8,-87.7</polygon>", "41.8,-87.8</polygon>", 1), "info[0]/area[0]/polygon[0]: does not close", 0},
		{"an unknown severity", capDoc("V-2", "p@x.example", "Alert", "", "Huge", ""), `info[0]/severity: "Huge"`, 0},
		{"expiry before effect", strings.Replace(valid, "<expires>", "<effective>2026-11-23T12:00:00-06:00</effective><expires>", 1), "info[0]/expires", 0},
		{"no headline", strings.Replace(valid, "<headline>Flood warning</headline>", "", 1), "info[0]/headline: is required", 0},
		{"no area", strings.Replace(strings.Replace(valid, "<area>", "<!--", 1), "</area>", "-->", 1), "info[0]/area: needs at least one area", 0},
		{"no info", strings.Replace(strings.Replace(valid, "<info>", "<!--", 1), "</info>", "-->", 1), "info: needs at least one info block", 0},
		{"an UPDATE without references", capDoc("V-3", "p@x.example", "Update", "", "Minor", ""), "references: an UPDATE must reference", 0},
		{"an UPDATE of no alert of the agency", capDoc("V-4", "p@x.example", "Update", "p@x.example,NOPE,2026-11-23T09:00:00-06:00", "Minor", ""), "references: none of the messages", 0},
		{"an UPDATE naming the wrong sender", capDoc("V-5", "p@x.example", "Update", "q@x.example,DRAFT-1,2026-11-23T09:00:00-06:00", "Minor", ""), "references: none of the messages", 0},
		{"an UPDATE of a draft", capDoc("V-6", "p@x.example", "Update", "p@x.example,DRAFT-1,2026-11-23T09:00:00-06:00", "Minor", ""), "", codes.FailedPrecondition},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.importCap(t, tc.doc, true)
			if tc.code != 0 {
				wantCode(t, "ImportCapAlert", err, tc.code)
				return
			}
			wantField(t, "ImportCapAlert", err, "cap_xml")
			if msg := status.Convert(err).Message(); !strings.Contains(msg, tc.message) {
				t.Fatalf("error %q does not say %q", msg, tc.message)
			}
		})
	}
	if n := len(e.events(t)); n != 0 {
		t.Fatalf("refused imports sent %d events", n)
	}

	for _, tc := range []struct {
		name string
		who  *user
		code codes.Code
	}{
		{"a resident", e.resident("r1"), codes.PermissionDenied},
		{"another agency's author", e.otherAuthor(), codes.PermissionDenied},
		{"an approver who is not an author", e.approver(), codes.PermissionDenied},
	} {
		_, err := e.alerts.ImportCapAlert(tc.who.ctx(t), &alertsv1.ImportCapAlertRequest{Parent: "agencies/metro", CapXml: valid})
		wantCode(t, tc.name, err, tc.code)
	}
	_, err = e.alerts.ImportCapAlert(anonymous(t), &alertsv1.ImportCapAlertRequest{Parent: "agencies/metro", CapXml: valid})
	wantCode(t, "anonymous", err, codes.Unauthenticated)
}

// TestImportCapWithoutExpires imports a valid CAP document whose info has
// no expires, as CAP allows: it applies for alerts.ImportedLifetime.
func TestImportCapWithoutExpires(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	doc := strings.Replace(capDoc("NO-EXPIRY-1", "p@x.example", "Alert", "", "Minor", ""), "<expires>2026-11-23T11:00:00-06:00</expires>", "", 1)
	a, err := e.importCap(t, doc, true)
	must(t, "ImportCapAlert without expires", err)
	if got := a.GetInfos()[0].GetExpireTime().AsTime(); !got.Equal(start.Add(alerts.ImportedLifetime)) {
		t.Fatalf("expires %v, want %v", got, start.Add(alerts.ImportedLifetime))
	}
	if a.GetState() != alertsv1.Alert_STATE_PUBLISHED {
		t.Fatalf("state %v, want published", a.GetState())
	}
}
