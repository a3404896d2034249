package forum_test

import (
	"slices"
	"testing"

	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
	"github.com/engagehq/engage/services/internal/forum"
	"google.golang.org/grpc/codes"
)

// TestDoneMeansFlow walks the story of the forum issue over gRPC: a
// resident asks, another votes and flags, three flags hide the thread, a
// moderator restores it, staff answer officially and the answer is
// accepted, and the audit log has each staff step.
func TestDoneMeansFlow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mod := e.staff("mod", "metro", moderatorRole)
	chief := e.staff("chief", "metro", officerRole)
	alice, bob, carol, dave := e.resident("alice"), e.resident("bob"), e.resident("carol"), e.resident("dave")

	f := e.mustForum(t, mod, "metro", "district-3", public)
	th := e.mustThread(t, alice, f.GetName(), question, "When will the Elm St light be fixed?")
	diff(t, "new thread", th, &forumv1.Thread{
		Name: th.GetName(), Kind: question, Title: "When will the Elm St light be fixed?", Body: "About When will the Elm St light be fixed?",
		Author: alice.name(), AuthorDisplayName: "Resident alice", State: visible,
		LastActivityTime: th.GetCreateTime(), CreateTime: th.GetCreateTime(), Etag: `"1"`,
	})

	voted, err := e.threads.VoteThread(bob.ctx(t), &forumv1.VoteThreadRequest{Name: th.GetName(), Value: 1})
	must(t, "vote", err)
	diff(t, "vote", []any{voted.GetVoteCount(), voted.GetViewerVote()}, []any{int64(1), int32(1)})
	got, err := e.threads.GetThread(alice.ctx(t), &forumv1.GetThreadRequest{Name: th.GetName()})
	must(t, "get as alice", err)
	diff(t, "alice's view", []any{got.GetVoteCount(), got.GetViewerVote()}, []any{int64(1), int32(0)})

	for i, u := range []*person{bob, carol, dave} {
		_, err := e.threads.FlagThread(u.ctx(t), &forumv1.FlagThreadRequest{Name: th.GetName(), Reason: forumv1.FlagReason_FLAG_REASON_SPAM, Note: "looks like an ad"})
		must(t, "flag", err)
		_, err = e.threads.GetThread(anonymous(t), &forumv1.GetThreadRequest{Name: th.GetName()})
		if i < 2 {
			must(t, "get before the third flag", err)
		} else {
			wantCode(t, "get after the third flag", err, codes.NotFound)
		}
	}
	list, err := e.threads.ListThreads(bob.ctx(t), &forumv1.ListThreadsRequest{Parent: f.GetName()})
	must(t, "list as bob", err)
	if len(list.GetThreads()) != 0 {
		t.Fatalf("a hidden thread is listed to others: %v", list.GetThreads())
	}
	own, err := e.threads.GetThread(alice.ctx(t), &forumv1.GetThreadRequest{Name: th.GetName()})
	must(t, "get as the author", err)
	diff(t, "the author sees why", []any{own.GetState(), own.GetHiddenReason()}, []any{hidden, forum.AutoHiddenReason})
	fv, err := e.forums.GetForum(anonymous(t), &forumv1.GetForumRequest{Name: f.GetName()})
	must(t, "get forum", err)
	diff(t, "hidden threads do not count", fv.GetThreadCount(), int64(0))

	items, err := e.moderation.ListModerationItems(mod.ctx(t), &forumv1.ListModerationItemsRequest{Parent: "agencies/metro", Filter: "state = OPEN"})
	must(t, "list queue", err)
	if len(items.GetModerationItems()) != 1 {
		t.Fatalf("queue: %v", items.GetModerationItems())
	}
	item := items.GetModerationItems()[0]
	diff(t, "queued item", []any{item.GetTarget(), item.GetFlagCount(), item.GetAutoHidden(), item.GetAuthor(), item.GetState()},
		[]any{th.GetName(), int64(3), true, alice.name(), forumv1.ModerationItem_STATE_OPEN})

	resolved, err := e.moderation.ResolveModerationItem(mod.ctx(t), &forumv1.ResolveModerationItemRequest{
		Name: item.GetName(), Action: forumv1.ModerationAction_MODERATION_ACTION_RESTORE, Note: "A fair question", Etag: item.GetEtag(),
	})
	must(t, "restore", err)
	diff(t, "resolved", []any{resolved.GetState(), resolved.GetAction(), resolved.GetResolver()},
		[]any{forumv1.ModerationItem_STATE_RESOLVED, forumv1.ModerationAction_MODERATION_ACTION_RESTORE, mod.name()})
	back, err := e.threads.GetThread(anonymous(t), &forumv1.GetThreadRequest{Name: th.GetName()})
	must(t, "get after restore", err)
	diff(t, "restored", []any{back.GetState(), back.GetHiddenReason()}, []any{visible, ""})
	for _, u := range []*person{bob, carol, dave} {
		_, err := e.threads.FlagThread(u.ctx(t), &forumv1.FlagThreadRequest{Name: th.GetName(), Reason: forumv1.FlagReason_FLAG_REASON_SPAM})
		must(t, "flag again", err)
	}
	_, err = e.threads.GetThread(anonymous(t), &forumv1.GetThreadRequest{Name: th.GetName()})
	must(t, "the same flaggers cannot hide it again", err)

	answer := e.mustPost(t, chief, th.GetName(), "Public works replaces it on Monday.")
	if !answer.GetOfficial() || answer.GetAuthorDisplayName() != "Officer chief" {
		t.Fatalf("staff answer: %v", answer)
	}
	e.mustPost(t, bob, th.GetName(), "Thanks for asking!")
	accepted, err := e.posts.AcceptPost(alice.ctx(t), &forumv1.AcceptPostRequest{Name: answer.GetName()})
	must(t, "accept", err)
	if !accepted.GetAccepted() {
		t.Fatal("the answer is not accepted")
	}
	answered, err := e.threads.GetThread(anonymous(t), &forumv1.GetThreadRequest{Name: th.GetName()})
	must(t, "get answered", err)
	diff(t, "answered", []any{answered.GetAnswered(), answered.GetAcceptedAnswer(), answered.GetPostCount()},
		[]any{true, answer.GetName(), int64(2)})
	unanswered, err := e.threads.ListThreads(anonymous(t), &forumv1.ListThreadsRequest{Parent: f.GetName(), Filter: "kind = QUESTION AND answered = false"})
	must(t, "filter unanswered", err)
	if len(unanswered.GetThreads()) != 0 {
		t.Fatalf("an answered question listed as unanswered: %v", unanswered.GetThreads())
	}

	found, err := e.threads.SearchThreads(anonymous(t), &forumv1.SearchThreadsRequest{Parent: "agencies/metro", Query: "monday"})
	must(t, "search", err)
	if len(found.GetResults()) != 1 || found.GetResults()[0].GetPost() != answer.GetName() {
		t.Fatalf("search for the answer: %v", found.GetResults())
	}

	events := e.audit.methods()
	for _, want := range []string{
		"CreateForum " + mod.name() + " OK",
		"ResolveModerationItem " + mod.name() + " OK",
		"AcceptPost " + alice.name() + " OK",
	} {
		if !slices.Contains(events, want) {
			t.Errorf("audit log lacks %q: %v", want, events)
		}
	}
}
