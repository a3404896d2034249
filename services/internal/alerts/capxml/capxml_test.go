package capxml_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	alertsv1 "github.com/engagehq/engage/api/gen/engage/alerts/v1"
	"github.com/engagehq/engage/services/internal/alerts/capxml"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/genproto/googleapis/type/latlng"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// capDir is the folder of the CAP 1.2 schema and example: ../shared beside
// the repository root, the directory that holds go.work.
func capDir(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return filepath.Join(dir, "..", "shared", "standards", "cap-1.2")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.work above the test's directory")
		}
		dir = parent
	}
}

// validate checks doc against CAP-v1.2.xsd with xmllint.
func validate(t *testing.T, doc []byte) {
	t.Helper()
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		t.Fatal("xmllint is needed to validate CAP documents against the OASIS schema: apt-get install libxml2-utils (Debian/Ubuntu) or brew install libxml2")
	}
	f := filepath.Join(t.TempDir(), "alert.xml")
	if err := os.WriteFile(f, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(xmllint, "--noout", "--nonet", "--schema", filepath.Join(capDir(t), "CAP-v1.2.xsd"), f).CombinedOutput()
	if err != nil {
		t.Fatalf("xmllint refuses the document: %v\n%s\n%s", err, out, doc)
	}
}

func ts(s string) *timestamppb.Timestamp {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return timestamppb.New(t)
}

func pt(lat, lon float64) *latlng.LatLng { return &latlng.LatLng{Latitude: lat, Longitude: lon} }

// info is a complete info block in language lang.
func info(lang string) *alertsv1.Info {
	return &alertsv1.Info{
		LanguageCode:  lang,
		Categories:    []alertsv1.Category{alertsv1.Category_CATEGORY_SAFETY, alertsv1.Category_CATEGORY_SECURITY},
		Event:         "Police activity",
		ResponseTypes: []alertsv1.ResponseType{alertsv1.ResponseType_RESPONSE_TYPE_AVOID, alertsv1.ResponseType_RESPONSE_TYPE_MONITOR},
		Urgency:       alertsv1.Urgency_URGENCY_IMMEDIATE,
		Severity:      alertsv1.Severity_SEVERITY_MODERATE,
		Certainty:     alertsv1.Certainty_CERTAINTY_OBSERVED,
		SenderName:    "Metro Police",
		Headline:      "Avoid Lake Street & 5th <downtown>",
		Description:   "Officers are responding to an incident.\nExpect \"delays\".",
		Instruction:   "Use Main Street instead.",
		Web:           "https://metro.example.org/alerts/1?a=1&b=2",
		Contact:       "311",
		EffectiveTime: ts("2026-11-23T16:00:00Z"),
		OnsetTime:     ts("2026-11-23T16:05:00Z"),
		ExpireTime:    ts("2026-11-23T20:00:00Z"),
		Areas: []*alertsv1.Area{{
			Description: "Downtown, north of Lake Street",
			Polygons: []*alertsv1.Polygon{{Points: []*latlng.LatLng{
				pt(44.98, -93.27), pt(44.99, -93.26), pt(44.97, -93.25), pt(44.98, -93.27),
			}}},
			Circles:  []*alertsv1.Circle{{Center: pt(44.975, -93.265), RadiusKm: 1.5}},
			Geocodes: []*alertsv1.Geocode{{ValueName: "beat", Value: "1024"}, {ValueName: "FIPS6", Value: "027053"}},
		}},
	}
}

// sent is a sent ACTUAL PUBLIC alert.
func sent() *alertsv1.Alert {
	return &alertsv1.Alert{
		Name:        "agencies/metro/alerts/a1",
		State:       alertsv1.Alert_STATE_PUBLISHED,
		MessageId:   "urn:engage:metro:a1",
		Sender:      "metro@engage.example.org",
		SendTime:    ts("2026-11-23T16:00:00Z"),
		Status:      alertsv1.Status_STATUS_ACTUAL,
		MessageType: alertsv1.MessageType_MESSAGE_TYPE_ALERT,
		Scope:       alertsv1.Scope_SCOPE_PUBLIC,
		Infos:       []*alertsv1.Info{info("en-US")},
	}
}

// alerts is a rich set: every enum value, several infos and areas,
// update and cancel with references, restricted, exercise and test.
func alerts() map[string]*alertsv1.Alert {
	m := map[string]*alertsv1.Alert{"minimal": sent()}

	a := sent()
	a.Infos = []*alertsv1.Info{info("en-US"), info("es"), info("")}
	a.Infos[1].Areas = append(a.Infos[1].Areas, &alertsv1.Area{Description: "Whole city"}, &alertsv1.Area{
		Description: "Two polygons",
		Polygons: []*alertsv1.Polygon{
			{Points: []*latlng.LatLng{pt(-33.9, 151.2), pt(-33.8, 151.3), pt(-33.7, 151.1), pt(-33.9, 151.2)}},
			{Points: []*latlng.LatLng{pt(0, 0), pt(0, 1), pt(1, 1), pt(1, 0), pt(0, 0)}},
		},
		Circles: []*alertsv1.Circle{{Center: pt(-90, -180), RadiusKm: 1000}, {Center: pt(90, 180), RadiusKm: 0.001}},
	})
	a.Infos[2].EffectiveTime, a.Infos[2].OnsetTime, a.Infos[2].ExpireTime = nil, nil, nil
	m["multiple infos and areas"] = a

	for i := range alertsv1.Category_name {
		if i == 0 {
			continue
		}
		a := sent()
		a.Infos[0].Categories = []alertsv1.Category{alertsv1.Category(i)}
		a.Infos[0].Urgency = alertsv1.Urgency(1 + i%5)
		a.Infos[0].Severity = alertsv1.Severity(1 + i%5)
		a.Infos[0].Certainty = alertsv1.Certainty(1 + i%5)
		a.Infos[0].ResponseTypes = []alertsv1.ResponseType{alertsv1.ResponseType(1 + i%9)}
		m["category "+alertsv1.Category_name[i]] = a
	}
	all := sent()
	all.Infos[0].Categories = nil
	for i := 1; i < len(alertsv1.Category_name); i++ {
		all.Infos[0].Categories = append(all.Infos[0].Categories, alertsv1.Category(i))
	}
	all.Infos[0].ResponseTypes = nil
	for i := 1; i < len(alertsv1.ResponseType_name); i++ {
		all.Infos[0].ResponseTypes = append(all.Infos[0].ResponseTypes, alertsv1.ResponseType(i))
	}
	m["every category and response type"] = all
	for _, e := range []struct {
		u alertsv1.Urgency
		s alertsv1.Severity
		c alertsv1.Certainty
	}{
		{alertsv1.Urgency_URGENCY_IMMEDIATE, alertsv1.Severity_SEVERITY_EXTREME, alertsv1.Certainty_CERTAINTY_OBSERVED},
		{alertsv1.Urgency_URGENCY_EXPECTED, alertsv1.Severity_SEVERITY_SEVERE, alertsv1.Certainty_CERTAINTY_LIKELY},
		{alertsv1.Urgency_URGENCY_FUTURE, alertsv1.Severity_SEVERITY_MODERATE, alertsv1.Certainty_CERTAINTY_POSSIBLE},
		{alertsv1.Urgency_URGENCY_PAST, alertsv1.Severity_SEVERITY_MINOR, alertsv1.Certainty_CERTAINTY_UNLIKELY},
		{alertsv1.Urgency_URGENCY_UNKNOWN, alertsv1.Severity_SEVERITY_UNKNOWN, alertsv1.Certainty_CERTAINTY_UNKNOWN},
	} {
		a := sent()
		a.Infos[0].Urgency, a.Infos[0].Severity, a.Infos[0].Certainty = e.u, e.s, e.c
		m["enums "+e.u.String()+" "+e.s.String()+" "+e.c.String()] = a
	}

	u := sent()
	u.Name, u.MessageId = "agencies/metro/alerts/a2", "urn:engage:metro:a2"
	u.MessageType = alertsv1.MessageType_MESSAGE_TYPE_UPDATE
	u.References = []string{"metro@engage.example.org,urn:engage:metro:a1,2026-11-23T16:00:00-00:00"}
	u.SendTime = ts("2026-11-23T17:30:00Z")
	m["update"] = u

	c := sent()
	c.Name, c.MessageId = "agencies/metro/alerts/a3", "urn:engage:metro:a3"
	c.MessageType = alertsv1.MessageType_MESSAGE_TYPE_CANCEL
	c.References = []string{
		"metro@engage.example.org,urn:engage:metro:a1,2026-11-23T16:00:00-00:00",
		"metro@engage.example.org,urn:engage:metro:a2,2026-11-23T17:30:00-00:00",
	}
	c.Note = "Sent in error."
	m["cancel"] = c

	nc := sent()
	nc.MessageType = alertsv1.MessageType_MESSAGE_TYPE_CANCEL
	nc.References = c.References[:1]
	nc.Infos = nil
	nc.Note = "Withdrawn."
	m["cancel without info"] = nc

	r := sent()
	r.Scope = alertsv1.Scope_SCOPE_RESTRICTED
	r.Restriction = "Metro Police staff"
	r.Infos[0].Severity = alertsv1.Severity_SEVERITY_MINOR
	m["restricted"] = r

	x := sent()
	x.Status = alertsv1.Status_STATUS_EXERCISE
	x.Note = "Exercise Bluebird"
	m["exercise"] = x

	te := sent()
	te.Status = alertsv1.Status_STATUS_TEST
	te.Note = "Monthly test"
	te.SendTime = ts("2026-06-01T09:00:00-05:00")
	m["test"] = te
	return m
}

// capFields is the part of a that CAP carries: what Decode returns.
func capFields(a *alertsv1.Alert) *alertsv1.Alert {
	c := &alertsv1.Alert{
		MessageId:   a.GetMessageId(),
		Sender:      a.GetSender(),
		SendTime:    a.GetSendTime(),
		Status:      a.GetStatus(),
		MessageType: a.GetMessageType(),
		Scope:       a.GetScope(),
		Note:        a.GetNote(),
		References:  a.GetReferences(),
		Infos:       a.GetInfos(),
	}
	if a.GetScope() == alertsv1.Scope_SCOPE_RESTRICTED {
		c.Restriction = a.GetRestriction()
	}
	return proto.Clone(c).(*alertsv1.Alert)
}

func TestEncodeValidatesAgainstTheSchema(t *testing.T) {
	t.Parallel()
	for name, a := range alerts() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			doc, err := capxml.Encode(a)
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			validate(t, doc)
			again, err := capxml.Encode(proto.Clone(a).(*alertsv1.Alert))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(doc, again) {
				t.Errorf("two encodes differ:\n%s\n%s", doc, again)
			}
		})
	}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	for name, a := range alerts() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			doc, err := capxml.Encode(a)
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			got, err := capxml.Decode(doc)
			if err != nil {
				t.Fatalf("Decode: %v\n%s", err, doc)
			}
			if diff := cmp.Diff(capFields(a), got, protocmp.Transform()); diff != "" {
				t.Errorf("Decode(Encode(a)) differs (-want +got):\n%s\n%s", diff, doc)
			}
		})
	}
}

func TestEncodeWritesCAPSpellings(t *testing.T) {
	t.Parallel()
	a := sent()
	a.SendTime = ts("2026-11-23T10:00:00.123456789-06:00")
	a.Status = alertsv1.Status_STATUS_EXERCISE
	a.Infos[0].ResponseTypes = []alertsv1.ResponseType{alertsv1.ResponseType_RESPONSE_TYPE_ALL_CLEAR}
	a.Infos[0].Categories = []alertsv1.Category{alertsv1.Category_CATEGORY_CBRNE}
	doc, err := capxml.Encode(a)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">`,
		"<sent>2026-11-23T16:00:00-00:00</sent>",
		"<status>Exercise</status>",
		"<msgType>Alert</msgType>",
		"<scope>Public</scope>",
		"<category>CBRNE</category>",
		"<responseType>AllClear</responseType>",
		"<polygon>44.98,-93.27 44.99,-93.26 44.97,-93.25 44.98,-93.27</polygon>",
		"<circle>44.975,-93.265 1.5</circle>",
		"<headline>Avoid Lake Street &amp; 5th &lt;downtown&gt;</headline>",
	} {
		if !bytes.Contains(doc, []byte(want)) {
			t.Errorf("document lacks %s:\n%s", want, doc)
		}
	}

	// A restriction is written only for RESTRICTED alerts.
	p := sent()
	p.Restriction = "staff"
	doc, err = capxml.Encode(p)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(doc, []byte("<restriction>")) {
		t.Errorf("a PUBLIC alert's document has a restriction:\n%s", doc)
	}
}

func TestEncodeRefusesUnsentAlerts(t *testing.T) {
	t.Parallel()
	for name, change := range map[string]func(a *alertsv1.Alert){
		"no send time":      func(a *alertsv1.Alert) { a.SendTime = nil },
		"no message id":     func(a *alertsv1.Alert) { a.MessageId = "" },
		"no sender":         func(a *alertsv1.Alert) { a.Sender = "" },
		"no status":         func(a *alertsv1.Alert) { a.Status = 0 },
		"no message type":   func(a *alertsv1.Alert) { a.MessageType = 0 },
		"no scope":          func(a *alertsv1.Alert) { a.Scope = 0 },
		"no category":       func(a *alertsv1.Alert) { a.Infos[0].Categories = nil },
		"unknown severity":  func(a *alertsv1.Alert) { a.Infos[0].Severity = 99 },
		"no area desc":      func(a *alertsv1.Alert) { a.Infos[0].Areas[0].Description = "" },
		"no certainty":      func(a *alertsv1.Alert) { a.Infos[0].Certainty = 0 },
		"no urgency":        func(a *alertsv1.Alert) { a.Infos[0].Urgency = 0 },
		"unset response":    func(a *alertsv1.Alert) { a.Infos[0].ResponseTypes = []alertsv1.ResponseType{0} },
		"unknown category":  func(a *alertsv1.Alert) { a.Infos[0].Categories = []alertsv1.Category{13} },
		"unknown msg type":  func(a *alertsv1.Alert) { a.MessageType = 4 },
		"unknown status":    func(a *alertsv1.Alert) { a.Status = 4 },
		"unknown scope":     func(a *alertsv1.Alert) { a.Scope = 3 },
		"unknown urgency":   func(a *alertsv1.Alert) { a.Infos[0].Urgency = 6 },
		"unknown certainty": func(a *alertsv1.Alert) { a.Infos[0].Certainty = 6 },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			a := sent()
			change(a)
			if doc, err := capxml.Encode(a); err == nil {
				t.Errorf("Encode succeeded:\n%s", doc)
			}
		})
	}
}

func TestDecodeTheOASISExample(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile(filepath.Join(capDir(t), "example-amber-alert.xml"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := capxml.Decode(doc)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	want := &alertsv1.Alert{
		MessageId:   "KAR0-0306112239-SW",
		Sender:      "KARO@CLETS.DOJ.CA.GOV",
		SendTime:    ts("2003-06-11T22:39:00-07:00"),
		Status:      alertsv1.Status_STATUS_ACTUAL,
		MessageType: alertsv1.MessageType_MESSAGE_TYPE_ALERT,
		Scope:       alertsv1.Scope_SCOPE_PUBLIC,
	}
	for _, lang := range []string{"en-US", "es-US"} {
		want.Infos = append(want.Infos, &alertsv1.Info{
			LanguageCode: lang,
			Categories:   []alertsv1.Category{alertsv1.Category_CATEGORY_RESCUE},
			Urgency:      alertsv1.Urgency_URGENCY_IMMEDIATE,
			Severity:     alertsv1.Severity_SEVERITY_SEVERE,
			Certainty:    alertsv1.Certainty_CERTAINTY_LIKELY,
			Contact:      "DET. SMITH, 77TH DIV, LOS ANGELES POLICE DEPT-LAPD AT 213 485-2389",
			Areas:        []*alertsv1.Area{{Geocodes: []*alertsv1.Geocode{{ValueName: "SAME", Value: "006037"}}}},
		})
	}
	want.Infos[0].Event, want.Infos[1].Event = "Child Abduction", "Abducción de Niño"
	want.Infos[0].SenderName, want.Infos[1].SenderName = "Los Angeles Police Dept - LAPD", "Departamento de Policía de Los Ángeles - LAPD"
	want.Infos[0].Headline, want.Infos[1].Headline = "Amber Alert in Los Angeles County", "Alerta Amber en el condado de Los Ángeles"
	want.Infos[0].Areas[0].Description, want.Infos[1].Areas[0].Description = "Los Angeles County", "condado de Los Ángeles"
	ignoreDescriptions := protocmp.IgnoreFields(&alertsv1.Info{}, "description")
	if diff := cmp.Diff(want, got, protocmp.Transform(), ignoreDescriptions); diff != "" {
		t.Errorf("Decode (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(got.GetInfos()[1].GetDescription(), "DATE/TIME: 06/11/03, 1915 HORAS.") {
		t.Errorf("es-US description = %q", got.GetInfos()[1].GetDescription())
	}
	// What Decode returns encodes to a valid document again.
	again, err := capxml.Encode(got)
	if err != nil {
		t.Fatal(err)
	}
	validate(t, again)
}
