package boltstore

import (
	"context"

	"github.com/engagehq/engage/services/internal/forum"
	"go.etcd.io/bbolt"
)

// loadTarget returns a thread or post that exists and is not deleted.
func loadTarget(tx *bbolt.Tx, t forum.Target) (forum.Content, error) {
	if t.IsPost() {
		return loadPost(tx, t.PostKey())
	}
	return loadThread(tx, t.ThreadKey)
}

// Vote implements forum.Store. A vote is a key per account and target, so
// VoteCount changes only when that key appears or goes.
func (s *Store) Vote(ctx context.Context, t forum.Target, account string, up bool, check func(forum.Content) error) (forum.Content, error) {
	var out forum.Content
	err := s.db.Update(ctx, func(tx *bbolt.Tx) error {
		out = forum.Content{}
		c, err := loadTarget(tx, t)
		if err != nil {
			return err
		}
		if err := check(c); err != nil {
			return err
		}
		votes, key := tx.Bucket(bucketVotes), accountKey(targetKey(t), account)
		if has := votes.Get(key) != nil; has == up {
			out = c
			return nil
		}
		delta := int64(-1)
		if up {
			delta = 1
			err = votes.Put(key, nil)
		} else {
			err = votes.Delete(key)
		}
		if err != nil {
			return err
		}
		if c.Post != nil {
			before := *c.Post
			c.Post.VoteCount += delta
			if err := deletePostVotes(tx, before); err != nil {
				return err
			}
			if err := putPostVotes(tx, *c.Post); err != nil {
				return err
			}
			if err := putPost(tx, *c.Post); err != nil {
				return err
			}
		} else {
			before := c.Thread
			c.Thread.VoteCount += delta
			if err := reindexThread(tx, &before, &c.Thread); err != nil {
				return err
			}
			if err := putThread(tx, c.Thread); err != nil {
				return err
			}
		}
		out = c
		return nil
	})
	if err != nil {
		return forum.Content{}, err
	}
	return out, nil
}

// Voted implements forum.Store: one key lookup per target.
func (s *Store) Voted(_ context.Context, account string, targets []forum.Target) ([]bool, error) {
	out := make([]bool, len(targets))
	if account == "" || len(targets) == 0 {
		return out, nil
	}
	err := s.db.View(func(tx *bbolt.Tx) error {
		votes := tx.Bucket(bucketVotes)
		for i, t := range targets {
			out[i] = votes.Get(accountKey(targetKey(t), account)) != nil
		}
		return nil
	})
	return out, err
}
