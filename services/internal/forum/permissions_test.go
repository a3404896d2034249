package forum_test

import (
	"testing"

	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// TestWritePermissions checks who may write what, and that a refused
// write changes nothing.
func TestWritePermissions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mod := e.staff("mod", "metro", moderatorRole)
	admin := e.staff("admin", "metro", adminRole)
	officer := e.staff("officer", "metro", officerRole)
	alice, bob := e.resident("alice"), e.resident("bob")
	f := e.mustForum(t, mod, "metro", "town-square", public)
	briefing := e.mustForum(t, mod, "metro", "briefing", staffOnly)
	th := e.mustThread(t, alice, f.GetName(), discussion, "Block party on Saturday")
	post := e.mustPost(t, alice, th.GetName(), "Bring chairs")
	staffThread := e.mustThread(t, officer, briefing.GetName(), discussion, "Shift changes")
	staffPost := e.mustPost(t, officer, staffThread.GetName(), "Noted")

	tests := []struct {
		name string
		call func() error
		want codes.Code
	}{
		{"anonymous thread", func() error {
			_, err := e.threads.CreateThread(anonymous(t), &forumv1.CreateThreadRequest{Parent: f.GetName(), Thread: &forumv1.Thread{Kind: discussion, Title: "Hello", Body: "Hi"}})
			return err
		}, codes.Unauthenticated},
		{"partner thread", func() error {
			_, err := e.threads.CreateThread(partner(t), &forumv1.CreateThreadRequest{Parent: f.GetName(), Thread: &forumv1.Thread{Kind: discussion, Title: "Hello", Body: "Hi"}})
			return err
		}, codes.PermissionDenied},
		{"resident announcement", func() error {
			_, err := e.threads.CreateThread(bob.ctx(t), &forumv1.CreateThreadRequest{Parent: f.GetName(), Thread: &forumv1.Thread{Kind: announcement, Title: "Hear ye", Body: "News"}})
			return err
		}, codes.PermissionDenied},
		{"resident thread in a staff forum", func() error {
			_, err := e.threads.CreateThread(bob.ctx(t), &forumv1.CreateThreadRequest{Parent: briefing.GetName(), Thread: &forumv1.Thread{Kind: discussion, Title: "Hello", Body: "Hi"}})
			return err
		}, codes.NotFound},
		{"resident reply in a staff forum", func() error {
			_, err := e.posts.CreatePost(bob.ctx(t), &forumv1.CreatePostRequest{Parent: staffThread.GetName(), Post: &forumv1.Post{Body: "Hi"}})
			return err
		}, codes.NotFound},
		{"resident edits another's post", func() error {
			_, err := e.posts.UpdatePost(bob.ctx(t), &forumv1.UpdatePostRequest{Post: &forumv1.Post{Name: post.GetName(), Body: "Bring tables"}})
			return err
		}, codes.PermissionDenied},
		{"resident edits a post they cannot see", func() error {
			_, err := e.posts.UpdatePost(bob.ctx(t), &forumv1.UpdatePostRequest{Post: &forumv1.Post{Name: staffPost.GetName(), Body: "Changed"}})
			return err
		}, codes.NotFound},
		{"moderator edits another's thread", func() error {
			_, err := e.threads.UpdateThread(mod.ctx(t), &forumv1.UpdateThreadRequest{
				Thread: &forumv1.Thread{Name: th.GetName(), Title: "Changed title"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}}})
			return err
		}, codes.PermissionDenied},
		{"resident deletes another's post", func() error {
			_, err := e.posts.DeletePost(bob.ctx(t), &forumv1.DeletePostRequest{Name: post.GetName()})
			return err
		}, codes.PermissionDenied},
		{"resident deletes another's thread", func() error {
			_, err := e.threads.DeleteThread(bob.ctx(t), &forumv1.DeleteThreadRequest{Name: th.GetName()})
			return err
		}, codes.PermissionDenied},
		{"resident locks", func() error {
			_, err := e.threads.LockThread(bob.ctx(t), &forumv1.LockThreadRequest{Name: th.GetName(), Locked: true})
			return err
		}, codes.PermissionDenied},
		{"resident creates a forum", func() error {
			_, err := e.forums.CreateForum(bob.ctx(t), &forumv1.CreateForumRequest{Parent: "agencies/metro", Forum: &forumv1.Forum{DisplayName: "Mine", Visibility: public}})
			return err
		}, codes.PermissionDenied},
		{"moderator deletes a forum", func() error {
			_, err := e.forums.DeleteForum(mod.ctx(t), &forumv1.DeleteForumRequest{Name: f.GetName()})
			return err
		}, codes.PermissionDenied},
		{"resident accepts an answer to another's question", func() error {
			_, err := e.posts.AcceptPost(bob.ctx(t), &forumv1.AcceptPostRequest{Name: post.GetName()})
			return err
		}, codes.PermissionDenied},
		{"anonymous vote", func() error {
			_, err := e.threads.VoteThread(anonymous(t), &forumv1.VoteThreadRequest{Name: th.GetName(), Value: 1})
			return err
		}, codes.Unauthenticated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantCode(t, tt.name, tt.call(), tt.want)
		})
	}

	// Nothing changed.
	gotPost, err := e.posts.GetPost(alice.ctx(t), &forumv1.GetPostRequest{Name: post.GetName()})
	must(t, "get post", err)
	diff(t, "post unchanged", gotPost, post)
	list, err := e.threads.ListThreads(mod.ctx(t), &forumv1.ListThreadsRequest{Parent: f.GetName()})
	must(t, "list", err)
	diff(t, "threads unchanged", len(list.GetThreads()), 1)

	// What the right people may do.
	ann, err := e.threads.CreateThread(officer.ctx(t), &forumv1.CreateThreadRequest{Parent: f.GetName(), Thread: &forumv1.Thread{Kind: announcement, Title: "Road closure", Body: "Main St is closed on Sunday."}})
	must(t, "staff announcement", err)
	if !ann.GetOfficial() {
		t.Fatal("a staff announcement is not official")
	}
	_, err = e.posts.DeletePost(mod.ctx(t), &forumv1.DeletePostRequest{Name: post.GetName()})
	must(t, "moderator deletes a post", err)
	_, err = e.threads.DeleteThread(alice.ctx(t), &forumv1.DeleteThreadRequest{Name: th.GetName(), Etag: th.GetEtag()})
	must(t, "author deletes a thread", err)
	_, err = e.forums.DeleteForum(admin.ctx(t), &forumv1.DeleteForumRequest{Name: f.GetName()})
	must(t, "admin deletes a forum", err)
}

// TestModeratorOfAnotherAgency checks that a moderator's role is bound to
// their agency: in another agency they moderate nothing, and nothing
// changes.
func TestModeratorOfAnotherAgency(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	modA := e.staff("mod-a", "metro", moderatorRole)
	modB := e.staff("mod-b", "county", moderatorRole)
	alice, bob, carol, dave := e.resident("alice"), e.resident("bob"), e.resident("carol"), e.resident("dave")
	f := e.mustForum(t, modB, "county", "roads", public)
	th := e.mustThread(t, alice, f.GetName(), discussion, "Gravel on County Rd 9")
	open := e.mustThread(t, alice, f.GetName(), discussion, "Snow clearing")
	reply := e.mustPost(t, alice, open.GetName(), "Still there")
	for _, u := range []*person{bob, carol, dave} {
		_, err := e.threads.FlagThread(u.ctx(t), &forumv1.FlagThreadRequest{Name: th.GetName(), Reason: forumv1.FlagReason_FLAG_REASON_OFF_TOPIC})
		must(t, "flag", err)
	}
	items, err := e.moderation.ListModerationItems(modB.ctx(t), &forumv1.ListModerationItemsRequest{Parent: "agencies/county"})
	must(t, "list as the agency's moderator", err)
	item := items.GetModerationItems()[0]

	calls := map[string]func() error{
		"list queue": func() error {
			_, err := e.moderation.ListModerationItems(modA.ctx(t), &forumv1.ListModerationItemsRequest{Parent: "agencies/county"})
			return err
		},
		"get item": func() error {
			_, err := e.moderation.GetModerationItem(modA.ctx(t), &forumv1.GetModerationItemRequest{Name: item.GetName()})
			return err
		},
		"resolve": func() error {
			_, err := e.moderation.ResolveModerationItem(modA.ctx(t), &forumv1.ResolveModerationItemRequest{
				Name: item.GetName(), Action: forumv1.ModerationAction_MODERATION_ACTION_RESTORE, Note: "fine"})
			return err
		},
		"lock": func() error {
			_, err := e.threads.LockThread(modA.ctx(t), &forumv1.LockThreadRequest{Name: th.GetName(), Locked: true})
			return err
		},
		"pin": func() error {
			_, err := e.threads.PinThread(modA.ctx(t), &forumv1.PinThreadRequest{Name: th.GetName(), Pinned: true})
			return err
		},
		"create forum": func() error {
			_, err := e.forums.CreateForum(modA.ctx(t), &forumv1.CreateForumRequest{Parent: "agencies/county", Forum: &forumv1.Forum{DisplayName: "Mine", Visibility: public}})
			return err
		},
		"delete post": func() error {
			_, err := e.posts.DeletePost(modA.ctx(t), &forumv1.DeletePostRequest{Name: reply.GetName()})
			return err
		},
	}
	for name, call := range calls {
		wantCode(t, name, call(), codes.PermissionDenied)
	}
	got, err := e.moderation.GetModerationItem(modB.ctx(t), &forumv1.GetModerationItemRequest{Name: item.GetName()})
	must(t, "get item", err)
	diff(t, "item unchanged", got, item)
	own, err := e.threads.GetThread(alice.ctx(t), &forumv1.GetThreadRequest{Name: th.GetName()})
	must(t, "get thread", err)
	diff(t, "thread unchanged", []any{own.GetState(), own.GetLocked(), own.GetPinned()}, []any{hidden, false, false})
	if n := len(e.mustListPosts(t, alice, open.GetName())); n != 1 {
		t.Fatalf("%d posts, want the one the refused delete left", n)
	}
}

// mustListPosts lists all of a thread's posts u sees.
func (e *env) mustListPosts(t *testing.T, u *person, thread string) []*forumv1.Post {
	t.Helper()
	resp, err := e.posts.ListPosts(u.ctx(t), &forumv1.ListPostsRequest{Parent: thread, PageSize: 200})
	must(t, "list posts", err)
	return resp.GetPosts()
}
