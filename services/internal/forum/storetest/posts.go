package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/forum"
)

func testPosts(t *testing.T, s forum.Store) {
	f := mustForum(t, s, "metro", "traffic")
	th := mustThread(t, s, f.Key(), "Speeding", at(1))
	req := forum.Request{Caller: "accounts/replier", ID: "req-1", Time: base}
	in := newPost(th.Key(), "Same here", at(2))

	_, err := s.CreatePost(ctx(t), in, req, func(forum.Forum, forum.Thread) error { return errVeto })
	wantErr(t, "vetoed create", err, errVeto)
	diff(t, "no count after a vetoed create", mustThreadContent(t, s, th.Key()).Thread.PostCount, int64(0))

	got, err := s.CreatePost(ctx(t), in, req, acceptFT)
	wantErr(t, "create", err, nil)
	want := in
	want.ID, want.Revision = got.ID, 1
	diff(t, "created", got, want)
	again, err := s.CreatePost(ctx(t), newPost(th.Key(), "Other text", at(3)), req, acceptFT)
	wantErr(t, "retry", err, nil)
	diff(t, "retry returns the first", again, want)
	th2 := mustThread(t, s, f.Key(), "Other thread", at(1))
	_, err = s.CreatePost(ctx(t), newPost(th2.Key(), "Elsewhere", at(3)), req, acceptFT)
	wantErr(t, "request id reused in another thread", err, forum.ErrRequestReused)

	c, err := s.Post(ctx(t), want.Key())
	wantErr(t, "get", err, nil)
	diff(t, "stored post", *c.Post, want)
	diff(t, "thread counts the post", [2]any{c.Thread.PostCount, c.Thread.LastActivityTime}, [2]any{int64(1), at(2)})
	diff(t, "forum activity", c.Forum.LastActivityTime, at(2))
	diff(t, "a reply leaves the thread's revision", c.Thread.Revision, int64(1))

	_, err = s.CreatePost(ctx(t), newPost(forum.ThreadKey{Agency: "metro", Forum: "traffic", Thread: "nowhere"}, "x", at(3)), forum.Request{}, acceptFT)
	wantErr(t, "reply to an unknown thread", err, errs.NotFound)

	second := mustPost(t, s, th.Key(), "Second", at(4))
	diff(t, "forum activity a step later", mustThreadContent(t, s, th.Key()).Forum.LastActivityTime, at(4))
	soon := at(4).Add(forum.ForumActivityStep - time.Second)
	mustPost(t, s, th2.Key(), "Soon after", soon)
	c = mustThreadContent(t, s, th2.Key())
	diff(t, "activity less than a step later", [2]any{c.Thread.LastActivityTime, c.Forum.LastActivityTime}, [2]any{soon, at(4)})
	if second.ID <= want.ID {
		t.Fatalf("post ids %q then %q: ids must sort in creation order", want.ID, second.ID)
	}

	got, err = s.UpdatePost(ctx(t), want.Key(), func(_ forum.Forum, _ forum.Thread, p *forum.Post) error {
		p.Body, p.UpdateTime = "Same here, every morning", at(5)
		return nil
	})
	wantErr(t, "update", err, nil)
	want.Body, want.UpdateTime, want.Revision = "Same here, every morning", at(5), 2
	diff(t, "updated", got, want)
	_, err = s.UpdatePost(ctx(t), want.Key(), func(_ forum.Forum, _ forum.Thread, p *forum.Post) error {
		p.State = hidden
		return nil
	})
	if err == nil {
		t.Fatal("an update that hides the post succeeded")
	}
	_, err = s.UpdatePost(ctx(t), want.Key(), func(forum.Forum, forum.Thread, *forum.Post) error { return errVeto })
	wantErr(t, "vetoed update", err, errVeto)

	diff(t, "posts oldest first", bodies(allPosts(t, s, th.Key(), forum.PostsByCreateTime, 1)), []string{want.Body, "Second"})

	err = s.DeletePost(ctx(t), want.Key(), at(6), func(forum.Forum, forum.Thread, forum.Post) error { return errVeto })
	wantErr(t, "vetoed delete", err, errVeto)
	wantErr(t, "delete", s.DeletePost(ctx(t), want.Key(), at(6), acceptFTP), nil)
	_, err = s.Post(ctx(t), want.Key())
	wantErr(t, "get deleted", err, errs.NotFound)
	wantErr(t, "delete again", s.DeletePost(ctx(t), want.Key(), at(7), acceptFTP), errs.NotFound)
	diff(t, "count after delete", mustThreadContent(t, s, th.Key()).Thread.PostCount, int64(1))
	diff(t, "list after delete", bodies(allPosts(t, s, th.Key(), forum.PostsByCreateTime, 10)), []string{"Second"})
	diff(t, "by votes after delete", bodies(allPosts(t, s, th.Key(), forum.PostsByVotes, 10)), []string{"Second"})

	// Posts of a deleted thread are gone with it.
	wantErr(t, "delete thread", s.DeleteThread(ctx(t), th.Key(), at(8), acceptFT), nil)
	_, err = s.Post(ctx(t), second.Key())
	wantErr(t, "post of a deleted thread", err, errs.NotFound)
	_, _, err = s.ListPosts(ctx(t), th.Key(), forum.PostsByCreateTime, forum.Page{Size: 10}, nil)
	wantErr(t, "list posts of a deleted thread", err, errs.NotFound)
}

// testPostPagesStable pages through a thread while others reply: every
// post that existed before the first page is listed once, in order.
func testPostPagesStable(t *testing.T, s forum.Store) {
	f := mustForum(t, s, "metro", "traffic")
	th := mustThread(t, s, f.Key(), "Busy", base)
	var want []string
	for i := range 40 {
		want = append(want, mustPost(t, s, th.Key(), fmt.Sprintf("P%02d", i), at(i)).Body)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := s.CreatePost(ctx(t), newPost(th.Key(), fmt.Sprintf("W%d-%d", w, i), at(100)), forum.Request{}, acceptFT); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	var got []string
	page := forum.Page{Size: 7}
	for {
		list, next, err := s.ListPosts(ctx(t), th.Key(), forum.PostsByCreateTime, page, nil)
		wantErr(t, "list", err, nil)
		got = append(got, bodies(list)...)
		if next == nil {
			break
		}
		page.After = next
	}
	close(stop)
	wg.Wait()
	seen := map[string]bool{}
	for _, b := range got {
		if seen[b] {
			t.Fatalf("post %q listed twice", b)
		}
		seen[b] = true
	}
	var old []string
	for _, b := range got {
		if b[0] == 'P' {
			old = append(old, b)
		}
	}
	diff(t, "pre-existing posts in order", old, want)
	// Every post created while paging came after the pre-existing ones.
	i := slices.IndexFunc(got, func(b string) bool { return b[0] == 'W' })
	if i >= 0 && i < len(want) {
		t.Fatalf("a new post was listed at %d, before the pre-existing ones", i)
	}
	diff(t, "post count", mustThreadContent(t, s, th.Key()).Thread.PostCount, int64(len(allPosts(t, s, th.Key(), forum.PostsByCreateTime, 200))))
}

func testPostsByVotes(t *testing.T, s forum.Store) {
	f := mustForum(t, s, "metro", "traffic")
	th := mustThread(t, s, f.Key(), "Which road first?", base)
	posts := map[string]forum.Post{}
	for i, b := range []string{"Elm", "Oak", "Main", "Pine"} {
		posts[b] = mustPost(t, s, th.Key(), b, at(i))
	}
	votes := map[string]int{"Oak": 3, "Pine": 1, "Main": 3}
	for b, n := range votes {
		for i := range n {
			if _, err := s.Vote(ctx(t), postTarget(posts[b]), account(i), true, accept); err != nil {
				t.Fatal(err)
			}
		}
	}
	diff(t, "most votes first, then oldest", bodies(allPosts(t, s, th.Key(), forum.PostsByVotes, 2)), []string{"Oak", "Main", "Pine", "Elm"})
	if _, err := s.Vote(ctx(t), postTarget(posts["Oak"]), account(0), false, accept); err != nil {
		t.Fatal(err)
	}
	diff(t, "after a vote is cleared", bodies(allPosts(t, s, th.Key(), forum.PostsByVotes, 3)), []string{"Main", "Oak", "Pine", "Elm"})
	list, _, err := s.ListPosts(ctx(t), th.Key(), forum.PostsByVotes, forum.Page{Size: 10}, func(p forum.Post) bool { return p.Body != "Main" })
	wantErr(t, "list kept", err, nil)
	diff(t, "keep filters", bodies(list), []string{"Oak", "Pine", "Elm"})
}

func testAccept(t *testing.T, s forum.Store) {
	f := mustForum(t, s, "metro", "traffic")
	th := mustThread(t, s, f.Key(), "When is the road fixed?", base)
	first := mustPost(t, s, th.Key(), "Next week", at(1))
	official := mustPost(t, s, th.Key(), "Monday, says public works", at(2))

	_, err := s.AcceptPost(ctx(t), first.Key(), func(forum.Forum, forum.Thread, forum.Post) error { return errVeto })
	wantErr(t, "vetoed accept", err, errVeto)
	got, err := s.AcceptPost(ctx(t), first.Key(), acceptFTP)
	wantErr(t, "accept", err, nil)
	diff(t, "accepted", [2]any{got.Accepted, got.Revision}, [2]any{true, int64(2)})
	c := mustThreadContent(t, s, th.Key())
	diff(t, "thread answered", [3]any{c.Thread.Answered, c.Thread.AcceptedAnswer, c.Thread.Revision}, [3]any{true, first.ID, int64(2)})

	again, err := s.AcceptPost(ctx(t), first.Key(), acceptFTP)
	wantErr(t, "accept again", err, nil)
	diff(t, "accepting again changes nothing", again, got)

	_, err = s.AcceptPost(ctx(t), official.Key(), acceptFTP)
	wantErr(t, "accept another", err, nil)
	prev, err := s.Post(ctx(t), first.Key())
	wantErr(t, "get previous", err, nil)
	if prev.Post.Accepted {
		t.Fatal("the earlier answer is still accepted")
	}
	c = mustThreadContent(t, s, th.Key())
	diff(t, "thread answer replaced", [2]any{c.Thread.Answered, c.Thread.AcceptedAnswer}, [2]any{true, official.ID})

	wantErr(t, "delete the answer", s.DeletePost(ctx(t), official.Key(), at(3), acceptFTP), nil)
	c = mustThreadContent(t, s, th.Key())
	diff(t, "thread unanswered", [2]any{c.Thread.Answered, c.Thread.AcceptedAnswer}, [2]any{false, ""})
}

// testPostsByVotesPages pages through voted and unvoted posts at every page
// size, with a scan bound that cuts pages short and with posts the caller
// does not keep: each post comes exactly once, in order, and the cursor of
// an unvoted post stays valid while other posts gain and lose votes.
func testPostsByVotesPages(t *testing.T, s forum.Store) {
	f := mustForum(t, s, "metro", "traffic")
	th := mustThread(t, s, f.Key(), "Which crossing needs a light?", base)
	names := []string{"Ash", "Birch", "Cedar", "Dogwood", "Elm", "Fir", "Gum", "Hazel"}
	posts := map[string]forum.Post{}
	for i, b := range names {
		posts[b] = mustPost(t, s, th.Key(), b, at(i))
	}
	vote := func(b string, n int, up bool) {
		t.Helper()
		for i := range n {
			if _, err := s.Vote(ctx(t), postTarget(posts[b]), account(i), up, accept); err != nil {
				t.Fatal(err)
			}
		}
	}
	vote("Fir", 2, true)
	vote("Birch", 1, true)
	vote("Hazel", 2, true)
	want := []string{"Fir", "Hazel", "Birch", "Ash", "Cedar", "Dogwood", "Elm", "Gum"}
	for size := 1; size <= len(names)+1; size++ {
		diff(t, fmt.Sprintf("page size %d", size), bodies(allPosts(t, s, th.Key(), forum.PostsByVotes, size)), want)
	}

	// Pages of up to 2 posts, examining at most 2 rows, keeping all but
	// Hazel and Cedar.
	skip := map[string]bool{"Hazel": true, "Cedar": true}
	var got []string
	page := forum.Page{Size: 2, MaxScan: 2}
	for range 100 {
		list, next, err := s.ListPosts(ctx(t), th.Key(), forum.PostsByVotes, page, func(p forum.Post) bool { return !skip[p.Body] })
		wantErr(t, "bounded page", err, nil)
		got = append(got, bodies(list)...)
		if next == nil {
			break
		}
		page.After = next
	}
	diff(t, "bounded pages", got, []string{"Fir", "Birch", "Ash", "Dogwood", "Elm", "Gum"})

	// A cursor among the unvoted posts, then votes move posts on both
	// sides of it: the rest of the list is what lies after it now.
	first, next, err := s.ListPosts(ctx(t), th.Key(), forum.PostsByVotes, forum.Page{Size: 4}, nil)
	wantErr(t, "first page", err, nil)
	diff(t, "first page", bodies(first), []string{"Fir", "Hazel", "Birch", "Ash"})
	vote("Birch", 1, false) // now unvoted, before the cursor
	vote("Elm", 1, true)    // now voted, before the cursor
	rest, _, err := s.ListPosts(ctx(t), th.Key(), forum.PostsByVotes, forum.Page{Size: 10, After: next}, nil)
	wantErr(t, "rest", err, nil)
	diff(t, "after the cursor", bodies(rest), []string{"Cedar", "Dogwood", "Gum"})
	diff(t, "whole list", bodies(allPosts(t, s, th.Key(), forum.PostsByVotes, 3)),
		[]string{"Fir", "Hazel", "Elm", "Ash", "Birch", "Cedar", "Dogwood", "Gum"})
}
