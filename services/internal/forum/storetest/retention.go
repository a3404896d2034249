package storetest

import (
	"testing"

	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/forum"
)

const stateTargetDeleted = forumv1.ModerationItem_STATE_TARGET_DELETED

// listItems pages through an agency's items in the given states, one at a
// time, and returns their ids.
func listItems(t *testing.T, s forum.Store, agency string, states ...forumv1.ModerationItem_State) []string {
	t.Helper()
	var out []string
	page := forum.Page{Size: 1}
	for range 1000 {
		items, next, err := s.ListModerationItems(ctx(t), agency, states, page)
		wantErr(t, "list moderation items", err, nil)
		for _, m := range items {
			out = append(out, m.ID)
		}
		if next == nil {
			return out
		}
		page.After = next
	}
	t.Fatal("list moderation items does not end")
	return nil
}

func mustItem(t *testing.T, s forum.Store, id string) forum.ModerationItem {
	t.Helper()
	m, err := s.ModerationItem(ctx(t), "metro", id)
	if err != nil {
		t.Fatalf("get moderation item %s: %v", id, err)
	}
	return m
}

// testModerationOfDeleted checks that deleting flagged content, itself or
// with its thread or forum, takes its item out of the open queue and drops
// the excerpt of the deleted text, keeping a decision already made.
func testModerationOfDeleted(t *testing.T, s forum.Store) {
	f := mustForum(t, s, "metro", "traffic")
	th := mustThread(t, s, f.Key(), "Speeding", at(1))
	doxx := mustPost(t, s, th.Key(), "My phone number is 555-0100", at(2))
	decided := mustPost(t, s, th.Key(), "Decided already", at(2))
	live := mustThread(t, s, f.Key(), "Still here", at(1))
	other := mustForum(t, s, "metro", "parks")
	otherThread := mustThread(t, s, other.Key(), "Swings", at(1))
	otherPost := mustPost(t, s, otherThread.Key(), "Broken swing", at(2))

	flagged := mustFlag(t, s, postTarget(doxx), flagBy(1, 3)).Item
	threadItem := mustFlag(t, s, threadTarget(th.Key()), flagBy(1, 3)).Item
	decidedItem := mustFlag(t, s, postTarget(decided), flagBy(1, 3)).Item
	liveItem := mustFlag(t, s, threadTarget(live.Key()), flagBy(1, 3)).Item
	otherThreadItem := mustFlag(t, s, threadTarget(otherThread.Key()), flagBy(1, 4)).Item
	otherPostItem := mustFlag(t, s, postTarget(otherPost), flagBy(2, 4)).Item
	decidedItem, err := s.ResolveModerationItem(ctx(t), "metro", decidedItem.ID,
		forum.Resolution{Action: actionHide, Note: "Off topic", Resolver: "accounts/mod", Time: at(5)}, accept)
	wantErr(t, "hide", err, nil)

	wantErr(t, "delete post", s.DeletePost(ctx(t), doxx.Key(), at(10), acceptFTP), nil)
	want := flagged
	want.State, want.Excerpt, want.TargetDeleteTime, want.Revision = stateTargetDeleted, "", at(10), flagged.Revision+1
	diff(t, "item of a deleted post", mustItem(t, s, flagged.ID), want)
	_, err = s.Flag(ctx(t), postTarget(doxx), flagBy(2, 11), rule, accept)
	wantErr(t, "flag a deleted post", err, errs.NotFound)
	diff(t, "open after deleting a post", listItems(t, s, "metro", stateOpen),
		[]string{threadItem.ID, liveItem.ID, otherThreadItem.ID, otherPostItem.ID})

	// Deleting the thread marks its own item and its posts' items; the
	// post deleted before keeps its deletion time, and a decision stays.
	wantErr(t, "delete thread", s.DeleteThread(ctx(t), th.Key(), at(12), acceptFT), nil)
	diff(t, "the earlier deleted post's item is unchanged", mustItem(t, s, flagged.ID), want)
	got := mustItem(t, s, threadItem.ID)
	diff(t, "item of a deleted thread", [4]any{got.State, got.Excerpt, got.TargetDeleteTime, got.Flags},
		[4]any{stateTargetDeleted, "", at(12), threadItem.Flags})
	wantDecided := decidedItem
	wantDecided.Excerpt, wantDecided.TargetDeleteTime, wantDecided.Revision = "", at(12), decidedItem.Revision+1
	diff(t, "a decided item keeps its decision", mustItem(t, s, decidedItem.ID), wantDecided)

	wantErr(t, "delete forum", s.DeleteForum(ctx(t), other.Key(), at(14), accept), nil)
	for _, id := range []string{otherThreadItem.ID, otherPostItem.ID} {
		got := mustItem(t, s, id)
		diff(t, "item in a deleted forum", [3]any{got.State, got.Excerpt, got.TargetDeleteTime}, [3]any{stateTargetDeleted, "", at(14)})
	}

	diff(t, "open", listItems(t, s, "metro", stateOpen), []string{liveItem.ID})
	diff(t, "resolved", listItems(t, s, "metro", stateResolved), []string{decidedItem.ID})
	diff(t, "closed by deletion, earliest deleted first", listItems(t, s, "metro", stateTargetDeleted),
		[]string{flagged.ID, threadItem.ID, otherThreadItem.ID, otherPostItem.ID})
	diff(t, "all", listItems(t, s, "metro"),
		[]string{liveItem.ID, decidedItem.ID, flagged.ID, threadItem.ID, otherThreadItem.ID, otherPostItem.ID})

	// A moderator may still record a decision on it.
	got, err = s.ResolveModerationItem(ctx(t), "metro", flagged.ID,
		forum.Resolution{Action: actionHide, Note: "Personal data", Resolver: "accounts/mod", Time: at(15)}, accept)
	wantErr(t, "resolve an item closed by deletion", err, nil)
	diff(t, "resolved after deletion", [4]any{got.State, got.Action, got.Excerpt, got.TargetDeleteTime},
		[4]any{stateResolved, actionHide, "", at(10)})
	diff(t, "closed by deletion after the decision", listItems(t, s, "metro", stateTargetDeleted),
		[]string{threadItem.ID, otherThreadItem.ID, otherPostItem.ID})
}

// testModerationPurge checks that purging deleted content removes the
// moderation items of everything purged, from the queue as well, and
// keeps the others.
func testModerationPurge(t *testing.T, s forum.Store) {
	f := mustForum(t, s, "metro", "traffic")
	th := mustThread(t, s, f.Key(), "Speeding", at(1))
	early := mustPost(t, s, th.Key(), "My phone number is 555-0100", at(2))
	late := mustPost(t, s, th.Key(), "Deleted after the horizon", at(2))
	gone := mustThread(t, s, f.Key(), "Gone", at(1))
	goneReply := mustPost(t, s, gone.Key(), "Reply in a gone thread", at(2))
	old := mustForum(t, s, "metro", "old")
	oldThread := mustThread(t, s, old.Key(), "Old news", at(1))
	oldPost := mustPost(t, s, oldThread.Key(), "Old reply", at(2))

	item := func(target forum.Target) string { return mustFlag(t, s, target, flagBy(1, 3)).Item.ID }
	purged := []string{
		item(postTarget(early)), item(threadTarget(gone.Key())), item(postTarget(goneReply)),
		item(threadTarget(oldThread.Key())), item(postTarget(oldPost)),
	}
	lateItem, liveItem := item(postTarget(late)), item(threadTarget(th.Key()))
	if _, err := s.ResolveModerationItem(ctx(t), "metro", purged[1],
		forum.Resolution{Action: actionDismiss, Note: "fine", Resolver: "accounts/mod", Time: at(4)}, accept); err != nil {
		t.Fatal(err)
	}

	wantErr(t, "delete early post", s.DeletePost(ctx(t), early.Key(), at(10), acceptFTP), nil)
	wantErr(t, "delete thread", s.DeleteThread(ctx(t), gone.Key(), at(11), acceptFT), nil)
	wantErr(t, "delete forum", s.DeleteForum(ctx(t), old.Key(), at(12), accept), nil)
	wantErr(t, "delete late post", s.DeletePost(ctx(t), late.Key(), at(50), acceptFTP), nil)

	n, err := s.Purge(ctx(t), at(30))
	wantErr(t, "purge", err, nil)
	diff(t, "purged", n, 3)
	for _, id := range purged {
		_, err := s.ModerationItem(ctx(t), "metro", id)
		wantErr(t, "item of purged content", err, errs.NotFound)
	}
	diff(t, "the queue keeps the other items only", listItems(t, s, "metro"), []string{liveItem, lateItem})
	diff(t, "an item of content deleted after the horizon stays", mustItem(t, s, lateItem).State, stateTargetDeleted)

	// The live thread's item still takes flags.
	r := mustFlag(t, s, threadTarget(th.Key()), flagBy(2, 31))
	diff(t, "live item", [2]any{r.Item.ID, r.Item.FlagCount}, [2]any{liveItem, 2})

	_, err = s.Purge(ctx(t), at(60))
	wantErr(t, "purge later", err, nil)
	_, err = s.ModerationItem(ctx(t), "metro", lateItem)
	wantErr(t, "item purged later", err, errs.NotFound)
	diff(t, "the queue after the later purge", listItems(t, s, "metro"), []string{liveItem})
}
