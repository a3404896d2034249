package feedback

import (
	"regexp"
	"testing"
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
