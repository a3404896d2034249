package boltstore

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
	"github.com/engagehq/engage/services/internal/boltdb"
	"github.com/engagehq/engage/services/internal/forum"
	"github.com/google/go-cmp/cmp"
	"go.etcd.io/bbolt"
)

// TestMigrateUnvotedPosts opens a file written at schema version 2, where
// posts_by_votes held every post, and checks that version 3 keeps only the
// voted ones while the order by votes stays what it was.
func TestMigrateUnvotedPosts(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "forum.db")
	db, err := boltdb.Open(path, boltdb.Options{Migrations: migrations()[:2]})
	if err != nil {
		t.Fatal(err)
	}
	old := &Store{db: db}
	at := time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)
	fk := forum.ForumKey{Agency: "metro", Forum: "traffic"}
	if _, err := old.CreateForum(t.Context(), forum.Forum{Agency: fk.Agency, ID: fk.Forum, DisplayName: "Traffic",
		Visibility: forumv1.Visibility_VISIBILITY_PUBLIC, CreateTime: at}, forum.Request{}); err != nil {
		t.Fatal(err)
	}
	th, err := old.CreateThread(t.Context(), forum.Thread{Agency: fk.Agency, Forum: fk.Forum,
		Kind: forumv1.ThreadKind_THREAD_KIND_DISCUSSION, Title: "Crossings", Body: "Which first?",
		Author: "accounts/author", State: visible, CreateTime: at}, forum.Request{}, func(forum.Forum) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	// Posts as version 2 wrote them: JSON, and an index entry each, votes
	// or not.
	votes := map[string]int64{"Ash": 0, "Birch": 2, "Cedar": 0, "Dogwood": 1}
	err = db.Bolt().Update(func(tx *bbolt.Tx) error {
		for i, body := range []string{"Ash", "Birch", "Cedar", "Dogwood"} {
			p := forum.Post{Agency: fk.Agency, Forum: fk.Forum, Thread: th.ID, ID: "p" + string(rune('0'+i)), Body: body,
				Author: "accounts/author", State: visible, VoteCount: votes[body], CreateTime: at, Revision: 1}
			raw, err := json.Marshal(toPostRecord(p))
			if err != nil {
				return err
			}
			if err := tx.Bucket(bucketPosts).Put(postKey(p.Key()), raw); err != nil {
				return err
			}
			if err := tx.Bucket(bucketPostsByVotes).Put(postVotesKey(p), nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, err := s.DB().SchemaVersion(); err != nil || v != len(migrations()) {
		t.Fatalf("schema version %d (%v), want %d", v, err, len(migrations()))
	}
	var entries int
	err = s.DB().View(func(tx *bbolt.Tx) error {
		entries = tx.Bucket(bucketPostsByVotes).Stats().KeyN
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if entries != 2 {
		t.Errorf("posts_by_votes holds %d entries, want the 2 voted posts", entries)
	}
	list, next, err := s.ListPosts(t.Context(), th.Key(), forum.PostsByVotes, forum.Page{Size: 10}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range list {
		got = append(got, p.Body)
	}
	if diff := cmp.Diff([]string{"Birch", "Dogwood", "Ash", "Cedar"}, got); diff != "" || next != nil {
		t.Errorf("posts by votes after the migration (-want +got):\n%s next %x", diff, next)
	}
}
