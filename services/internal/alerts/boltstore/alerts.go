package boltstore

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	alertsv1 "github.com/engagehq/engage/api/gen/engage/alerts/v1"
	"github.com/engagehq/engage/services/internal/alerts"
	"github.com/engagehq/engage/services/internal/boltdb"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/etag"
	"go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"
)

// An alert is stored once, in alerts, and indexed by its create time in
// alertsByTime (ListAlerts walks it backwards), by its CAP identifier in
// messageIDs, and, while PUBLISHED, by its latest expire time in
// activeAlerts. txn.Put is the one writer, so the indexes follow every
// change of state.

// Change implements alerts.Store. The request record remembers the name of
// the alert fn returned; a retry reads that alert as it is now.
func (s *Store) Change(ctx context.Context, retry alerts.Retry, fn func(tx alerts.Tx) (*alertsv1.Alert, error)) (*alertsv1.Alert, error) {
	var out *alertsv1.Alert
	err := s.db.Update(ctx, func(tx *bbolt.Tx) error {
		out = nil
		if prev, ok, err := requests.Retried(tx, retry); err != nil {
			return err
		} else if ok {
			if len(prev) == 0 {
				return nil
			}
			out, err = lookupAlert(tx, string(prev))
			return err
		}
		a, err := fn(&txn{tx: tx})
		if err != nil {
			return err
		}
		if a != nil {
			out = proto.Clone(a).(*alertsv1.Alert)
			out.DeliveryCount = deliveryCount(tx, out.GetName())
		}
		return requests.Remember(tx, retry, []byte(a.GetName()))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Alert implements alerts.Store.
func (s *Store) Alert(ctx context.Context, name string) (*alertsv1.Alert, error) {
	var out *alertsv1.Alert
	err := s.db.View(func(tx *bbolt.Tx) error {
		var err error
		out, err = lookupAlert(tx, name)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListAlerts implements alerts.Store. The cursor is the alertsByTime key
// after the agency: the create time and the alert id.
func (s *Store) ListAlerts(ctx context.Context, agency string, page alerts.Page, keep func(*alertsv1.Alert) bool) ([]*alertsv1.Alert, []byte, error) {
	a := lastID(agency)
	var out []*alertsv1.Alert
	var next []byte
	err := s.db.View(func(tx *bbolt.Tx) error {
		out = nil
		records := tx.Bucket(bucketAlerts)
		var err error
		next, err = boltdb.WalkPage(tx.Bucket(bucketAlertsByTime), boltdb.Prefix(a), page.After, page.Size, true, func(suffix []byte) (bool, error) {
			if err := ctx.Err(); err != nil {
				return false, err
			}
			id := suffix[9:] // u64(create ns) 0 id
			al := &alertsv1.Alert{}
			if ok, err := boltdb.GetProto(records, boltdb.Key(a, id), al); err != nil || !ok {
				return false, err
			}
			al.DeliveryCount = deliveryCount(tx, al.GetName())
			if keep != nil && !keep(al) {
				return false, nil
			}
			out = append(out, al)
			return true, nil
		})
		return err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("list alerts of %s: %w", agency, err)
	}
	return out, next, nil
}

// ActiveAlerts implements alerts.Store.
func (s *Store) ActiveAlerts(ctx context.Context, agency string, t time.Time) ([]*alertsv1.Alert, error) {
	a := lastID(agency)
	var out []*alertsv1.Alert
	err := s.db.View(func(tx *bbolt.Tx) error {
		out = nil
		records := tx.Bucket(bucketAlerts)
		pfx := boltdb.Prefix(a)
		c := tx.Bucket(bucketActiveAlerts).Cursor()
		for k, _ := c.Seek(append(bytes.Clone(pfx), u64(t.UnixNano()+1)...)); bytes.HasPrefix(k, pfx); k, _ = c.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			id := k[len(pfx)+9:]
			al := &alertsv1.Alert{}
			if ok, err := boltdb.GetProto(records, boltdb.Key(a, id), al); err != nil {
				return err
			} else if !ok {
				continue
			}
			al.DeliveryCount = deliveryCount(tx, al.GetName())
			out = append(out, al)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("active alerts of %s: %w", agency, err)
	}
	slices.SortFunc(out, newestFirst)
	return out, nil
}

// newestFirst orders alerts as ListAlerts does: by create time, then id,
// both descending.
func newestFirst(x, y *alertsv1.Alert) int {
	if c := y.GetCreateTime().AsTime().Compare(x.GetCreateTime().AsTime()); c != 0 {
		return c
	}
	return strings.Compare(lastID(y.GetName()), lastID(x.GetName()))
}

// Events implements alerts.Store.
func (s *Store) Events(ctx context.Context, agency string, after uint64, limit int) ([]alerts.Event, error) {
	var out []alerts.Event
	err := s.db.View(func(tx *bbolt.Tx) error {
		out = nil
		events := tx.Bucket(bucketEvents)
		if agency == "" {
			c := events.Cursor()
			for k, v := c.Seek(boltdb.U64(after + 1)); k != nil && len(out) < limit; k, v = c.Next() {
				e, err := decodeEvent(k, v)
				if err != nil {
					return err
				}
				out = append(out, e)
			}
			return nil
		}
		pfx := boltdb.Prefix(lastID(agency))
		c := tx.Bucket(bucketAgencyEvents).Cursor()
		for k, _ := c.Seek(append(bytes.Clone(pfx), boltdb.U64(after+1)...)); bytes.HasPrefix(k, pfx) && len(out) < limit; k, _ = c.Next() {
			seq := k[len(pfx):]
			e, err := decodeEvent(seq, events.Get(seq))
			if err != nil {
				return err
			}
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("events after %d: %w", after, err)
	}
	return out, nil
}

// LastEvent implements alerts.Store.
func (s *Store) LastEvent(ctx context.Context) (uint64, error) {
	var seq uint64
	err := s.db.View(func(tx *bbolt.Tx) error {
		k, _ := tx.Bucket(bucketEvents).Cursor().Last()
		seq = boltdb.ParseU64(k)
		return nil
	})
	return seq, err
}

// decodeEvent decodes an events entry.
func decodeEvent(k, v []byte) (alerts.Event, error) {
	if v == nil {
		return alerts.Event{}, fmt.Errorf("event %d: missing from the log", boltdb.ParseU64(k))
	}
	var r alertsv1.StreamAlertsResponse
	if err := proto.Unmarshal(v, &r); err != nil {
		return alerts.Event{}, fmt.Errorf("decode event %d: %w", boltdb.ParseU64(k), err)
	}
	return alerts.Event{Seq: boltdb.ParseU64(k), Type: r.GetEventType(), Alert: r.GetAlert()}, nil
}

// lookupAlert reads an alert with its delivery count.
func lookupAlert(tx *bbolt.Tx, name string) (*alertsv1.Alert, error) {
	a, err := readAlert(tx, name)
	if err != nil {
		return nil, err
	}
	a.DeliveryCount = deliveryCount(tx, name)
	return a, nil
}

// readAlert reads an alert as stored: errs.NotFound when there is none.
func readAlert(tx *bbolt.Tx, name string) (*alertsv1.Alert, error) {
	agency, id, ok := alertIDs(name)
	if !ok {
		return nil, fmt.Errorf("alert %q: %w", name, errs.NotFound)
	}
	a := &alertsv1.Alert{}
	if found, err := boltdb.GetProto(tx.Bucket(bucketAlerts), boltdb.Key(agency, id), a); err != nil {
		return nil, err
	} else if !found {
		return nil, fmt.Errorf("alert %q: %w", name, errs.NotFound)
	}
	return a, nil
}

// deliveryCount is an alert's delivery count (see AddDeliveries).
func deliveryCount(tx *bbolt.Tx, name string) int64 {
	return int64(boltdb.ParseU64(tx.Bucket(bucketDeliveries).Get([]byte(name))))
}

// latestExpire is the latest expire time of an alert's info blocks, the
// activeAlerts key of a PUBLISHED alert.
func latestExpire(a *alertsv1.Alert) int64 {
	var latest int64
	for _, in := range a.GetInfos() {
		if t := in.GetExpireTime(); t != nil {
			latest = max(latest, t.AsTime().UnixNano())
		}
	}
	return latest
}

// txn is the alerts.Tx of Change.
type txn struct {
	tx *bbolt.Tx
}

// Alert implements alerts.Tx.
func (t *txn) Alert(name string) (*alertsv1.Alert, error) { return lookupAlert(t.tx, name) }

// AlertByMessageID implements alerts.Tx.
func (t *txn) AlertByMessageID(agency, id string) (*alertsv1.Alert, error) {
	a := lastID(agency)
	alert := t.tx.Bucket(bucketMessageIDs).Get(boltdb.Key(a, id))
	if alert == nil {
		return nil, fmt.Errorf("alert with identifier %q in %s: %w", id, agency, errs.NotFound)
	}
	return lookupAlert(t.tx, alertName(a, string(alert)))
}

// Put implements alerts.Tx.
func (t *txn) Put(a *alertsv1.Alert) error {
	agency, id, ok := alertIDs(a.GetName())
	if !ok {
		return fmt.Errorf("alert name %q: malformed", a.GetName())
	}
	old := &alertsv1.Alert{}
	exists, err := boltdb.GetProto(t.tx.Bucket(bucketAlerts), boltdb.Key(agency, id), old)
	if err != nil {
		return err
	}
	if !exists {
		old = nil
	}
	ids := t.tx.Bucket(bucketMessageIDs)
	if old == nil || old.GetMessageId() != a.GetMessageId() {
		if taken := ids.Get(boltdb.Key(agency, a.GetMessageId())); taken != nil && string(taken) != id {
			return fmt.Errorf("alert identifier %q in agency %s: %w", a.GetMessageId(), agency, errs.AlreadyExists)
		}
	}
	if err := unindex(t.tx, agency, id, old); err != nil {
		return err
	}
	stored := proto.Clone(a).(*alertsv1.Alert)
	stored.DeliveryCount = 0
	stored.Etag = etag.Next(old.GetEtag())
	if err := index(t.tx, agency, id, stored); err != nil {
		return err
	}
	if err := boltdb.PutProto(t.tx.Bucket(bucketAlerts), boltdb.Key(agency, id), stored); err != nil {
		return err
	}
	a.Etag = stored.Etag
	return nil
}

// Delete implements alerts.Tx.
func (t *txn) Delete(name string) error {
	old, err := readAlert(t.tx, name)
	if err != nil {
		return err
	}
	agency, id, _ := alertIDs(name)
	if err := unindex(t.tx, agency, id, old); err != nil {
		return err
	}
	if err := t.tx.Bucket(bucketDeliveries).Delete([]byte(name)); err != nil {
		return err
	}
	return t.tx.Bucket(bucketAlerts).Delete(boltdb.Key(agency, id))
}

// Send implements alerts.Tx.
func (t *txn) Send(typ alertsv1.StreamAlertsResponse_EventType, a *alertsv1.Alert) (uint64, error) {
	stored, err := readAlert(t.tx, a.GetName())
	if err != nil {
		return 0, fmt.Errorf("send: %w", err)
	}
	agency, _, _ := alertIDs(stored.GetName())
	events := t.tx.Bucket(bucketEvents)
	seq, err := events.NextSequence()
	if err != nil {
		return 0, err
	}
	if err := boltdb.PutProto(events, boltdb.U64(seq), &alertsv1.StreamAlertsResponse{EventType: typ, Alert: stored}); err != nil {
		return 0, err
	}
	if err := t.tx.Bucket(bucketAgencyEvents).Put(boltdb.Key(agency, boltdb.U64(seq)), nil); err != nil {
		return 0, err
	}
	return seq, nil
}

// index adds the index entries of a, stored as agency's alert id.
func index(tx *bbolt.Tx, agency, id string, a *alertsv1.Alert) error {
	if err := tx.Bucket(bucketMessageIDs).Put(boltdb.Key(agency, a.GetMessageId()), []byte(id)); err != nil {
		return err
	}
	if err := tx.Bucket(bucketAlertsByTime).Put(boltdb.Key(agency, u64(a.GetCreateTime().AsTime().UnixNano()), id), nil); err != nil {
		return err
	}
	if a.GetState() == alertsv1.Alert_STATE_PUBLISHED {
		return tx.Bucket(bucketActiveAlerts).Put(boltdb.Key(agency, u64(latestExpire(a)), id), nil)
	}
	return nil
}

// unindex removes the index entries of old (nothing when nil).
func unindex(tx *bbolt.Tx, agency, id string, old *alertsv1.Alert) error {
	if old == nil {
		return nil
	}
	if err := tx.Bucket(bucketMessageIDs).Delete(boltdb.Key(agency, old.GetMessageId())); err != nil {
		return err
	}
	if err := tx.Bucket(bucketAlertsByTime).Delete(boltdb.Key(agency, u64(old.GetCreateTime().AsTime().UnixNano()), id)); err != nil {
		return err
	}
	return tx.Bucket(bucketActiveAlerts).Delete(boltdb.Key(agency, u64(latestExpire(old)), id))
}
