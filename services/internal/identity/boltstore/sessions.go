package boltstore

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/engagehq/engage/services/internal/boltdb"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/identity"
	"go.etcd.io/bbolt"
)

// CreateSession implements identity.Store.
func (s *Store) CreateSession(ctx context.Context, sess identity.Session) error {
	return s.db.Update(ctx, func(tx *bbolt.Tx) error {
		if sess.ID == "" || len(sess.RefreshHash) == 0 {
			return fmt.Errorf("create session: id and refresh hash are required: %w", errs.InvalidArgument)
		}
		sessions := tx.Bucket(bucketSessions)
		if sessions.Get([]byte(sess.ID)) != nil {
			return fmt.Errorf("session %s: %w", sess.ID, errs.AlreadyExists)
		}
		if err := indexRefresh(tx, sess.ID, sess.RefreshHash); err != nil {
			return err
		}
		return boltdb.PutJSON(sessions, []byte(sess.ID), toSessionRecord(sess))
	})
}

// indexRefresh makes hash find session id, for as long as the session is
// kept.
func indexRefresh(tx *bbolt.Tx, id string, hash []byte) error {
	tokens := tx.Bucket(bucketRefreshTokens)
	if tokens.Get(hash) != nil {
		return fmt.Errorf("refresh token hash: %w", errs.AlreadyExists)
	}
	if err := tokens.Put(hash, []byte(id)); err != nil {
		return err
	}
	return tx.Bucket(bucketSessionTokens).Put(append(boltdb.Join(id, ""), hash...), nil)
}

// UpdateSessionByRefresh implements identity.Store.
func (s *Store) UpdateSessionByRefresh(ctx context.Context, refreshHash []byte, mutate func(*identity.Session) error) (identity.Session, error) {
	var out identity.Session
	err := s.db.Update(ctx, func(tx *bbolt.Tx) error {
		out = identity.Session{}
		id := tx.Bucket(bucketRefreshTokens).Get(refreshHash)
		if id == nil {
			return fmt.Errorf("session of refresh token: %w", errs.NotFound)
		}
		var r sessionRecord
		sessions := tx.Bucket(bucketSessions)
		ok, err := boltdb.GetJSON(sessions, id, &r)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("session %s: %w", id, errs.NotFound)
		}
		sess := r.domain()
		before := r.domain()
		if err := mutate(&sess); err != nil {
			return err
		}
		if sess.ID != before.ID || sess.AccountID != before.AccountID || !sess.CreateTime.Equal(before.CreateTime) {
			return fmt.Errorf("update session %s: %w", sess.ID, errImmutable)
		}
		if !bytes.Equal(sess.RefreshHash, before.RefreshHash) {
			if err := indexRefresh(tx, sess.ID, sess.RefreshHash); err != nil {
				return err
			}
		}
		out = sess
		return boltdb.PutJSON(sessions, []byte(sess.ID), toSessionRecord(sess))
	})
	if err != nil {
		return identity.Session{}, err
	}
	return out, nil
}

// DeleteExpiredSessions implements identity.Store. It reads the sessions
// in one read transaction and deletes the expired ones in a write.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error) {
	var expired [][]byte
	err := s.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketSessions).ForEach(func(k, v []byte) error {
			var r sessionRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("decode session %q: %w", k, err)
			}
			if !r.RefreshExpireTime.After(now) {
				expired = append(expired, bytes.Clone(k))
			}
			return nil
		})
	})
	if err != nil || len(expired) == 0 {
		return 0, err
	}
	var n int
	err = s.db.Update(ctx, func(tx *bbolt.Tx) error {
		n = 0
		sessions, tokens, byID := tx.Bucket(bucketSessions), tx.Bucket(bucketRefreshTokens), tx.Bucket(bucketSessionTokens)
		for _, id := range expired {
			// Read again: the session may have been refreshed meanwhile.
			var r sessionRecord
			if ok, err := boltdb.GetJSON(sessions, id, &r); err != nil || !ok || r.RefreshExpireTime.After(now) {
				if err != nil {
					return err
				}
				continue
			}
			prefix := boltdb.Join(string(id), "")
			for _, k := range prefixKeys(byID, prefix) {
				if err := tokens.Delete(k[len(prefix):]); err != nil {
					return err
				}
				if err := byID.Delete(k); err != nil {
					return err
				}
			}
			if err := sessions.Delete(id); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}
