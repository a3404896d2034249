package forum_test

import (
	"strings"
	"testing"

	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// TestBadInput sends malformed requests: each is INVALID_ARGUMENT naming
// the field, and nothing is stored.
func TestBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mod := e.staff("mod", "metro", moderatorRole)
	alice := e.resident("alice")
	f := e.mustForum(t, mod, "metro", "town-square", public)
	th := e.mustThread(t, alice, f.GetName(), question, "Existing question")
	post := e.mustPost(t, alice, th.GetName(), "Existing reply")
	otherPage, err := e.threads.ListThreads(alice.ctx(t), &forumv1.ListThreadsRequest{Parent: f.GetName(), Filter: "kind = QUESTION", PageSize: 1})
	must(t, "list", err)
	e.mustThread(t, alice, f.GetName(), question, "Second question")
	filtered, err := e.threads.ListThreads(alice.ctx(t), &forumv1.ListThreadsRequest{Parent: f.GetName(), Filter: "kind = QUESTION", PageSize: 1})
	must(t, "list", err)
	if filtered.GetNextPageToken() == "" || otherPage.GetNextPageToken() != "" {
		t.Fatalf("page tokens: %q then %q", otherPage.GetNextPageToken(), filtered.GetNextPageToken())
	}
	huge := strings.Repeat("x", 100*1024)
	titleMask := &fieldmaskpb.FieldMask{Paths: []string{"title"}}

	tests := []struct {
		name  string
		field string
		call  func() error
	}{
		{"empty title", "thread.title", func() error {
			_, err := e.threads.CreateThread(alice.ctx(t), &forumv1.CreateThreadRequest{Parent: f.GetName(), Thread: &forumv1.Thread{Kind: discussion, Body: "No title"}})
			return err
		}},
		{"blank title", "thread.title", func() error {
			_, err := e.threads.CreateThread(alice.ctx(t), &forumv1.CreateThreadRequest{Parent: f.GetName(), Thread: &forumv1.Thread{Kind: discussion, Title: "     ", Body: "Blank title"}})
			return err
		}},
		{"100 KB thread body", "thread.body", func() error {
			_, err := e.threads.CreateThread(alice.ctx(t), &forumv1.CreateThreadRequest{Parent: f.GetName(), Thread: &forumv1.Thread{Kind: discussion, Title: "Long", Body: huge}})
			return err
		}},
		{"unknown kind", "thread.kind", func() error {
			_, err := e.threads.CreateThread(alice.ctx(t), &forumv1.CreateThreadRequest{Parent: f.GetName(), Thread: &forumv1.Thread{Kind: 42, Title: "Odd kind", Body: "Body"}})
			return err
		}},
		{"no kind", "thread.kind", func() error {
			_, err := e.threads.CreateThread(alice.ctx(t), &forumv1.CreateThreadRequest{Parent: f.GetName(), Thread: &forumv1.Thread{Title: "No kind", Body: "Body"}})
			return err
		}},
		{"100 KB post", "post.body", func() error {
			_, err := e.posts.CreatePost(alice.ctx(t), &forumv1.CreatePostRequest{Parent: th.GetName(), Post: &forumv1.Post{Body: huge}})
			return err
		}},
		{"empty post", "post.body", func() error {
			_, err := e.posts.CreatePost(alice.ctx(t), &forumv1.CreatePostRequest{Parent: th.GetName(), Post: &forumv1.Post{Body: " \n "}})
			return err
		}},
		{"vote 7 on a thread", "value", func() error {
			_, err := e.threads.VoteThread(alice.ctx(t), &forumv1.VoteThreadRequest{Name: th.GetName(), Value: 7})
			return err
		}},
		{"vote 7 on a post", "value", func() error {
			_, err := e.posts.VotePost(alice.ctx(t), &forumv1.VotePostRequest{Name: post.GetName(), Value: 7})
			return err
		}},
		{"bad page token", "page_token", func() error {
			_, err := e.threads.ListThreads(alice.ctx(t), &forumv1.ListThreadsRequest{Parent: f.GetName(), PageToken: "not-a-token"})
			return err
		}},
		{"page token of another filter", "page_token", func() error {
			_, err := e.threads.ListThreads(alice.ctx(t), &forumv1.ListThreadsRequest{Parent: f.GetName(), PageToken: filtered.GetNextPageToken()})
			return err
		}},
		{"page token of posts", "page_token", func() error {
			_, err := e.posts.ListPosts(alice.ctx(t), &forumv1.ListPostsRequest{Parent: th.GetName(), PageToken: filtered.GetNextPageToken()})
			return err
		}},
		{"unknown filter field", "filter", func() error {
			_, err := e.threads.ListThreads(alice.ctx(t), &forumv1.ListThreadsRequest{Parent: f.GetName(), Filter: "colour = red"})
			return err
		}},
		{"unknown filter kind", "filter", func() error {
			_, err := e.threads.ListThreads(alice.ctx(t), &forumv1.ListThreadsRequest{Parent: f.GetName(), Filter: "kind = SNAKE"})
			return err
		}},
		{"filter with OR", "filter", func() error {
			_, err := e.threads.ListThreads(alice.ctx(t), &forumv1.ListThreadsRequest{Parent: f.GetName(), Filter: "answered = true OR kind = QUESTION"})
			return err
		}},
		{"filter time", "filter", func() error {
			_, err := e.threads.ListThreads(alice.ctx(t), &forumv1.ListThreadsRequest{Parent: f.GetName(), Filter: `create_time > "yesterday"`})
			return err
		}},
		{"moderation filter", "filter", func() error {
			_, err := e.moderation.ListModerationItems(mod.ctx(t), &forumv1.ListModerationItemsRequest{Parent: "agencies/metro", Filter: "state = CLOSED"})
			return err
		}},
		{"thread order", "order_by", func() error {
			_, err := e.threads.ListThreads(alice.ctx(t), &forumv1.ListThreadsRequest{Parent: f.GetName(), OrderBy: "title"})
			return err
		}},
		{"post order", "order_by", func() error {
			_, err := e.posts.ListPosts(alice.ctx(t), &forumv1.ListPostsRequest{Parent: th.GetName(), OrderBy: "vote_count asc"})
			return err
		}},
		{"a change of the immutable kind", "update_mask", func() error {
			_, err := e.threads.UpdateThread(alice.ctx(t), &forumv1.UpdateThreadRequest{Thread: &forumv1.Thread{Name: th.GetName(), Title: "Now a discussion", Kind: discussion}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title", "kind"}}})
			return err
		}},
		{"a change of the immutable kind without a mask", "update_mask", func() error {
			_, err := e.threads.UpdateThread(alice.ctx(t), &forumv1.UpdateThreadRequest{Thread: &forumv1.Thread{Name: th.GetName(), Title: "Now a discussion", Kind: discussion}})
			return err
		}},
		{"only an output-only field in a mask", "update_mask", func() error {
			_, err := e.threads.UpdateThread(alice.ctx(t), &forumv1.UpdateThreadRequest{Thread: &forumv1.Thread{Name: th.GetName(), VoteCount: 99}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"vote_count"}}})
			return err
		}},
		{"unknown field in a mask", "update_mask", func() error {
			_, err := e.posts.UpdatePost(alice.ctx(t), &forumv1.UpdatePostRequest{Post: &forumv1.Post{Name: post.GetName(), Body: "x"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"colour"}}})
			return err
		}},
		{"a forum mask of an output-only field", "update_mask", func() error {
			_, err := e.forums.UpdateForum(mod.ctx(t), &forumv1.UpdateForumRequest{Forum: &forumv1.Forum{Name: f.GetName()}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"thread_count"}}})
			return err
		}},
		{"short title in an update", "thread.title", func() error {
			_, err := e.threads.UpdateThread(alice.ctx(t), &forumv1.UpdateThreadRequest{Thread: &forumv1.Thread{Name: th.GetName(), Title: "Hi"}, UpdateMask: titleMask})
			return err
		}},
		{"forum without a name", "forum.display_name", func() error {
			_, err := e.forums.CreateForum(mod.ctx(t), &forumv1.CreateForumRequest{Parent: "agencies/metro", Forum: &forumv1.Forum{Visibility: public}})
			return err
		}},
		{"forum without visibility", "forum.visibility", func() error {
			_, err := e.forums.CreateForum(mod.ctx(t), &forumv1.CreateForumRequest{Parent: "agencies/metro", Forum: &forumv1.Forum{DisplayName: "Invisible"}})
			return err
		}},
		{"bad forum id", "forum_id", func() error {
			_, err := e.forums.CreateForum(mod.ctx(t), &forumv1.CreateForumRequest{Parent: "agencies/metro", ForumId: "Bad_ID", Forum: &forumv1.Forum{DisplayName: "Bad", Visibility: public}})
			return err
		}},
		{"flag without a reason", "reason", func() error {
			_, err := e.posts.FlagPost(alice.ctx(t), &forumv1.FlagPostRequest{Name: post.GetName()})
			return err
		}},
		{"resolve without a note", "note", func() error {
			_, err := e.moderation.ResolveModerationItem(mod.ctx(t), &forumv1.ResolveModerationItemRequest{Name: "agencies/metro/moderationItems/x", Action: forumv1.ModerationAction_MODERATION_ACTION_HIDE})
			return err
		}},
		{"bad thread name", "name", func() error {
			_, err := e.threads.GetThread(alice.ctx(t), &forumv1.GetThreadRequest{Name: "agencies/metro/threads/x"})
			return err
		}},
		{"empty search", "query", func() error {
			_, err := e.threads.SearchThreads(alice.ctx(t), &forumv1.SearchThreadsRequest{Parent: "agencies/metro", Query: "   "})
			return err
		}},
		{"search forum of another agency", "forum", func() error {
			_, err := e.threads.SearchThreads(alice.ctx(t), &forumv1.SearchThreadsRequest{Parent: "agencies/metro", Query: "x", Forum: "agencies/county/forums/roads"})
			return err
		}},
		{"search page token", "page_token", func() error {
			_, err := e.threads.SearchThreads(alice.ctx(t), &forumv1.SearchThreadsRequest{Parent: "agencies/metro", Query: "x", PageToken: filtered.GetNextPageToken()})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantField(t, tt.name, tt.call(), tt.field)
		})
	}

	// Nothing was stored.
	list, err := e.threads.ListThreads(alice.ctx(t), &forumv1.ListThreadsRequest{Parent: f.GetName()})
	must(t, "list", err)
	diff(t, "threads", len(list.GetThreads()), 2)
	got, err := e.threads.GetThread(alice.ctx(t), &forumv1.GetThreadRequest{Name: th.GetName()})
	must(t, "get", err)
	diff(t, "thread", []any{got.GetTitle(), got.GetVoteCount(), got.GetPostCount(), got.GetEtag()}, []any{th.GetTitle(), int64(0), int64(1), th.GetEtag()})
	diff(t, "posts", len(e.mustListPosts(t, alice, th.GetName())), 1)
	forums, err := e.forums.ListForums(mod.ctx(t), &forumv1.ListForumsRequest{Parent: "agencies/metro"})
	must(t, "list forums", err)
	diff(t, "forums", len(forums.GetForums()), 1)
	items, err := e.moderation.ListModerationItems(mod.ctx(t), &forumv1.ListModerationItemsRequest{Parent: "agencies/metro"})
	must(t, "list queue", err)
	diff(t, "queue", len(items.GetModerationItems()), 0)
}
