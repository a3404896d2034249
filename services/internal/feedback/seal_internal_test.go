package feedback

import (
	"bytes"
	"errors"
	"testing"
)

func TestSeal(t *testing.T) {
	t.Parallel()
	sealed := seal("feedback", "req-1", []byte("7QK2M9X4C8V6B1N5Z0P2\x0012345678"))
	tests := []struct {
		name      string
		purpose   string
		requestID string
		sealed    []byte
		wantErr   bool
	}{
		{"same purpose and request id", "feedback", "req-1", sealed, false},
		{"another request id", "feedback", "req-2", sealed, true},
		{"another purpose", "contact", "req-1", sealed, true},
		{"shorter than a nonce", "feedback", "req-1", sealed[:5], true},
		{"tampered", "feedback", "req-1", append(bytes.Clone(sealed[:len(sealed)-1]), sealed[len(sealed)-1]^1), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			plain, err := unseal(tc.purpose, tc.requestID, tc.sealed)
			if tc.wantErr {
				if !errors.Is(err, errUnseal) {
					t.Fatalf("unseal = %q, %v; want errUnseal", plain, err)
				}
				return
			}
			if err != nil || string(plain) != "7QK2M9X4C8V6B1N5Z0P2\x0012345678" {
				t.Fatalf("unseal = %q, %v", plain, err)
			}
		})
	}
}
