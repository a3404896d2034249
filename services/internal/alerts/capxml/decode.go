package capxml

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	alertsv1 "github.com/engagehq/engage/api/gen/engage/alerts/v1"
)

// newDecoder returns a strict decoder of doc that knows only XML's five
// predefined entities and accepts only UTF-8.
func newDecoder(doc []byte) *xml.Decoder {
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = true
	d.Entity = nil
	d.CharsetReader = nil
	return d
}

// doctype finds a document type declaration in any letter case.
var doctype = regexp.MustCompile(`(?i)<!\s*(DOCTYPE|ENTITY)`)

// Decode reads a CAP 1.2 document. It refuses, with an error naming the
// element (e.g. "info[1]/area[0]/polygon[0]: does not close"), documents
// with a DOCTYPE, that are not well-formed UTF-8 XML, larger than
// MaxDocumentSize, not valid against CAP-v1.2.xsd, or whose values the
// model cannot hold: the CAP values System, Draft, Ack, Error and Private,
// unknown spellings, bad date-times, polygons that do not close or
// circles without a positive radius, points outside WGS 84, and text or
// lists longer than an Alert allows.
//
// The alert returned carries the document's identifier (MessageId),
// sender, sent (SendTime), status, msgType, scope, note, references (as
// "sender,identifier,sent" strings) and info blocks, and a restriction
// only when it is RESTRICTED. Text is trimmed of surrounding white space;
// a missing language stays empty (CAP's default, en-US). Nothing else is
// set: the caller names it, and decides its state.
func Decode(doc []byte) (*alertsv1.Alert, error) {
	if len(doc) > MaxDocumentSize {
		return nil, fmt.Errorf("document: larger than %d bytes", MaxDocumentSize)
	}
	if doctype.Match(doc) {
		return nil, errors.New("document: a DOCTYPE or entity declaration is not allowed")
	}
	if !utf8.Valid(doc) {
		return nil, errors.New("document: not UTF-8")
	}
	if err := checkStructure(doc); err != nil {
		return nil, err
	}
	var x capAlert
	if err := newDecoder(doc).Decode(&x); err != nil {
		return nil, fmt.Errorf("document: %v", err)
	}
	return fromXML(&x)
}

// maxLen is the longest text, in characters, of each element with a limit.
var maxLen = map[string]int{
	"identifier":  255,
	"sender":      255,
	"restriction": 500,
	"note":        2000,
	"event":       200,
	"senderName":  200,
	"headline":    160,
	"description": 10000,
	"instruction": 5000,
	"web":         2000,
	"contact":     500,
	"areaDesc":    500,
	"valueName":   64,
	"value":       64,
}

// text trims s and checks it against the limit of the element called
// name; path names it in errors.
func text(s, name, path string) (string, error) {
	s = strings.TrimSpace(s)
	if n, ok := maxLen[name]; ok && utf8.RuneCountInString(s) > n {
		return "", fmt.Errorf("%s: longer than %d characters", path, n)
	}
	return s, nil
}

// required is text that must not be empty.
func required(s, name, path string) (string, error) {
	s, err := text(s, name, path)
	if err == nil && s == "" {
		err = fmt.Errorf("%s: is empty", path)
	}
	return s, err
}

// noSpaceOrComma checks CAP's rule for identifiers and senders: no white
// space, commas, "<" or "&".
func noSpaceOrComma(s, path string) error {
	if i := strings.IndexFunc(s, func(r rune) bool {
		return r == ',' || r == '<' || r == '&' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
	}); i >= 0 {
		return fmt.Errorf("%s: may not contain spaces, commas, \"<\" or \"&\"", path)
	}
	return nil
}

// languagePattern is the Info.language_code pattern.
var languagePattern = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)

// fromXML checks the values of a structurally valid document and maps
// them to an alert.
func fromXML(x *capAlert) (*alertsv1.Alert, error) {
	a := &alertsv1.Alert{}
	var err error
	if a.MessageId, err = required(x.Identifier, "identifier", "identifier"); err != nil {
		return nil, err
	}
	if err := noSpaceOrComma(a.MessageId, "identifier"); err != nil {
		return nil, err
	}
	if a.Sender, err = required(x.Sender, "sender", "sender"); err != nil {
		return nil, err
	}
	if err := noSpaceOrComma(a.Sender, "sender"); err != nil {
		return nil, err
	}
	if a.SendTime, err = parseTime(strings.TrimSpace(x.Sent), "sent"); err != nil {
		return nil, err
	}
	if a.Status, err = parseEnum[alertsv1.Status](statuses, strings.TrimSpace(x.Status), "status"); err != nil {
		return nil, err
	}
	if a.MessageType, err = parseEnum[alertsv1.MessageType](messageTypes, strings.TrimSpace(x.MsgType), "msgType"); err != nil {
		return nil, err
	}
	if a.Scope, err = parseEnum[alertsv1.Scope](scopes, strings.TrimSpace(x.Scope), "scope"); err != nil {
		return nil, err
	}
	if a.Scope == alertsv1.Scope_SCOPE_RESTRICTED {
		if a.Restriction, err = text(x.Restriction, "restriction", "restriction"); err != nil {
			return nil, err
		}
	}
	if a.Note, err = text(x.Note, "note", "note"); err != nil {
		return nil, err
	}
	if a.References, err = parseReferences(x.References); err != nil {
		return nil, err
	}
	if len(x.Infos) > MaxInfos {
		return nil, fmt.Errorf("info: %d blocks; at most %d", len(x.Infos), MaxInfos)
	}
	for i := range x.Infos {
		in, err := infoFromXML(&x.Infos[i], fmt.Sprintf("info[%d]", i))
		if err != nil {
			return nil, err
		}
		a.Infos = append(a.Infos, in)
	}
	return a, nil
}

// parseReferences reads CAP references: space-separated
// "sender,identifier,sent" triples.
func parseReferences(s string) ([]string, error) {
	refs := strings.Fields(s)
	if len(refs) > MaxReferences {
		return nil, fmt.Errorf("references: %d references; at most %d", len(refs), MaxReferences)
	}
	for i, r := range refs {
		parts := strings.Split(r, ",")
		if len(parts) != 3 || parts[0] == "" || parts[1] == "" {
			return nil, fmt.Errorf("references: reference %d %q is not \"sender,identifier,sent\"", i+1, r)
		}
		if _, err := parseTime(parts[2], fmt.Sprintf("references: reference %d", i+1)); err != nil {
			return nil, err
		}
	}
	return refs, nil
}

func infoFromXML(x *capInfo, path string) (*alertsv1.Info, error) {
	in := &alertsv1.Info{}
	var err error
	in.LanguageCode = strings.TrimSpace(x.Language)
	if in.LanguageCode != "" && !languagePattern.MatchString(in.LanguageCode) {
		return nil, fmt.Errorf("%s/language: %q is not a language tag such as en-US or es", path, in.LanguageCode)
	}
	if len(x.Categories) > MaxCategories {
		return nil, fmt.Errorf("%s/category: %d categories; at most %d", path, len(x.Categories), MaxCategories)
	}
	seen := map[string]bool{}
	for i, c := range x.Categories {
		p := fmt.Sprintf("%s/category[%d]", path, i)
		c = strings.TrimSpace(c)
		v, err := parseEnum[alertsv1.Category](categories, c, p)
		if err != nil {
			return nil, err
		}
		if seen[c] {
			return nil, fmt.Errorf("%s: %s appears twice", p, c)
		}
		seen[c] = true
		in.Categories = append(in.Categories, v)
	}
	if in.Event, err = required(x.Event, "event", path+"/event"); err != nil {
		return nil, err
	}
	if len(x.ResponseTypes) > MaxResponseTypes {
		return nil, fmt.Errorf("%s/responseType: %d response types; at most %d", path, len(x.ResponseTypes), MaxResponseTypes)
	}
	seen = map[string]bool{}
	for i, r := range x.ResponseTypes {
		p := fmt.Sprintf("%s/responseType[%d]", path, i)
		r = strings.TrimSpace(r)
		v, err := parseEnum[alertsv1.ResponseType](responseTypes, r, p)
		if err != nil {
			return nil, err
		}
		if seen[r] {
			return nil, fmt.Errorf("%s: %s appears twice", p, r)
		}
		seen[r] = true
		in.ResponseTypes = append(in.ResponseTypes, v)
	}
	if in.Urgency, err = parseEnum[alertsv1.Urgency](urgencies, strings.TrimSpace(x.Urgency), path+"/urgency"); err != nil {
		return nil, err
	}
	if in.Severity, err = parseEnum[alertsv1.Severity](severities, strings.TrimSpace(x.Severity), path+"/severity"); err != nil {
		return nil, err
	}
	if in.Certainty, err = parseEnum[alertsv1.Certainty](certainties, strings.TrimSpace(x.Certainty), path+"/certainty"); err != nil {
		return nil, err
	}
	if s := strings.TrimSpace(x.Effective); s != "" {
		if in.EffectiveTime, err = parseTime(s, path+"/effective"); err != nil {
			return nil, err
		}
	}
	if s := strings.TrimSpace(x.Onset); s != "" {
		if in.OnsetTime, err = parseTime(s, path+"/onset"); err != nil {
			return nil, err
		}
	}
	if s := strings.TrimSpace(x.Expires); s != "" {
		if in.ExpireTime, err = parseTime(s, path+"/expires"); err != nil {
			return nil, err
		}
	}
	for _, f := range []struct {
		dst  *string
		src  string
		name string
	}{
		{&in.SenderName, x.SenderName, "senderName"},
		{&in.Headline, x.Headline, "headline"},
		{&in.Description, x.Description, "description"},
		{&in.Instruction, x.Instruction, "instruction"},
		{&in.Web, x.Web, "web"},
		{&in.Contact, x.Contact, "contact"},
	} {
		if *f.dst, err = text(f.src, f.name, path+"/"+f.name); err != nil {
			return nil, err
		}
	}
	if in.Web != "" {
		u, err := url.Parse(in.Web)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("%s/web: %q is not an http or https URL", path, in.Web)
		}
	}
	if len(x.Areas) > MaxAreas {
		return nil, fmt.Errorf("%s/area: %d areas; at most %d", path, len(x.Areas), MaxAreas)
	}
	for i := range x.Areas {
		ar, err := areaFromXML(&x.Areas[i], fmt.Sprintf("%s/area[%d]", path, i))
		if err != nil {
			return nil, err
		}
		in.Areas = append(in.Areas, ar)
	}
	return in, nil
}

func areaFromXML(x *capArea, path string) (*alertsv1.Area, error) {
	ar := &alertsv1.Area{}
	var err error
	if ar.Description, err = required(x.Desc, "areaDesc", path+"/areaDesc"); err != nil {
		return nil, err
	}
	if len(x.Polygons) > MaxPolygons {
		return nil, fmt.Errorf("%s/polygon: %d polygons; at most %d", path, len(x.Polygons), MaxPolygons)
	}
	for i, s := range x.Polygons {
		p, err := parsePolygon(s, fmt.Sprintf("%s/polygon[%d]", path, i))
		if err != nil {
			return nil, err
		}
		ar.Polygons = append(ar.Polygons, p)
	}
	if len(x.Circles) > MaxCircles {
		return nil, fmt.Errorf("%s/circle: %d circles; at most %d", path, len(x.Circles), MaxCircles)
	}
	for i, s := range x.Circles {
		c, err := parseCircle(s, fmt.Sprintf("%s/circle[%d]", path, i))
		if err != nil {
			return nil, err
		}
		ar.Circles = append(ar.Circles, c)
	}
	if len(x.Geocodes) > MaxGeocodes {
		return nil, fmt.Errorf("%s/geocode: %d geocodes; at most %d", path, len(x.Geocodes), MaxGeocodes)
	}
	for i, g := range x.Geocodes {
		p := fmt.Sprintf("%s/geocode[%d]", path, i)
		name, err := required(g.ValueName, "valueName", p+"/valueName")
		if err != nil {
			return nil, err
		}
		value, err := required(g.Value, "value", p+"/value")
		if err != nil {
			return nil, err
		}
		ar.Geocodes = append(ar.Geocodes, &alertsv1.Geocode{ValueName: name, Value: value})
	}
	return ar, nil
}
