package boltstore

import (
	"bytes"
	"fmt"

	"github.com/engagehq/engage/services/internal/boltdb"
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
