package boltstore

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"
	"time"

	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
	"github.com/engagehq/engage/services/internal/boltdb"
	"github.com/engagehq/engage/services/internal/errs"
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
	s := reopenMigrated(t, old, path)
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

// TestMigrateDeletedTargets opens a file as version 5 left it, where
// deleting content left its moderation items as they were and the purge
// removed only their links, and checks that version 6 marks the items of
// deleted content and removes those of purged content.
func TestMigrateDeletedTargets(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "forum.db")
	db, err := boltdb.Open(path, boltdb.Options{Migrations: migrations()[:5]})
	if err != nil {
		t.Fatal(err)
	}
	old := &Store{db: db, requests: newRequestIndex()}
	x := fixture{t, old}
	fk := x.forum("traffic")
	tk, goneTK := x.thread(fk, "Speeding"), x.thread(fk, "Gone")
	live, deletedPost, inGoneThread, purgedPost := x.post(tk, "Live"), x.post(tk, "Deleted"), x.post(goneTK, "In a gone thread"), x.post(tk, "Purged")
	liveItem, deletedItem, purgedItem := x.flag(live, "accounts/a1", "n1"), x.flag(deletedPost, "accounts/a1", "n2"), x.flag(purgedPost, "accounts/a1", "n3")
	goneItem := x.flag(inGoneThread, "accounts/a1", "n4")
	goneItem, err = old.ResolveModerationItem(t.Context(), "metro", goneItem.ID, forum.Resolution{
		Action: forumv1.ModerationAction_MODERATION_ACTION_HIDE, Note: "Rude", Resolver: "accounts/mod", Time: retentionStart.Add(2 * time.Minute)},
		func(forum.ModerationItem) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	at := func(h int) time.Time { return retentionStart.Add(time.Duration(h) * time.Hour) }
	anyPost := func(forum.Forum, forum.Thread, forum.Post) error { return nil }
	for _, err := range []error{
		old.DeletePost(t.Context(), purgedPost.PostKey(), at(1), anyPost),
		old.DeletePost(t.Context(), deletedPost.PostKey(), at(3), anyPost),
		old.DeleteThread(t.Context(), goneTK, at(4), func(forum.Forum, forum.Thread) error { return nil }),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := old.Purge(t.Context(), at(2)); err != nil {
		t.Fatal(err)
	}
	// The items as version 5 left them: untouched by the deletions, and
	// the purged post's item still there without its link.
	err = db.Bolt().Update(func(tx *bbolt.Tx) error {
		for _, m := range []forum.ModerationItem{deletedItem, goneItem} {
			now, err := loadItem(tx, "metro", m.ID)
			if err != nil {
				return err
			}
			if err := putItem(tx, &now, m); err != nil {
				return err
			}
		}
		return putItem(tx, nil, purgedItem)
	})
	if err != nil {
		t.Fatal(err)
	}
	s := reopenMigrated(t, old, path)
	get := func(id string) forum.ModerationItem {
		t.Helper()
		m, err := s.ModerationItem(t.Context(), "metro", id)
		if err != nil {
			t.Fatalf("item %s: %v", id, err)
		}
		return m
	}
	if diff := cmp.Diff(liveItem, get(liveItem.ID)); diff != "" {
		t.Errorf("item of a live post (-want +got):\n%s", diff)
	}
	want := deletedItem
	want.State, want.Excerpt, want.TargetDeleteTime, want.Revision = stateTargetDeleted, "", at(3), deletedItem.Revision+1
	if diff := cmp.Diff(want, get(deletedItem.ID)); diff != "" {
		t.Errorf("item of a deleted post (-want +got):\n%s", diff)
	}
	want = goneItem
	want.Excerpt, want.TargetDeleteTime, want.Revision = "", at(4), goneItem.Revision+1
	if diff := cmp.Diff(want, get(goneItem.ID)); diff != "" {
		t.Errorf("decided item of a post in a deleted thread (-want +got):\n%s", diff)
	}
	if _, err := s.ModerationItem(t.Context(), "metro", purgedItem.ID); !errors.Is(err, errs.NotFound) {
		t.Errorf("item of a purged post: %v, want not found", err)
	}
	items, _, err := s.ListModerationItems(t.Context(), "metro", nil, forum.Page{Size: 10})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range items {
		ids = append(ids, m.ID)
	}
	if diff := cmp.Diff([]string{liveItem.ID, goneItem.ID, deletedItem.ID}, ids); diff != "" {
		t.Errorf("queue (-want +got):\n%s", diff)
	}
}

// reopenMigrated closes old, a store left at an earlier schema, and opens
// its file again, which runs every migration since.
func reopenMigrated(t *testing.T, old *Store, path string) *Store {
	t.Helper()
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if v, err := s.DB().SchemaVersion(); err != nil || v != len(migrations()) {
		t.Fatalf("schema version %d (%v), want %d", v, err, len(migrations()))
	}
	return s
}
