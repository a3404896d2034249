// Package capxml reads and writes OASIS Common Alerting Protocol 1.2
// documents (CAP-v1.2.xsd) for alertsv1.Alert messages, and writes the
// Atom feed (RFC 4287) of a list of alerts.
//
// The model carries the CAP elements the Alerts service uses: the
// message's identifier, sender, sent, status, msgType, scope, restriction,
// note and references, and per info block its language, categories,
// event, response types, urgency, severity, certainty, effective, onset,
// expires, senderName, headline, description, instruction, web, contact
// and areas (areaDesc, polygons, circles, geocodes). Decode accepts every
// valid CAP 1.2 document whose values the model can hold and drops the
// elements it does not carry (source, addresses, code, incidents,
// audience, eventCode, parameter, resource, altitude, ceiling, XML
// signatures). Encode then Decode gives back every field above.
//
// Decode refuses any document with a DOCTYPE before parsing it, so no
// entity is ever declared or expanded; encoding/xml never fetches
// external resources either.
package capxml

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"

	alertsv1 "github.com/engagehq/engage/api/gen/engage/alerts/v1"
)

// Namespace is the CAP 1.2 XML namespace.
const Namespace = "urn:oasis:names:tc:emergency:cap:1.2"

// ContentType is the media type of a CAP document.
const ContentType = "application/cap+xml"

// xmldsigNamespace is the namespace of the XML Signatures CAP admits at
// the end of an alert.
const xmldsigNamespace = "http://www.w3.org/2000/09/xmldsig#"

// The limits of Decode. The text limits are the Alert message's own.
const (
	// MaxDocumentSize is the largest document Decode reads, in bytes.
	MaxDocumentSize = 1_000_000
	// MaxElements bounds the elements of a document.
	MaxElements = 20_000
	// MaxInfos, MaxAreas and the others bound repeated elements.
	MaxInfos         = 10
	MaxAreas         = 20
	MaxCategories    = 12
	MaxResponseTypes = 9
	MaxPolygons      = 20
	MaxCircles       = 20
	MaxGeocodes      = 50
	MaxPolygonPoints = 1000
	MaxReferences    = 100
	// MaxRadiusKm is the largest circle radius.
	MaxRadiusKm = 1000
)

// The XML form of a CAP alert, in the schema's element order; encoding/xml
// writes fields in declaration order.
type (
	capAlert struct {
		XMLName     xml.Name  `xml:"urn:oasis:names:tc:emergency:cap:1.2 alert"`
		Identifier  string    `xml:"identifier"`
		Sender      string    `xml:"sender"`
		Sent        string    `xml:"sent"`
		Status      string    `xml:"status"`
		MsgType     string    `xml:"msgType"`
		Scope       string    `xml:"scope"`
		Restriction string    `xml:"restriction,omitempty"`
		Note        string    `xml:"note,omitempty"`
		References  string    `xml:"references,omitempty"`
		Infos       []capInfo `xml:"info"`
	}
	capInfo struct {
		Language      string    `xml:"language,omitempty"`
		Categories    []string  `xml:"category"`
		Event         string    `xml:"event"`
		ResponseTypes []string  `xml:"responseType"`
		Urgency       string    `xml:"urgency"`
		Severity      string    `xml:"severity"`
		Certainty     string    `xml:"certainty"`
		Effective     string    `xml:"effective,omitempty"`
		Onset         string    `xml:"onset,omitempty"`
		Expires       string    `xml:"expires,omitempty"`
		SenderName    string    `xml:"senderName,omitempty"`
		Headline      string    `xml:"headline,omitempty"`
		Description   string    `xml:"description,omitempty"`
		Instruction   string    `xml:"instruction,omitempty"`
		Web           string    `xml:"web,omitempty"`
		Contact       string    `xml:"contact,omitempty"`
		Areas         []capArea `xml:"area"`
	}
	capArea struct {
		Desc     string       `xml:"areaDesc"`
		Polygons []string     `xml:"polygon"`
		Circles  []string     `xml:"circle"`
		Geocodes []capGeocode `xml:"geocode"`
	}
	capGeocode struct {
		ValueName string `xml:"valueName"`
		Value     string `xml:"value"`
	}
)

// Encode writes a as a CAP 1.2 document. The alert must have been sent: it
// needs its message id, sender, send time, status, message type and
// scope, and each info block its categories, event, urgency, severity and
// certainty. Times are written in UTC ("-00:00", as CAP requires) to the
// second; a restriction only for RESTRICTED alerts. The output is the same
// bytes for the same alert.
func Encode(a *alertsv1.Alert) ([]byte, error) {
	x, err := toXML(a)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(x); err != nil {
		return nil, fmt.Errorf("capxml: encode %s: %w", a.GetName(), err)
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// toXML maps an alert to its XML form.
func toXML(a *alertsv1.Alert) (*capAlert, error) {
	x := &capAlert{
		Identifier: a.GetMessageId(),
		Sender:     a.GetSender(),
		Note:       a.GetNote(),
		References: strings.Join(a.GetReferences(), " "),
	}
	switch {
	case x.Identifier == "":
		return nil, fmt.Errorf("capxml: alert %s has no message id", a.GetName())
	case x.Sender == "":
		return nil, fmt.Errorf("capxml: alert %s has no sender", a.GetName())
	case a.GetSendTime() == nil:
		return nil, fmt.Errorf("capxml: alert %s was not sent", a.GetName())
	}
	x.Sent = formatTime(a.GetSendTime())
	var err error
	if x.Status, err = spell(statuses, a.GetStatus(), "status"); err != nil {
		return nil, fmt.Errorf("capxml: %w", err)
	}
	if x.MsgType, err = spell(messageTypes, a.GetMessageType(), "msgType"); err != nil {
		return nil, fmt.Errorf("capxml: %w", err)
	}
	if x.Scope, err = spell(scopes, a.GetScope(), "scope"); err != nil {
		return nil, fmt.Errorf("capxml: %w", err)
	}
	if a.GetScope() == alertsv1.Scope_SCOPE_RESTRICTED {
		x.Restriction = a.GetRestriction()
	}
	for i, in := range a.GetInfos() {
		xi, err := infoToXML(in, fmt.Sprintf("info[%d]", i))
		if err != nil {
			return nil, fmt.Errorf("capxml: %w", err)
		}
		x.Infos = append(x.Infos, xi)
	}
	return x, nil
}

func infoToXML(in *alertsv1.Info, path string) (capInfo, error) {
	x := capInfo{
		Language:    in.GetLanguageCode(),
		Event:       in.GetEvent(),
		SenderName:  in.GetSenderName(),
		Headline:    in.GetHeadline(),
		Description: in.GetDescription(),
		Instruction: in.GetInstruction(),
		Web:         in.GetWeb(),
		Contact:     in.GetContact(),
	}
	if len(in.GetCategories()) == 0 {
		return x, fmt.Errorf("%s/category: none", path)
	}
	for i, c := range in.GetCategories() {
		s, err := spell(categories, c, fmt.Sprintf("%s/category[%d]", path, i))
		if err != nil {
			return x, err
		}
		x.Categories = append(x.Categories, s)
	}
	for i, r := range in.GetResponseTypes() {
		s, err := spell(responseTypes, r, fmt.Sprintf("%s/responseType[%d]", path, i))
		if err != nil {
			return x, err
		}
		x.ResponseTypes = append(x.ResponseTypes, s)
	}
	var err error
	if x.Urgency, err = spell(urgencies, in.GetUrgency(), path+"/urgency"); err != nil {
		return x, err
	}
	if x.Severity, err = spell(severities, in.GetSeverity(), path+"/severity"); err != nil {
		return x, err
	}
	if x.Certainty, err = spell(certainties, in.GetCertainty(), path+"/certainty"); err != nil {
		return x, err
	}
	if in.GetEffectiveTime() != nil {
		x.Effective = formatTime(in.GetEffectiveTime())
	}
	if in.GetOnsetTime() != nil {
		x.Onset = formatTime(in.GetOnsetTime())
	}
	if in.GetExpireTime() != nil {
		x.Expires = formatTime(in.GetExpireTime())
	}
	for i, ar := range in.GetAreas() {
		if ar.GetDescription() == "" {
			return x, fmt.Errorf("%s/area[%d]/areaDesc: empty", path, i)
		}
		xa := capArea{Desc: ar.GetDescription()}
		for _, p := range ar.GetPolygons() {
			xa.Polygons = append(xa.Polygons, formatPolygon(p))
		}
		for _, c := range ar.GetCircles() {
			xa.Circles = append(xa.Circles, formatCircle(c))
		}
		for _, g := range ar.GetGeocodes() {
			xa.Geocodes = append(xa.Geocodes, capGeocode{ValueName: g.GetValueName(), Value: g.GetValue()})
		}
		x.Areas = append(x.Areas, xa)
	}
	return x, nil
}
