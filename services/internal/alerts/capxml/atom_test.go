package capxml_test

import (
	"encoding/xml"
	"strings"
	"testing"
	"time"

	alertsv1 "github.com/engagehq/engage/api/gen/engage/alerts/v1"
	"github.com/engagehq/engage/services/internal/alerts/capxml"
	"github.com/google/go-cmp/cmp"
)

// feed is an Atom feed as a reader sees it; the tags require the Atom
// namespace.
type feed struct {
	XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string   `xml:"http://www.w3.org/2005/Atom id"`
	Title   string   `xml:"http://www.w3.org/2005/Atom title"`
	Updated string   `xml:"http://www.w3.org/2005/Atom updated"`
	Author  string   `xml:"http://www.w3.org/2005/Atom author>name"`
	Links   []link   `xml:"http://www.w3.org/2005/Atom link"`
	Entries []entry  `xml:"http://www.w3.org/2005/Atom entry"`
}

type link struct {
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr"`
	Href string `xml:"href,attr"`
}

type term struct {
	Term string `xml:"term,attr"`
}

type entry struct {
	ID         string `xml:"http://www.w3.org/2005/Atom id"`
	Title      string `xml:"http://www.w3.org/2005/Atom title"`
	Updated    string `xml:"http://www.w3.org/2005/Atom updated"`
	Summary    string `xml:"http://www.w3.org/2005/Atom summary"`
	Author     string `xml:"http://www.w3.org/2005/Atom author>name"`
	Categories []term `xml:"http://www.w3.org/2005/Atom category"`
	Links      []link `xml:"http://www.w3.org/2005/Atom link"`
}

func TestAtom(t *testing.T) {
	t.Parallel()
	actual := sent()
	actual.Infos[0].Description = "Details & more"
	exercise := sent()
	exercise.Name, exercise.Status = "agencies/metro/alerts/a2", alertsv1.Status_STATUS_EXERCISE
	exercise.SendTime = ts("2026-11-23T17:00:00-06:00")
	exercise.Infos[0].Headline = "Drill"
	test := sent()
	test.Name, test.Status = "agencies/metro/alerts/a3", alertsv1.Status_STATUS_TEST
	test.Infos[0].Headline = ""
	test.Infos[0].Event = "Siren test"
	cancel := sent()
	cancel.Name, cancel.MessageType, cancel.Note = "agencies/metro/alerts/a4", alertsv1.MessageType_MESSAGE_TYPE_CANCEL, "All clear."

	info := capxml.FeedInfo{
		ID:        "https://engage.example.org/v1/agencies/metro/alerts:atom",
		Title:     "Metro Police alerts",
		Author:    "Metro Police",
		Self:      "https://engage.example.org/v1/agencies/metro/alerts:atom?languageCode=en",
		PublicURL: "https://engage.example.org/",
		Updated:   time.Date(2026, 11, 23, 23, 0, 0, 500, time.UTC),
	}
	doc, err := capxml.Atom(info, []*alertsv1.Alert{exercise, actual, test, cancel})
	if err != nil {
		t.Fatalf("Atom: %v", err)
	}
	again, _ := capxml.Atom(info, []*alertsv1.Alert{exercise, actual, test, cancel})
	if string(doc) != string(again) {
		t.Errorf("two feeds differ")
	}
	var got feed
	d := xml.NewDecoder(strings.NewReader(string(doc)))
	d.Strict = true
	if err := d.Decode(&got); err != nil {
		t.Fatalf("the feed is not an Atom document: %v\n%s", err, doc)
	}
	capLink := func(name string) []link {
		return []link{{Rel: "alternate", Type: "application/cap+xml", Href: "https://engage.example.org/v1/" + name + "/cap"}}
	}
	want := feed{
		XMLName: xml.Name{Space: capxml.AtomNamespace, Local: "feed"},
		ID:      info.ID,
		Title:   info.Title,
		Updated: "2026-11-23T23:00:00Z",
		Author:  "Metro Police",
		Links:   []link{{Rel: "self", Type: "application/atom+xml", Href: info.Self}},
		Entries: []entry{{
			ID:         "https://engage.example.org/v1/agencies/metro/alerts/a2/cap",
			Title:      "[EXERCISE] Drill",
			Updated:    "2026-11-23T23:00:00Z",
			Summary:    exercise.Infos[0].Description,
			Author:     "Metro Police",
			Categories: []term{{"Safety"}, {"Security"}},
			Links:      capLink("agencies/metro/alerts/a2"),
		}, {
			ID:         "https://engage.example.org/v1/agencies/metro/alerts/a1/cap",
			Title:      actual.Infos[0].Headline,
			Updated:    "2026-11-23T16:00:00Z",
			Summary:    "Details & more",
			Author:     "Metro Police",
			Categories: []term{{"Safety"}, {"Security"}},
			Links:      capLink("agencies/metro/alerts/a1"),
		}, {
			ID:         "https://engage.example.org/v1/agencies/metro/alerts/a3/cap",
			Title:      "[TEST] Siren test",
			Updated:    "2026-11-23T16:00:00Z",
			Summary:    test.Infos[0].Description,
			Author:     "Metro Police",
			Categories: []term{{"Safety"}, {"Security"}},
			Links:      capLink("agencies/metro/alerts/a3"),
		}, {
			ID:         "https://engage.example.org/v1/agencies/metro/alerts/a4/cap",
			Title:      "[CANCELLED] " + cancel.Infos[0].Headline,
			Updated:    "2026-11-23T16:00:00Z",
			Summary:    "All clear.",
			Author:     "Metro Police",
			Categories: []term{{"Safety"}, {"Security"}},
			Links:      capLink("agencies/metro/alerts/a4"),
		}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("feed (-want +got):\n%s\n%s", diff, doc)
	}
}

func TestAtomEmptyAndRefused(t *testing.T) {
	t.Parallel()
	info := capxml.FeedInfo{ID: "urn:x", Title: "T", Self: "https://x.example/feed"}
	doc, err := capxml.Atom(info, nil)
	if err != nil {
		t.Fatalf("Atom: %v", err)
	}
	var got feed
	if err := xml.Unmarshal(doc, &got); err != nil || len(got.Entries) != 0 || got.Author != "T" {
		t.Errorf("empty feed = %+v, %v", got, err)
	}
	unsent := sent()
	unsent.SendTime = nil
	if _, err := capxml.Atom(info, []*alertsv1.Alert{unsent}); err == nil {
		t.Error("Atom took an alert that was not sent")
	}
	if _, err := capxml.Atom(capxml.FeedInfo{}, nil); err == nil {
		t.Error("Atom took a feed without an id")
	}
}
