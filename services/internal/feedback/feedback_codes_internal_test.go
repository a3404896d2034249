package feedback

import (
	"regexp"
	"testing"
	"time"
)

func TestCodeFeedbackID(t *testing.T) {
	t.Parallel()
	shape := regexp.MustCompile(`^[a-z2-7]{26}$`)
	code := "7QK2M9X4C8V6B1N5Z0P2"
	tests := []struct {
		name          string
		agency, other string
		otherCode     string
		same          bool
	}{
		{"same code and agency", "agencies/metro", "agencies/metro", code, true},
		{"another agency", "agencies/metro", "agencies/other", code, false},
		{"another code", "agencies/metro", "agencies/metro", "7QK2M9X4C8V6B1N5Z0P3", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a, b := codeFeedbackID(tc.agency, code), codeFeedbackID(tc.other, tc.otherCode)
			if !shape.MatchString(a) {
				t.Fatalf("id %q is not shaped like a random feedback id", a)
			}
			if (a == b) != tc.same {
				t.Fatalf("ids %q and %q: same = %v, want %v", a, b, a == b, tc.same)
			}
		})
	}
	if id := newFeedbackID(); !shape.MatchString(id) {
		t.Fatalf("random id %q", id)
	}
}

func TestRetryCodes(t *testing.T) {
	t.Parallel()
	codeShape := regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){3}$`)
	pinShape := regexp.MustCompile(`^[0-9]{8}$`)
	secret := []byte("0123456789abcdef0123456789abcdef")
	r := newRetryCodes(secret)
	const rid = "6f1c2a0e-8d4b-4c1f-9a51-2f8e5d3b7c10"
	morning := time.Date(2026, 5, 6, 0, 5, 0, 0, time.UTC)
	first := r.at("metro", rid, morning)
	code, pin := first.code, first.pin
	if !codeShape.MatchString(code) || !pinShape.MatchString(pin) {
		t.Fatalf("derived code %q and PIN %q are not shaped as fresh ones", code, pin)
	}
	tests := []struct {
		name   string
		codes  retryCodes
		agency string
		id     string
		at     time.Time
		same   bool
	}{
		{"the same day, in another time zone", r, "metro", rid, time.Date(2026, 5, 6, 23, 59, 0, 0, time.UTC).In(time.FixedZone("CDT", -5*3600)), true},
		{"the next UTC day", r, "metro", rid, morning.Add(24 * time.Hour), false},
		{"another agency", r, "other", rid, morning, false},
		{"another request id", r, "metro", "6f1c2a0e-8d4b-4c1f-9a51-2f8e5d3b7c11", morning, false},
		{"another secret", newRetryCodes([]byte("0123456789abcdef0123456789abcdeF")), "metro", rid, morning, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := tc.codes.at(tc.agency, tc.id, tc.at)
			c, p := got.code, got.pin
			if (c == code) != tc.same || tc.same && p != pin {
				t.Fatalf("code %q, PIN %q against %q, %q: want the same: %v", c, p, code, pin, tc.same)
			}
		})
	}
}
