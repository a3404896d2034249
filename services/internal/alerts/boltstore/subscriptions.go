package boltstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	alertsv1 "github.com/engagehq/engage/api/gen/engage/alerts/v1"
	"github.com/engagehq/engage/services/internal/alerts"
	"github.com/engagehq/engage/services/internal/boltdb"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/etag"
	"go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"
)

// Subscriptions are kept in two buckets:
//
//	subscriptions        agency 0 subscription                            → owner 0 Subscription
//	subscriptionsByOwner agency 0 owner 0 u64(create ns) 0 subscription    → nil
//
// The owner (a principal name, which never contains a 0 byte) is stored
// beside the record, not in it: the contract's Subscription has no owner.
// The owner index orders one owner's subscriptions oldest first, counts
// them against the limit, and is the cursor of ListSubscriptions (the
// suffix after agency and owner). putSubscription and DeleteSubscription
// are its only writers.

// storedSubscription is a subscription with its owner.
type storedSubscription struct {
	sub   *alertsv1.Subscription
	owner string
}

// subscriptionIDs returns the agency and subscription ids of
// `agencies/{agency}/subscriptions/{subscription}`; ok is false for
// anything else.
func subscriptionIDs(name string) (agency, id string, ok bool) {
	parts := strings.Split(name, "/")
	if len(parts) != 4 || parts[0] != "agencies" || parts[2] != "subscriptions" || parts[1] == "" || parts[3] == "" {
		return "", "", false
	}
	return parts[1], parts[3], true
}

// ownerKey is the subscriptionsByOwner key of sub, owned by owner.
func ownerKey(agency, id, owner string, sub *alertsv1.Subscription) []byte {
	return boltdb.Key(agency, owner, u64(sub.GetCreateTime().AsTime().UnixNano()), id)
}

// lookupSubscription reads a subscription and its owner, or errs.NotFound.
func lookupSubscription(tx *bbolt.Tx, name string) (storedSubscription, error) {
	agency, id, ok := subscriptionIDs(name)
	if !ok {
		return storedSubscription{}, fmt.Errorf("subscription %q: %w", name, errs.NotFound)
	}
	v := tx.Bucket(bucketSubscriptions).Get(boltdb.Key(agency, id))
	if v == nil {
		return storedSubscription{}, fmt.Errorf("subscription %q: %w", name, errs.NotFound)
	}
	return decodeSubscription(v)
}

// decodeSubscription decodes a subscriptions value, copying it out of the
// transaction.
func decodeSubscription(v []byte) (storedSubscription, error) {
	i := bytes.IndexByte(v, sep)
	if i < 0 {
		return storedSubscription{}, errors.New("decode subscription: no owner")
	}
	sub := &alertsv1.Subscription{}
	if err := proto.Unmarshal(v[i+1:], sub); err != nil {
		return storedSubscription{}, fmt.Errorf("decode subscription: %w", err)
	}
	return storedSubscription{sub: sub, owner: string(v[:i])}, nil
}

// putSubscription stores s, which was old (nil when new), and moves its
// owner index entry when its creation time changed.
func putSubscription(tx *bbolt.Tx, old *storedSubscription, s storedSubscription) error {
	agency, id, ok := subscriptionIDs(s.sub.GetName())
	if !ok {
		return fmt.Errorf("subscription name %q: malformed", s.sub.GetName())
	}
	byOwner := tx.Bucket(bucketSubscriptionsByOwner)
	if old != nil {
		if err := byOwner.Delete(ownerKey(agency, id, old.owner, old.sub)); err != nil {
			return err
		}
	}
	if err := byOwner.Put(ownerKey(agency, id, s.owner, s.sub), nil); err != nil {
		return err
	}
	v, err := proto.MarshalOptions{Deterministic: true}.Marshal(s.sub)
	if err != nil {
		return fmt.Errorf("encode subscription: %w", err)
	}
	return tx.Bucket(bucketSubscriptions).Put(boltdb.Key(agency, id), append(append([]byte(s.owner), sep), v...))
}

// countOwned returns how many subscriptions owner has in agency.
func countOwned(tx *bbolt.Tx, agency, owner string) int {
	pfx := boltdb.Prefix(agency, owner)
	n := 0
	c := tx.Bucket(bucketSubscriptionsByOwner).Cursor()
	for k, _ := c.Seek(pfx); bytes.HasPrefix(k, pfx); k, _ = c.Next() {
		n++
	}
	return n
}

// CreateSubscription implements alerts.Store.
func (s *Store) CreateSubscription(ctx context.Context, sub *alertsv1.Subscription, owner string, limit int, retry alerts.Retry) (*alertsv1.Subscription, error) {
	var out *alertsv1.Subscription
	err := s.db.Update(ctx, func(tx *bbolt.Tx) error {
		if prev, ok, err := requests.Retried(tx, retry); err != nil {
			return err
		} else if ok {
			got, err := lookupSubscription(tx, string(prev))
			out = got.sub
			return err
		}
		agency, id, ok := subscriptionIDs(sub.GetName())
		if !ok {
			return fmt.Errorf("subscription name %q: malformed", sub.GetName())
		}
		if tx.Bucket(bucketSubscriptions).Get(boltdb.Key(agency, id)) != nil {
			return fmt.Errorf("subscription %q: %w", sub.GetName(), errs.AlreadyExists)
		}
		if countOwned(tx, agency, owner) >= limit {
			return fmt.Errorf("%s has %d subscriptions in agency %s: %w", owner, limit, agency, errs.FailedPrecondition)
		}
		stored := proto.Clone(sub).(*alertsv1.Subscription)
		stored.Etag = etag.Next("")
		if err := putSubscription(tx, nil, storedSubscription{sub: stored, owner: owner}); err != nil {
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

// Subscription implements alerts.Store.
func (s *Store) Subscription(ctx context.Context, name string) (*alertsv1.Subscription, string, error) {
	var out storedSubscription
	err := s.db.View(func(tx *bbolt.Tx) error {
		var err error
		out, err = lookupSubscription(tx, name)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return out.sub, out.owner, nil
}

// ListSubscriptions implements alerts.Store.
func (s *Store) ListSubscriptions(ctx context.Context, agency, owner string, page alerts.Page) ([]*alertsv1.Subscription, []byte, error) {
	a := lastID(agency)
	var out []*alertsv1.Subscription
	var next []byte
	err := s.db.View(func(tx *bbolt.Tx) error {
		out = nil
		records := tx.Bucket(bucketSubscriptions)
		var err error
		next, err = boltdb.WalkPage(tx.Bucket(bucketSubscriptionsByOwner), boltdb.Prefix(a, owner), page.After, page.Size, false, func(suffix []byte) (bool, error) {
			id := suffix[bytes.LastIndexByte(suffix, sep)+1:]
			got, err := decodeSubscription(records.Get(boltdb.Key(a, id)))
			if err != nil {
				return false, err
			}
			out = append(out, got.sub)
			return true, nil
		})
		return err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("list subscriptions of %s in %s: %w", owner, agency, err)
	}
	return out, next, nil
}

// UpdateSubscription implements alerts.Store. The name and owner stay as
// they are, whatever mutate does.
func (s *Store) UpdateSubscription(ctx context.Context, name string, mutate func(sub *alertsv1.Subscription, owner string) error) (*alertsv1.Subscription, error) {
	var out *alertsv1.Subscription
	err := s.db.Update(ctx, func(tx *bbolt.Tx) error {
		old, err := lookupSubscription(tx, name)
		if err != nil {
			return err
		}
		sub := proto.Clone(old.sub).(*alertsv1.Subscription)
		if err := mutate(sub, old.owner); err != nil {
			return err
		}
		sub.Name, sub.Etag = old.sub.GetName(), etag.Next(old.sub.GetEtag())
		if err := putSubscription(tx, &old, storedSubscription{sub: sub, owner: old.owner}); err != nil {
			return err
		}
		out = sub
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteSubscription implements alerts.Store.
func (s *Store) DeleteSubscription(ctx context.Context, name string, check func(sub *alertsv1.Subscription, owner string) error) error {
	return s.db.Update(ctx, func(tx *bbolt.Tx) error {
		old, err := lookupSubscription(tx, name)
		if err != nil {
			return err
		}
		if err := check(old.sub, old.owner); err != nil {
			return err
		}
		agency, id, _ := subscriptionIDs(name)
		if err := tx.Bucket(bucketSubscriptionsByOwner).Delete(ownerKey(agency, id, old.owner, old.sub)); err != nil {
			return err
		}
		return tx.Bucket(bucketSubscriptions).Delete(boltdb.Key(agency, id))
	})
}
