package boltstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/engagehq/engage/services/internal/boltdb"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/identity"
	"go.etcd.io/bbolt"
)

// chainBucket is the name of a chain's bucket: the agency id, or "-" for
// the platform chain.
func chainBucket(chain string) []byte {
	if chain == "" {
		return []byte("-")
	}
	return []byte(chain)
}

type chainHead struct {
	seq  int64
	hash string
}

// AppendAuditEvents implements identity.Store. Every append runs in the
// single write transaction of a group commit, which serializes appends to
// a chain: the head read here cannot change before the commit.
func (s *Store) AppendAuditEvents(ctx context.Context, events []identity.AuditEvent) ([]identity.AuditEvent, error) {
	var out []identity.AuditEvent
	err := s.db.Update(ctx, func(tx *bbolt.Tx) error {
		out = make([]identity.AuditEvent, 0, len(events))
		heads := map[string]chainHead{}
		root := tx.Bucket(bucketAudit)
		for _, e := range events {
			b, err := root.CreateBucketIfNotExists(chainBucket(e.Chain))
			if err != nil {
				return err
			}
			head, ok := heads[e.Chain]
			if !ok {
				if head, err = readHead(b); err != nil {
					return err
				}
			}
			e.Sequence = head.seq + 1
			e.PreviousHash = head.hash
			e.Hash = identity.ChainHash(e.PreviousHash, e)
			if err := boltdb.PutJSON(b, boltdb.U64(uint64(e.Sequence)), toAuditRecord(e)); err != nil {
				return err
			}
			heads[e.Chain] = chainHead{seq: e.Sequence, hash: e.Hash}
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// readHead returns the last event's sequence and hash, or 0 and ZeroHash
// for an empty chain.
func readHead(b *bbolt.Bucket) (chainHead, error) {
	k, v := b.Cursor().Last()
	if k == nil {
		return chainHead{hash: identity.ZeroHash}, nil
	}
	var r auditRecord
	if err := json.Unmarshal(v, &r); err != nil {
		return chainHead{}, fmt.Errorf("decode audit head %x: %w", k, err)
	}
	return chainHead{seq: int64(boltdb.ParseU64(k)), hash: r.Hash}, nil
}

// AuditEvent implements identity.Store.
func (s *Store) AuditEvent(_ context.Context, chain string, sequence int64) (identity.AuditEvent, error) {
	var e identity.AuditEvent
	err := s.db.View(func(tx *bbolt.Tx) error {
		var r auditRecord
		ok, err := boltdb.GetJSON(tx.Bucket(bucketAudit).Bucket(chainBucket(chain)), boltdb.U64(uint64(sequence)), &r)
		if err != nil {
			return err
		}
		if !ok || sequence < 1 {
			return fmt.Errorf("audit event %d: %w", sequence, errs.NotFound)
		}
		e = r.domain()
		return nil
	})
	return e, err
}

// ListAuditEvents implements identity.Store.
func (s *Store) ListAuditEvents(_ context.Context, chain string, page identity.AuditPage) ([]identity.AuditEvent, int64, error) {
	var out []identity.AuditEvent
	var next int64
	err := s.db.View(func(tx *bbolt.Tx) error {
		out, next = nil, 0
		b := tx.Bucket(bucketAudit).Bucket(chainBucket(chain))
		if b == nil {
			return nil
		}
		c := b.Cursor()
		var k, v []byte
		switch k, _ = c.Seek(boltdb.U64(uint64(page.Before))); {
		case page.Before > 0 && k != nil:
			k, v = c.Prev()
		default:
			// From the newest: before is 0, or above every event.
			k, v = c.Last()
		}
		size := max(page.Size, 1)
		var last int64 // the sequence of the last event examined
		for examined := 0; k != nil; k, v = c.Prev() {
			if len(out) == size || page.MaxScan > 0 && examined == page.MaxScan {
				next = last // another event is left below it
				return nil
			}
			var r auditRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("decode audit event %x: %w", k, err)
			}
			examined++
			e := r.domain()
			last = e.Sequence
			if page.Keep == nil || page.Keep(e) {
				out = append(out, e)
			}
		}
		return nil
	})
	return out, next, err
}

// ScanAuditEvents implements identity.Store.
func (s *Store) ScanAuditEvents(_ context.Context, chain string, after int64, limit int) ([]identity.AuditEvent, error) {
	var out []identity.AuditEvent
	err := s.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketAudit).Bucket(chainBucket(chain))
		if b == nil || limit <= 0 {
			return nil
		}
		c := b.Cursor()
		for k, v := c.Seek(boltdb.U64(uint64(after + 1))); k != nil && len(out) < limit; k, v = c.Next() {
			var r auditRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("decode audit event %x: %w", k, err)
			}
			out = append(out, r.domain())
		}
		return nil
	})
	return out, err
}
