package boltstore

import (
	"bytes"
	"fmt"
	"time"

	"github.com/engagehq/engage/services/internal/boltdb"
	"github.com/engagehq/engage/services/internal/forum"
	"go.etcd.io/bbolt"
)

// Top-level buckets of the forum data (see the package doc).
var (
	bucketForums            = []byte("forums")
	bucketForumsByOrder     = []byte("forums_by_order")
	bucketThreads           = []byte("threads")
	bucketThreadsByActivity = []byte("threads_by_activity")
	bucketThreadsByVotes    = []byte("threads_by_votes")
	bucketPosts             = []byte("posts")
	bucketPostsDeleted      = []byte("posts_deleted")
	bucketPostsByVotes      = []byte("posts_by_votes")
	bucketVotes             = []byte("votes")
	bucketFlags             = []byte("flags")
	bucketModeration        = []byte("moderation_items")
	bucketModerationTargets = []byte("moderation_targets")
	bucketModerationQueue   = []byte("moderation_queue")
	bucketRequests          = []byte("requests") // until version 5

	bucketRequestsByTime = []byte("requests_by_time")
	bucketTrash          = []byte("trash")
)

// migrations is the schema history. Released migrations never change; a
// new layout is a new migration appended here.
func migrations() []boltdb.Migration {
	return []boltdb.Migration{
		{Version: 1, Name: "forum buckets", Up: createForumBuckets},
		{Version: 2, Name: "meeting buckets", Up: createMeetingBuckets},
		{Version: 3, Name: "posts_by_votes without posts that have no votes", Up: dropUnvotedPosts},
		// Forums, threads, posts and request ids are written in binary
		// (wire.go) from version 4 on; JSON ones are still read, and a
		// binary that knows only version 3 must not open the file.
		{Version: 4, Name: "binary records", Up: func(*bbolt.Tx) error { return nil }},
		{Version: 5, Name: "request ids in requests_by_time alone", Up: moveRequestIDs},
		{Version: 6, Name: "moderation items follow their targets' deletion", Up: settleDeletedTargets},
	}
}

func createForumBuckets(tx *bbolt.Tx) error {
	return boltdb.CreateBuckets(tx,
		bucketForums, bucketForumsByOrder,
		bucketThreads, bucketThreadsByActivity, bucketThreadsByVotes,
		bucketPosts, bucketPostsDeleted, bucketPostsByVotes,
		bucketVotes, bucketFlags,
		bucketModeration, bucketModerationTargets, bucketModerationQueue,
		bucketRequests, bucketRequestsByTime, bucketTrash,
	)
}

// dropUnvotedPosts rebuilds posts_by_votes with only the posts that have
// votes (see postvotes.go): dropping the bucket frees its pages at once,
// and only voted posts are written back.
func dropUnvotedPosts(tx *bbolt.Tx) error {
	if err := tx.DeleteBucket(bucketPostsByVotes); err != nil {
		return fmt.Errorf("drop posts_by_votes: %w", err)
	}
	byVotes, err := tx.CreateBucket(bucketPostsByVotes)
	if err != nil {
		return fmt.Errorf("create posts_by_votes: %w", err)
	}
	return tx.Bucket(bucketPosts).ForEach(func(k, v []byte) error {
		r, err := decodePost(v)
		if err != nil {
			return fmt.Errorf("post %q: %w", k, err)
		}
		p := r.domain()
		if !indexedByVotes(p) {
			return nil
		}
		return byVotes.Put(postVotesKey(p), nil)
	})
}

// moveRequestIDs gives each key of requests_by_time, as its value, the
// record the requests bucket held for it, and drops that bucket, which was
// keyed by the clients' random request ids (see requests.go).
func moveRequestIDs(tx *bbolt.Tx) error {
	requests, byTime := tx.Bucket(bucketRequests), tx.Bucket(bucketRequestsByTime)
	type moved struct{ key, value []byte }
	var all []moved
	err := byTime.ForEach(func(k, _ []byte) error {
		if len(k) <= 8 {
			return fmt.Errorf("request ids: malformed key %x", k)
		}
		var r requestRecord
		ok, err := getRecord(requests, k[8:], &r)
		if err != nil || !ok {
			return err // a key without a record is dropped below
		}
		all = append(all, moved{bytes.Clone(k), requestRecord{Name: r.Name}.appendWire([]byte{wireFormat})})
		return nil
	})
	if err != nil {
		return err
	}
	if err := tx.DeleteBucket(bucketRequestsByTime); err != nil {
		return fmt.Errorf("drop requests_by_time: %w", err)
	}
	if byTime, err = tx.CreateBucket(bucketRequestsByTime); err != nil {
		return fmt.Errorf("create requests_by_time: %w", err)
	}
	byTime.FillPercent = 1 // appending in key order
	for _, m := range all {
		if err := byTime.Put(m.key, m.value); err != nil {
			return err
		}
	}
	if err := tx.DeleteBucket(bucketRequests); err != nil {
		return fmt.Errorf("drop requests: %w", err)
	}
	return nil
}

// settleDeletedTargets brings the moderation items of content deleted
// before version 6 to where deleting it now leaves them: an item whose
// target is deleted is marked (forum.ModerationItem.TargetDeleted), which
// drops its excerpt and closes it when open, and an item whose target was
// already purged goes, with its queue entry and any link left to it.
func settleDeletedTargets(tx *bbolt.Tx) error {
	var items []forum.ModerationItem
	err := tx.Bucket(bucketModeration).ForEach(func(k, v []byte) error {
		var r moderationRecord
		if err := decodeRecord(v, &r); err != nil {
			return fmt.Errorf("moderation item %q: %w", k, err)
		}
		m, err := r.domain()
		if err != nil {
			return fmt.Errorf("moderation item %q: %w", k, err)
		}
		items = append(items, m)
		return nil
	})
	if err != nil {
		return err
	}
	for _, m := range items {
		at, exists, err := targetDeleteTime(tx, m.Target)
		if err != nil {
			return fmt.Errorf("moderation item %s: %w", m.Name(), err)
		}
		switch {
		case !exists:
			if err := dropItem(tx, m.Agency, m.ID); err != nil {
				return err
			}
			tk := targetKey(m.Target)
			if id := tx.Bucket(bucketModerationTargets).Get(tk); string(id) == m.ID {
				if err := tx.Bucket(bucketModerationTargets).Delete(tk); err != nil {
					return err
				}
			}
		case !at.IsZero():
			before := m
			if m.TargetDeleted(at) {
				m.Revision++
				if err := putItem(tx, &before, m); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// targetDeleteTime reports whether a target's records are still stored
// (deleted or not) and, when it is deleted, the earliest deletion among it
// and the thread and forum holding it; zero when it is not deleted.
func targetDeleteTime(tx *bbolt.Tx, t forum.Target) (time.Time, bool, error) {
	var at time.Time
	earliest := func(d time.Time) {
		if !d.IsZero() && (at.IsZero() || d.Before(at)) {
			at = d
		}
	}
	var f forumRecord
	ok, err := getRecord(tx.Bucket(bucketForums), forumKey(t.ForumKey()), &f)
	if err != nil || !ok {
		return time.Time{}, false, err
	}
	earliest(f.DeleteTime)
	var th threadRecord
	ok, err = getRecord(tx.Bucket(bucketThreads), threadKey(t.ThreadKey), &th)
	if err != nil || !ok {
		return time.Time{}, false, err
	}
	earliest(th.DeleteTime)
	if t.IsPost() {
		raw := tx.Bucket(bucketPosts).Get(postKey(t.PostKey()))
		if raw == nil {
			raw = tx.Bucket(bucketPostsDeleted).Get(postKey(t.PostKey()))
		}
		if raw == nil {
			return time.Time{}, false, nil
		}
		p, err := decodePost(raw)
		if err != nil {
			return time.Time{}, false, err
		}
		earliest(p.DeleteTime)
	}
	return at, true, nil
}
