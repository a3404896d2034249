package forum_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
)

// TestPagesStableUnderWrites pages through a thread's replies and a
// forum's threads while others keep writing: every item that existed
// before the first page is listed exactly once, in order.
func TestPagesStableUnderWrites(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mod := e.staff("mod", "metro", moderatorRole)
	alice, bob := e.resident("alice"), e.resident("bob")
	f := e.mustForum(t, mod, "metro", "town-square", public)
	th := e.mustThread(t, alice, f.GetName(), discussion, "Busy thread")
	var wantPosts, wantThreads []string
	for i := range 30 {
		e.clock.Advance(time.Second)
		wantPosts = append(wantPosts, e.mustPost(t, alice, th.GetName(), fmt.Sprintf("old reply %02d", i)).GetName())
	}
	for i := range 12 {
		e.clock.Advance(time.Second)
		wantThreads = append([]string{e.mustThread(t, alice, f.GetName(), discussion, fmt.Sprintf("Old thread %02d", i)).GetName()}, wantThreads...)
	}
	wantThreads = append(wantThreads, th.GetName())

	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			e.clock.Advance(time.Second)
			if _, err := e.posts.CreatePost(bob.ctx(t), &forumv1.CreatePostRequest{Parent: th.GetName(), Post: &forumv1.Post{Body: fmt.Sprintf("new reply %d", i)}}); err != nil {
				t.Error(err)
				return
			}
			if _, err := e.threads.CreateThread(bob.ctx(t), &forumv1.CreateThreadRequest{Parent: f.GetName(), Thread: &forumv1.Thread{Kind: discussion, Title: fmt.Sprintf("New thread %d", i), Body: "new"}}); err != nil {
				t.Error(err)
				return
			}
		}
	})

	var gotPosts []string
	postReq := &forumv1.ListPostsRequest{Parent: th.GetName(), PageSize: 4}
	for {
		resp, err := e.posts.ListPosts(alice.ctx(t), postReq)
		must(t, "list posts", err)
		for _, p := range resp.GetPosts() {
			gotPosts = append(gotPosts, p.GetName())
		}
		if resp.GetNextPageToken() == "" {
			break
		}
		postReq.PageToken = resp.GetNextPageToken()
	}
	var gotThreads []string
	threadReq := &forumv1.ListThreadsRequest{Parent: f.GetName(), PageSize: 3, OrderBy: "last_activity_time desc"}
	for {
		resp, err := e.threads.ListThreads(alice.ctx(t), threadReq)
		must(t, "list threads", err)
		for _, th := range resp.GetThreads() {
			if !strings.HasPrefix(th.GetTitle(), "New thread") {
				gotThreads = append(gotThreads, th.GetName())
			}
		}
		if resp.GetNextPageToken() == "" {
			break
		}
		threadReq.PageToken = resp.GetNextPageToken()
	}
	close(stop)
	wg.Wait()

	seen := map[string]bool{}
	for _, p := range gotPosts {
		if seen[p] {
			t.Fatalf("%s listed twice", p)
		}
		seen[p] = true
	}
	diff(t, "pre-existing replies, once each, oldest first", gotPosts[:len(wantPosts)], wantPosts)
	// The busy thread moves to the front with each new reply, ahead of the
	// cursor, so it is listed on the first page or not at all; the others
	// do not move.
	if gotThreads[0] == th.GetName() {
		gotThreads = append(gotThreads[1:], th.GetName())
	}
	if len(gotThreads) == len(wantThreads)-1 {
		gotThreads = append(gotThreads, th.GetName())
	}
	diff(t, "pre-existing threads, once each", gotThreads, wantThreads)
}
