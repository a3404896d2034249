// Package pagetoken makes the opaque page tokens of AIP-158 pagination.
//
// A token carries the key after which the next page starts, bound to the
// query that produced it. Its bytes are
//
//	version (1 byte) | after | checksum (8 bytes)
//
// in unpadded base64url, where checksum is the first 8 bytes of SHA-256
// over a domain string, the scope and the rest of the token. The scope is
// whatever must stay the same between pages, typically parent, filter and
// order_by (page_size may change, as AIP-158 allows). A token used with
// another scope, truncated, edited or made up fails Decode with an
// INVALID_ARGUMENT naming page_token, never a panic or a server error.
//
// The checksum detects mistakes and tampering by clients that do not know
// the format; it is not a signature, and the token is not encrypted. A
// forged token can only move the start of a listing the caller is already
// allowed to run, so after must hold nothing the caller may not see: a
// resource key, not a secret.
package pagetoken

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"strings"

	"github.com/engagehq/engage/services/internal/errs"
)

const (
	// version is the first byte of every token; a new layout gets a new one.
	version byte = 1
	// sumLen is the length of the truncated checksum.
	sumLen = 8
	// maxLen bounds the work Decode does on hostile input; keys are short.
	maxLen = 2048
	// field is the request field that errors name.
	field = "page_token"
)

// alphabet is unpadded base64url. Decode accepts nothing else, not even the
// newlines the standard decoder skips, so every valid token has exactly one
// spelling.
const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

var encoding = base64.RawURLEncoding.Strict()

// Encode returns the token for the page that starts after the key after, in
// the query identified by scope.
func Encode(scope string, after []byte) string {
	raw := make([]byte, 0, 1+len(after)+sumLen)
	raw = append(raw, version)
	raw = append(raw, after...)
	raw = append(raw, checksum(scope, raw)...)
	return encoding.EncodeToString(raw)
}

// Decode returns the key after which the page of token starts. An empty
// token is the first page and yields nil. A token that was not made by
// Encode with the same scope yields an error wrapping errs.InvalidArgument
// for the field page_token.
func Decode(token, scope string) ([]byte, error) {
	if token == "" {
		return nil, nil
	}
	if len(token) > maxLen || !onlyAlphabet(token) {
		return nil, errs.Field(field, "is malformed; repeat the request without page_token to start over")
	}
	raw, err := encoding.DecodeString(token)
	if err != nil || len(raw) < 1+sumLen {
		return nil, errs.Field(field, "is malformed; repeat the request without page_token to start over")
	}
	if raw[0] != version {
		return nil, errs.Field(field, "comes from an incompatible server version; repeat the request without page_token to start over")
	}
	payload, sum := raw[:len(raw)-sumLen], raw[len(raw)-sumLen:]
	if subtle.ConstantTimeCompare(sum, checksum(scope, payload)) != 1 {
		return nil, errs.Field(field, "does not belong to this query (parent, filter and order_by must not change between pages) or is damaged")
	}
	return payload[1:], nil
}

// Size returns the page size to use for a request's page_size: def when it
// is unset (0), max when it asks for more. Validation rejects negative
// sizes before this; they get def as well.
func Size(requested int32, def, max int) int {
	switch {
	case requested <= 0:
		return def
	case int64(requested) > int64(max):
		return max
	default:
		return int(requested)
	}
}

// checksum binds payload to scope. The scope's length comes first so that
// no two (scope, payload) pairs hash the same bytes.
func checksum(scope string, payload []byte) []byte {
	h := sha256.New()
	h.Write([]byte("engage.pagetoken\x00"))
	h.Write(binary.AppendUvarint(nil, uint64(len(scope))))
	h.Write([]byte(scope))
	h.Write(payload)
	return h.Sum(nil)[:sumLen]
}

func onlyAlphabet(s string) bool {
	for i := range len(s) {
		if strings.IndexByte(alphabet, s[i]) < 0 {
			return false
		}
	}
	return true
}
