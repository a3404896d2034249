package storetest

import (
	"strings"
	"testing"

	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/forum"
)

const (
	stateOpen     = forumv1.ModerationItem_STATE_OPEN
	stateResolved = forumv1.ModerationItem_STATE_RESOLVED
	actionHide    = forumv1.ModerationAction_MODERATION_ACTION_HIDE
	actionRestore = forumv1.ModerationAction_MODERATION_ACTION_RESTORE
	actionDismiss = forumv1.ModerationAction_MODERATION_ACTION_DISMISS
)

var rule = forum.FlagRule{Threshold: 3, HiddenReason: "Hidden until reviewed"}

func flagBy(i int, minute int) forum.Flag {
	return forum.Flag{Account: account(i), Reason: forumv1.FlagReason_FLAG_REASON_SPAM, Note: "ads", CreateTime: at(minute)}
}

func mustFlag(t *testing.T, s forum.Store, target forum.Target, f forum.Flag) forum.FlagResult {
	t.Helper()
	r, err := s.Flag(ctx(t), target, f, rule, accept)
	if err != nil {
		t.Fatalf("flag %s by %s: %v", target.Name(), f.Account, err)
	}
	return r
}

func testFlags(t *testing.T, s forum.Store) {
	f := mustForum(t, s, "metro", "traffic")
	th := mustThread(t, s, f.Key(), "Cheap watches", at(1))
	target := threadTarget(th.Key())

	_, err := s.Flag(ctx(t), target, flagBy(1, 2), rule, func(forum.Content) error { return errVeto })
	wantErr(t, "vetoed flag", err, errVeto)

	r := mustFlag(t, s, target, flagBy(1, 2))
	if r.Hidden || r.Item.ID == "" {
		t.Fatalf("first flag: %+v", r)
	}
	want := forum.ModerationItem{
		Agency: "metro", ID: r.Item.ID, Target: target,
		Excerpt: "Cheap watches: Body of Cheap watches", Author: "accounts/author",
		FlagCount: 1, Flags: []forum.Flag{flagBy(1, 2)}, State: stateOpen,
		CreateTime: at(2), OpenTime: at(2), Revision: 1,
	}
	diff(t, "item after one flag", r.Item, want)

	r = mustFlag(t, s, target, flagBy(1, 3))
	diff(t, "the same account's second flag changes nothing", r.Item, want)

	mustFlag(t, s, target, flagBy(2, 4))
	r = mustFlag(t, s, target, flagBy(3, 5))
	if !r.Hidden {
		t.Fatal("three flags did not hide the thread")
	}
	want.Flags = append(want.Flags, flagBy(2, 4), flagBy(3, 5))
	want.FlagCount = 3
	want.AutoHidden, want.Revision = true, 3
	diff(t, "item after three flags", r.Item, want)
	c := mustThreadContent(t, s, th.Key())
	diff(t, "hidden thread", [3]any{c.Thread.State, c.Thread.HiddenReason, c.Forum.ThreadCount}, [3]any{hidden, rule.HiddenReason, int64(0)})

	r = mustFlag(t, s, target, flagBy(4, 6))
	if r.Hidden {
		t.Fatal("a flag on hidden content reported hiding it")
	}
	stored, err := s.ModerationItem(ctx(t), "metro", want.ID)
	wantErr(t, "get item", err, nil)
	diff(t, "four flags", [2]int{stored.FlagCount, len(stored.Flags)}, [2]int{4, 4})
	_, err = s.ModerationItem(ctx(t), "county", want.ID)
	wantErr(t, "item of another agency", err, errs.NotFound)

	// A post: flags hide it and its thread counts one reply less.
	th2 := mustThread(t, s, f.Key(), "Potholes", at(1))
	p := mustPost(t, s, th2.Key(), "Buy now", at(2))
	for i := range 3 {
		r = mustFlag(t, s, postTarget(p), flagBy(i, 3+i))
	}
	if !r.Hidden || r.Item.ID == want.ID {
		t.Fatalf("post flags: %+v", r)
	}
	pc, err := s.Post(ctx(t), p.Key())
	wantErr(t, "get post", err, nil)
	diff(t, "hidden post", [3]any{pc.Post.State, pc.Post.HiddenReason, pc.Thread.PostCount}, [3]any{hidden, rule.HiddenReason, int64(0)})
	_, err = s.Flag(ctx(t), postTarget(forum.Post{Agency: "metro", Forum: "traffic", Thread: th2.ID, ID: "nowhere"}), flagBy(1, 1), rule, accept)
	wantErr(t, "flag an unknown post", err, errs.NotFound)

	// Official content waits for a moderator, however many flag it.
	notice := newPost(th2.Key(), "The road closes on Monday", at(2))
	notice.Official = true
	notice, err = s.CreatePost(ctx(t), notice, forum.Request{}, acceptFT)
	wantErr(t, "create official post", err, nil)
	for i := range 4 {
		r = mustFlag(t, s, postTarget(notice), flagBy(i, 3+i))
	}
	diff(t, "flagged official post", [3]any{r.Hidden, r.Item.FlagCount, r.Item.AutoHidden}, [3]any{false, 4, false})
	nc, err := s.Post(ctx(t), notice.Key())
	wantErr(t, "get official post", err, nil)
	diff(t, "official post stays visible", nc.Post.State, visible)

	// A flood of flags is counted, and only the first ones are detailed.
	viral := mustThread(t, s, f.Key(), "Viral", at(1))
	n := forum.MaxFlagDetails + 10
	for i := range n {
		r = mustFlag(t, s, threadTarget(viral.Key()), flagBy(i, 2))
	}
	diff(t, "flood", [3]any{r.Item.FlagCount, len(r.Item.Flags), r.Item.Flags[0].Account}, [3]any{n, forum.MaxFlagDetails, account(0)})
}

func testResolve(t *testing.T, s forum.Store) {
	f := mustForum(t, s, "metro", "traffic")
	th := mustThread(t, s, f.Key(), "Spam thread", at(1))
	target := threadTarget(th.Key())
	var item forum.ModerationItem
	for i := range 3 {
		item = mustFlag(t, s, target, flagBy(i, 2+i)).Item
	}

	_, err := s.ResolveModerationItem(ctx(t), "metro", item.ID, forum.Resolution{Action: actionRestore, Note: "fine", Resolver: "accounts/mod", Time: at(10)},
		func(forum.ModerationItem) error { return errVeto })
	wantErr(t, "vetoed resolve", err, errVeto)
	diff(t, "still hidden after a veto", mustThreadContent(t, s, th.Key()).Thread.State, hidden)

	got, err := s.ResolveModerationItem(ctx(t), "metro", item.ID, forum.Resolution{Action: actionRestore, Note: "fine", Resolver: "accounts/mod", Time: at(10)}, accept)
	wantErr(t, "restore", err, nil)
	want := item
	want.State, want.Action, want.Note, want.Resolver, want.ResolveTime = stateResolved, actionRestore, "fine", "accounts/mod", at(10)
	want.Cleared, want.Revision = true, item.Revision+1
	diff(t, "restored item", got, want)
	c := mustThreadContent(t, s, th.Key())
	diff(t, "restored thread", [3]any{c.Thread.State, c.Thread.HiddenReason, c.Forum.ThreadCount}, [3]any{visible, "", int64(1)})

	// The flaggers whose flags were cleared cannot hide it again.
	for i := range 3 {
		if r := mustFlag(t, s, target, flagBy(i, 11)); r.Hidden {
			t.Fatal("a cleared flagger hid the thread again")
		}
	}
	stored, _ := s.ModerationItem(ctx(t), "metro", item.ID)
	diff(t, "still resolved", stored.State, stateResolved)

	// A new flagger reopens the item with a new round of flags.
	r := mustFlag(t, s, target, flagBy(7, 12))
	diff(t, "reopened", [6]any{r.Item.State, r.Item.Action, r.Item.OpenTime, r.Item.FlagCount, len(r.Item.Flags), r.Item.Cleared},
		[6]any{stateOpen, forumv1.ModerationAction_MODERATION_ACTION_UNSPECIFIED, at(12), 1, 1, false})
	if r.Hidden {
		t.Fatal("one new flag hid the thread")
	}

	got, err = s.ResolveModerationItem(ctx(t), "metro", item.ID, forum.Resolution{Action: actionHide, Note: "Advertising is not allowed", Resolver: "accounts/mod", Time: at(13)}, accept)
	wantErr(t, "hide", err, nil)
	c = mustThreadContent(t, s, th.Key())
	diff(t, "hidden by a moderator", [3]any{c.Thread.State, c.Thread.HiddenReason, c.Forum.ThreadCount}, [3]any{hidden, "Advertising is not allowed", int64(0)})
	diff(t, "hide resolution", [2]any{got.State, got.Action}, [2]any{stateResolved, actionHide})

	mustFlag(t, s, target, flagBy(8, 14))
	got, err = s.ResolveModerationItem(ctx(t), "metro", item.ID, forum.Resolution{Action: actionDismiss, Note: "already handled", Resolver: "accounts/mod2", Time: at(15)}, accept)
	wantErr(t, "dismiss", err, nil)
	diff(t, "dismiss resolution", [3]any{got.State, got.Action, got.Resolver}, [3]any{stateResolved, actionDismiss, "accounts/mod2"})
	diff(t, "dismiss leaves the content", mustThreadContent(t, s, th.Key()).Thread.State, hidden)

	// Resolving an item whose content was deleted records the decision.
	wantErr(t, "delete thread", s.DeleteThread(ctx(t), th.Key(), at(16), acceptFT), nil)
	_, err = s.ResolveModerationItem(ctx(t), "metro", item.ID, forum.Resolution{Action: actionRestore, Note: "gone", Resolver: "accounts/mod", Time: at(17)}, accept)
	wantErr(t, "resolve after delete", err, nil)
	_, err = s.ResolveModerationItem(ctx(t), "metro", "nowhere", forum.Resolution{Action: actionDismiss, Note: "x", Time: at(17)}, accept)
	wantErr(t, "resolve unknown", err, errs.NotFound)
}

func testModerationQueue(t *testing.T, s forum.Store) {
	f := mustForum(t, s, "metro", "traffic")
	ids := map[string]string{}
	for i, title := range []string{"First", "Second", "Third"} {
		th := mustThread(t, s, f.Key(), title, at(0))
		ids[title] = mustFlag(t, s, threadTarget(th.Key()), flagBy(1, 10-i)).Item.ID // Third flagged first
	}
	other := mustForum(t, s, "county", "roads")
	mustFlag(t, s, threadTarget(mustThread(t, s, other.Key(), "Elsewhere", at(0)).Key()), flagBy(1, 1))
	if _, err := s.ResolveModerationItem(ctx(t), "metro", ids["Third"], forum.Resolution{Action: actionDismiss, Note: "ok", Time: at(20)}, accept); err != nil {
		t.Fatal(err)
	}
	list := func(states ...forumv1.ModerationItem_State) []string {
		var out []string
		page := forum.Page{Size: 1}
		for {
			items, next, err := s.ListModerationItems(ctx(t), "metro", states, page)
			wantErr(t, "list", err, nil)
			for _, m := range items {
				title, _, _ := strings.Cut(m.Excerpt, ":")
				out = append(out, title)
			}
			if next == nil {
				return out
			}
			page.After = next
		}
	}
	diff(t, "open, longest waiting first", list(stateOpen), []string{"Second", "First"})
	diff(t, "resolved", list(stateResolved), []string{"Third"})
	diff(t, "all: open first", list(), []string{"Second", "First", "Third"})
	diff(t, "both states", list(stateOpen, stateResolved), []string{"Second", "First", "Third"})
}
