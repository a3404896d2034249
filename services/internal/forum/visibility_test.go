package forum_test

import (
	"context"
	"slices"
	"testing"

	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestForumVisibility checks who reads which forum and what is in it: a
// caller who may not read a forum gets NOT_FOUND for it and everything in
// it, and lists leave it out.
func TestForumVisibility(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mod := e.staff("mod", "metro", moderatorRole)
	officer := e.staff("officer", "metro", officerRole)
	outsider := e.staff("outsider", "county", moderatorRole)
	alice := e.resident("alice")

	forums := map[forumv1.Visibility]*forumv1.Forum{
		public:    e.mustForum(t, mod, "metro", "town-square", public),
		residents: e.mustForum(t, mod, "metro", "neighbours", residents),
		staffOnly: e.mustForum(t, mod, "metro", "briefing", staffOnly),
	}
	threads := map[forumv1.Visibility]*forumv1.Thread{}
	posts := map[forumv1.Visibility]*forumv1.Post{}
	for v, f := range forums {
		threads[v] = e.mustThread(t, mod, f.GetName(), discussion, "Thread in "+f.GetName())
		posts[v] = e.mustPost(t, mod, threads[v].GetName(), "Reply in "+f.GetName())
	}

	callers := []struct {
		name  string
		ctx   func(testing.TB) context.Context
		reads []forumv1.Visibility
	}{
		{"anonymous", anonymous, []forumv1.Visibility{public}},
		{"partner", partner, []forumv1.Visibility{public}},
		{"resident", alice.ctx, []forumv1.Visibility{public, residents}},
		{"staff of another agency", outsider.ctx, []forumv1.Visibility{public, residents}},
		{"officer", officer.ctx, []forumv1.Visibility{public, residents, staffOnly}},
	}
	for _, c := range callers {
		t.Run(c.name, func(t *testing.T) {
			ctx := c.ctx(t)
			list, err := e.forums.ListForums(ctx, &forumv1.ListForumsRequest{Parent: "agencies/metro"})
			must(t, "list forums", err)
			var listed []forumv1.Visibility
			for _, f := range list.GetForums() {
				listed = append(listed, f.GetVisibility())
			}
			for _, v := range []forumv1.Visibility{public, residents, staffOnly} {
				readable := false
				for _, r := range c.reads {
					readable = readable || r == v
				}
				want := codes.OK
				if !readable {
					want = codes.NotFound
				}
				f, th, p := forums[v], threads[v], posts[v]
				_, err := e.forums.GetForum(ctx, &forumv1.GetForumRequest{Name: f.GetName()})
				wantCode(t, "get forum "+v.String(), err, want)
				_, err = e.threads.ListThreads(ctx, &forumv1.ListThreadsRequest{Parent: f.GetName()})
				wantCode(t, "list threads "+v.String(), err, want)
				_, err = e.threads.GetThread(ctx, &forumv1.GetThreadRequest{Name: th.GetName()})
				wantCode(t, "get thread "+v.String(), err, want)
				_, err = e.posts.ListPosts(ctx, &forumv1.ListPostsRequest{Parent: th.GetName()})
				wantCode(t, "list posts "+v.String(), err, want)
				_, err = e.posts.GetPost(ctx, &forumv1.GetPostRequest{Name: p.GetName()})
				wantCode(t, "get post "+v.String(), err, want)
				found, err := e.threads.SearchThreads(ctx, &forumv1.SearchThreadsRequest{Parent: "agencies/metro", Query: "reply " + f.GetName()[len("agencies/metro/forums/"):]})
				must(t, "search", err)
				if got := len(found.GetResults()); (got == 1) != readable {
					t.Errorf("search finds %d results in the %s forum, readable %v", got, v, readable)
				}
				_, err = e.threads.SearchThreads(ctx, &forumv1.SearchThreadsRequest{Parent: "agencies/metro", Query: "reply", Forum: f.GetName()})
				wantCode(t, "search in forum "+v.String(), err, want)
			}
			slices.Sort(listed)
			diff(t, "listed forums", listed, c.reads)
		})
	}
}

// TestHiddenLooksMissing checks that what a caller may not see answers
// exactly as what does not exist: the same code and the same words.
func TestHiddenLooksMissing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mod := e.staff("mod", "metro", moderatorRole)
	briefing := e.mustForum(t, mod, "metro", "briefing", staffOnly)
	th := e.mustThread(t, mod, briefing.GetName(), discussion, "Shift changes")

	getForum := func(name string) error {
		_, err := e.forums.GetForum(anonymous(t), &forumv1.GetForumRequest{Name: name})
		return err
	}
	getThread := func(name string) error {
		_, err := e.threads.GetThread(anonymous(t), &forumv1.GetThreadRequest{Name: name})
		return err
	}
	alice := e.resident("alice")
	editThread := func(name string) error {
		_, err := e.threads.UpdateThread(alice.ctx(t), &forumv1.UpdateThreadRequest{Thread: &forumv1.Thread{Name: name, Title: "Mine now"}})
		return err
	}
	for _, tt := range []struct {
		get             func(string) error
		hidden, missing string
	}{
		{getForum, briefing.GetName(), "agencies/metro/forums/nowhere"},
		{getThread, th.GetName(), briefing.GetName() + "/threads/nowhere"},
		{editThread, th.GetName(), briefing.GetName() + "/threads/nowhere"},
	} {
		for _, name := range []string{tt.hidden, tt.missing} {
			st := status.Convert(tt.get(name))
			diff(t, name, []any{st.Code(), st.Message()}, []any{codes.NotFound, name + ": not found"})
		}
	}
}
