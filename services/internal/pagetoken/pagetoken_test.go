package pagetoken_test

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/pagetoken"
)

const scope = "agencies/a1/forums/f1|state=OPEN|create_time desc"

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		scope string
		after []byte
	}{
		{"resource key", scope, []byte("0190f5c2-7a1b-7cde-8f00-123456789abc")},
		{"binary key", scope, []byte{0, 0xff, 0, 1}},
		{"empty scope", "", []byte("k")},
		{"empty key", scope, []byte{}},
		{"unicode scope", "agencies/ä/😀", []byte("k")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			token := pagetoken.Encode(tt.scope, tt.after)
			if strings.Trim(token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
				t.Errorf("token %q is not unpadded base64url", token)
			}
			got, err := pagetoken.Decode(token, tt.scope)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if diff := cmp.Diff(tt.after, got); diff != "" {
				t.Errorf("Decode mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeEmptyTokenIsFirstPage(t *testing.T) {
	t.Parallel()
	got, err := pagetoken.Decode("", scope)
	if err != nil || got != nil {
		t.Errorf(`Decode("") = %q, %v; want nil, nil`, got, err)
	}
}

func TestDecodeRejects(t *testing.T) {
	t.Parallel()
	good := pagetoken.Encode(scope, []byte("posts/0190f5c2"))
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	tests := []struct {
		name  string
		token string
		scope string
	}{
		{"other query", good, scope + "x"},
		{"other parent", good, strings.Replace(scope, "f1", "f2", 1)},
		{"truncated", good[:len(good)-3], scope},
		{"one character", good[:1], scope},
		{"extended", good + "AA", scope},
		{"tampered key", flip(good, 3), scope},
		{"tampered checksum", flip(good, len(good)-2), scope},
		{"not base64", "!!!not a token!!!", scope},
		{"padding", good + "=", scope},
		{"standard base64 alphabet", "ab+/", scope},
		{"embedded newline", good[:4] + "\n" + good[4:], scope},
		{"too short for a checksum", "AQ", scope},
		{"unknown version", strings.Replace(pagetoken.Encode(scope, []byte("k")), "A", "B", 1), scope},
		{"huge", strings.Repeat("A", 1<<20), scope},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := pagetoken.Decode(tt.token, tt.scope)
			if err == nil {
				t.Fatalf("Decode() = %q, nil; want an error", got)
			}
			checkFieldError(t, err)
		})
	}
}

// checkFieldError asserts err becomes INVALID_ARGUMENT naming page_token.
func checkFieldError(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, errs.InvalidArgument) {
		t.Errorf("error %v does not wrap errs.InvalidArgument", err)
	}
	var br *errs.BadRequestError
	if !errors.As(err, &br) || len(br.Violations) != 1 || br.Violations[0].Field != "page_token" {
		t.Errorf("error %v does not name the field page_token", err)
	}
}

func TestSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		requested int32
		want      int
	}{
		{"unset gets the default", 0, 50},
		{"negative gets the default", -1, 50},
		{"within range", 7, 7},
		{"at the maximum", 1000, 1000},
		{"above the maximum", 1001, 1000},
		{"int32 max", math.MaxInt32, 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := pagetoken.Size(tt.requested, 50, 1000); got != tt.want {
				t.Errorf("Size(%d, 50, 1000) = %d, want %d", tt.requested, got, tt.want)
			}
		})
	}
}

// FuzzDecode checks that Decode never panics, that every error it returns
// names page_token, and that whatever it accepts is exactly what Encode
// would produce, so no second spelling of a token exists.
func FuzzDecode(f *testing.F) {
	f.Add(pagetoken.Encode(scope, []byte("posts/1")), scope)
	f.Add(pagetoken.Encode("", nil), "")
	f.Add("", scope)
	f.Add("AQ", scope)
	f.Add("AQAAAAAAAAAA", "")
	f.Add("////", "x")
	f.Fuzz(func(t *testing.T, token, scope string) {
		after, err := pagetoken.Decode(token, scope)
		if err != nil {
			checkFieldError(t, err)
			return
		}
		if token == "" {
			return
		}
		if again := pagetoken.Encode(scope, after); again != token {
			t.Errorf("Decode accepted %q, which Encode spells %q", token, again)
		}
	})
}

// FuzzRoundTrip checks that every key survives a round trip and that the
// token is refused under any other scope.
func FuzzRoundTrip(f *testing.F) {
	f.Add(scope, []byte("posts/1"), "other")
	f.Add("", []byte{}, "a")
	f.Fuzz(func(t *testing.T, scope string, after []byte, other string) {
		token := pagetoken.Encode(scope, after)
		got, err := pagetoken.Decode(token, scope)
		if err != nil {
			if len(token) > 2048 {
				return // longer than Decode accepts; keys are never this long
			}
			t.Fatalf("Decode(Encode(%q, %x)): %v", scope, after, err)
		}
		if !bytes.Equal(got, after) {
			t.Errorf("round trip of %x gave %x", after, got)
		}
		if other != scope {
			if _, err := pagetoken.Decode(token, other); err == nil {
				t.Errorf("token for scope %q accepted for scope %q", scope, other)
			}
		}
	})
}
