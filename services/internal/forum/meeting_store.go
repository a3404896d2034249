package forum

import (
	"context"
	"time"

	"github.com/engagehq/engage/services/internal/errs"
)

// Meeting is a town-hall meeting as the Store keeps it.
type Meeting struct {
	// Agency and ID make the name `agencies/{agency}/meetings/{id}`.
	Agency      string
	ID          string
	Title       string
	Description string
	StartTime   time.Time
	EndTime     time.Time
	Location    string
	OnlineURI   string
	Agenda      []string
	// Capacity is how many may register; 0 means no limit.
	Capacity int32
	// Forum is the name of the forum that holds the question thread.
	Forum string
	// QuestionThread is the name of the QUESTION thread opened with the
	// meeting.
	QuestionThread string
	// RegisteredCount is how many accounts are registered; the store keeps
	// it in step with the registrations.
	RegisteredCount int64
	// Creator is the account that scheduled the meeting.
	Creator    string
	CreateTime time.Time
	UpdateTime time.Time
	// DeleteTime is when the meeting was cancelled; zero while it is not.
	DeleteTime time.Time
	// Revision starts at 1 and grows by one with every update; the etag is
	// rendered from it. Registrations do not change it, so that a moderator
	// editing a popular meeting is not refused for every new registration.
	Revision int64
}

// Name returns the meeting's resource name.
func (m Meeting) Name() string {
	return "agencies/" + m.Agency + "/meetings/" + m.ID
}

// Deleted reports whether the meeting was cancelled.
func (m Meeting) Deleted() bool { return !m.DeleteTime.IsZero() }

// MeetingRegistration is one account's registration for a meeting. Nothing
// else about the person is kept.
type MeetingRegistration struct {
	// Account is the registered account, `accounts/{account}`.
	Account    string
	CreateTime time.Time
}

// MeetingQuery selects the meetings ListMeetings returns.
type MeetingQuery struct {
	// StartFrom keeps only meetings that start at or after it; zero keeps
	// all. It bounds the scan: a listing of upcoming meetings starts at now
	// minus the longest meeting, not at the agency's first meeting.
	StartFrom time.Time
	// EndAfter keeps only meetings that end after it; zero keeps all.
	EndAfter time.Time
}

// Errors of meeting registration, returned by the Store and passed on to
// the caller as FAILED_PRECONDITION with their reasons.
var (
	ErrMeetingFull = errs.WithReason(errs.Public(errs.FailedPrecondition, "the meeting is full"), "MEETING_FULL")
	ErrMeetingOver = errs.WithReason(errs.Public(errs.FailedPrecondition, "the meeting is over"), "MEETING_OVER")
)

// MeetingStore keeps town-hall meetings and their registrations; it is part
// of Store. Every write is durable when the method returns nil, and a
// method that returns an error has changed nothing. Methods that take a
// function call it inside the write transaction, possibly more than once,
// each time with a fresh copy of the stored meeting; when it returns an
// error, nothing is stored and the method returns that error unchanged.
//
// A deleted meeting is kept, with its registrations, until PurgeMeetings:
// Meeting still returns it (Deleted is true), every other method treats it
// Describe brings a meeting's question thread in line with the meeting as
// it is being stored, inside the same write transaction, so that the
// thread never describes an older state of the meeting. It may change only
// the thread's Title, Body, Locked and UpdateTime, and reports whether it
// changed anything; the store then writes the thread with a new Revision.
// A question thread that is gone is left alone.
type Describe func(m Meeting, t *Thread) bool

// as missing (errs.NotFound).
type MeetingStore interface {
	// CreateMeeting stores a new meeting with Revision 1 and no
	// registrations: errs.AlreadyExists when its id is taken in its agency.
	// A request already used returns the meeting created with it (m is
	// ignored), or ErrRequestReused when it created something else;
	// RequestedName finds it too.
	CreateMeeting(ctx context.Context, m Meeting, req Request) (Meeting, error)
	// Meeting returns a meeting, deleted or not, or errs.NotFound.
	Meeting(ctx context.Context, agency, id string) (Meeting, error)
	// ListMeetings lists the meetings of agency that are not deleted and
	// match q, by start time, then id, as the Store's other lists page.
	ListMeetings(ctx context.Context, agency string, q MeetingQuery, page Page) ([]Meeting, []byte, error)
	// UpdateMeeting changes a meeting with mutate and then increments its
	// Revision; errs.NotFound when it does not exist or is deleted. mutate
	// may change only Title, Description, StartTime, EndTime, Location,
	// OnlineURI, Agenda, Capacity and UpdateTime; the store keeps the rest.
	// describe, when not nil, then rewrites the meeting's question thread
	// in the same transaction (see Describe).
	UpdateMeeting(ctx context.Context, agency, id string, mutate func(*Meeting) error, describe Describe) (Meeting, error)
	// DeleteMeeting marks a meeting deleted at at, once check (which may be
	// nil) accepts it; errs.NotFound when it does not exist or is already
	// deleted. describe, when not nil, then rewrites the question thread in
	// the same transaction.
	DeleteMeeting(ctx context.Context, agency, id string, at time.Time, check func(Meeting) error, describe Describe) error
	// RegisterMeeting registers r.Account for a meeting and returns the
	// meeting with its new count. Registering again changes nothing and
	// succeeds, even when the meeting has filled up or ended since. Else
	// it returns ErrMeetingOver when r.CreateTime is not before the end,
	// and ErrMeetingFull when Capacity is set and reached, checked in the
	// same transaction as the write, so that concurrent registrations never
	// exceed it; errs.NotFound when the meeting does not exist or is
	// deleted.
	RegisterMeeting(ctx context.Context, agency, id string, r MeetingRegistration) (Meeting, error)
	// UnregisterMeeting withdraws account's registration and returns the
	// meeting with its new count; without a registration it changes
	// nothing and succeeds. errs.NotFound when the meeting does not exist
	// or is deleted.
	UnregisterMeeting(ctx context.Context, agency, id, account string) (Meeting, error)
	// RegisteredMeetings returns which of the meetings ids of agency
	// account is registered for; absent ids are not.
	RegisteredMeetings(ctx context.Context, agency, account string, ids []string) (map[string]bool, error)
	// PurgeMeetings removes for good the meetings deleted before the given
	// time, with their registrations, in bounded transactions, and returns
	// how many it removed. Purge leaves meetings to it.
	PurgeMeetings(ctx context.Context, before time.Time) (int, error)
}
