package forum_test

import (
	"bytes"
	"testing"
	"time"

	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
	"github.com/engagehq/engage/services/internal/forum"
	"go.etcd.io/bbolt"
	"google.golang.org/grpc/codes"
)

// TestModerationOfPosts checks hidden replies: who sees them, the reason
// their author reads, counts, search, and each of the moderator's
// decisions.
func TestModerationOfPosts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mod := e.staff("mod", "metro", moderatorRole)
	alice, bob, carol, dave, erin := e.resident("alice"), e.resident("bob"), e.resident("carol"), e.resident("dave"), e.resident("erin")
	f := e.mustForum(t, mod, "metro", "town-square", public)
	th := e.mustThread(t, bob, f.GetName(), discussion, "Noise at night")
	post := e.mustPost(t, alice, th.GetName(), "Buy cheap earplugs at example dot com")
	e.mustPost(t, bob, th.GetName(), "Thanks, but no")

	flag := func(u *person) {
		t.Helper()
		_, err := e.posts.FlagPost(u.ctx(t), &forumv1.FlagPostRequest{Name: post.GetName(), Reason: forumv1.FlagReason_FLAG_REASON_SPAM, Note: "advert"})
		must(t, "flag", err)
	}
	search := func(u *person) int {
		t.Helper()
		resp, err := e.threads.SearchThreads(u.ctx(t), &forumv1.SearchThreadsRequest{Parent: "agencies/metro", Query: "earplugs"})
		must(t, "search", err)
		return len(resp.GetResults())
	}
	diff(t, "found before flags", search(bob), 1)
	flag(carol)
	flag(carol) // a second flag by the same account changes nothing
	flag(dave)
	diff(t, "two flags keep it visible", len(e.mustListPosts(t, bob, th.GetName())), 2)
	flag(erin)

	diff(t, "others no longer see it", len(e.mustListPosts(t, bob, th.GetName())), 1)
	_, err := e.posts.GetPost(bob.ctx(t), &forumv1.GetPostRequest{Name: post.GetName()})
	wantCode(t, "get as another", err, codes.NotFound)
	own := e.mustListPosts(t, alice, th.GetName())
	diff(t, "the author still sees it, with why", []any{len(own), own[0].GetState(), own[0].GetHiddenReason()}, []any{2, hidden, forum.AutoHiddenReason})
	diff(t, "moderators see it", len(e.mustListPosts(t, mod, th.GetName())), 2)
	diff(t, "hidden content leaves the search", search(bob), 0)
	got, err := e.threads.GetThread(bob.ctx(t), &forumv1.GetThreadRequest{Name: th.GetName()})
	must(t, "get thread", err)
	diff(t, "counts count visible replies", got.GetPostCount(), int64(1))
	_, err = e.posts.VotePost(bob.ctx(t), &forumv1.VotePostRequest{Name: post.GetName(), Value: 1})
	wantCode(t, "vote on hidden content", err, codes.NotFound)

	items, err := e.moderation.ListModerationItems(mod.ctx(t), &forumv1.ListModerationItemsRequest{Parent: "agencies/metro", Filter: "state = STATE_OPEN"})
	must(t, "list", err)
	item := items.GetModerationItems()[0]
	diff(t, "item", []any{item.GetTarget(), item.GetFlagCount(), len(item.GetFlags()), item.GetExcerpt()},
		[]any{post.GetName(), int64(3), 3, post.GetBody()})
	if item.GetFlags()[0].GetReason() != forumv1.FlagReason_FLAG_REASON_SPAM || item.GetFlags()[0].GetNote() != "advert" {
		t.Fatalf("flag details: %v", item.GetFlags()[0])
	}

	_, err = e.moderation.ResolveModerationItem(mod.ctx(t), &forumv1.ResolveModerationItemRequest{
		Name: item.GetName(), Action: forumv1.ModerationAction_MODERATION_ACTION_DISMISS, Note: "Not sure"})
	wantReason(t, "dismiss what the flags hid", err, codes.FailedPrecondition, "HIDDEN_BY_FLAGS")
	_, err = e.moderation.ResolveModerationItem(mod.ctx(t), &forumv1.ResolveModerationItemRequest{
		Name: item.GetName(), Action: forumv1.ModerationAction_MODERATION_ACTION_HIDE, Note: "Advertising is not allowed here", Etag: `"1"`})
	wantReason(t, "resolve with a stale etag", err, codes.FailedPrecondition, "ETAG_MISMATCH")
	resolved, err := e.moderation.ResolveModerationItem(mod.ctx(t), &forumv1.ResolveModerationItemRequest{
		Name: item.GetName(), Action: forumv1.ModerationAction_MODERATION_ACTION_HIDE, Note: "Advertising is not allowed here", Etag: item.GetEtag()})
	must(t, "hide", err)
	mine, err := e.posts.GetPost(alice.ctx(t), &forumv1.GetPostRequest{Name: post.GetName()})
	must(t, "get own hidden post", err)
	diff(t, "the author reads the moderator's note", mine.GetHiddenReason(), "Advertising is not allowed here")
	open, err := e.moderation.ListModerationItems(mod.ctx(t), &forumv1.ListModerationItemsRequest{Parent: "agencies/metro", Filter: "state = OPEN"})
	must(t, "list open", err)
	diff(t, "nothing open", len(open.GetModerationItems()), 0)
	done, err := e.moderation.ListModerationItems(mod.ctx(t), &forumv1.ListModerationItemsRequest{Parent: "agencies/metro", Filter: "state = RESOLVED"})
	must(t, "list resolved", err)
	diff(t, "resolved", done.GetModerationItems(), []*forumv1.ModerationItem{resolved})

	// A new flag reopens the item; the content stays hidden.
	frank := e.resident("frank")
	_, err = e.posts.FlagPost(frank.ctx(t), &forumv1.FlagPostRequest{Name: post.GetName(), Reason: forumv1.FlagReason_FLAG_REASON_HARASSMENT})
	wantCode(t, "flag content one cannot see", err, codes.NotFound)
	_, err = e.posts.FlagPost(alice.ctx(t), &forumv1.FlagPostRequest{Name: post.GetName(), Reason: forumv1.FlagReason_FLAG_REASON_OTHER, Note: "I changed it"})
	must(t, "the author flags it for review", err)
	reopened, err := e.moderation.GetModerationItem(mod.ctx(t), &forumv1.GetModerationItemRequest{Name: item.GetName()})
	must(t, "get", err)
	diff(t, "reopened", []any{reopened.GetState(), reopened.GetFlagCount()}, []any{forumv1.ModerationItem_STATE_OPEN, int64(4)})

	_, err = e.moderation.ResolveModerationItem(mod.ctx(t), &forumv1.ResolveModerationItemRequest{
		Name: item.GetName(), Action: forumv1.ModerationAction_MODERATION_ACTION_DISMISS, Note: "Stays hidden"})
	must(t, "dismiss", err)
	mine, err = e.posts.GetPost(alice.ctx(t), &forumv1.GetPostRequest{Name: post.GetName()})
	must(t, "get own hidden post", err)
	diff(t, "dismiss leaves the content", mine.GetState(), hidden)

	_, err = e.moderation.ResolveModerationItem(mod.ctx(t), &forumv1.ResolveModerationItemRequest{
		Name: item.GetName(), Action: forumv1.ModerationAction_MODERATION_ACTION_RESTORE, Note: "Fine after all"})
	must(t, "restore", err)
	diff(t, "visible again", len(e.mustListPosts(t, bob, th.GetName())), 2)
	diff(t, "back in the search", search(bob), 1)
	got, err = e.threads.GetThread(bob.ctx(t), &forumv1.GetThreadRequest{Name: th.GetName()})
	must(t, "get thread", err)
	diff(t, "counted again", got.GetPostCount(), int64(2))
}

// TestAccept checks who may accept which answer.
func TestAccept(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mod := e.staff("mod", "metro", moderatorRole)
	officer := e.staff("officer", "metro", officerRole)
	alice, bob := e.resident("alice"), e.resident("bob")
	f := e.mustForum(t, mod, "metro", "town-square", public)
	q := e.mustThread(t, alice, f.GetName(), question, "Is the park open at night?")
	d := e.mustThread(t, alice, f.GetName(), discussion, "Park benches")
	first := e.mustPost(t, bob, q.GetName(), "I think so")
	official := e.mustPost(t, officer, q.GetName(), "It closes at 10pm")
	chat := e.mustPost(t, bob, d.GetName(), "Nice benches")

	_, err := e.posts.AcceptPost(alice.ctx(t), &forumv1.AcceptPostRequest{Name: chat.GetName()})
	wantReason(t, "accept in a discussion", err, codes.FailedPrecondition, "NOT_A_QUESTION")
	_, err = e.posts.AcceptPost(bob.ctx(t), &forumv1.AcceptPostRequest{Name: first.GetName()})
	wantCode(t, "accept another's question", err, codes.PermissionDenied)
	_, err = e.posts.AcceptPost(alice.ctx(t), &forumv1.AcceptPostRequest{Name: first.GetName()})
	must(t, "the asker accepts", err)
	got, err := e.posts.AcceptPost(officer.ctx(t), &forumv1.AcceptPostRequest{Name: official.GetName()})
	must(t, "staff accept the official answer", err)
	diff(t, "accepted", []any{got.GetAccepted(), got.GetOfficial()}, []any{true, true})
	prev, err := e.posts.GetPost(alice.ctx(t), &forumv1.GetPostRequest{Name: first.GetName()})
	must(t, "get", err)
	diff(t, "the earlier answer is replaced", prev.GetAccepted(), false)
	th, err := e.threads.GetThread(alice.ctx(t), &forumv1.GetThreadRequest{Name: q.GetName()})
	must(t, "get thread", err)
	diff(t, "thread", []any{th.GetAnswered(), th.GetAcceptedAnswer()}, []any{true, official.GetName()})
	answered, err := e.threads.ListThreads(alice.ctx(t), &forumv1.ListThreadsRequest{Parent: f.GetName(), Filter: "answered = true"})
	must(t, "filter answered", err)
	diff(t, "answered questions", titlesOf(answered.GetThreads()), []string{q.GetTitle()})
}

// TestModerationOfDeletedContent follows flagged content that is deleted:
// its item leaves the open queue at once and stops quoting the deleted
// text, and the purge after the retention period removes the item with
// its flags and their notes.
func TestModerationOfDeletedContent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mod := e.staff("mod", "metro", moderatorRole)
	alice, bob, carol := e.resident("alice"), e.resident("bob"), e.resident("carol")
	f := e.mustForum(t, mod, "metro", "town-square", public)
	th := e.mustThread(t, bob, f.GetName(), discussion, "Noise at night")
	doxx := e.mustPost(t, alice, th.GetName(), "My phone number is 555-0100, call me about the noise")
	rude := e.mustPost(t, alice, th.GetName(), "You are all idiots")

	flag := func(u *person, post *forumv1.Post, note string) {
		t.Helper()
		_, err := e.posts.FlagPost(u.ctx(t), &forumv1.FlagPostRequest{Name: post.GetName(), Reason: forumv1.FlagReason_FLAG_REASON_OTHER, Note: note})
		must(t, "flag", err)
	}
	list := func(filter string) []*forumv1.ModerationItem {
		t.Helper()
		resp, err := e.moderation.ListModerationItems(mod.ctx(t), &forumv1.ListModerationItemsRequest{Parent: "agencies/metro", Filter: filter})
		must(t, "list "+filter, err)
		return resp.GetModerationItems()
	}
	targets := func(items []*forumv1.ModerationItem) []string {
		var out []string
		for _, m := range items {
			out = append(out, m.GetTarget()+" "+m.GetExcerpt())
		}
		return out
	}
	flag(bob, doxx, "Personal data: 555-0100")
	flag(carol, rude, "Insults")
	open := list("state = OPEN")
	diff(t, "open before the deletion", targets(open), []string{doxx.GetName() + " " + doxx.GetBody(), rude.GetName() + " " + rude.GetBody()})
	item := open[0]

	_, err := e.posts.DeletePost(alice.ctx(t), &forumv1.DeletePostRequest{Name: doxx.GetName()})
	must(t, "the author deletes the post", err)
	diff(t, "open after the deletion", targets(list("state = OPEN")), []string{rude.GetName() + " " + rude.GetBody()})
	got, err := e.moderation.GetModerationItem(mod.ctx(t), &forumv1.GetModerationItemRequest{Name: item.GetName()})
	must(t, "get", err)
	diff(t, "closed by the deletion, without the text", []any{got.GetState(), got.GetExcerpt(), got.GetTargetDeleteTime().AsTime(), got.GetFlagCount()},
		[]any{forumv1.ModerationItem_STATE_TARGET_DELETED, "", e.clock.Now(), int64(1)})
	diff(t, "listed as closed by deletion", targets(list("state = TARGET_DELETED")), []string{doxx.GetName() + " "})
	_, err = e.posts.FlagPost(carol.ctx(t), &forumv1.FlagPostRequest{Name: doxx.GetName(), Reason: forumv1.FlagReason_FLAG_REASON_OTHER})
	wantCode(t, "flag a deleted post", err, codes.NotFound)

	// A moderator deleting the thread closes its replies' items too.
	e.clock.Advance(time.Hour)
	_, err = e.threads.DeleteThread(mod.ctx(t), &forumv1.DeleteThreadRequest{Name: th.GetName()})
	must(t, "delete thread", err)
	diff(t, "nothing open", targets(list("state = OPEN")), []string(nil))
	diff(t, "closed by deletion", targets(list("state = TARGET_DELETED")), []string{doxx.GetName() + " ", rude.GetName() + " "})

	// The post deleted an hour before the thread is purged first.
	e.clock.Advance(forum.DefaultRetention)
	_, err = e.svc.Purge(t.Context())
	must(t, "purge the post", err)
	_, err = e.moderation.GetModerationItem(mod.ctx(t), &forumv1.GetModerationItemRequest{Name: item.GetName()})
	wantCode(t, "get a purged item", err, codes.NotFound)
	diff(t, "the queue after purging the post", targets(list("")), []string{rude.GetName() + " "})
	e.clock.Advance(time.Minute)
	_, err = e.svc.Purge(t.Context())
	must(t, "purge the thread", err)
	diff(t, "the queue after purging the thread", targets(list("")), []string(nil))
	err = e.store.DB().View(func(tx *bbolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bbolt.Bucket) error {
			return b.ForEach(func(k, v []byte) error {
				if bytes.Contains(v, []byte("555-0100")) || bytes.Contains(v, []byte("Insults")) {
					t.Errorf("after the purge, bucket %s still holds %q", name, v)
				}
				return nil
			})
		})
	})
	must(t, "read the store", err)
}
