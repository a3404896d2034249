package capxml_test

import (
	"strings"
	"testing"

	"github.com/engagehq/engage/services/internal/alerts/capxml"
)

// validDoc is a small valid CAP 1.2 document the refusal cases change.
const validDoc = `<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>PARTNER-1</identifier>
  <sender>county@partner.example.org</sender>
  <sent>2026-11-23T10:00:00-06:00</sent>
  <status>Actual</status>
  <msgType>Alert</msgType>
  <scope>Public</scope>
  <info>
    <category>Met</category>
    <event>Flood</event>
    <urgency>Expected</urgency>
    <severity>Moderate</severity>
    <certainty>Likely</certainty>
    <expires>2026-11-23T18:00:00-06:00</expires>
    <headline>Flood warning</headline>
    <area>
      <areaDesc>River valley</areaDesc>
      <polygon>44.9,-93.3 45.0,-93.2 44.8,-93.1 44.9,-93.3</polygon>
      <circle>44.9,-93.2 5</circle>
    </area>
  </info>
  <info>
    <language>es</language>
    <category>Met</category>
    <event>Inundación</event>
    <urgency>Expected</urgency>
    <severity>Moderate</severity>
    <certainty>Likely</certainty>
    <area>
      <areaDesc>Valle del río</areaDesc>
      <polygon>44.9,-93.3 45.0,-93.2 44.8,-93.1 44.9,-93.3</polygon>
    </area>
  </info>
</alert>
`

func TestDecodeAcceptsTheBase(t *testing.T) {
	t.Parallel()
	validate(t, []byte(validDoc))
	a, err := capxml.Decode([]byte(validDoc))
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if a.GetMessageId() != "PARTNER-1" || len(a.GetInfos()) != 2 || a.GetInfos()[1].GetLanguageCode() != "es" {
		t.Errorf("Decode = %v", a)
	}
	if got := a.GetSendTime().AsTime().UTC().Format("15:04"); got != "16:00" {
		t.Errorf("sent = %s UTC, want 16:00", got)
	}
}

// replace returns validDoc with old replaced by new, once; the test fails
// if old is not there.
func replace(t *testing.T, old, new string) string {
	t.Helper()
	if !strings.Contains(validDoc, old) {
		t.Fatalf("base document lacks %q", old)
	}
	return strings.Replace(validDoc, old, new, 1)
}

func TestDecodeRefuses(t *testing.T) {
	t.Parallel()
	const xmlDecl = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"
	body := strings.TrimPrefix(validDoc, xmlDecl)
	for _, tc := range []struct {
		name string
		doc  func(t *testing.T) string
		want string
	}{
		{"doctype", func(t *testing.T) string {
			return xmlDecl + "<!DOCTYPE alert>\n" + body
		}, "document: a DOCTYPE"},
		{"lower-case doctype", func(t *testing.T) string {
			return xmlDecl + "<!doctype alert>\n" + body
		}, "document: a DOCTYPE"},
		{"external entity", func(t *testing.T) string {
			return xmlDecl + `<!DOCTYPE alert [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>` + "\n" +
				strings.Replace(body, "Flood warning", "&xxe;", 1)
		}, "document: a DOCTYPE"},
		{"billion laughs", func(t *testing.T) string {
			var b strings.Builder
			b.WriteString(xmlDecl + `<!DOCTYPE lolz [<!ENTITY lol "lol">`)
			for i := 1; i < 10; i++ {
				b.WriteString(`<!ENTITY lol` + string(rune('0'+i)) + ` "` + strings.Repeat("&lol"+string(rune('0'+i-1))+";", 10) + `">`)
			}
			b.WriteString("]>\n")
			b.WriteString(strings.Replace(body, "Flood warning", "&lol9;", 1))
			return b.String()
		}, "document: a DOCTYPE"},
		{"undeclared entity", func(t *testing.T) string {
			return replace(t, "Flood warning", "&xxe;")
		}, "document: not well-formed"},
		{"not well-formed", func(t *testing.T) string {
			return replace(t, "</headline>", "</head>")
		}, "document: not well-formed"},
		{"not XML", func(t *testing.T) string { return "hello" }, "document:"},
		{"empty", func(t *testing.T) string { return "" }, "document: no root element"},
		{"other encoding", func(t *testing.T) string {
			return strings.Replace(validDoc, `encoding="UTF-8"`, `encoding="ISO-8859-1"`, 1)
		}, "document:"},
		{"invalid UTF-8", func(t *testing.T) string {
			return replace(t, "Flood warning", "Flood \xff warning")
		}, "document: not UTF-8"},
		{"too large", func(t *testing.T) string {
			return replace(t, "Flood warning", strings.Repeat("x", capxml.MaxDocumentSize))
		}, "document: larger than"},
		{"CAP 1.1 namespace", func(t *testing.T) string {
			return replace(t, "cap:1.2", "cap:1.1")
		}, "document: the root element"},
		{"no namespace", func(t *testing.T) string {
			return replace(t, ` xmlns="urn:oasis:names:tc:emergency:cap:1.2"`, "")
		}, "document: the root element"},
		{"wrong root", func(t *testing.T) string {
			return xmlDecl + `<feed xmlns="urn:oasis:names:tc:emergency:cap:1.2"/>`
		}, "document: the root element"},
		{"child from another namespace", func(t *testing.T) string {
			return replace(t, "<headline>Flood warning</headline>", `<headline xmlns="urn:other">Flood warning</headline>`)
		}, "info[0]/headline: element from namespace"},
		{"unknown element", func(t *testing.T) string {
			return replace(t, "<headline>", "<colour>red</colour><headline>")
		}, "info[0]/colour: not a CAP 1.2 element here"},
		{"out of order", func(t *testing.T) string {
			return replace(t, "<urgency>Expected</urgency>\n    <severity>Moderate</severity>", "<severity>Moderate</severity>\n    <urgency>Expected</urgency>")
		}, "info[0]/urgency: is missing (required before severity)"},
		{"moved back", func(t *testing.T) string {
			return replace(t, "<event>Flood</event>", "<event>Flood</event><language>en</language>")
		}, "info[0]/language: out of order"},
		{"repeated", func(t *testing.T) string {
			return replace(t, "<event>Flood</event>", "<event>Flood</event><event>Flood</event>")
		}, "info[0]/event: may appear at most 1"},
		{"missing sender", func(t *testing.T) string {
			return replace(t, "<sender>county@partner.example.org</sender>", "")
		}, "sender: is missing"},
		{"missing scope at the end", func(t *testing.T) string {
			return replace(t, "<scope>Public</scope>", "")
		}, "scope: is missing"},
		{"missing category", func(t *testing.T) string {
			return replace(t, "<category>Met</category>", "")
		}, "info[0]/category[0]: is missing"},
		{"missing certainty", func(t *testing.T) string {
			return replace(t, "<certainty>Likely</certainty>\n    <expires>", "<expires>")
		}, "info[0]/certainty: is missing"},
		{"missing areaDesc", func(t *testing.T) string {
			return replace(t, "<areaDesc>River valley</areaDesc>", "")
		}, "info[0]/area[0]/areaDesc: is missing"},
		{"text among elements", func(t *testing.T) string {
			return replace(t, "<area>", "<area>stray")
		}, "info[0]/area[0]: has text"},
		{"element inside text", func(t *testing.T) string {
			return replace(t, "<event>Flood</event>", "<event><b>Flood</b></event>")
		}, "info[0]/event/b: unexpected element"},
		{"unknown status", func(t *testing.T) string {
			return replace(t, "<status>Actual</status>", "<status>Actuall</status>")
		}, `status: "Actuall" is not a value`},
		{"lower-case status", func(t *testing.T) string {
			return replace(t, "<status>Actual</status>", "<status>actual</status>")
		}, `status: "actual"`},
		{"status System", func(t *testing.T) string {
			return replace(t, "<status>Actual</status>", "<status>System</status>")
		}, `status: "System"`},
		{"msgType Ack", func(t *testing.T) string {
			return replace(t, "<msgType>Alert</msgType>", "<msgType>Ack</msgType>")
		}, `msgType: "Ack"`},
		{"scope Private", func(t *testing.T) string {
			return replace(t, "<scope>Public</scope>", "<scope>Private</scope>")
		}, `scope: "Private"`},
		{"unknown category", func(t *testing.T) string {
			return replace(t, "<category>Met</category>", "<category>Weather</category>")
		}, `info[0]/category[0]: "Weather"`},
		{"duplicate category", func(t *testing.T) string {
			return replace(t, "<category>Met</category>", "<category>Met</category><category>Met</category>")
		}, "info[0]/category[1]: Met appears twice"},
		{"unknown severity", func(t *testing.T) string {
			return replace(t, "<severity>Moderate</severity>", "<severity>Bad</severity>")
		}, `info[0]/severity: "Bad"`},
		{"unknown urgency", func(t *testing.T) string {
			return replace(t, "<urgency>Expected</urgency>", "<urgency>Soon</urgency>")
		}, `info[0]/urgency: "Soon"`},
		{"unknown certainty", func(t *testing.T) string {
			return replace(t, "<certainty>Likely</certainty>", "<certainty>Sure</certainty>")
		}, `info[0]/certainty: "Sure"`},
		{"unknown response type", func(t *testing.T) string {
			return replace(t, "<event>Flood</event>", "<event>Flood</event><responseType>Run</responseType>")
		}, `info[0]/responseType[0]: "Run"`},
		{"sent in Z", func(t *testing.T) string {
			return replace(t, "2026-11-23T10:00:00-06:00", "2026-11-23T16:00:00Z")
		}, "sent: \"2026-11-23T16:00:00Z\" is not a CAP date-time"},
		{"sent with fraction", func(t *testing.T) string {
			return replace(t, "2026-11-23T10:00:00-06:00", "2026-11-23T10:00:00.5-06:00")
		}, "sent: "},
		{"sent without offset", func(t *testing.T) string {
			return replace(t, "2026-11-23T10:00:00-06:00", "2026-11-23T10:00:00")
		}, "sent: "},
		{"sent on February 30th", func(t *testing.T) string {
			return replace(t, "2026-11-23T10:00:00-06:00", "2026-02-30T10:00:00-06:00")
		}, "sent: \"2026-02-30T10:00:00-06:00\" is not a valid date-time"},
		{"bad expires", func(t *testing.T) string {
			return replace(t, "2026-11-23T18:00:00-06:00", "tomorrow")
		}, "info[0]/expires: "},
		{"polygon does not close", func(t *testing.T) string {
			return strings.Replace(validDoc, "44.8,-93.1 44.9,-93.3</polygon>\n    </area>\n  </info>\n</alert>", "44.8,-93.1 44.9,-93.4</polygon>\n    </area>\n  </info>\n</alert>", 1)
		}, "info[1]/area[0]/polygon[0]: does not close"},
		{"polygon of three points", func(t *testing.T) string {
			return replace(t, "44.9,-93.3 45.0,-93.2 44.8,-93.1 44.9,-93.3", "44.9,-93.3 45.0,-93.2 44.9,-93.3")
		}, "info[0]/area[0]/polygon[0]: has 3 points"},
		{"polygon point not a number", func(t *testing.T) string {
			return replace(t, "44.9,-93.3 45.0,-93.2", "44.9,-93.3 north,-93.2")
		}, "info[0]/area[0]/polygon[0] point 2"},
		{"polygon point off the globe", func(t *testing.T) string {
			return replace(t, "44.9,-93.3 45.0,-93.2", "44.9,-93.3 95.0,-93.2")
		}, "outside WGS 84"},
		{"circle without radius", func(t *testing.T) string {
			return replace(t, "<circle>44.9,-93.2 5</circle>", "<circle>44.9,-93.2</circle>")
		}, "info[0]/area[0]/circle[0]: "},
		{"circle of zero radius", func(t *testing.T) string {
			return replace(t, "<circle>44.9,-93.2 5</circle>", "<circle>44.9,-93.2 0</circle>")
		}, "info[0]/area[0]/circle[0]: radius 0 km"},
		{"headline too long", func(t *testing.T) string {
			return replace(t, "Flood warning", strings.Repeat("é", 161))
		}, "info[0]/headline: longer than 160 characters"},
		{"empty event", func(t *testing.T) string {
			return replace(t, "<event>Flood</event>", "<event>  </event>")
		}, "info[0]/event: is empty"},
		{"identifier with a space", func(t *testing.T) string {
			return replace(t, "PARTNER-1", "PARTNER 1")
		}, "identifier: may not contain"},
		{"bad language", func(t *testing.T) string {
			return replace(t, "<language>es</language>", "<language>spanish!</language>")
		}, `info[1]/language: "spanish!"`},
		{"web not http", func(t *testing.T) string {
			return replace(t, "<headline>Flood warning</headline>", "<headline>Flood warning</headline><web>javascript:alert(1)</web>")
		}, "info[0]/web: "},
		{"bad reference", func(t *testing.T) string {
			return replace(t, "<scope>Public</scope>", "<scope>Public</scope><references>PARTNER-0</references>")
		}, "references: reference 1"},
		{"too many infos", func(t *testing.T) string {
			start := strings.Index(validDoc, "<info>")
			end := strings.Index(validDoc, "</info>") + len("</info>")
			return validDoc[:start] + strings.Repeat(validDoc[start:end], 11) + validDoc[end:]
		}, "info: 12 blocks; at most 10"},
		{"content after the signature", func(t *testing.T) string {
			sig := `<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo/></Signature>`
			return strings.Replace(validDoc, "</alert>", sig+"<note>late</note></alert>", 1)
		}, "note: unexpected after the signature"},
		{"two roots", func(t *testing.T) string {
			return validDoc + `<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"/>`
		}, "document:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a, err := capxml.Decode([]byte(tc.doc(t)))
			if err == nil {
				t.Fatalf("Decode succeeded: %v", a)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Decode error = %q, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestDecodeSkipsWhatTheModelDoesNotCarry(t *testing.T) {
	t.Parallel()
	doc := replace(t, "<scope>Public</scope>", "<source>SW</source><scope>Public</scope><addresses>x</addresses><code>IPAWSv1.0</code><incidents>i1</incidents>")
	doc = strings.Replace(doc, "<expires>", "<audience>all</audience><eventCode><valueName>SAME</valueName><value>FLW</value></eventCode><expires>", 1)
	doc = strings.Replace(doc, "</area>", "<geocode><valueName>SAME</valueName><value>027053</value></geocode><altitude>100</altitude><ceiling>200.5</ceiling></area>", 1)
	doc = strings.Replace(doc, "<area>", "<parameter><valueName>p</valueName><value>v</value></parameter><resource><resourceDesc>map</resourceDesc><mimeType>image/png</mimeType><uri>https://x.example/map.png</uri></resource><area>", 1)
	doc = strings.Replace(doc, "</alert>", `<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo><value>1</value></SignedInfo></Signature></alert>`, 1)
	validate(t, []byte(doc))
	a, err := capxml.Decode([]byte(doc))
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if g := a.GetInfos()[0].GetAreas()[0].GetGeocodes(); len(g) != 1 || g[0].GetValue() != "027053" {
		t.Errorf("geocodes = %v", g)
	}
}
