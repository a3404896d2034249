package boltstore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/engagehq/engage/services/internal/boltdb"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/feedback"
	"go.etcd.io/bbolt"
)

func loadContact(tx *bbolt.Tx, k feedback.ContactEventKey) (feedback.ContactEvent, error) {
	var r contactRecord
	ok, err := boltdb.GetJSON(tx.Bucket(bucketContacts), contactKey(k), &r)
	if err != nil {
		return feedback.ContactEvent{}, err
	}
	if !ok {
		return feedback.ContactEvent{}, fmt.Errorf("contact event %s: %w", k.Name(), errs.NotFound)
	}
	return r.domain(), nil
}

// CreateContactEvent implements feedback.SurveyStore. The event and its
// invitation are written under unrelated keys and neither names the other.
func (s *Store) CreateContactEvent(ctx context.Context, e feedback.ContactEvent, inv *feedback.Invitation, retry feedback.Retry, check func(feedback.Survey) error) (feedback.ContactEvent, []byte, error) {
	var out feedback.ContactEvent
	var sealed []byte
	err := s.db.Update(ctx, func(tx *bbolt.Tx) error {
		out, sealed = feedback.ContactEvent{}, nil
		rec, err := retried(tx, retry)
		if err != nil {
			return err
		}
		if rec != nil {
			parent := "agencies/" + e.Agency + "/contactEvents/"
			if !strings.HasPrefix(rec.Name, parent) {
				return fmt.Errorf("create contact event: %w", feedback.ErrRetryReused)
			}
			out, err = loadContact(tx, feedback.ContactEventKey{Agency: e.Agency, Event: strings.TrimPrefix(rec.Name, parent)})
			sealed = rec.Sealed
			return err
		}
		sv, err := loadSurvey(tx, feedback.SurveyKey{Agency: e.Agency, Survey: e.Survey})
		if err != nil {
			return err
		}
		if err := check(sv); err != nil {
			return err
		}
		if e.Agency == "" || e.ID == "" {
			return fmt.Errorf("create contact event: agency and id are required: %w", errs.InvalidArgument)
		}
		contacts := tx.Bucket(bucketContacts)
		if contacts.Get(contactKey(e.Key())) != nil {
			return fmt.Errorf("contact event %s: %w", e.Key().Name(), errs.AlreadyExists)
		}
		if err := boltdb.PutJSON(contacts, contactKey(e.Key()), toContactRecord(e)); err != nil {
			return err
		}
		if err := tx.Bucket(bucketContactsByTime).Put(contactTimeKey(e), nil); err != nil {
			return err
		}
		if inv != nil {
			if inv.Token == "" {
				return fmt.Errorf("create contact event: empty invitation token: %w", errs.InvalidArgument)
			}
			invs := tx.Bucket(bucketInvitations)
			k := invitationKey(inv.Token)
			if invs.Get(k) != nil {
				return errors.New("create contact event: invitation token collision")
			}
			r := invitationRecord{Agency: inv.Agency, Survey: inv.Survey, Area: inv.Area, ExpireTime: inv.ExpireTime}
			if err := boltdb.PutJSON(invs, k, r); err != nil {
				return err
			}
		}
		if err := rememberRetry(tx, retry, e.Key().Name()); err != nil {
			return err
		}
		out, sealed = e, retry.Sealed
		return nil
	})
	if err != nil {
		return feedback.ContactEvent{}, nil, err
	}
	return out, sealed, nil
}

// ContactEvent implements feedback.SurveyStore.
func (s *Store) ContactEvent(_ context.Context, k feedback.ContactEventKey) (feedback.ContactEvent, error) {
	var out feedback.ContactEvent
	err := s.db.View(func(tx *bbolt.Tx) error {
		var err error
		out, err = loadContact(tx, k)
		return err
	})
	return out, err
}

// ListContactEvents implements feedback.SurveyStore.
func (s *Store) ListContactEvents(_ context.Context, agency string, page feedback.SurveyPage) ([]feedback.ContactEvent, []byte, error) {
	var out []feedback.ContactEvent
	var next []byte
	err := s.db.View(func(tx *bbolt.Tx) error {
		out = nil
		var err error
		next, err = fbScan(tx.Bucket(bucketContactsByTime), boltdb.Below([]byte(agency)), page, false, func(suffix []byte) (bool, error) {
			e, err := loadContact(tx, feedback.ContactEventKey{Agency: agency, Event: string(suffix[8:])})
			if err != nil {
				return false, err
			}
			out = append(out, e)
			return true, nil
		})
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return out, next, nil
}
