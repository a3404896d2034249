package storetest

import (
	"testing"

	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/forum"
)

func testPurge(t *testing.T, s forum.Store) {
	old := mustForum(t, s, "metro", "old")
	oldThread := mustThread(t, s, old.Key(), "Old news", at(1))
	oldPost := mustPost(t, s, oldThread.Key(), "Old reply", at(2))
	f := mustForum(t, s, "metro", "traffic")
	th := mustThread(t, s, f.Key(), "Speeding", at(1))
	gone := mustThread(t, s, f.Key(), "Gone", at(1))
	goneReply := mustPost(t, s, gone.Key(), "Reply in a gone thread", at(2))
	p1 := mustPost(t, s, th.Key(), "Deleted early", at(2))
	p2 := mustPost(t, s, th.Key(), "Deleted late", at(3))
	keep := mustPost(t, s, th.Key(), "Kept", at(4))
	for _, target := range []forum.Target{postTarget(p1), threadTarget(gone.Key())} {
		if _, err := s.Vote(ctx(t), target, account(1), true, accept); err != nil {
			t.Fatal(err)
		}
		mustFlag(t, s, target, flagBy(1, 5))
	}
	req := forum.Request{Caller: "accounts/a1", ID: "early", Time: at(1)}
	if _, err := s.CreatePost(ctx(t), newPost(th.Key(), "With a request id", at(1)), req, acceptFT); err != nil {
		t.Fatal(err)
	}
	lateReq := forum.Request{Caller: "accounts/a1", ID: "late", Time: at(100)}
	if _, err := s.CreatePost(ctx(t), newPost(th.Key(), "With a later request id", at(100)), lateReq, acceptFT); err != nil {
		t.Fatal(err)
	}

	wantErr(t, "delete forum", s.DeleteForum(ctx(t), old.Key(), at(10), accept), nil)
	wantErr(t, "delete thread", s.DeleteThread(ctx(t), gone.Key(), at(11), acceptFT), nil)
	wantErr(t, "delete early post", s.DeletePost(ctx(t), p1.Key(), at(12), acceptFTP), nil)
	wantErr(t, "delete late post", s.DeletePost(ctx(t), p2.Key(), at(50), acceptFTP), nil)

	n, err := s.Purge(ctx(t), at(30))
	wantErr(t, "purge", err, nil)
	diff(t, "purged", n, 3)
	for _, target := range []forum.Target{
		threadTarget(oldThread.Key()), postTarget(oldPost), threadTarget(gone.Key()), postTarget(goneReply), postTarget(p1),
	} {
		_, err := s.SearchDoc(ctx(t), target)
		wantErr(t, "purged "+target.Name(), err, errs.NotFound)
	}
	if _, err := s.SearchDoc(ctx(t), postTarget(p2)); err != nil {
		t.Fatalf("a post deleted after the horizon was purged: %v", err)
	}
	if _, err := s.Post(ctx(t), keep.Key()); err != nil {
		t.Fatalf("a live post was purged: %v", err)
	}
	voted, err := s.Voted(ctx(t), account(1), []forum.Target{postTarget(p1), threadTarget(gone.Key())})
	wantErr(t, "voted", err, nil)
	diff(t, "votes of purged content", voted, []bool{false, false})
	_, err = s.RequestedName(ctx(t), req.Caller, req.ID)
	wantErr(t, "old request id forgotten", err, errs.NotFound)
	if _, err := s.RequestedName(ctx(t), lateReq.Caller, lateReq.ID); err != nil {
		t.Fatalf("a recent request id was forgotten: %v", err)
	}
	// The purged forum's id is free again, and the new forum is empty.
	fresh, err := s.CreateForum(ctx(t), newForum("metro", "old"), forum.Request{})
	wantErr(t, "reuse a purged forum's id", err, nil)
	list, _, err := s.ListThreads(ctx(t), fresh.Key(), forum.ThreadsByActivity, forum.Page{Size: 10}, nil)
	wantErr(t, "list threads of the new forum", err, nil)
	diff(t, "the new forum is empty", titles(list), []string(nil))

	n, err = s.Purge(ctx(t), at(30))
	wantErr(t, "purge again", err, nil)
	diff(t, "nothing left to purge", n, 0)
	n, err = s.Purge(ctx(t), at(60))
	wantErr(t, "purge later", err, nil)
	diff(t, "purged later", n, 1)
}
