package alerts

import (
	"context"
	"time"

	alertsv1 "github.com/engagehq/engage/api/gen/engage/alerts/v1"
	"github.com/engagehq/engage/services/internal/idempotent"
)

// Store keeps the alerts service's data: the alert messages, the stream
// log of what was sent, delivery counts, residents' subscriptions and
// request ids. Every write is durable when the method returns nil, and a
// method that returns an error has changed nothing. Errors wrap the errs
// sentinels named in each method's doc; anything else is a storage
// failure.
//
// Records are the generated messages. Names are full resource names
// (`agencies/{agency}/alerts/{alert}`); the handler sets every field a
// record stores, including names and times, and the store keeps them as
// given, except Etag, which the store replaces on every write with a new
// value (a quoted revision), and Alert.DeliveryCount, which is kept apart
// from the record (see AddDeliveries) and filled in on every read.
//
// Functions passed to Change and as mutate run inside a transaction,
// possibly more than once (a group commit may be retried), each time with
// fresh copies of the stored values. They must only read their arguments
// and change the values they are given; when one returns an error,
// nothing is stored and the method returns that error unchanged.
//
// List methods return at most Page.Size records after Page.After, and the
// cursor of the next page: nil when the list is exhausted.
type Store interface {
	// Change runs fn in one write transaction and returns what fn
	// returns. With a Retry whose id the caller used before, fn does not
	// run: Change returns the alert the first call returned, as it now is,
	// or ErrRetryReused when that call's fingerprint differs.
	Change(ctx context.Context, retry Retry, fn func(tx Tx) (*alertsv1.Alert, error)) (*alertsv1.Alert, error)
	// Alert returns an alert, or errs.NotFound.
	Alert(ctx context.Context, name string) (*alertsv1.Alert, error)
	// ListAlerts lists an agency's alerts newest first (by create time,
	// then name), skipping those keep refuses.
	ListAlerts(ctx context.Context, agency string, page Page, keep func(*alertsv1.Alert) bool) ([]*alertsv1.Alert, []byte, error)
	// ActiveAlerts returns the agency's PUBLISHED alerts whose latest
	// expire time is after t, newest first. It reads an index, not every
	// alert the agency ever sent.
	ActiveAlerts(ctx context.Context, agency string, t time.Time) ([]*alertsv1.Alert, error)

	// Events returns at most limit events with a sequence number above
	// after, in order: every agency's when agency is empty, else the
	// agency's (`agencies/{agency}`).
	Events(ctx context.Context, agency string, after uint64, limit int) ([]Event, error)
	// LastEvent returns the sequence number of the newest event, 0 when
	// there is none.
	LastEvent(ctx context.Context) (uint64, error)
	// AddDeliveries adds to the delivery counts of alerts (by name);
	// names that do not exist are skipped.
	AddDeliveries(ctx context.Context, counts map[string]int64) error

	// CreateSubscription stores a new subscription owned by owner (a
	// principal name): errs.FailedPrecondition when owner already has max
	// subscriptions in the agency. A retry returns what its first call
	// created, or ErrRetryReused.
	CreateSubscription(ctx context.Context, sub *alertsv1.Subscription, owner string, max int, retry Retry) (*alertsv1.Subscription, error)
	// Subscription returns a subscription and its owner, or errs.NotFound.
	Subscription(ctx context.Context, name string) (*alertsv1.Subscription, string, error)
	// ListSubscriptions lists owner's subscriptions in an agency, oldest
	// first.
	ListSubscriptions(ctx context.Context, agency, owner string, page Page) ([]*alertsv1.Subscription, []byte, error)
	// UpdateSubscription changes a subscription with mutate, which is also
	// given its owner; errs.NotFound when it does not exist.
	UpdateSubscription(ctx context.Context, name string, mutate func(sub *alertsv1.Subscription, owner string) error) (*alertsv1.Subscription, error)
	// DeleteSubscription deletes a subscription if check, given it and its
	// owner, returns nil; errs.NotFound when it does not exist.
	DeleteSubscription(ctx context.Context, name string, check func(sub *alertsv1.Subscription, owner string) error) error

	// PurgeRequests forgets the request ids remembered before the time
	// given and returns how many.
	PurgeRequests(ctx context.Context, before time.Time) (int, error)
}

// Tx is a write transaction of Store.Change.
type Tx interface {
	// Alert returns a copy of an alert, or errs.NotFound.
	Alert(name string) (*alertsv1.Alert, error)
	// AlertByMessageID returns the alert of an agency (`agencies/{agency}`)
	// whose CAP identifier is id, or errs.NotFound.
	AlertByMessageID(agency, id string) (*alertsv1.Alert, error)
	// Put stores an alert, new or changed, and sets its Etag;
	// errs.AlreadyExists when it is new and its message id is taken in the
	// agency.
	Put(a *alertsv1.Alert) error
	// Delete removes an alert for good.
	Delete(name string) error
	// Send appends an event to the stream log with a copy of a as it was
	// last Put, and returns the event's sequence number.
	Send(t alertsv1.StreamAlertsResponse_EventType, a *alertsv1.Alert) (uint64, error)
}

// Event is one entry of the stream log: a message as it was sent.
type Event struct {
	// Seq orders the log; it is the stream cursor.
	Seq uint64
	// Type is what happened.
	Type alertsv1.StreamAlertsResponse_EventType
	// Alert is the message as sent (its agency is in its name).
	Alert *alertsv1.Alert
}

// Retry identifies an idempotent request (see package idempotent).
type Retry = idempotent.Request

// Page selects a page of a list: at most Size records after the cursor
// After (nil for the first page).
type Page struct {
	Size  int
	After []byte
}

// ErrRetryReused is a request id used again for a different request.
var ErrRetryReused = idempotent.ErrReused
