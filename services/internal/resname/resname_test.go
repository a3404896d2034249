package resname

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSplit(t *testing.T) {
	t.Parallel()
	const pattern = "agencies/{agency}/partners/{partner}"
	tests := []struct {
		name    string
		in      string
		want    []string
		wantErr bool
	}{
		{"ok", "agencies/metro/partners/p-1", []string{"metro", "p-1"}, false},
		{"too short", "agencies/metro", nil, true},
		{"too long", "agencies/metro/partners/p/x", nil, true},
		{"wrong collection", "agencies/metro/forums/p", nil, true},
		{"bad id", "agencies/Metro/partners/p", nil, true},
		{"empty id", "agencies//partners/p", nil, true},
		{"long id", "agencies/" + string(make([]byte, 64)) + "/partners/p", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Split("name", tt.in, pattern)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Split(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Split(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}
