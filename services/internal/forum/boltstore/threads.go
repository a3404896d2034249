package boltstore

import (
	"context"
	"fmt"
	"time"

	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
	"github.com/engagehq/engage/services/internal/boltdb"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/forum"
	"github.com/engagehq/engage/services/internal/ids"
	"go.etcd.io/bbolt"
)

const visible = forumv1.ContentState_CONTENT_STATE_VISIBLE

// loadThread returns a thread that exists and is not deleted, in a forum
// that is not deleted either, or errs.NotFound.
func loadThread(tx *bbolt.Tx, k forum.ThreadKey) (forum.Content, error) {
	f, err := loadForum(tx, k.ForumKey())
	if err != nil {
		return forum.Content{}, fmt.Errorf("thread %s: %w", k.Name(), errs.NotFound)
	}
	var r threadRecord
	ok, err := getRecord(tx.Bucket(bucketThreads), threadKey(k), &r)
	if err != nil {
		return forum.Content{}, err
	}
	if !ok || !r.DeleteTime.IsZero() {
		return forum.Content{}, fmt.Errorf("thread %s: %w", k.Name(), errs.NotFound)
	}
	return forum.Content{Forum: f, Thread: r.domain()}, nil
}

func putThread(tx *bbolt.Tx, t forum.Thread) error {
	return putRecord(tx.Bucket(bucketThreads), threadKey(t.Key()), toThreadRecord(t))
}

// reindexThread moves a thread's entries in the list indexes from where
// before put them to where after puts them; nil means absent.
func reindexThread(tx *bbolt.Tx, before, after *forum.Thread) error {
	indexes := []struct {
		bucket []byte
		suffix func(forum.Thread) []byte
	}{
		{bucketThreadsByActivity, activitySuffix},
		{bucketThreadsByVotes, threadVotesSuffix},
	}
	for _, ix := range indexes {
		b := tx.Bucket(ix.bucket)
		var old, cur []byte
		if before != nil {
			old = append(boltdb.Below(forumKey(before.Key().ForumKey())), ix.suffix(*before)...)
		}
		if after != nil {
			cur = append(boltdb.Below(forumKey(after.Key().ForumKey())), ix.suffix(*after)...)
		}
		if string(old) == string(cur) {
			continue
		}
		if old != nil {
			if err := b.Delete(old); err != nil {
				return err
			}
		}
		if cur != nil {
			if err := b.Put(cur, nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// CreateThread implements forum.Store.
func (s *Store) CreateThread(ctx context.Context, t forum.Thread, req forum.Request, check func(forum.Forum) error) (forum.Thread, error) {
	var out forum.Thread
	err := s.db.Update(ctx, func(tx *bbolt.Tx) error {
		out = forum.Thread{}
		name, err := s.requested(tx, req)
		if err != nil {
			return err
		}
		if name != "" {
			k, err := forum.ParseTarget(name)
			if err != nil || k.IsPost() || k.ForumKey() != (forum.ForumKey{Agency: t.Agency, Forum: t.Forum}) {
				return fmt.Errorf("create thread: %w", forum.ErrRequestReused)
			}
			c, err := loadThread(tx, k.ThreadKey)
			out = c.Thread
			return err
		}
		f, err := loadForum(tx, forum.ForumKey{Agency: t.Agency, Forum: t.Forum})
		if err != nil {
			return err
		}
		if err := check(f); err != nil {
			return err
		}
		if t.ID == "" {
			t.ID = ids.New()
		}
		if tx.Bucket(bucketThreads).Get(threadKey(t.Key())) != nil {
			return fmt.Errorf("thread %s: %w", t.Key().Name(), errs.AlreadyExists)
		}
		if t.LastActivityTime.IsZero() {
			t.LastActivityTime = t.CreateTime
		}
		t.Revision = 1
		if err := putThread(tx, t); err != nil {
			return err
		}
		if err := reindexThread(tx, nil, &t); err != nil {
			return err
		}
		if t.State == visible {
			f.ThreadCount++
			if t.LastActivityTime.After(f.LastActivityTime) {
				f.LastActivityTime = t.LastActivityTime
			}
			if err := putForum(tx, f); err != nil {
				return err
			}
		}
		if err := s.remember(tx, req, t.Key().Name()); err != nil {
			return err
		}
		out = t
		return nil
	})
	if err != nil {
		return forum.Thread{}, err
	}
	return out, nil
}

// Thread implements forum.Store.
func (s *Store) Thread(_ context.Context, k forum.ThreadKey) (forum.Content, error) {
	var c forum.Content
	err := s.db.View(func(tx *bbolt.Tx) error {
		var err error
		c, err = loadThread(tx, k)
		return err
	})
	return c, err
}

// ListThreads implements forum.Store.
func (s *Store) ListThreads(_ context.Context, k forum.ForumKey, order forum.ThreadOrder, page forum.Page, keep func(forum.Thread) bool) ([]forum.Thread, []byte, error) {
	index, idAt := bucketThreadsByActivity, 1+8
	if order == forum.ThreadsByVotes {
		index, idAt = bucketThreadsByVotes, 1+8+8
	}
	var out []forum.Thread
	var next []byte
	err := s.db.View(func(tx *bbolt.Tx) error {
		out = nil
		if _, err := loadForum(tx, k); err != nil {
			return err
		}
		threads := tx.Bucket(bucketThreads)
		var err error
		next, err = scan(tx.Bucket(index), boltdb.Below(forumKey(k)), page, func(suffix, _ []byte) (bool, error) {
			if len(suffix) <= idAt {
				return false, fmt.Errorf("list threads: malformed index key %x", suffix)
			}
			var r threadRecord
			ok, err := getRecord(threads, boltdb.Join(k.Agency, k.Forum, string(suffix[idAt:])), &r)
			if err != nil || !ok || !r.DeleteTime.IsZero() {
				return false, err
			}
			t := r.domain()
			if keep != nil && !keep(t) {
				return false, nil
			}
			out = append(out, t)
			return true, nil
		})
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return out, next, nil
}

// UpdateThread implements forum.Store.
func (s *Store) UpdateThread(ctx context.Context, k forum.ThreadKey, mutate func(forum.Forum, *forum.Thread) error) (forum.Thread, error) {
	var out forum.Thread
	err := s.db.Update(ctx, func(tx *bbolt.Tx) error {
		out = forum.Thread{}
		c, err := loadThread(tx, k)
		if err != nil {
			return err
		}
		before, t := c.Thread, c.Thread
		if err := mutate(c.Forum, &t); err != nil {
			return err
		}
		same := t
		same.Title, same.Body, same.Locked, same.Pinned, same.UpdateTime = before.Title, before.Body, before.Locked, before.Pinned, before.UpdateTime
		if same != before {
			return fmt.Errorf("update thread %s: %w", k.Name(), errImmutable)
		}
		t.Revision++
		if err := reindexThread(tx, &before, &t); err != nil {
			return err
		}
		out = t
		return putThread(tx, t)
	})
	if err != nil {
		return forum.Thread{}, err
	}
	return out, nil
}

// DeleteThread implements forum.Store. The record stays, marked deleted,
// until Purge removes it with its posts; it leaves the list indexes at
// once, and the moderation items of the thread and its posts are marked.
func (s *Store) DeleteThread(ctx context.Context, k forum.ThreadKey, at time.Time, check func(forum.Forum, forum.Thread) error) error {
	return s.db.Update(ctx, func(tx *bbolt.Tx) error {
		c, err := loadThread(tx, k)
		if err != nil {
			return err
		}
		if err := check(c.Forum, c.Thread); err != nil {
			return err
		}
		if err := reindexThread(tx, &c.Thread, nil); err != nil {
			return err
		}
		r := toThreadRecord(c.Thread)
		r.DeleteTime = at
		if err := putRecord(tx.Bucket(bucketThreads), threadKey(k), r); err != nil {
			return err
		}
		if c.Thread.State == visible {
			c.Forum.ThreadCount--
			if err := putForum(tx, c.Forum); err != nil {
				return err
			}
		}
		if err := markDeleted(tx, k.Agency, append([]byte{kindThread}, threadKey(k)...), true, at); err != nil {
			return err
		}
		if err := markDeleted(tx, k.Agency, append([]byte{kindPost}, boltdb.Below(threadKey(k))...), false, at); err != nil {
			return err
		}
		return tx.Bucket(bucketTrash).Put(trashKey(at, kindThread, threadKey(k)), nil)
	})
}
