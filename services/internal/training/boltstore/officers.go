package boltstore

import (
	"bytes"
	"context"
	"fmt"

	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
	"github.com/engagehq/engage/services/internal/boltdb"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/etag"
	"github.com/engagehq/engage/services/internal/training"
	"go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"
)

// An officer is stored once, in officers, and indexed three ways: by
// badge for listing (officersByBadge, every officer), and, while active,
// by badge and by linked account (activeBadges, activeAccounts), which
// both enforce uniqueness and answer OfficerByAccount. unindexOfficer and
// indexOfficer are the only writers of the indexes, so taking an officer
// off the roster (setting DeleteTime) frees their badge and account.
//
// A uniqueness conflict is a *uniquenessError: errs.AlreadyExists, whose
// message starts with the field path ("officer.badge: …"). The errs
// package has no error that is both ALREADY_EXISTS and a field violation
// (a field violation is INVALID_ARGUMENT), and the code tells a client
// more than the structured field would.

// CreateOfficer implements training.Store.
func (s *Store) CreateOfficer(ctx context.Context, o *trainingv1.Officer, retry training.Retry) (*trainingv1.Officer, error) {
	var out *trainingv1.Officer
	err := s.db.Update(ctx, func(tx *bbolt.Tx) error {
		if prev, ok, err := requests.Retried(tx, retry); err != nil {
			return err
		} else if ok {
			out, err = officerIn(tx, string(prev))
			return err
		}
		k := officerKey(o.GetName())
		if k == nil {
			return fmt.Errorf("officer name %q: malformed", o.GetName())
		}
		if tx.Bucket(bucketOfficers).Get(k) != nil {
			return fmt.Errorf("officer %q: %w", o.GetName(), errs.AlreadyExists)
		}
		stored := proto.Clone(o).(*trainingv1.Officer)
		stored.Etag = etag.Next("")
		if err := putOfficer(tx, nil, stored); err != nil {
			return err
		}
		out = stored
		return requests.Remember(tx, retry, []byte(stored.GetName()))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Officer implements training.Store.
func (s *Store) Officer(ctx context.Context, name string) (*trainingv1.Officer, error) {
	var out *trainingv1.Officer
	err := s.db.View(func(tx *bbolt.Tx) error {
		var err error
		out, err = officerIn(tx, name)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// OfficerByAccount implements training.Store.
func (s *Store) OfficerByAccount(ctx context.Context, agency, account string) (*trainingv1.Officer, error) {
	var out *trainingv1.Officer
	err := s.db.View(func(tx *bbolt.Tx) error {
		a := lastID(agency)
		id := tx.Bucket(bucketActiveAccounts).Get(boltdb.Key(a, lastID(account)))
		if id == nil {
			return fmt.Errorf("officer of %s in %s: %w", account, agency, errs.NotFound)
		}
		var err error
		out, err = officerIn(tx, officerNameOf(a, string(id)))
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListOfficers implements training.Store. The cursor is the
// officersByBadge key after the agency: the badge and the officer id.
func (s *Store) ListOfficers(ctx context.Context, agency string, page training.Page, keep func(*trainingv1.Officer) bool) ([]*trainingv1.Officer, []byte, error) {
	a := lastID(agency)
	var out []*trainingv1.Officer
	var next []byte
	err := s.db.View(func(tx *bbolt.Tx) error {
		out = nil
		records := tx.Bucket(bucketOfficers)
		var err error
		next, err = boltdb.WalkPage(tx.Bucket(bucketOfficersByBadge), boltdb.Prefix(a), page.After, page.Size, false, func(suffix []byte) (bool, error) {
			id := suffix[bytes.LastIndexByte(suffix, sep)+1:]
			o := &trainingv1.Officer{}
			if ok, err := boltdb.GetProto(records, boltdb.Key(a, id), o); err != nil || !ok {
				return false, err
			}
			if keep != nil && !keep(o) {
				return false, nil
			}
			out = append(out, o)
			return true, nil
		})
		return err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("list officers of %s: %w", agency, err)
	}
	return out, next, nil
}

// UpdateOfficer implements training.Store.
func (s *Store) UpdateOfficer(ctx context.Context, name string, mutate func(*trainingv1.Officer) error) (*trainingv1.Officer, error) {
	var out *trainingv1.Officer
	err := s.db.Update(ctx, func(tx *bbolt.Tx) error {
		old, err := officerIn(tx, name)
		if err != nil {
			return err
		}
		o := proto.Clone(old).(*trainingv1.Officer)
		if err := mutate(o); err != nil {
			return err
		}
		o.Name, o.Etag = old.GetName(), etag.Next(old.GetEtag())
		if err := putOfficer(tx, old, o); err != nil {
			return err
		}
		out = o
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// putOfficer stores o, which was old (nil when new), and moves its index
// entries; a uniqueness conflict stores nothing, since the transaction
// fails with it.
func putOfficer(tx *bbolt.Tx, old, o *trainingv1.Officer) error {
	if old != nil {
		if err := unindexOfficer(tx, old); err != nil {
			return err
		}
	}
	if err := indexOfficer(tx, o); err != nil {
		return err
	}
	return boltdb.PutProto(tx.Bucket(bucketOfficers), officerKey(o.GetName()), o)
}

// unindexOfficer removes o's index entries.
func unindexOfficer(tx *bbolt.Tx, o *trainingv1.Officer) error {
	ids := nameIDs(o.GetName())
	if len(ids) != 2 {
		return fmt.Errorf("officer name %q: malformed", o.GetName())
	}
	agency, id := ids[0], ids[1]
	if err := tx.Bucket(bucketOfficersByBadge).Delete(boltdb.Key(agency, o.GetBadge(), id)); err != nil {
		return err
	}
	if o.GetDeleteTime() != nil {
		return nil
	}
	// Remove only the entries that point at o: an entry held by another
	// officer is theirs.
	badges, accounts := tx.Bucket(bucketActiveBadges), tx.Bucket(bucketActiveAccounts)
	if k := boltdb.Key(agency, o.GetBadge()); string(badges.Get(k)) == id {
		if err := badges.Delete(k); err != nil {
			return err
		}
	}
	if o.GetAccount() != "" {
		if k := boltdb.Key(agency, lastID(o.GetAccount())); string(accounts.Get(k)) == id {
			if err := accounts.Delete(k); err != nil {
				return err
			}
		}
	}
	return nil
}

// indexOfficer adds o's index entries, or fails with errs.AlreadyExists
// when another active officer of the agency holds its badge or account.
func indexOfficer(tx *bbolt.Tx, o *trainingv1.Officer) error {
	ids := nameIDs(o.GetName())
	if len(ids) != 2 {
		return fmt.Errorf("officer name %q: malformed", o.GetName())
	}
	agency, id := ids[0], ids[1]
	if err := tx.Bucket(bucketOfficersByBadge).Put(boltdb.Key(agency, o.GetBadge(), id), nil); err != nil {
		return err
	}
	if o.GetDeleteTime() != nil {
		return nil
	}
	badges, accounts := tx.Bucket(bucketActiveBadges), tx.Bucket(bucketActiveAccounts)
	k := boltdb.Key(agency, o.GetBadge())
	if holder := badges.Get(k); holder != nil && string(holder) != id {
		return &uniquenessError{column: "badge", detail: fmt.Sprintf("%s is the badge of active officer %s",
			o.GetBadge(), officerNameOf(agency, string(holder)))}
	}
	if err := badges.Put(k, []byte(id)); err != nil {
		return err
	}
	if o.GetAccount() == "" {
		return nil
	}
	k = boltdb.Key(agency, lastID(o.GetAccount()))
	if holder := accounts.Get(k); holder != nil && string(holder) != id {
		return &uniquenessError{column: "account", detail: fmt.Sprintf("%s is linked to active officer %s",
			o.GetAccount(), officerNameOf(agency, string(holder)))}
	}
	return accounts.Put(k, []byte(id))
}

// uniquenessError is a badge or account that another active officer of
// the agency holds.
type uniquenessError struct {
	// column is the Officer field, as an import's CSV column names it.
	column string
	detail string
}

func (e *uniquenessError) Error() string { return "officer." + e.column + ": " + e.detail }

// Unwrap makes the error ALREADY_EXISTS.
func (e *uniquenessError) Unwrap() error { return errs.AlreadyExists }

// officerIn reads an officer, active or not, or errs.NotFound.
func officerIn(tx *bbolt.Tx, name string) (*trainingv1.Officer, error) {
	o := &trainingv1.Officer{}
	if k := officerKey(name); k != nil {
		ok, err := boltdb.GetProto(tx.Bucket(bucketOfficers), k, o)
		if err != nil {
			return nil, err
		}
		if ok {
			return o, nil
		}
	}
	return nil, fmt.Errorf("officer %q: %w", name, errs.NotFound)
}

// officerKey is the officers key of a name, or nil when it is malformed.
func officerKey(name string) []byte {
	ids := nameIDs(name)
	if len(ids) != 2 || ids[0] == "" || ids[1] == "" {
		return nil
	}
	return boltdb.Key(ids[0], ids[1])
}

// officerNameOf is the name of an officer from its ids.
func officerNameOf(agency, id string) string {
	return "agencies/" + agency + "/officers/" + id
}
