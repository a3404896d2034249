package e2e

import (
	"strings"
	"testing"
)

// TestBadInputIsRejected: malformed or invalid requests get a 4xx JSON
// error naming the field, never a 5xx, and store nothing.
func TestBadInputIsRejected(t *testing.T) {
	t.Parallel()
	p := startPlatform(t)
	admin, _ := p.staffSignIn(adminEmail, adminPassword)
	p.must(200, "POST", "/v1/agencies?agencyId=valid-pd", admin, map[string]any{"displayName": "Valid"})
	huge := `{"email":"big@e2e.example","displayName":"Big","password":"` + strings.Repeat("a", 2<<20) + `"}`

	tests := []struct {
		name       string
		method     string
		path       string
		token      string
		body       any
		wantStatus int
		wantField  string // a field violation naming this field, when set
	}{
		{"malformed json", "POST", "/v1/accounts", "", `{"email": "x@e2e.example",`, 400, ""},
		{"unknown field", "POST", "/v1/accounts", "", `{"email":"u@e2e.example","displayName":"U","password":"long enough pass","isAdmin":true}`, 400, "isAdmin"},
		{"wrong type", "POST", "/v1/accounts", "", `{"email":"w@e2e.example","displayName":42,"password":"long enough pass"}`, 400, ""},
		{"invalid email", "POST", "/v1/accounts", "", `{"email":"not-an-email","displayName":"N","password":"long enough pass"}`, 400, "account.email"},
		{"short password", "POST", "/v1/accounts", "", `{"email":"s@e2e.example","displayName":"S","password":"short"}`, 400, "account.password"},
		{"common password", "POST", "/v1/accounts", "", `{"email":"c@e2e.example","displayName":"C","password":"password123"}`, 400, "account.password"},
		{"body over 1 MiB", "POST", "/v1/accounts", "", huge, 413, ""},
		{"page size out of range", "GET", "/v1/agencies?pageSize=5000", "", nil, 400, "page_size"},
		{"negative page size", "GET", "/v1/agencies?pageSize=-1", "", nil, 400, "page_size"},
		{"bad page token", "GET", "/v1/agencies?pageToken=not-a-token", "", nil, 400, "page_token"},
		{"bad agency id", "POST", "/v1/agencies?agencyId=Bad_ID", admin, `{"displayName":"Bad"}`, 400, "agency_id"},
		{"wrong enum value", "POST", "/v1/agencies/valid-pd/roleBindings", admin, `{"member":"accounts/x","role":"ROLE_EMPEROR"}`, 400, ""},
		{"unspecified enum", "POST", "/v1/agencies/valid-pd/roleBindings", admin, `{"member":"accounts/x","role":"ROLE_UNSPECIFIED"}`, 400, "role_binding.role"},
		{"unknown path", "GET", "/v1/nothing-here", "", nil, 404, ""},
		{"wrong method", "DELETE", "/v1/accounts", "", nil, 405, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := p.do(tt.method, tt.path, tt.token, tt.body)
			if r.status != tt.wantStatus {
				t.Fatalf("status = %d %s, want %d", r.status, truncate(r.body), tt.wantStatus)
			}
			body := r.json(t)
			if body["message"] == "" || body["code"] == nil {
				t.Errorf("error body lacks code/message: %s", truncate(r.body))
			}
			if tt.wantField != "" && !strings.Contains(string(r.body), `"field":"`+tt.wantField+`"`) {
				t.Errorf("no field violation naming %q: %s", tt.wantField, truncate(r.body))
			}
		})
	}

	// Nothing was stored: none of those addresses can sign in or exists.
	for _, email := range []string{"x@e2e.example", "u@e2e.example", "w@e2e.example", "s@e2e.example", "c@e2e.example", "big@e2e.example"} {
		if r := p.do("POST", "/v1/sessions", "", map[string]any{"email": email, "password": "long enough pass"}); r.status != 401 {
			t.Errorf("sign in as %s = %d, want 401 (the account must not exist)", email, r.status)
		}
	}
	list := p.must(200, "GET", "/v1/agencies", "", nil)["agencies"].([]any)
	if len(list) != 1 {
		t.Errorf("agencies = %d, want only valid-pd", len(list))
	}
}

func truncate(b []byte) string {
	if len(b) > 400 {
		return string(b[:400]) + "…"
	}
	return string(b)
}
