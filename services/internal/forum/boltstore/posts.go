package boltstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/engagehq/engage/services/internal/boltdb"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/forum"
	"github.com/engagehq/engage/services/internal/ids"
	"go.etcd.io/bbolt"
)

// loadPost returns a post that exists and is not deleted, with its thread
// and forum, or errs.NotFound.
func loadPost(tx *bbolt.Tx, k forum.PostKey) (forum.Content, error) {
	c, err := loadThread(tx, k.ThreadKey)
	if err != nil {
		return forum.Content{}, fmt.Errorf("post %s: %w", k.Name(), errs.NotFound)
	}
	raw := tx.Bucket(bucketPosts).Get(postKey(k))
	if raw == nil {
		return forum.Content{}, fmt.Errorf("post %s: %w", k.Name(), errs.NotFound)
	}
	r, err := decodePost(raw)
	if err != nil {
		return forum.Content{}, fmt.Errorf("post %s: %w", k.Name(), err)
	}
	p := r.domain()
	c.Post = &p
	return c, nil
}

func putPost(tx *bbolt.Tx, p forum.Post) error {
	return putRecord(tx.Bucket(bucketPosts), postKey(p.Key()), toPostRecord(p))
}

// decodePost decodes a stored post; the result holds no bytes of raw.
func decodePost(raw []byte) (postRecord, error) {
	var r postRecord
	if err := decodeRecord(raw, &r); err != nil {
		return postRecord{}, fmt.Errorf("decode post: %w", err)
	}
	return r, nil
}

// postVotesKey is a post's key in posts_by_votes.
func postVotesKey(p forum.Post) []byte {
	return append(boltdb.Below(threadKey(p.Key().ThreadKey)), postVotesSuffix(p)...)
}

// appendFill is how full bbolt leaves the first page of a split in the
// buckets whose writes append: posts, where a thread's new post has the
// last key of the thread's range since ids grow with time, and
// requests_by_time. After a split at the default half, the first page is
// never written to again and stays half empty, while a fuller one means
// fewer splits and fewer pages to write for the same writes.
const appendFill = 0.9

// bumpActivity moves the thread's LastActivityTime to at when it is
// later, and the forum's when at is forum.ForumActivityStep or more later
// (so that replies do not all rewrite the forum's record), and stores what
// changed.
func bumpActivity(tx *bbolt.Tx, c forum.Content, at time.Time) error {
	before := c.Thread
	if at.After(c.Thread.LastActivityTime) {
		c.Thread.LastActivityTime = at
		if err := reindexThread(tx, &before, &c.Thread); err != nil {
			return err
		}
	}
	if at.Sub(c.Forum.LastActivityTime) >= forum.ForumActivityStep {
		c.Forum.LastActivityTime = at
		if err := putForum(tx, c.Forum); err != nil {
			return err
		}
	}
	return putThread(tx, c.Thread)
}

// CreatePost implements forum.Store.
func (s *Store) CreatePost(ctx context.Context, p forum.Post, req forum.Request, check func(forum.Forum, forum.Thread) error) (forum.Post, error) {
	var out forum.Post
	tk := forum.ThreadKey{Agency: p.Agency, Forum: p.Forum, Thread: p.Thread}
	err := s.db.Update(ctx, func(tx *bbolt.Tx) error {
		out = forum.Post{}
		name, err := s.requested(tx, req)
		if err != nil {
			return err
		}
		if name != "" {
			t, err := forum.ParseTarget(name)
			if err != nil || !t.IsPost() || t.ThreadKey != tk {
				return fmt.Errorf("create post: %w", forum.ErrRequestReused)
			}
			c, err := loadPost(tx, t.PostKey())
			if err != nil {
				return err
			}
			out = *c.Post
			return nil
		}
		c, err := loadThread(tx, tk)
		if err != nil {
			return err
		}
		if err := check(c.Forum, c.Thread); err != nil {
			return err
		}
		// An id made here is new (UUIDv7 are unique and grow within the
		// process); only one the caller chose must be checked.
		if p.ID == "" {
			p.ID = ids.New()
		} else if tx.Bucket(bucketPosts).Get(postKey(p.Key())) != nil || tx.Bucket(bucketPostsDeleted).Get(postKey(p.Key())) != nil {
			return fmt.Errorf("post %s: %w", p.Key().Name(), errs.AlreadyExists)
		}
		p.Revision = 1
		tx.Bucket(bucketPosts).FillPercent = appendFill
		if err := putPost(tx, p); err != nil {
			return err
		}
		if err := putPostVotes(tx, p); err != nil {
			return err
		}
		if p.State == visible {
			c.Thread.PostCount++
			if err := bumpActivity(tx, c, p.CreateTime); err != nil {
				return err
			}
		}
		if err := s.remember(tx, req, p.Key().Name()); err != nil {
			return err
		}
		out = p
		return nil
	})
	if err != nil {
		return forum.Post{}, err
	}
	return out, nil
}

// Post implements forum.Store.
func (s *Store) Post(_ context.Context, k forum.PostKey) (forum.Content, error) {
	var c forum.Content
	err := s.db.View(func(tx *bbolt.Tx) error {
		var err error
		c, err = loadPost(tx, k)
		return err
	})
	return c, err
}

// ListPosts implements forum.Store. In creation order it reads the posts
// bucket itself, whose keys end with time-ordered ids, from the cursor
// on: a page costs one seek and the records it returns.
func (s *Store) ListPosts(_ context.Context, k forum.ThreadKey, order forum.PostOrder, page forum.Page, keep func(forum.Post) bool) ([]forum.Post, []byte, error) {
	var out []forum.Post
	var next []byte
	err := s.db.View(func(tx *bbolt.Tx) error {
		out = nil
		if _, err := loadThread(tx, k); err != nil {
			return err
		}
		add := func(p forum.Post) (bool, error) {
			if keep != nil && !keep(p) {
				return false, nil
			}
			out = append(out, p)
			return true, nil
		}
		var err error
		if order == forum.PostsByVotes {
			// Voted posts from their index, then the rest in id order.
			next, err = listPostsByVotes(tx, k, page, add)
			return err
		}
		next, err = scan(tx.Bucket(bucketPosts), boltdb.Below(threadKey(k)), page, func(_, v []byte) (bool, error) {
			r, err := decodePost(v)
			if err != nil {
				return false, fmt.Errorf("list posts: %w", err)
			}
			return add(r.domain())
		})
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return out, next, nil
}

// UpdatePost implements forum.Store.
func (s *Store) UpdatePost(ctx context.Context, k forum.PostKey, mutate func(forum.Forum, forum.Thread, *forum.Post) error) (forum.Post, error) {
	var out forum.Post
	err := s.db.Update(ctx, func(tx *bbolt.Tx) error {
		out = forum.Post{}
		c, err := loadPost(tx, k)
		if err != nil {
			return err
		}
		before, p := *c.Post, *c.Post
		if err := mutate(c.Forum, c.Thread, &p); err != nil {
			return err
		}
		same := p
		same.Body, same.UpdateTime = before.Body, before.UpdateTime
		if same != before {
			return fmt.Errorf("update post %s: %w", k.Name(), errImmutable)
		}
		p.Revision++
		out = p
		return putPost(tx, p)
	})
	if err != nil {
		return forum.Post{}, err
	}
	return out, nil
}

// DeletePost implements forum.Store. The post moves to posts_deleted, so
// that lists, which read the posts bucket, never step over deleted posts.
func (s *Store) DeletePost(ctx context.Context, k forum.PostKey, at time.Time, check func(forum.Forum, forum.Thread, forum.Post) error) error {
	return s.db.Update(ctx, func(tx *bbolt.Tx) error {
		c, err := loadPost(tx, k)
		if err != nil {
			return err
		}
		p := *c.Post
		if err := check(c.Forum, c.Thread, p); err != nil {
			return err
		}
		if err := tx.Bucket(bucketPosts).Delete(postKey(k)); err != nil {
			return err
		}
		if err := deletePostVotes(tx, p); err != nil {
			return err
		}
		r := toPostRecord(p)
		r.DeleteTime = at
		if err := putRecord(tx.Bucket(bucketPostsDeleted), postKey(k), r); err != nil {
			return err
		}
		t, changed := c.Thread, false
		if p.State == visible {
			t.PostCount--
			changed = true
		}
		if t.AcceptedAnswer == p.ID {
			t.Answered, t.AcceptedAnswer = false, ""
			t.Revision++
			changed = true
		}
		if changed {
			if err := putThread(tx, t); err != nil {
				return err
			}
		}
		if err := markDeleted(tx, k.Agency, targetKey(forum.Target{ThreadKey: k.ThreadKey, Post: k.Post}), true, at); err != nil {
			return err
		}
		return tx.Bucket(bucketTrash).Put(trashKey(at, kindPost, postKey(k)), nil)
	})
}

// AcceptPost implements forum.Store.
func (s *Store) AcceptPost(ctx context.Context, k forum.PostKey, check func(forum.Forum, forum.Thread, forum.Post) error) (forum.Post, error) {
	var out forum.Post
	err := s.db.Update(ctx, func(tx *bbolt.Tx) error {
		out = forum.Post{}
		c, err := loadPost(tx, k)
		if err != nil {
			return err
		}
		p, t := *c.Post, c.Thread
		if err := check(c.Forum, t, p); err != nil {
			return err
		}
		if p.Accepted && t.Answered && t.AcceptedAnswer == p.ID {
			out = p
			return nil
		}
		if t.AcceptedAnswer != "" && t.AcceptedAnswer != p.ID {
			prev, err := loadPost(tx, forum.PostKey{ThreadKey: k.ThreadKey, Post: t.AcceptedAnswer})
			switch {
			case err == nil:
				prev.Post.Accepted = false
				prev.Post.Revision++
				if err := putPost(tx, *prev.Post); err != nil {
					return err
				}
			case !errors.Is(err, errs.NotFound):
				return err
			}
		}
		p.Accepted = true
		p.Revision++
		t.Answered, t.AcceptedAnswer = true, p.ID
		t.Revision++
		if err := putPost(tx, p); err != nil {
			return err
		}
		out = p
		return putThread(tx, t)
	})
	if err != nil {
		return forum.Post{}, err
	}
	return out, nil
}
