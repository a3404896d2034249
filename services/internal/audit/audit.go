// Package audit describes what the platform remembers about staff and
// partner actions: the Event every service records and the Recorder that
// appends it to identity's hash-chained audit log (PRODUCT.md §2).
//
// Services never decide which chain an event lands in. Identity derives the
// chain from the event's Resource with access.Agency: a resource under
// `agencies/{agency}` goes to that agency's chain, anything else (an empty
// resource, `accounts/…`) to the platform chain, listed as `agencies/-`.
// Event.Agency is therefore informative only (logs, tests); it is not sent.
package audit

import (
	"context"
	"time"

	"google.golang.org/grpc/metadata"
)

// Event is one audited action: who did what to which resource, when, and
// how it ended.
type Event struct {
	// Agency is the agency id the resource belongs to, "" for platform
	// resources. Informative only: identity derives the chain from Resource.
	Agency string
	// Actor is the caller's resource name (`accounts/{id}`,
	// `agencies/{a}/partners/{p}`, `services/{name}`) or "anonymous".
	Actor string
	// Method is the full gRPC method, e.g.
	// `/engage.identity.v1.AgencyService/CreateRoleBinding`.
	Method string
	// Resource is the resource acted on; empty when the call named none.
	Resource string
	// Outcome is the canonical gRPC status code name: OK,
	// PERMISSION_DENIED, NOT_FOUND, …
	Outcome string
	// Time is when the call finished.
	Time time.Time
	// CorrelationID is the request id of the call, tying the event to logs.
	CorrelationID string
	// Service is the name of the service that recorded the event.
	Service string
	// Details says what was decided, when one method makes several
	// decisions: the request fields the method's access policy lists in
	// audit_fields, by field path (`action` → `MODERATION_ACTION_HIDE`).
	// Only enums, booleans, short identifiers and field masks: never free
	// text, secrets or personal data. nil for most events.
	Details map[string]string
}

// Recorder appends audit events. Record returns only once the event is
// durable, so a caller that sees nil may rely on the event being kept.
type Recorder interface {
	Record(ctx context.Context, e Event) error
}

// RequestIDKey is the incoming metadata key carrying the request id that
// the gRPC server bootstrap assigns to every call.
const RequestIDKey = "x-request-id"

// CorrelationID returns the request id of the call ctx belongs to, read
// from the incoming metadata, or "" when there is none. It depends on
// nothing but gRPC metadata, so any layer can use it.
func CorrelationID(ctx context.Context) string {
	md, ok := metadata.FromIncomingContext(ctx)
	if !ok {
		return ""
	}
	if v := md.Get(RequestIDKey); len(v) > 0 {
		return v[0]
	}
	return ""
}
