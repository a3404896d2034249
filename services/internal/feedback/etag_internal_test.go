package feedback

import (
	"errors"
	"testing"

	"github.com/engagehq/engage/services/internal/errs"
)

func TestCheckETag(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		tag  string
		want error
	}{
		{"empty matches anything", "", nil},
		{"as rendered", etagOf(7), nil},
		{"unquoted", "7", nil},
		{"weak", ` W/"7" `, nil},
		{"another revision", `"6"`, errETagMismatch},
		{"not a revision", "garbage", errs.InvalidArgument},
		{"too large", `"99999999999999999999"`, errs.InvalidArgument},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := checkETag("etag", tc.tag, 7)
			if (tc.want == nil) != (err == nil) || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Fatalf("checkETag(%q) = %v, want %v", tc.tag, err, tc.want)
			}
		})
	}
}
