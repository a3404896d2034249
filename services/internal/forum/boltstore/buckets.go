package boltstore

import (
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
	bucketRequests          = []byte("requests")
	bucketRequestsByTime    = []byte("requests_by_time")
	bucketTrash             = []byte("trash")
)

// migrations is the schema history. Released migrations never change; a
// new layout is a new migration appended here.
func migrations() []boltdb.Migration {
	return []boltdb.Migration{
		{Version: 1, Name: "forum buckets", Up: createForumBuckets},
		{Version: 2, Name: "meeting buckets", Up: createMeetingBuckets},
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
