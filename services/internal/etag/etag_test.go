package etag

import (
	"errors"
	"testing"

	"github.com/engagehq/engage/services/internal/errs"
)

func TestCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		tag     string
		rev     int64
		wantErr error
	}{
		{"empty accepts", "", 3, nil},
		{"quoted", `"3"`, 3, nil},
		{"bare", "3", 3, nil},
		{"weak", `W/"3"`, 3, nil},
		{"stale", `"2"`, 3, ErrMismatch},
		{"garbage", "abc", 3, errs.InvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := Check("etag", tt.tag, tt.rev)
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("Check(%q, %d) = %v, want %v", tt.tag, tt.rev, err, tt.wantErr)
			}
		})
	}
	if got := Format(7); got != `"7"` {
		t.Errorf("Format(7) = %s", got)
	}
	if err := CheckCurrent("etag", `"7"`, Format(7)); err != nil {
		t.Errorf("CheckCurrent same = %v", err)
	}
}
