package capxml

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"
	"time"

	alertsv1 "github.com/engagehq/engage/api/gen/engage/alerts/v1"
)

// AtomNamespace is the Atom (RFC 4287) XML namespace.
const AtomNamespace = "http://www.w3.org/2005/Atom"

// AtomContentType is the media type of an Atom feed.
const AtomContentType = "application/atom+xml"

// FeedInfo describes an Atom feed.
type FeedInfo struct {
	// ID is the feed's permanent IRI, e.g. its URL.
	ID string
	// Title is the feed's title, e.g. "Metro Police alerts".
	Title string
	// Author names who publishes it, e.g. the agency.
	Author string
	// Self is the URL the feed is read at.
	Self string
	// PublicURL roots each entry's link to its CAP document,
	// `{PublicURL}/v1/{name}/cap`, e.g. "https://engage.example.org".
	PublicURL string
	// Updated is when the feed last changed.
	Updated time.Time
}

type (
	atomFeed struct {
		XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
		ID      string      `xml:"id"`
		Title   string      `xml:"title"`
		Updated string      `xml:"updated"`
		Author  atomPerson  `xml:"author"`
		Links   []atomLink  `xml:"link"`
		Entries []atomEntry `xml:"entry"`
	}
	atomPerson struct {
		Name string `xml:"name"`
	}
	atomLink struct {
		Rel  string `xml:"rel,attr"`
		Type string `xml:"type,attr,omitempty"`
		Href string `xml:"href,attr"`
	}
	atomCategory struct {
		Term string `xml:"term,attr"`
	}
	atomEntry struct {
		ID         string         `xml:"id"`
		Title      string         `xml:"title"`
		Updated    string         `xml:"updated"`
		Published  string         `xml:"published"`
		Author     *atomPerson    `xml:"author,omitempty"`
		Categories []atomCategory `xml:"category"`
		Summary    string         `xml:"summary,omitempty"`
		Links      []atomLink     `xml:"link"`
	}
)

// CapURL is the URL of an alert's CAP document under publicURL.
func CapURL(publicURL, name string) string {
	return strings.TrimRight(publicURL, "/") + "/v1/" + name + "/cap"
}

// Atom writes an Atom feed of alerts, one entry each in the order given.
// An entry shows the alert's first info block (the caller picks the
// language): its id is the CAP document's URL, its title the headline
// (prefixed "[TEST] " or "[EXERCISE] " unless the alert is ACTUAL, then
// "[CANCELLED] " for a CANCEL message), its updated and published times
// when the alert was sent, its summary the description (a CANCEL's note,
// its reason, when it has one), its categories CAP's, and it links (rel
// alternate, application/cap+xml) to the CAP document.
func Atom(feed FeedInfo, entries []*alertsv1.Alert) ([]byte, error) {
	if feed.ID == "" || feed.Title == "" || feed.Self == "" {
		return nil, fmt.Errorf("capxml: atom feed without an id, title or self link")
	}
	author := feed.Author
	if author == "" {
		author = feed.Title
	}
	f := atomFeed{
		ID:      feed.ID,
		Title:   feed.Title,
		Updated: atomTime(feed.Updated),
		Author:  atomPerson{Name: author},
		Links:   []atomLink{{Rel: "self", Type: AtomContentType, Href: feed.Self}},
	}
	for _, a := range entries {
		if a.GetSendTime() == nil {
			return nil, fmt.Errorf("capxml: atom entry %s was not sent", a.GetName())
		}
		capURL := CapURL(feed.PublicURL, a.GetName())
		var in *alertsv1.Info
		if len(a.GetInfos()) > 0 {
			in = a.GetInfos()[0]
		}
		sent := atomTime(a.GetSendTime().AsTime())
		e := atomEntry{
			ID:        capURL,
			Title:     titlePrefix(a) + headline(a, in),
			Updated:   sent,
			Published: sent,
			Summary:   in.GetDescription(),
			Links:     []atomLink{{Rel: "alternate", Type: ContentType, Href: capURL}},
		}
		if a.GetMessageType() == alertsv1.MessageType_MESSAGE_TYPE_CANCEL && a.GetNote() != "" {
			e.Summary = a.GetNote()
		}
		if n := in.GetSenderName(); n != "" {
			e.Author = &atomPerson{Name: n}
		}
		for _, c := range in.GetCategories() {
			if s, err := spell(categories, c, "category"); err == nil {
				e.Categories = append(e.Categories, atomCategory{Term: s})
			}
		}
		f.Entries = append(f.Entries, e)
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(f); err != nil {
		return nil, fmt.Errorf("capxml: encode atom feed: %w", err)
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// titlePrefix marks exercise and test alerts, and cancel messages, whose
// headline is that of the alert they withdraw.
func titlePrefix(a *alertsv1.Alert) string {
	var p string
	switch a.GetStatus() {
	case alertsv1.Status_STATUS_TEST:
		p = "[TEST] "
	case alertsv1.Status_STATUS_EXERCISE:
		p = "[EXERCISE] "
	}
	if a.GetMessageType() == alertsv1.MessageType_MESSAGE_TYPE_CANCEL {
		p += "[CANCELLED] "
	}
	return p
}

// headline is the entry's title: the info's headline, else its event,
// else the message id.
func headline(a *alertsv1.Alert, in *alertsv1.Info) string {
	switch {
	case in.GetHeadline() != "":
		return in.GetHeadline()
	case in.GetEvent() != "":
		return in.GetEvent()
	}
	return a.GetMessageId()
}

// atomTime writes an RFC 3339 time in UTC, to the second.
func atomTime(t time.Time) string { return t.UTC().Truncate(time.Second).Format(time.RFC3339) }
