package storetest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/forum"
)

func testVotes(t *testing.T, s forum.Store) {
	f := mustForum(t, s, "metro", "traffic")
	th := mustThread(t, s, f.Key(), "Speeding", base)
	p := mustPost(t, s, th.Key(), "Yes", at(1))
	for _, target := range []forum.Target{threadTarget(th.Key()), postTarget(p)} {
		t.Run(target.Name(), func(t *testing.T) {
			count := func(c forum.Content) int64 {
				if c.Post != nil {
					return c.Post.VoteCount
				}
				return c.Thread.VoteCount
			}
			steps := []struct {
				name    string
				account string
				up      bool
				want    int64
			}{
				{"first upvote", account(1), true, 1},
				{"same account again", account(1), true, 1},
				{"another account", account(2), true, 2},
				{"clear", account(1), false, 1},
				{"clear again", account(1), false, 1},
				{"clear without a vote", account(3), false, 1},
			}
			for _, st := range steps {
				c, err := s.Vote(ctx(t), target, st.account, st.up, accept)
				wantErr(t, st.name, err, nil)
				diff(t, st.name, count(c), st.want)
			}
			_, err := s.Vote(ctx(t), target, account(4), true, func(forum.Content) error { return errVeto })
			wantErr(t, "vetoed vote", err, errVeto)
			voted, err := s.Voted(ctx(t), account(2), []forum.Target{target, threadTarget(forum.ThreadKey{Agency: "metro", Forum: "traffic", Thread: "x"})})
			wantErr(t, "voted", err, nil)
			diff(t, "voted", voted, []bool{true, false})
			voted, err = s.Voted(ctx(t), account(4), []forum.Target{target})
			wantErr(t, "voted after veto", err, nil)
			diff(t, "a vetoed vote is not stored", voted, []bool{false})
		})
	}
	c := mustThreadContent(t, s, th.Key())
	diff(t, "a vote leaves the revision", c.Thread.Revision, int64(1))
	_, err := s.Vote(ctx(t), threadTarget(forum.ThreadKey{Agency: "metro", Forum: "traffic", Thread: "nowhere"}), account(1), true, accept)
	wantErr(t, "vote on an unknown thread", err, errs.NotFound)
	voted, err := s.Voted(ctx(t), "", []forum.Target{threadTarget(th.Key())})
	wantErr(t, "voted by nobody", err, nil)
	diff(t, "voted by nobody", voted, []bool{false})
}

// testConcurrentWrites checks that counts stay exact under concurrent
// replies and votes.
func testConcurrentWrites(t *testing.T, s forum.Store) {
	f := mustForum(t, s, "metro", "traffic")
	th := mustThread(t, s, f.Key(), "Busy", base)
	const n = 32
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if _, err := s.CreatePost(ctx(t), newPost(th.Key(), fmt.Sprintf("reply %d", i), at(i)), forum.Request{}, acceptFT); err != nil {
				t.Error(err)
			}
			if _, err := s.Vote(ctx(t), threadTarget(th.Key()), account(i), true, accept); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	c := mustThreadContent(t, s, th.Key())
	diff(t, "counts", [3]any{c.Thread.PostCount, c.Thread.VoteCount, c.Thread.LastActivityTime}, [3]any{int64(n), int64(n), at(n - 1)})
	diff(t, "listed", len(allPosts(t, s, th.Key(), forum.PostsByCreateTime, 10)), n)
}
