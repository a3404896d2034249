package boltstore

import (
	"context"
	"fmt"
	"time"

	"github.com/engagehq/engage/services/internal/boltdb"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/forum"
	"go.etcd.io/bbolt"
)

// loadForum returns a forum that exists and is not deleted, or
// errs.NotFound.
func loadForum(tx *bbolt.Tx, k forum.ForumKey) (forum.Forum, error) {
	var r forumRecord
	ok, err := getRecord(tx.Bucket(bucketForums), forumKey(k), &r)
	if err != nil {
		return forum.Forum{}, err
	}
	if !ok || !r.DeleteTime.IsZero() {
		return forum.Forum{}, fmt.Errorf("forum %s: %w", k.Name(), errs.NotFound)
	}
	return r.domain(), nil
}

func putForum(tx *bbolt.Tx, f forum.Forum) error {
	return putRecord(tx.Bucket(bucketForums), forumKey(f.Key()), toForumRecord(f))
}

// orderKey is a forum's key in forums_by_order.
func orderKey(f forum.Forum) []byte {
	return append(boltdb.Below([]byte(f.Agency)), forumOrderSuffix(f)...)
}

// CreateForum implements forum.Store.
func (s *Store) CreateForum(ctx context.Context, f forum.Forum, req forum.Request) (forum.Forum, error) {
	var out forum.Forum
	err := s.db.Update(ctx, func(tx *bbolt.Tx) error {
		out = forum.Forum{}
		name, err := s.requested(tx, req)
		if err != nil {
			return err
		}
		if name != "" {
			k, err := forum.ParseForumName(name)
			if err != nil || k.Agency != f.Agency {
				return fmt.Errorf("create forum: %w", forum.ErrRequestReused)
			}
			out, err = loadForum(tx, k)
			return err
		}
		if f.Agency == "" || f.ID == "" {
			return fmt.Errorf("create forum: agency and id are required: %w", errs.InvalidArgument)
		}
		forums := tx.Bucket(bucketForums)
		if forums.Get(forumKey(f.Key())) != nil {
			return fmt.Errorf("forum %s: %w", f.Key().Name(), errs.AlreadyExists)
		}
		f.Revision = 1
		if err := putForum(tx, f); err != nil {
			return err
		}
		if err := tx.Bucket(bucketForumsByOrder).Put(orderKey(f), nil); err != nil {
			return err
		}
		if err := s.remember(tx, req, f.Key().Name()); err != nil {
			return err
		}
		out = f
		return nil
	})
	if err != nil {
		return forum.Forum{}, err
	}
	return out, nil
}

// Forum implements forum.Store.
func (s *Store) Forum(_ context.Context, k forum.ForumKey) (forum.Forum, error) {
	var f forum.Forum
	err := s.db.View(func(tx *bbolt.Tx) error {
		var err error
		f, err = loadForum(tx, k)
		return err
	})
	return f, err
}

// ListForums implements forum.Store.
func (s *Store) ListForums(_ context.Context, agency string, page forum.Page, keep func(forum.Forum) bool) ([]forum.Forum, []byte, error) {
	var out []forum.Forum
	var next []byte
	err := s.db.View(func(tx *bbolt.Tx) error {
		out = nil
		forums := tx.Bucket(bucketForums)
		pfx := boltdb.Below([]byte(agency))
		var err error
		next, err = scan(tx.Bucket(bucketForumsByOrder), pfx, page, func(suffix, _ []byte) (bool, error) {
			id := string(suffix[4:])
			var r forumRecord
			ok, err := getRecord(forums, boltdb.Join(agency, id), &r)
			if err != nil || !ok || !r.DeleteTime.IsZero() {
				return false, err
			}
			f := r.domain()
			if keep != nil && !keep(f) {
				return false, nil
			}
			out = append(out, f)
			return true, nil
		})
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return out, next, nil
}

// UpdateForum implements forum.Store.
func (s *Store) UpdateForum(ctx context.Context, k forum.ForumKey, mutate func(*forum.Forum) error) (forum.Forum, error) {
	var out forum.Forum
	err := s.db.Update(ctx, func(tx *bbolt.Tx) error {
		out = forum.Forum{}
		f, err := loadForum(tx, k)
		if err != nil {
			return err
		}
		before := f
		if err := mutate(&f); err != nil {
			return err
		}
		if f.Agency != before.Agency || f.ID != before.ID || f.ThreadCount != before.ThreadCount ||
			!f.LastActivityTime.Equal(before.LastActivityTime) || !f.CreateTime.Equal(before.CreateTime) ||
			f.Revision != before.Revision {
			return fmt.Errorf("update forum %s: %w", k.Name(), errImmutable)
		}
		f.Revision++
		if f.DisplayOrder != before.DisplayOrder {
			order := tx.Bucket(bucketForumsByOrder)
			if err := order.Delete(orderKey(before)); err != nil {
				return err
			}
			if err := order.Put(orderKey(f), nil); err != nil {
				return err
			}
		}
		out = f
		return putForum(tx, f)
	})
	if err != nil {
		return forum.Forum{}, err
	}
	return out, nil
}

// DeleteForum implements forum.Store. The record stays as a tombstone, so
// that its id cannot be reused before Purge has removed what it held.
func (s *Store) DeleteForum(ctx context.Context, k forum.ForumKey, at time.Time, check func(forum.Forum) error) error {
	return s.db.Update(ctx, func(tx *bbolt.Tx) error {
		f, err := loadForum(tx, k)
		if err != nil {
			return err
		}
		if err := check(f); err != nil {
			return err
		}
		if err := tx.Bucket(bucketForumsByOrder).Delete(orderKey(f)); err != nil {
			return err
		}
		r := toForumRecord(f)
		r.DeleteTime = at
		if err := putRecord(tx.Bucket(bucketForums), forumKey(k), r); err != nil {
			return err
		}
		for _, kind := range []byte{kindThread, kindPost} {
			if err := markDeleted(tx, k.Agency, append([]byte{kind}, boltdb.Below(forumKey(k))...), false, at); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketTrash).Put(trashKey(at, kindForum, forumKey(k)), nil)
	})
}
