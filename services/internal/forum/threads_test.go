package forum_test

import (
	"fmt"
	"testing"
	"time"

	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
	"github.com/engagehq/engage/services/internal/forum"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

func titlesOf(ts []*forumv1.Thread) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.GetTitle())
	}
	return out
}

// TestEditWindow checks that authors edit within the window, with etags
// and masks, and not after it.
func TestEditWindow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mod := e.staff("mod", "metro", moderatorRole)
	alice := e.resident("alice")
	f := e.mustForum(t, mod, "metro", "town-square", public)
	th := e.mustThread(t, alice, f.GetName(), discussion, "Potholes on 5th")
	post := e.mustPost(t, alice, th.GetName(), "Three of them")

	e.clock.Advance(14 * time.Minute)
	got, err := e.threads.UpdateThread(alice.ctx(t), &forumv1.UpdateThreadRequest{
		Thread:     &forumv1.Thread{Name: th.GetName(), Title: "Potholes on 5th Ave", Body: "ignored", Etag: th.GetEtag()},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}},
	})
	must(t, "edit the title", err)
	diff(t, "edited", []any{got.GetTitle(), got.GetBody(), got.GetEtag(), got.GetUpdateTime().AsTime()},
		[]any{"Potholes on 5th Ave", th.GetBody(), `"2"`, start.Add(14 * time.Minute)})
	_, err = e.threads.UpdateThread(alice.ctx(t), &forumv1.UpdateThreadRequest{
		Thread: &forumv1.Thread{Name: th.GetName(), Title: "Stale", Body: "Stale", Etag: th.GetEtag()},
	})
	wantReason(t, "stale etag", err, codes.FailedPrecondition, "ETAG_MISMATCH")
	edited, err := e.posts.UpdatePost(alice.ctx(t), &forumv1.UpdatePostRequest{Post: &forumv1.Post{Name: post.GetName(), Body: "Four of them", Etag: post.GetEtag()}})
	must(t, "edit the post", err)
	diff(t, "edited post", []any{edited.GetBody(), edited.GetEtag()}, []any{"Four of them", `"2"`})

	e.clock.Advance(2 * time.Minute)
	_, err = e.threads.UpdateThread(alice.ctx(t), &forumv1.UpdateThreadRequest{Thread: &forumv1.Thread{Name: th.GetName(), Title: "Too late", Body: "Too late"}})
	wantReason(t, "thread after the window", err, codes.FailedPrecondition, "EDIT_WINDOW_CLOSED")
	_, err = e.posts.UpdatePost(alice.ctx(t), &forumv1.UpdatePostRequest{Post: &forumv1.Post{Name: post.GetName(), Body: "Too late"}})
	wantReason(t, "post after the window", err, codes.FailedPrecondition, "EDIT_WINDOW_CLOSED")
	final, err := e.posts.GetPost(anonymous(t), &forumv1.GetPostRequest{Name: post.GetName()})
	must(t, "get post", err)
	diff(t, "post after refused edits", final.GetBody(), "Four of them")
}

// TestLockPinAndOrder checks moderators' locks and pins, and the orders
// of ListThreads.
func TestLockPinAndOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mod := e.staff("mod", "metro", moderatorRole)
	alice, bob := e.resident("alice"), e.resident("bob")
	f := e.mustForum(t, mod, "metro", "town-square", public)
	threads := map[string]*forumv1.Thread{}
	for _, title := range []string{"Oldest", "Middle", "Newest"} {
		threads[title] = e.mustThread(t, alice, f.GetName(), question, title)
		e.clock.Advance(time.Minute)
	}
	list := func(orderBy, filter string) []string {
		t.Helper()
		resp, err := e.threads.ListThreads(bob.ctx(t), &forumv1.ListThreadsRequest{Parent: f.GetName(), OrderBy: orderBy, Filter: filter})
		must(t, "list", err)
		return titlesOf(resp.GetThreads())
	}
	diff(t, "latest activity first", list("", ""), []string{"Newest", "Middle", "Oldest"})

	pinned, err := e.threads.PinThread(mod.ctx(t), &forumv1.PinThreadRequest{Name: threads["Oldest"].GetName(), Pinned: true})
	must(t, "pin", err)
	if !pinned.GetPinned() {
		t.Fatal("not pinned")
	}
	diff(t, "pinned first", list("last_activity_time desc", ""), []string{"Oldest", "Newest", "Middle"})

	e.mustPost(t, bob, threads["Middle"].GetName(), "A reply bumps the thread")
	diff(t, "a reply bumps", list("", ""), []string{"Oldest", "Middle", "Newest"})

	_, err = e.threads.VoteThread(bob.ctx(t), &forumv1.VoteThreadRequest{Name: threads["Newest"].GetName(), Value: 1})
	must(t, "vote", err)
	diff(t, "by votes, pinned first", list("vote_count desc", ""), []string{"Oldest", "Newest", "Middle"})
	diff(t, "filter by author", list("", `author = "`+alice.name()+`"`), []string{"Oldest", "Middle", "Newest"})
	diff(t, "filter by another author", list("", `author = "`+bob.name()+`"`), []string(nil))
	diff(t, "filter by time", list("", fmt.Sprintf("create_time >= %q", start.Add(time.Minute).Format(time.RFC3339))), []string{"Middle", "Newest"})
	diff(t, "filter by kind", list("", "kind = THREAD_KIND_DISCUSSION"), []string(nil))

	locked, err := e.threads.LockThread(mod.ctx(t), &forumv1.LockThreadRequest{Name: threads["Newest"].GetName(), Locked: true})
	must(t, "lock", err)
	if !locked.GetLocked() {
		t.Fatal("not locked")
	}
	_, err = e.posts.CreatePost(bob.ctx(t), &forumv1.CreatePostRequest{Parent: threads["Newest"].GetName(), Post: &forumv1.Post{Body: "Too late"}})
	wantReason(t, "reply to a locked thread", err, codes.FailedPrecondition, "THREAD_LOCKED")
	_, err = e.threads.LockThread(mod.ctx(t), &forumv1.LockThreadRequest{Name: threads["Newest"].GetName(), Locked: false})
	must(t, "unlock", err)
	e.mustPost(t, bob, threads["Newest"].GetName(), "Now it works")
}

// TestIdempotentCreates checks request ids: the same caller repeating a
// create gets the first result, and nothing is created twice.
func TestIdempotentCreates(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, forum.Config{}) // default limits: a retry must not count as a duplicate
	mod := e.staff("mod", "metro", moderatorRole)
	alice, bob := e.newcomer("alice"), e.resident("bob")
	const id = "6f1c1f36-47f4-4d0f-9d0d-8a8f2b1f0c11"
	forumReq := &forumv1.CreateForumRequest{Parent: "agencies/metro", RequestId: id, Forum: &forumv1.Forum{DisplayName: "District 3", Visibility: public}}
	f1, err := e.forums.CreateForum(mod.ctx(t), forumReq)
	must(t, "create forum", err)
	if f1.GetName() != "agencies/metro/forums/district-3" {
		t.Fatalf("generated forum name %q", f1.GetName())
	}
	f2, err := e.forums.CreateForum(mod.ctx(t), forumReq)
	must(t, "retry forum", err)
	diff(t, "retried forum", f2, f1)
	again, err := e.forums.CreateForum(mod.ctx(t), &forumv1.CreateForumRequest{Parent: "agencies/metro", Forum: &forumv1.Forum{DisplayName: "District 3", Visibility: public}})
	must(t, "another forum of the same name", err)
	if again.GetName() == f1.GetName() {
		t.Fatal("a second forum got the first's id")
	}

	threadReq := &forumv1.CreateThreadRequest{Parent: f1.GetName(), RequestId: id, Thread: &forumv1.Thread{Kind: question, Title: "Parking rules", Body: "Where can I park overnight?"}}
	t1, err := e.threads.CreateThread(alice.ctx(t), threadReq)
	must(t, "create thread", err)
	t2, err := e.threads.CreateThread(alice.ctx(t), threadReq)
	must(t, "retry thread", err)
	diff(t, "retried thread", t2, t1)
	_, err = e.threads.CreateThread(alice.ctx(t), &forumv1.CreateThreadRequest{Parent: f1.GetName(), Thread: threadReq.GetThread()})
	wantReason(t, "the same text again without a request id", err, codes.AlreadyExists, "DUPLICATE_POST")
	b1, err := e.threads.CreateThread(bob.ctx(t), threadReq)
	must(t, "the same request id by another caller", err)
	if b1.GetName() == t1.GetName() {
		t.Fatal("another caller's request id returned alice's thread")
	}

	postReq := &forumv1.CreatePostRequest{Parent: t1.GetName(), RequestId: id, Post: &forumv1.Post{Body: "On Elm St after 6pm"}}
	p1, err := e.posts.CreatePost(bob.ctx(t), &forumv1.CreatePostRequest{Parent: t1.GetName(), RequestId: "a0b0c0d0-0000-4000-8000-000000000001", Post: postReq.GetPost()})
	must(t, "create post", err)
	p2, err := e.posts.CreatePost(bob.ctx(t), &forumv1.CreatePostRequest{Parent: t1.GetName(), RequestId: "a0b0c0d0-0000-4000-8000-000000000001", Post: postReq.GetPost()})
	must(t, "retry post", err)
	diff(t, "retried post", p2, p1)
	_, err = e.posts.CreatePost(alice.ctx(t), postReq)
	wantField(t, "a thread's request id reused for a post", err, "request_id")
	th, err := e.threads.GetThread(anonymous(t), &forumv1.GetThreadRequest{Name: t1.GetName()})
	must(t, "get thread", err)
	diff(t, "one reply", th.GetPostCount(), int64(1))
}

// TestSoftDelete checks that deleted content vanishes from reads at once,
// and that Purge removes it after the retention period.
func TestSoftDelete(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mod := e.staff("mod", "metro", moderatorRole)
	admin := e.staff("admin", "metro", adminRole)
	alice := e.resident("alice")
	f := e.mustForum(t, mod, "metro", "town-square", public)
	th := e.mustThread(t, alice, f.GetName(), discussion, "Lost cat")
	keep := e.mustPost(t, alice, th.GetName(), "Grey tabby")
	gone := e.mustPost(t, alice, th.GetName(), "Answers to Whiskers")

	_, err := e.posts.DeletePost(alice.ctx(t), &forumv1.DeletePostRequest{Name: gone.GetName(), Etag: `"7"`})
	wantReason(t, "delete with a stale etag", err, codes.FailedPrecondition, "ETAG_MISMATCH")
	_, err = e.posts.DeletePost(alice.ctx(t), &forumv1.DeletePostRequest{Name: gone.GetName(), Etag: gone.GetEtag()})
	must(t, "delete post", err)
	_, err = e.posts.GetPost(alice.ctx(t), &forumv1.GetPostRequest{Name: gone.GetName()})
	wantCode(t, "get deleted post", err, codes.NotFound)
	posts := e.mustListPosts(t, alice, th.GetName())
	if len(posts) != 1 || posts[0].GetName() != keep.GetName() {
		t.Fatalf("posts after delete: %v", posts)
	}
	got, err := e.threads.GetThread(alice.ctx(t), &forumv1.GetThreadRequest{Name: th.GetName()})
	must(t, "get thread", err)
	diff(t, "post count", got.GetPostCount(), int64(1))
	found, err := e.threads.SearchThreads(alice.ctx(t), &forumv1.SearchThreadsRequest{Parent: "agencies/metro", Query: "whiskers"})
	must(t, "search", err)
	diff(t, "deleted post not found", len(found.GetResults()), 0)

	_, err = e.threads.DeleteThread(mod.ctx(t), &forumv1.DeleteThreadRequest{Name: th.GetName()})
	must(t, "delete thread", err)
	_, err = e.posts.GetPost(alice.ctx(t), &forumv1.GetPostRequest{Name: keep.GetName()})
	wantCode(t, "post of a deleted thread", err, codes.NotFound)
	found, err = e.threads.SearchThreads(alice.ctx(t), &forumv1.SearchThreadsRequest{Parent: "agencies/metro", Query: "tabby"})
	must(t, "search", err)
	diff(t, "posts of a deleted thread not found", len(found.GetResults()), 0)

	other := e.mustThread(t, alice, f.GetName(), discussion, "Found dog")
	_, err = e.forums.DeleteForum(admin.ctx(t), &forumv1.DeleteForumRequest{Name: f.GetName(), Etag: f.GetEtag()})
	must(t, "delete forum", err)
	_, err = e.threads.GetThread(alice.ctx(t), &forumv1.GetThreadRequest{Name: other.GetName()})
	wantCode(t, "thread of a deleted forum", err, codes.NotFound)
	_, err = e.forums.CreateForum(mod.ctx(t), &forumv1.CreateForumRequest{Parent: "agencies/metro", ForumId: "town-square", Forum: &forumv1.Forum{DisplayName: "Again", Visibility: public}})
	wantCode(t, "reuse the id before the purge", err, codes.AlreadyExists)

	n, err := e.svc.Purge(t.Context())
	must(t, "purge within the retention", err)
	diff(t, "nothing purged yet", n, 0)
	e.clock.Advance(forum.DefaultRetention + time.Minute)
	n, err = e.svc.Purge(t.Context())
	must(t, "purge", err)
	diff(t, "purged", n, 3)
	again := e.mustForum(t, mod, "metro", "town-square", public)
	diff(t, "a purged forum's id is free", again.GetThreadCount(), int64(0))
}
