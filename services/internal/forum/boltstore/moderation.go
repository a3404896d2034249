package boltstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
	"github.com/engagehq/engage/services/internal/boltdb"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/forum"
	"github.com/engagehq/engage/services/internal/ids"
	"go.etcd.io/bbolt"
)

const (
	hidden             = forumv1.ContentState_CONTENT_STATE_HIDDEN
	stateOpen          = forumv1.ModerationItem_STATE_OPEN
	stateTargetDeleted = forumv1.ModerationItem_STATE_TARGET_DELETED
)

// setState shows or hides content with a reason, keeping the visible
// counts of its thread or forum, and stores it.
func setState(tx *bbolt.Tx, c forum.Content, state forumv1.ContentState, reason string) error {
	delta := int64(0)
	switch {
	case c.State() == visible && state != visible:
		delta = -1
	case c.State() != visible && state == visible:
		delta = 1
	}
	if c.Post != nil {
		if c.Post.State == state && c.Post.HiddenReason == reason {
			return nil
		}
		c.Post.State, c.Post.HiddenReason = state, reason
		c.Post.Revision++
		if delta != 0 {
			c.Thread.PostCount += delta
			if err := putThread(tx, c.Thread); err != nil {
				return err
			}
		}
		return putPost(tx, *c.Post)
	}
	if c.Thread.State == state && c.Thread.HiddenReason == reason {
		return nil
	}
	c.Thread.State, c.Thread.HiddenReason = state, reason
	c.Thread.Revision++
	if delta != 0 {
		c.Forum.ThreadCount += delta
		if err := putForum(tx, c.Forum); err != nil {
			return err
		}
	}
	return putThread(tx, c.Thread)
}

func loadItem(tx *bbolt.Tx, agency, id string) (forum.ModerationItem, error) {
	var r moderationRecord
	ok, err := getRecord(tx.Bucket(bucketModeration), boltdb.Join(agency, id), &r)
	if err != nil {
		return forum.ModerationItem{}, err
	}
	if !ok {
		return forum.ModerationItem{}, fmt.Errorf("moderation item %s/%s: %w", agency, id, errs.NotFound)
	}
	return r.domain()
}

func queueKey(m forum.ModerationItem) []byte {
	return append(boltdb.Below([]byte(m.Agency)), queueSuffix(m)...)
}

// putItem stores an item and moves its queue entry from where before
// (nil for a new item) had it.
func putItem(tx *bbolt.Tx, before *forum.ModerationItem, m forum.ModerationItem) error {
	queue := tx.Bucket(bucketModerationQueue)
	if before != nil {
		if err := queue.Delete(queueKey(*before)); err != nil {
			return err
		}
	}
	if err := queue.Put(queueKey(m), nil); err != nil {
		return err
	}
	return putRecord(tx.Bucket(bucketModeration), boltdb.Join(m.Agency, m.ID), toModerationRecord(m))
}

// markDeleted marks the moderation items of an agency's targets deleted at
// time at (forum.ModerationItem.TargetDeleted): the target whose key is
// pfx when exact, else every target whose key starts with pfx. It reads
// moderation_targets, which holds flagged targets only, so that deleting
// a large thread or forum costs one seek per range and one write per
// flagged target in it.
func markDeleted(tx *bbolt.Tx, agency string, pfx []byte, exact bool, at time.Time) error {
	targets := tx.Bucket(bucketModerationTargets)
	var ids []string
	if exact {
		if id := targets.Get(pfx); id != nil {
			ids = append(ids, string(id))
		}
	} else {
		c := targets.Cursor()
		for k, id := c.Seek(pfx); k != nil && bytes.HasPrefix(k, pfx); k, id = c.Next() {
			ids = append(ids, string(id))
		}
	}
	for _, id := range ids {
		item, err := loadItem(tx, agency, id)
		if err != nil {
			return err
		}
		before := item
		if !item.TargetDeleted(at) {
			continue
		}
		item.Revision++
		if err := putItem(tx, &before, item); err != nil {
			return err
		}
	}
	return nil
}

// Flag implements forum.Store.
func (s *Store) Flag(ctx context.Context, t forum.Target, f forum.Flag, rule forum.FlagRule, check func(forum.Content) error) (forum.FlagResult, error) {
	var out forum.FlagResult
	err := s.db.Update(ctx, func(tx *bbolt.Tx) error {
		out = forum.FlagResult{}
		c, err := loadTarget(tx, t)
		if err != nil {
			return err
		}
		if err := check(c); err != nil {
			return err
		}
		tk := targetKey(t)
		targets := tx.Bucket(bucketModerationTargets)
		var item forum.ModerationItem
		var before *forum.ModerationItem
		if id := targets.Get(tk); id != nil {
			if item, err = loadItem(tx, t.Agency, string(id)); err != nil {
				return err
			}
			prev := item
			before = &prev
		}
		flags, fk := tx.Bucket(bucketFlags), accountKey(tk, f.Account)
		if flags.Get(fk) != nil {
			out.Item = item
			return nil // one flag per account, ever: the second changes nothing
		}
		if err := flags.Put(fk, nil); err != nil {
			return err
		}
		if before == nil {
			item = forum.ModerationItem{
				Agency: t.Agency, ID: ids.New(), Target: t,
				Excerpt: forum.Excerpt(c), Author: c.Author(),
				State: stateOpen, CreateTime: f.CreateTime, OpenTime: f.CreateTime,
			}
			if err := targets.Put(tk, []byte(item.ID)); err != nil {
				return err
			}
		}
		if item.State != stateOpen {
			item.State, item.OpenTime = stateOpen, f.CreateTime
			item.Action, item.Note, item.Resolver = forumv1.ModerationAction_MODERATION_ACTION_UNSPECIFIED, "", ""
			item.ResolveTime, item.AutoHidden = time.Time{}, false
		}
		item.AddFlag(f)
		item.Revision++
		if item.CountingFlags() >= rule.Threshold && c.State() == visible && !c.Official() {
			if err := setState(tx, c, hidden, rule.HiddenReason); err != nil {
				return err
			}
			item.AutoHidden = true
			out.Hidden = true
		}
		out.Item = item
		return putItem(tx, before, item)
	})
	if err != nil {
		return forum.FlagResult{}, err
	}
	return out, nil
}

// ModerationItem implements forum.Store.
func (s *Store) ModerationItem(_ context.Context, agency, id string) (forum.ModerationItem, error) {
	var m forum.ModerationItem
	err := s.db.View(func(tx *bbolt.Tx) error {
		var err error
		m, err = loadItem(tx, agency, id)
		return err
	})
	return m, err
}

// ListModerationItems implements forum.Store. One state narrows the scan
// to that state's part of the queue.
func (s *Store) ListModerationItems(_ context.Context, agency string, states []forumv1.ModerationItem_State, page forum.Page) ([]forum.ModerationItem, []byte, error) {
	pfx := boltdb.Below([]byte(agency))
	if len(states) == 1 {
		pfx = append(pfx, byte(states[0]))
	}
	want := func(st byte) bool {
		if len(states) == 0 {
			return true
		}
		for _, s := range states {
			if byte(s) == st {
				return true
			}
		}
		return false
	}
	var out []forum.ModerationItem
	var next []byte
	err := s.db.View(func(tx *bbolt.Tx) error {
		out = nil
		var err error
		next, err = scan(tx.Bucket(bucketModerationQueue), pfx, page, func(suffix, _ []byte) (bool, error) {
			full := suffix
			if len(states) == 1 {
				full = append([]byte{byte(states[0])}, suffix...)
			}
			if len(full) <= 1+8 {
				return false, fmt.Errorf("list moderation items: malformed queue key %x", full)
			}
			if !want(full[0]) {
				return false, nil
			}
			m, err := loadItem(tx, agency, string(full[1+8:]))
			if err != nil {
				return false, err
			}
			out = append(out, m)
			return true, nil
		})
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return out, next, nil
}

// ResolveModerationItem implements forum.Store.
func (s *Store) ResolveModerationItem(ctx context.Context, agency, id string, r forum.Resolution, check func(forum.ModerationItem) error) (forum.ModerationItem, error) {
	var out forum.ModerationItem
	err := s.db.Update(ctx, func(tx *bbolt.Tx) error {
		out = forum.ModerationItem{}
		item, err := loadItem(tx, agency, id)
		if err != nil {
			return err
		}
		if err := check(item); err != nil {
			return err
		}
		before := item
		c, err := loadTarget(tx, item.Target)
		exists := err == nil
		if err != nil && !errors.Is(err, errs.NotFound) {
			return err
		}
		err = nil // a deleted target: the decision is recorded, nothing to apply
		switch r.Action {
		case forumv1.ModerationAction_MODERATION_ACTION_HIDE:
			if exists {
				err = setState(tx, c, hidden, r.Note)
			}
		case forumv1.ModerationAction_MODERATION_ACTION_RESTORE:
			if exists {
				err = setState(tx, c, visible, "")
			}
			item.Cleared = true
		case forumv1.ModerationAction_MODERATION_ACTION_DISMISS:
		default:
			return fmt.Errorf("resolve moderation item: action %v: %w", r.Action, errs.InvalidArgument)
		}
		if err != nil {
			return err
		}
		item.State, item.Action, item.Note, item.Resolver, item.ResolveTime = stateResolved, r.Action, r.Note, r.Resolver, r.Time
		item.Revision++
		out = item
		return putItem(tx, &before, item)
	})
	if err != nil {
		return forum.ModerationItem{}, err
	}
	return out, nil
}
