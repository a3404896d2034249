// Package requestid gives every gRPC call one correlation id, the
// `x-request-id` a caller sent when it is a sane token, else a fresh UUID;
// a method that promises anonymity always gets a fresh one (FreshFunc).
// The id travels in the context (FromContext), in the incoming metadata (so
// audit and any handler reading metadata see the same value), back to the
// caller as a response header, and on to other services through the client
// interceptors, so one request can be followed across every log.
package requestid

import (
	"context"

	"github.com/google/uuid"
)

// MetadataKey is the gRPC metadata key (and HTTP header) carrying the id.
const MetadataKey = "x-request-id"

// MaxLen is the longest id accepted from a caller. Longer values are replaced
// so that a caller cannot fill the logs through this header.
const MaxLen = 64

type ctxKey struct{}

// NewContext returns ctx carrying id.
func NewContext(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// FromContext returns the request id of the call ctx belongs to, or "" when
// ctx did not come through the server interceptor.
func FromContext(ctx context.Context) string {
	id, _ := ctx.Value(ctxKey{}).(string)
	return id
}

// New returns a fresh request id.
func New() string {
	return uuid.NewString()
}

// Valid reports whether id may be used as it is: 1 to MaxLen characters of
// [A-Za-z0-9-_.]. Anything else (spaces, quotes, control characters) could
// forge or break log lines, so it is replaced rather than escaped.
func Valid(id string) bool {
	if id == "" || len(id) > MaxLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9',
			c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}
