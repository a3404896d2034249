package boltstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/engagehq/engage/services/internal/boltdb"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/forum"
	"go.etcd.io/bbolt"
)

// Buckets of town-hall meetings:
//
//	meetings/               {agency}␀{meeting} → meeting
//	meetings_by_start/      {agency}␀{start, 8 bytes}{meeting} → ""   (not deleted)
//	meeting_registrations/  {agency}␀{meeting}␀{account} → registration
//	meetings_deleted/       {delete time, 8 bytes}{agency}␀{meeting} → ""
//
// A meeting's record carries its registration count, updated in the same
// transaction as the registrations, so that the capacity check and the
// count can never disagree. The request ids of CreateMeeting live in the
// forum's requests bucket with everyone else's.
var (
	bucketMeetings             = []byte("meetings")
	bucketMeetingsByStart      = []byte("meetings_by_start")
	bucketMeetingRegistrations = []byte("meeting_registrations")
	bucketMeetingsDeleted      = []byte("meetings_deleted")
)

// createMeetingBuckets is migration 2.
func createMeetingBuckets(tx *bbolt.Tx) error {
	return boltdb.CreateBuckets(tx,
		bucketMeetings, bucketMeetingsByStart, bucketMeetingRegistrations, bucketMeetingsDeleted)
}

// meetingPurgeBatch bounds the keys one purge transaction deletes.
const meetingPurgeBatch = 1000

type meetingRecord struct {
	Agency          string    `json:"agency"`
	ID              string    `json:"id"`
	Title           string    `json:"title"`
	Description     string    `json:"description,omitempty"`
	StartTime       time.Time `json:"start_time"`
	EndTime         time.Time `json:"end_time"`
	Location        string    `json:"location,omitempty"`
	OnlineURI       string    `json:"online_uri,omitempty"`
	Agenda          []string  `json:"agenda,omitempty"`
	Capacity        int32     `json:"capacity,omitempty"`
	Forum           string    `json:"forum"`
	QuestionThread  string    `json:"question_thread,omitempty"`
	RegisteredCount int64     `json:"registered_count,omitempty"`
	Creator         string    `json:"creator,omitempty"`
	CreateTime      time.Time `json:"create_time"`
	UpdateTime      time.Time `json:"update_time,omitzero"`
	DeleteTime      time.Time `json:"delete_time,omitzero"`
	Revision        int64     `json:"revision"`
}

func toMeetingRecord(m forum.Meeting) meetingRecord {
	return meetingRecord{
		Agency: m.Agency, ID: m.ID, Title: m.Title, Description: m.Description,
		StartTime: m.StartTime, EndTime: m.EndTime, Location: m.Location, OnlineURI: m.OnlineURI,
		Agenda: slices.Clone(m.Agenda), Capacity: m.Capacity, Forum: m.Forum, QuestionThread: m.QuestionThread,
		RegisteredCount: m.RegisteredCount, Creator: m.Creator,
		CreateTime: m.CreateTime, UpdateTime: m.UpdateTime, DeleteTime: m.DeleteTime, Revision: m.Revision,
	}
}

func (r meetingRecord) domain() forum.Meeting {
	return forum.Meeting{
		Agency: r.Agency, ID: r.ID, Title: r.Title, Description: r.Description,
		StartTime: r.StartTime, EndTime: r.EndTime, Location: r.Location, OnlineURI: r.OnlineURI,
		Agenda: r.Agenda, Capacity: r.Capacity, Forum: r.Forum, QuestionThread: r.QuestionThread,
		RegisteredCount: r.RegisteredCount, Creator: r.Creator,
		CreateTime: r.CreateTime, UpdateTime: r.UpdateTime, DeleteTime: r.DeleteTime, Revision: r.Revision,
	}
}

// registrationRecord is all that is kept of a registration.
type registrationRecord struct {
	Account    string    `json:"account"`
	CreateTime time.Time `json:"create_time"`
}

func meetingKey(agency, id string) []byte { return boltdb.Join(agency, id) }

// meetingStartKey is a meeting's key in meetings_by_start.
func meetingStartKey(m forum.Meeting) []byte {
	return append(boltdb.Below([]byte(m.Agency)), meetingStartSuffix(m.StartTime, m.ID)...)
}

func meetingStartSuffix(start time.Time, id string) []byte {
	return append(u64(nil, nanos(start)), id...)
}

func registrationKey(agency, id, account string) []byte { return boltdb.Join(agency, id, account) }

// getMeeting returns a meeting, deleted or not, or errs.NotFound.
func getMeeting(tx *bbolt.Tx, agency, id string) (forum.Meeting, error) {
	var r meetingRecord
	ok, err := getRecord(tx.Bucket(bucketMeetings), meetingKey(agency, id), &r)
	if err != nil {
		return forum.Meeting{}, err
	}
	if !ok {
		return forum.Meeting{}, fmt.Errorf("meeting %s/%s: %w", agency, id, errs.NotFound)
	}
	return r.domain(), nil
}

// loadMeeting returns a meeting that is not deleted, or errs.NotFound.
func loadMeeting(tx *bbolt.Tx, agency, id string) (forum.Meeting, error) {
	m, err := getMeeting(tx, agency, id)
	if err != nil {
		return forum.Meeting{}, err
	}
	if m.Deleted() {
		return forum.Meeting{}, fmt.Errorf("meeting %s: %w", m.Name(), errs.NotFound)
	}
	return m, nil
}

func putMeeting(tx *bbolt.Tx, m forum.Meeting) error {
	return putRecord(tx.Bucket(bucketMeetings), meetingKey(m.Agency, m.ID), toMeetingRecord(m))
}

// CreateMeeting implements forum.Store.
func (s *Store) CreateMeeting(ctx context.Context, m forum.Meeting, req forum.Request) (forum.Meeting, error) {
	var out forum.Meeting
	err := s.db.Update(ctx, func(tx *bbolt.Tx) error {
		out = forum.Meeting{}
		name, err := s.requested(tx, req)
		if err != nil {
			return err
		}
		if name != "" {
			agency, id, ok := parseMeetingName(name)
			if !ok || agency != m.Agency {
				return fmt.Errorf("create meeting: %w", forum.ErrRequestReused)
			}
			out, err = getMeeting(tx, agency, id)
			return err
		}
		if m.Agency == "" || m.ID == "" {
			return fmt.Errorf("create meeting: agency and id are required: %w", errs.InvalidArgument)
		}
		if tx.Bucket(bucketMeetings).Get(meetingKey(m.Agency, m.ID)) != nil {
			return fmt.Errorf("meeting %s: %w", m.Name(), errs.AlreadyExists)
		}
		m.Revision, m.RegisteredCount, m.DeleteTime = 1, 0, time.Time{}
		if err := putMeeting(tx, m); err != nil {
			return err
		}
		if err := tx.Bucket(bucketMeetingsByStart).Put(meetingStartKey(m), nil); err != nil {
			return err
		}
		if err := s.remember(tx, req, m.Name()); err != nil {
			return err
		}
		out = m
		return nil
	})
	if err != nil {
		return forum.Meeting{}, err
	}
	return out, nil
}

// parseMeetingName splits `agencies/{agency}/meetings/{meeting}`.
func parseMeetingName(name string) (agency, id string, ok bool) {
	parts := bytes.Split([]byte(name), []byte("/"))
	if len(parts) != 4 || string(parts[0]) != "agencies" || string(parts[2]) != "meetings" ||
		len(parts[1]) == 0 || len(parts[3]) == 0 {
		return "", "", false
	}
	return string(parts[1]), string(parts[3]), true
}

// Meeting implements forum.Store.
func (s *Store) Meeting(_ context.Context, agency, id string) (forum.Meeting, error) {
	var m forum.Meeting
	err := s.db.View(func(tx *bbolt.Tx) error {
		var err error
		m, err = getMeeting(tx, agency, id)
		return err
	})
	return m, err
}

// ListMeetings implements forum.Store. It walks meetings_by_start from
// q.StartFrom (or the page's cursor, whichever is later), so a listing of
// upcoming meetings never reads the agency's history.
func (s *Store) ListMeetings(_ context.Context, agency string, q forum.MeetingQuery, page forum.Page) ([]forum.Meeting, []byte, error) {
	if !q.StartFrom.IsZero() {
		from := u64(nil, nanos(q.StartFrom))
		// No key suffix is exactly 8 bytes long, so seeking "after" from
		// lands on the first meeting that starts at q.StartFrom or later.
		if page.After == nil || bytes.Compare(page.After, from) < 0 {
			page.After = from
		}
	}
	var out []forum.Meeting
	var next []byte
	err := s.db.View(func(tx *bbolt.Tx) error {
		out = nil
		meetings := tx.Bucket(bucketMeetings)
		var err error
		next, err = scan(tx.Bucket(bucketMeetingsByStart), boltdb.Below([]byte(agency)), page, func(suffix, _ []byte) (bool, error) {
			if len(suffix) <= 8 {
				return false, nil
			}
			var r meetingRecord
			ok, err := getRecord(meetings, meetingKey(agency, string(suffix[8:])), &r)
			if err != nil || !ok || !r.DeleteTime.IsZero() {
				return false, err
			}
			if !q.EndAfter.IsZero() && !r.EndTime.After(q.EndAfter) {
				return false, nil
			}
			out = append(out, r.domain())
			return true, nil
		})
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return out, next, nil
}

// UpdateMeeting implements forum.Store.
func (s *Store) UpdateMeeting(ctx context.Context, agency, id string, mutate func(*forum.Meeting) error, describe forum.Describe) (forum.Meeting, error) {
	var out forum.Meeting
	err := s.db.Update(ctx, func(tx *bbolt.Tx) error {
		out = forum.Meeting{}
		m, err := loadMeeting(tx, agency, id)
		if err != nil {
			return err
		}
		before := m
		m.Agenda = slices.Clone(m.Agenda)
		if err := mutate(&m); err != nil {
			return err
		}
		if m.Agency != before.Agency || m.ID != before.ID || m.Forum != before.Forum ||
			m.QuestionThread != before.QuestionThread || m.RegisteredCount != before.RegisteredCount ||
			m.Creator != before.Creator || !m.CreateTime.Equal(before.CreateTime) ||
			!m.DeleteTime.Equal(before.DeleteTime) || m.Revision != before.Revision {
			return fmt.Errorf("update meeting %s: %w", before.Name(), errImmutable)
		}
		m.Revision++
		if !m.StartTime.Equal(before.StartTime) {
			starts := tx.Bucket(bucketMeetingsByStart)
			if err := starts.Delete(meetingStartKey(before)); err != nil {
				return err
			}
			if err := starts.Put(meetingStartKey(m), nil); err != nil {
				return err
			}
		}
		out = m
		if err := putMeeting(tx, m); err != nil {
			return err
		}
		return describeThread(tx, m, describe)
	})
	if err != nil {
		return forum.Meeting{}, err
	}
	return out, nil
}

// DeleteMeeting implements forum.Store.
func (s *Store) DeleteMeeting(ctx context.Context, agency, id string, at time.Time, check func(forum.Meeting) error, describe forum.Describe) error {
	return s.db.Update(ctx, func(tx *bbolt.Tx) error {
		m, err := loadMeeting(tx, agency, id)
		if err != nil {
			return err
		}
		if check != nil {
			if err := check(m); err != nil {
				return err
			}
		}
		if err := tx.Bucket(bucketMeetingsByStart).Delete(meetingStartKey(m)); err != nil {
			return err
		}
		m.DeleteTime = at
		if err := putMeeting(tx, m); err != nil {
			return err
		}
		if err := tx.Bucket(bucketMeetingsDeleted).Put(append(u64(nil, nanos(at)), meetingKey(agency, id)...), nil); err != nil {
			return err
		}
		return describeThread(tx, m, describe)
	})
}

// describeThread rewrites m's question thread with describe, when there
// is one and the thread is still there.
func describeThread(tx *bbolt.Tx, m forum.Meeting, describe forum.Describe) error {
	if describe == nil {
		return nil
	}
	target, err := forum.ParseTarget(m.QuestionThread)
	if err != nil || target.IsPost() {
		return nil
	}
	c, err := loadThread(tx, target.ThreadKey)
	if errors.Is(err, errs.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	before, t := c.Thread, c.Thread
	if !describe(m, &t) {
		return nil
	}
	t.Revision++
	if err := reindexThread(tx, &before, &t); err != nil {
		return err
	}
	return putThread(tx, t)
}

// RegisterMeeting implements forum.Store. The capacity is checked against
// the count in the record read by this same write transaction, and write
// transactions run one at a time, so no two registrations can both take
// the last seat.
func (s *Store) RegisterMeeting(ctx context.Context, agency, id string, r forum.MeetingRegistration) (forum.Meeting, error) {
	var out forum.Meeting
	err := s.db.Update(ctx, func(tx *bbolt.Tx) error {
		out = forum.Meeting{}
		m, err := loadMeeting(tx, agency, id)
		if err != nil {
			return err
		}
		regs := tx.Bucket(bucketMeetingRegistrations)
		k := registrationKey(agency, id, r.Account)
		if regs.Get(k) != nil {
			out = m
			return nil
		}
		if !r.CreateTime.Before(m.EndTime) {
			return fmt.Errorf("register for %s: %w", m.Name(), forum.ErrMeetingOver)
		}
		if m.Capacity > 0 && m.RegisteredCount >= int64(m.Capacity) {
			return fmt.Errorf("register for %s: %w", m.Name(), forum.ErrMeetingFull)
		}
		if err := putRecord(regs, k, registrationRecord{Account: r.Account, CreateTime: r.CreateTime}); err != nil {
			return err
		}
		m.RegisteredCount++
		out = m
		return putMeeting(tx, m)
	})
	if err != nil {
		return forum.Meeting{}, err
	}
	return out, nil
}

// UnregisterMeeting implements forum.Store.
func (s *Store) UnregisterMeeting(ctx context.Context, agency, id, account string) (forum.Meeting, error) {
	var out forum.Meeting
	err := s.db.Update(ctx, func(tx *bbolt.Tx) error {
		out = forum.Meeting{}
		m, err := loadMeeting(tx, agency, id)
		if err != nil {
			return err
		}
		regs := tx.Bucket(bucketMeetingRegistrations)
		k := registrationKey(agency, id, account)
		if regs.Get(k) == nil {
			out = m
			return nil
		}
		if err := regs.Delete(k); err != nil {
			return err
		}
		m.RegisteredCount = max(m.RegisteredCount-1, 0)
		out = m
		return putMeeting(tx, m)
	})
	if err != nil {
		return forum.Meeting{}, err
	}
	return out, nil
}

// RegisteredMeetings implements forum.Store.
func (s *Store) RegisteredMeetings(_ context.Context, agency, account string, ids []string) (map[string]bool, error) {
	out := make(map[string]bool, len(ids))
	err := s.db.View(func(tx *bbolt.Tx) error {
		regs := tx.Bucket(bucketMeetingRegistrations)
		for _, id := range ids {
			if regs.Get(registrationKey(agency, id, account)) != nil {
				out[id] = true
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// PurgeMeetings implements forum.Store, in bounded transactions.
func (s *Store) PurgeMeetings(ctx context.Context, before time.Time) (int, error) {
	total := 0
	for {
		var n int
		var more bool
		err := s.db.Update(ctx, func(tx *bbolt.Tx) error {
			var err error
			n, more, err = purgeMeetings(tx, before, meetingPurgeBatch)
			return err
		})
		if err != nil {
			return total, err
		}
		total += n
		if !more {
			return total, nil
		}
	}
}

// purgeMeetings removes meetings deleted before the given time, with their
// registrations, and returns how many it removed and whether more remain.
// It deletes at most budget keys, so that one transaction stays small even
// when a meeting had many thousands of registrations: such a meeting loses
// its registrations over several calls and goes with the last of them.
func purgeMeetings(tx *bbolt.Tx, before time.Time, budget int) (removed int, more bool, err error) {
	deleted := tx.Bucket(bucketMeetingsDeleted)
	meetings := tx.Bucket(bucketMeetings)
	regs := tx.Bucket(bucketMeetingRegistrations)
	cutoff := nanos(before)
	for {
		first, _ := deleted.Cursor().First()
		if first == nil || len(first) < 8 || boltdb.ParseU64(first[:8]) >= cutoff {
			return removed, false, nil
		}
		k := bytes.Clone(first)
		if budget <= 0 {
			return removed, true, nil
		}
		mk := k[8:]
		n, err := deletePrefix(regs, boltdb.Below(mk), budget)
		if err != nil {
			return removed, false, err
		}
		if budget -= n; budget <= 0 {
			// Registrations may remain; the next call goes on.
			return removed, true, nil
		}
		if err := meetings.Delete(mk); err != nil {
			return removed, false, err
		}
		if err := deleted.Delete(k); err != nil {
			return removed, false, err
		}
		removed++
		budget--
	}
}
