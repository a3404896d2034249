// Package storetest is the conformance suite of forum.Store: every
// implementation runs it from its own tests,
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) forum.Store { … a new, empty store … })
//	}
//
// It checks the behaviour the Store documentation promises (errors,
// idempotency, counts, orders, stable pages, moderation, purging), not how
// data is laid out.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
	"github.com/engagehq/engage/services/internal/forum"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Opener returns a new, empty store for one test and arranges its release
// with t.Cleanup.
type Opener func(t *testing.T) forum.Store

// Run runs the whole suite against stores made by open.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		run  func(t *testing.T, s forum.Store)
	}{
		{"Forums", testForums},
		{"ForumList", testForumList},
		{"ForumDelete", testForumDelete},
		{"Threads", testThreads},
		{"ThreadOrder", testThreadOrder},
		{"ThreadPagesStable", testThreadPagesStable},
		{"ThreadListBounded", testThreadListBounded},
		{"Posts", testPosts},
		{"PostPagesStable", testPostPagesStable},
		{"PostsByVotes", testPostsByVotes},
		{"PostsByVotesPages", testPostsByVotesPages},
		{"Accept", testAccept},
		{"Votes", testVotes},
		{"ConcurrentWrites", testConcurrentWrites},
		{"Flags", testFlags},
		{"Resolve", testResolve},
		{"ModerationQueue", testModerationQueue},
		{"ModerationOfDeleted", testModerationOfDeleted},
		{"ModerationPurge", testModerationPurge},
		{"SearchDocs", testSearchDocs},
		{"Purge", testPurge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, open(t))
		})
	}
	testMeetings(t, open)
}

// base is the suite's clock: a time with nanoseconds, which stores must
// keep.
var base = time.Date(2026, 3, 14, 15, 9, 26, 535897932, time.UTC)

func ctx(t *testing.T) context.Context { return t.Context() }

// at returns base plus n minutes.
func at(n int) time.Time { return base.Add(time.Duration(n) * time.Minute) }

const (
	visible = forumv1.ContentState_CONTENT_STATE_VISIBLE
	hidden  = forumv1.ContentState_CONTENT_STATE_HIDDEN
)

// wantErr fails unless err wraps want (nil: no error).
func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	switch {
	case want == nil && err != nil:
		t.Fatalf("%s: unexpected error %v", what, err)
	case want != nil && !errors.Is(err, want):
		t.Fatalf("%s: error %v, want one wrapping %v", what, err, want)
	}
}

// diff fails when got and want differ.
func diff(t *testing.T, what string, got, want any, opts ...cmp.Option) {
	t.Helper()
	opts = append(opts, cmpopts.EquateEmpty())
	if d := cmp.Diff(want, got, opts...); d != "" {
		t.Fatalf("%s mismatch (-want +got):\n%s", what, d)
	}
}

// accept is a check that accepts everything.
func accept[T any](T) error { return nil }

func acceptFT(forum.Forum, forum.Thread) error { return nil }

func acceptFTP(forum.Forum, forum.Thread, forum.Post) error { return nil }

var errVeto = errors.New("veto")

func newForum(agency, id string) forum.Forum {
	return forum.Forum{
		Agency: agency, ID: id, DisplayName: "Forum " + id, Description: "About " + id,
		Visibility: forumv1.Visibility_VISIBILITY_PUBLIC, Area: "d1", CreateTime: base, UpdateTime: base,
	}
}

func mustForum(t *testing.T, s forum.Store, agency, id string) forum.Forum {
	t.Helper()
	f, err := s.CreateForum(ctx(t), newForum(agency, id), forum.Request{})
	if err != nil {
		t.Fatalf("create forum %s: %v", id, err)
	}
	return f
}

func newThread(fk forum.ForumKey, title string, created time.Time) forum.Thread {
	return forum.Thread{
		Agency: fk.Agency, Forum: fk.Forum, Kind: forumv1.ThreadKind_THREAD_KIND_QUESTION,
		Title: title, Body: "Body of " + title, Author: "accounts/author", AuthorDisplayName: "Author",
		State: visible, CreateTime: created, LastActivityTime: created,
	}
}

func mustThread(t *testing.T, s forum.Store, fk forum.ForumKey, title string, created time.Time) forum.Thread {
	t.Helper()
	th, err := s.CreateThread(ctx(t), newThread(fk, title, created), forum.Request{}, accept)
	if err != nil {
		t.Fatalf("create thread %s: %v", title, err)
	}
	return th
}

func newPost(tk forum.ThreadKey, body string, created time.Time) forum.Post {
	return forum.Post{
		Agency: tk.Agency, Forum: tk.Forum, Thread: tk.Thread, Body: body,
		Author: "accounts/replier", AuthorDisplayName: "Replier", State: visible, CreateTime: created,
	}
}

func mustPost(t *testing.T, s forum.Store, tk forum.ThreadKey, body string, created time.Time) forum.Post {
	t.Helper()
	p, err := s.CreatePost(ctx(t), newPost(tk, body, created), forum.Request{}, acceptFT)
	if err != nil {
		t.Fatalf("create post %q: %v", body, err)
	}
	return p
}

func mustThreadContent(t *testing.T, s forum.Store, k forum.ThreadKey) forum.Content {
	t.Helper()
	c, err := s.Thread(ctx(t), k)
	if err != nil {
		t.Fatalf("read thread %s: %v", k.Name(), err)
	}
	return c
}

func mustGetForum(t *testing.T, s forum.Store, k forum.ForumKey) forum.Forum {
	t.Helper()
	f, err := s.Forum(ctx(t), k)
	if err != nil {
		t.Fatalf("read forum %s: %v", k.Name(), err)
	}
	return f
}

func threadTarget(k forum.ThreadKey) forum.Target { return forum.Target{ThreadKey: k} }

func postTarget(p forum.Post) forum.Target {
	return forum.Target{ThreadKey: p.Key().ThreadKey, Post: p.ID}
}

func account(i int) string { return fmt.Sprintf("accounts/a%d", i) }

// titles returns the titles of threads.
func titles(ts []forum.Thread) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Title)
	}
	return out
}

// bodies returns the bodies of posts.
func bodies(ps []forum.Post) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Body)
	}
	return out
}

// allThreads pages through a forum's threads with pages of size n.
func allThreads(t *testing.T, s forum.Store, fk forum.ForumKey, order forum.ThreadOrder, n int) []forum.Thread {
	t.Helper()
	var out []forum.Thread
	page := forum.Page{Size: n}
	for range 1000 {
		list, next, err := s.ListThreads(ctx(t), fk, order, page, nil)
		wantErr(t, "list threads", err, nil)
		out = append(out, list...)
		if next == nil {
			return out
		}
		page.After = next
	}
	t.Fatal("list threads does not end")
	return nil
}

// allPosts pages through a thread's posts with pages of size n.
func allPosts(t *testing.T, s forum.Store, tk forum.ThreadKey, order forum.PostOrder, n int) []forum.Post {
	t.Helper()
	var out []forum.Post
	page := forum.Page{Size: n}
	for range 1000 {
		list, next, err := s.ListPosts(ctx(t), tk, order, page, nil)
		wantErr(t, "list posts", err, nil)
		out = append(out, list...)
		if next == nil {
			return out
		}
		page.After = next
	}
	t.Fatal("list posts does not end")
	return nil
}
