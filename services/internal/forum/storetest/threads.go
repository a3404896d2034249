package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/forum"
)

func testThreads(t *testing.T, s forum.Store) {
	f := mustForum(t, s, "metro", "traffic")
	req := forum.Request{Caller: "accounts/author", ID: "req-1", Time: base}
	in := newThread(f.Key(), "Speeding on Elm", at(1))

	_, err := s.CreateThread(ctx(t), in, req, func(forum.Forum) error { return errVeto })
	wantErr(t, "vetoed create", err, errVeto)
	_, err = s.RequestedName(ctx(t), req.Caller, req.ID)
	wantErr(t, "a vetoed create remembers no request", err, errs.NotFound)

	got, err := s.CreateThread(ctx(t), in, req, func(f forum.Forum) error {
		if f.ID != "traffic" {
			t.Errorf("check got forum %q", f.ID)
		}
		return nil
	})
	wantErr(t, "create", err, nil)
	if got.ID == "" {
		t.Fatal("the store assigned no id")
	}
	want := in
	want.ID, want.Revision = got.ID, 1
	diff(t, "created", got, want)

	again, err := s.CreateThread(ctx(t), newThread(f.Key(), "Another", at(2)), req, accept)
	wantErr(t, "retry", err, nil)
	diff(t, "retry returns the first", again, want)
	other := mustForum(t, s, "metro", "parks")
	_, err = s.CreateThread(ctx(t), newThread(other.Key(), "Elsewhere", at(2)), req, accept)
	wantErr(t, "request id reused in another forum", err, forum.ErrRequestReused)

	c := mustThreadContent(t, s, want.Key())
	diff(t, "stored thread", c.Thread, want)
	if c.Post != nil {
		t.Fatalf("thread content with a post: %+v", c.Post)
	}
	diff(t, "forum counts the thread", [2]any{c.Forum.ThreadCount, c.Forum.LastActivityTime}, [2]any{int64(1), at(1)})

	_, err = s.CreateThread(ctx(t), newThread(forum.ForumKey{Agency: "metro", Forum: "nowhere"}, "Lost", at(1)), forum.Request{}, accept)
	wantErr(t, "create in an unknown forum", err, errs.NotFound)
	dup := newThread(f.Key(), "Duplicate id", at(1))
	dup.ID = want.ID
	_, err = s.CreateThread(ctx(t), dup, forum.Request{}, accept)
	wantErr(t, "create with a taken id", err, errs.AlreadyExists)

	got, err = s.UpdateThread(ctx(t), want.Key(), func(_ forum.Forum, th *forum.Thread) error {
		th.Title, th.Locked, th.UpdateTime = "Speeding on Elm St", true, at(3)
		return nil
	})
	wantErr(t, "update", err, nil)
	want.Title, want.Locked, want.UpdateTime, want.Revision = "Speeding on Elm St", true, at(3), 2
	diff(t, "updated", got, want)
	_, err = s.UpdateThread(ctx(t), want.Key(), func(_ forum.Forum, th *forum.Thread) error {
		th.VoteCount = 40
		return nil
	})
	if err == nil {
		t.Fatal("an update that changes the vote count succeeded")
	}
	_, err = s.UpdateThread(ctx(t), want.Key(), func(_ forum.Forum, th *forum.Thread) error {
		th.Title = "vetoed"
		return errVeto
	})
	wantErr(t, "vetoed update", err, errVeto)
	diff(t, "unchanged after refused updates", mustThreadContent(t, s, want.Key()).Thread, want)

	err = s.DeleteThread(ctx(t), want.Key(), at(4), func(forum.Forum, forum.Thread) error { return errVeto })
	wantErr(t, "vetoed delete", err, errVeto)
	wantErr(t, "delete", s.DeleteThread(ctx(t), want.Key(), at(4), acceptFT), nil)
	_, err = s.Thread(ctx(t), want.Key())
	wantErr(t, "get deleted", err, errs.NotFound)
	_, err = s.UpdateThread(ctx(t), want.Key(), func(forum.Forum, *forum.Thread) error { return nil })
	wantErr(t, "update deleted", err, errs.NotFound)
	wantErr(t, "delete again", s.DeleteThread(ctx(t), want.Key(), at(5), acceptFT), errs.NotFound)
	diff(t, "forum count after delete", mustGetForum(t, s, f.Key()).ThreadCount, int64(0))
	list, _, err := s.ListThreads(ctx(t), f.Key(), forum.ThreadsByActivity, forum.Page{Size: 10}, nil)
	wantErr(t, "list", err, nil)
	diff(t, "deleted threads are not listed", titles(list), []string(nil))
}

func testThreadOrder(t *testing.T, s forum.Store) {
	f := mustForum(t, s, "metro", "traffic")
	a := mustThread(t, s, f.Key(), "A", at(1))
	b := mustThread(t, s, f.Key(), "B", at(2))
	c := mustThread(t, s, f.Key(), "C", at(3))
	d := mustThread(t, s, f.Key(), "D", at(4))
	other := mustForum(t, s, "metro", "parks")
	mustThread(t, s, other.Key(), "Elsewhere", at(9))

	diff(t, "latest activity first", titles(allThreads(t, s, f.Key(), forum.ThreadsByActivity, 2)), []string{"D", "C", "B", "A"})

	// A reply moves its thread to the front.
	mustPost(t, s, a.Key(), "bump", at(5))
	diff(t, "after a reply to A", titles(allThreads(t, s, f.Key(), forum.ThreadsByActivity, 3)), []string{"A", "D", "C", "B"})

	// Pinned threads come first, in activity order among themselves.
	for _, th := range []forum.Thread{b, c} {
		if _, err := s.UpdateThread(ctx(t), th.Key(), func(_ forum.Forum, x *forum.Thread) error {
			x.Pinned = true
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	diff(t, "pinned first", titles(allThreads(t, s, f.Key(), forum.ThreadsByActivity, 10)), []string{"C", "B", "A", "D"})

	// By votes: pinned first, then most votes, then latest activity.
	vote := func(th forum.Thread, n int) {
		for i := range n {
			if _, err := s.Vote(ctx(t), threadTarget(th.Key()), account(i), true, accept); err != nil {
				t.Fatal(err)
			}
		}
	}
	vote(d, 2)
	vote(b, 1)
	diff(t, "by votes", titles(allThreads(t, s, f.Key(), forum.ThreadsByVotes, 1)), []string{"B", "C", "D", "A"})
	if _, err := s.UpdateThread(ctx(t), b.Key(), func(_ forum.Forum, x *forum.Thread) error {
		x.Pinned = false
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	diff(t, "by votes after unpinning B", titles(allThreads(t, s, f.Key(), forum.ThreadsByVotes, 2)), []string{"C", "D", "B", "A"})
	diff(t, "by activity after unpinning B", titles(allThreads(t, s, f.Key(), forum.ThreadsByActivity, 2)), []string{"C", "A", "D", "B"})

	list, _, err := s.ListThreads(ctx(t), f.Key(), forum.ThreadsByActivity, forum.Page{Size: 10}, func(th forum.Thread) bool { return th.Title != "A" })
	wantErr(t, "list kept", err, nil)
	diff(t, "keep filters", titles(list), []string{"C", "D", "B"})
}

// testThreadPagesStable pages through a forum while threads are created:
// new threads go to the front, so every thread that existed before the
// first page is listed exactly once.
func testThreadPagesStable(t *testing.T, s forum.Store) {
	f := mustForum(t, s, "metro", "traffic")
	var want []string
	for i := range 20 {
		th := mustThread(t, s, f.Key(), fmt.Sprintf("T%02d", i), at(i))
		want = append(want, th.Title)
	}
	slices.Reverse(want)
	var got []string
	page := forum.Page{Size: 3}
	for n := 0; ; n++ {
		list, next, err := s.ListThreads(ctx(t), f.Key(), forum.ThreadsByActivity, page, nil)
		wantErr(t, "list", err, nil)
		got = append(got, titles(list)...)
		mustThread(t, s, f.Key(), fmt.Sprintf("New%02d", n), at(100+n))
		if next == nil {
			break
		}
		page.After = next
	}
	diff(t, "pre-existing threads, once each", got, want)
}

// testThreadListBounded checks that a list stops after Page.MaxScan rows
// and returns a cursor that continues where it stopped.
func testThreadListBounded(t *testing.T, s forum.Store) {
	f := mustForum(t, s, "metro", "traffic")
	for i := range 30 {
		mustThread(t, s, f.Key(), fmt.Sprintf("T%02d", i), at(i))
	}
	keep := func(th forum.Thread) bool { return th.Title == "T00" || th.Title == "T29" }
	page := forum.Page{Size: 5, MaxScan: 10}
	var got []string
	pages := 0
	for {
		list, next, err := s.ListThreads(ctx(t), f.Key(), forum.ThreadsByActivity, page, keep)
		wantErr(t, "list", err, nil)
		pages++
		got = append(got, titles(list)...)
		if next == nil {
			break
		}
		page.After = next
	}
	diff(t, "kept threads", got, []string{"T29", "T00"})
	if pages != 3 {
		t.Fatalf("%d pages for 30 rows examined 10 at a time, want 3", pages)
	}
}
