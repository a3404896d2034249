package audit

import (
	"context"
	"fmt"

	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Client records events by calling identity's AuditService. The connection
// behind it must carry the internal service credential
// (auth.ServiceCredentials), because AppendAuditEvents admits services only.
type Client struct {
	client identityv1.AuditServiceClient
}

var _ Recorder = (*Client)(nil)

// NewClient returns a Recorder that appends each event with one
// AppendAuditEvents call. Events are not batched: an audited call is
// acknowledged only after its event is durable in identity.
func NewClient(client identityv1.AuditServiceClient) *Client {
	return &Client{client: client}
}

// Record appends e to the chain identity derives from e.Resource.
func (c *Client) Record(ctx context.Context, e Event) error {
	req := &identityv1.AppendAuditEventsRequest{AuditEvents: []*identityv1.AuditEvent{ToProto(e)}}
	if _, err := c.client.AppendAuditEvents(ctx, req); err != nil {
		return fmt.Errorf("append audit event for %s: %w", e.Method, err)
	}
	return nil
}

// ToProto converts e to the contract's AuditEvent. The name, sequence and
// hashes are left for identity to assign, and Agency is not carried (see the
// package doc).
func ToProto(e Event) *identityv1.AuditEvent {
	return &identityv1.AuditEvent{
		Actor:         e.Actor,
		Method:        e.Method,
		Resource:      e.Resource,
		Outcome:       e.Outcome,
		EventTime:     timestamppb.New(e.Time),
		CorrelationId: e.CorrelationID,
		Service:       e.Service,
		Details:       e.Details,
	}
}
