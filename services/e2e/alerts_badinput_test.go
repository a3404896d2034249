package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestAlertsBadInput: invalid alerts over REST are 400 naming the field,
// and nothing is stored.
func TestAlertsBadInput(t *testing.T) {
	t.Parallel()
	s := newAlertsSetup(t)
	p := s.p
	alerts := s.base + "/alerts"
	with := func(mutate func(info map[string]any)) map[string]any {
		a := alertBody("SEVERITY_MODERATE", "A bad alert")
		mutate(a["infos"].([]any)[0].(map[string]any))
		return a
	}
	now := time.Now().UTC()
	const capWithDoctype = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE alert [<!ENTITY x "expanded">]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&x;</identifier></alert>`
	tests := []struct {
		name, path string
		body       any
		wantField  string // a substring of a violation's field (or several, separated by |); "" for the message
		wantText   string // a substring of the body when the field is ""
	}{
		{"polygon not closed", alerts, with(func(i map[string]any) {
			i["areas"] = []any{map[string]any{"description": "Downtown", "polygons": []any{map[string]any{"points": downtownPoints(false)}}}}
		}), "polygons", ""},
		{"polygon of three points", alerts, with(func(i map[string]any) {
			i["areas"] = []any{map[string]any{"description": "Downtown", "polygons": []any{map[string]any{"points": downtownPoints(true)[:3]}}}}
		}), "polygons", ""},
		{"expires before effective", alerts, with(func(i map[string]any) {
			i["effectiveTime"] = now.Add(3 * time.Hour).Format(time.RFC3339)
			i["expireTime"] = now.Add(time.Hour).Format(time.RFC3339)
		}), "expire_time|effective_time", ""},
		{"no expiry", alerts, with(func(i map[string]any) { delete(i, "expireTime") }), "expire_time", ""},
		{"unknown severity number", alerts, with(func(i map[string]any) { i["severity"] = 42 }), "severity", ""},
		{"unknown severity name", alerts, with(func(i map[string]any) { i["severity"] = "SEVERITY_CATASTROPHIC" }), "", "severity"},
		{"no area", alerts, with(func(i map[string]any) { i["areas"] = []any{} }), "areas", ""},
		{"no category", alerts, with(func(i map[string]any) { i["categories"] = []string{} }), "categories", ""},
		{"two info blocks in one language", alerts, map[string]any{
			"status": "STATUS_ACTUAL", "scope": "SCOPE_PUBLIC",
			"infos": []any{alertInfo("en-US", "SEVERITY_MINOR", "One"), alertInfo("en-US", "SEVERITY_MINOR", "Two")},
		}, "infos", ""},
		{"no status", alerts, map[string]any{"scope": "SCOPE_PUBLIC", "infos": []any{alertInfo("en-US", "SEVERITY_MINOR", "x")}}, "status", ""},
		{"CAP import with a DOCTYPE", alerts + ":importCap", map[string]any{"capXml": capWithDoctype}, "cap_xml", ""},
		{"CAP import that is not CAP", alerts + ":importCap", map[string]any{"capXml": "<html><body>hello</body></html>"}, "cap_xml", ""},
		{"bad request id", alerts + "?requestId=not-a-uuid", alertBody("SEVERITY_MINOR", "x"), "request_id", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := p.do("POST", tt.path, s.author, tt.body)
			if r.status != 400 {
				t.Fatalf("status = %d %s, want 400", r.status, truncate(r.body))
			}
			if tt.wantField == "" {
				if !strings.Contains(string(r.body), tt.wantText) {
					t.Errorf("the error does not name %q: %s", tt.wantText, truncate(r.body))
				}
				return
			}
			if fields := violationFields(t, r.body); !containsSubstring(fields, tt.wantField) {
				t.Errorf("violations %q, want one naming %q: %s", fields, tt.wantField, truncate(r.body))
			}
		})
	}

	every := "?states=STATE_DRAFT&states=STATE_PENDING_APPROVAL&states=STATE_PUBLISHED&states=STATE_REJECTED"
	if got := s.alertNames(s.author, every); len(got) != 0 {
		t.Errorf("after bad input metro-pd has alerts %v, want none", got)
	}
}

// violationFields returns the fields an error body's BadRequest details
// name.
func violationFields(t *testing.T, body []byte) []string {
	t.Helper()
	var e struct {
		Details []struct {
			FieldViolations []struct {
				Field string `json:"field"`
			} `json:"fieldViolations"`
		} `json:"details"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("error body %s: %v", truncate(body), err)
	}
	var out []string
	for _, d := range e.Details {
		for _, v := range d.FieldViolations {
			out = append(out, v.Field)
		}
	}
	return out
}

// containsSubstring reports whether any of ss contains any of the
// |-separated subs.
func containsSubstring(ss []string, subs string) bool {
	for _, s := range ss {
		for _, sub := range strings.Split(subs, "|") {
			if strings.Contains(s, sub) {
				return true
			}
		}
	}
	return false
}
