package boltstore

import (
	"bytes"
	"testing"
	"time"

	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
	"github.com/engagehq/engage/services/internal/forum"
	"github.com/google/go-cmp/cmp"
	"go.etcd.io/bbolt"
)

var retentionStart = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

// fixture writes through s what the retention tests start from.
type fixture struct {
	t *testing.T
	s *Store
}

func (x fixture) forum(id string) forum.ForumKey {
	x.t.Helper()
	f, err := x.s.CreateForum(x.t.Context(), forum.Forum{Agency: "metro", ID: id, DisplayName: id,
		Visibility: forumv1.Visibility_VISIBILITY_PUBLIC, CreateTime: retentionStart}, forum.Request{})
	if err != nil {
		x.t.Fatal(err)
	}
	return f.Key()
}

func (x fixture) thread(fk forum.ForumKey, title string) forum.ThreadKey {
	x.t.Helper()
	th, err := x.s.CreateThread(x.t.Context(), forum.Thread{Agency: fk.Agency, Forum: fk.Forum,
		Kind: forumv1.ThreadKind_THREAD_KIND_DISCUSSION, Title: title, Body: "About " + title,
		Author: "accounts/author", State: visible, CreateTime: retentionStart}, forum.Request{}, func(forum.Forum) error { return nil })
	if err != nil {
		x.t.Fatal(err)
	}
	return th.Key()
}

func (x fixture) post(tk forum.ThreadKey, body string) forum.Target {
	x.t.Helper()
	p, err := x.s.CreatePost(x.t.Context(), forum.Post{Agency: tk.Agency, Forum: tk.Forum, Thread: tk.Thread, Body: body,
		Author: "accounts/author", State: visible, CreateTime: retentionStart}, forum.Request{}, func(forum.Forum, forum.Thread) error { return nil })
	if err != nil {
		x.t.Fatal(err)
	}
	return forum.Target{ThreadKey: tk, Post: p.ID}
}

func (x fixture) flag(target forum.Target, account, note string) forum.ModerationItem {
	x.t.Helper()
	r, err := x.s.Flag(x.t.Context(), target, forum.Flag{Account: account, Reason: forumv1.FlagReason_FLAG_REASON_HARASSMENT,
		Note: note, CreateTime: retentionStart.Add(time.Minute)}, forum.FlagRule{Threshold: 3}, func(forum.Content) error { return nil })
	if err != nil {
		x.t.Fatal(err)
	}
	return r.Item
}

// holding returns the buckets of which a key or value contains text.
func holding(t *testing.T, s *Store, text string) []string {
	t.Helper()
	var out []string
	err := s.DB().View(func(tx *bbolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bbolt.Bucket) error {
			return b.ForEach(func(k, v []byte) error {
				if bytes.Contains(k, []byte(text)) || bytes.Contains(v, []byte(text)) {
					out = append(out, string(name))
				}
				return nil
			})
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// keyCounts returns how many keys each of the named buckets holds.
func keyCounts(t *testing.T, s *Store, buckets ...[]byte) map[string]int {
	t.Helper()
	out := map[string]int{}
	err := s.DB().View(func(tx *bbolt.Tx) error {
		for _, name := range buckets {
			out[string(name)] = tx.Bucket(name).Stats().KeyN
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDeletedPostLeavesNoTrace follows the text of a flagged post that its
// author deletes through the file: the moderation item stops quoting it at
// once, the post itself stays for the retention period, and the purge
// leaves nothing of it, nor of the flags and their notes.
func TestDeletedPostLeavesNoTrace(t *testing.T) {
	t.Parallel()
	s := open(t)
	x := fixture{t, s}
	tk := x.thread(x.forum("traffic"), "Speeding")
	doxx := x.post(tk, "My phone number is 555-0100")
	x.flag(doxx, "accounts/a1", "Personal data: 555-0100 again")
	x.flag(doxx, "accounts/a2", "")
	deleted := retentionStart.Add(time.Hour)
	if err := s.DeletePost(t.Context(), doxx.PostKey(), deleted, func(forum.Forum, forum.Thread, forum.Post) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"moderation_items", "posts_deleted"}, holding(t, s, "555-0100")); diff != "" {
		t.Errorf("after the deletion, the number is in (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"posts_deleted"}, holding(t, s, "My phone number")); diff != "" {
		t.Errorf("after the deletion, the post's text is in (-want +got):\n%s", diff)
	}

	if _, err := s.Purge(t.Context(), deleted.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if got := holding(t, s, "555-0100"); got != nil {
		t.Errorf("after the purge, the number is still in %v", got)
	}
	want := map[string]int{"moderation_items": 0, "moderation_targets": 0, "moderation_queue": 0, "flags": 0, "posts_deleted": 0, "trash": 0}
	got := keyCounts(t, s, bucketModeration, bucketModerationTargets, bucketModerationQueue, bucketFlags, bucketPostsDeleted, bucketTrash)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("keys after the purge (-want +got):\n%s", diff)
	}
}
