package forum_test

import (
	"fmt"
	"testing"
	"time"

	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
	"github.com/engagehq/engage/services/internal/forum"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// TestPostingLimits checks that threads and posts pass through the abuse
// guard: a new account is slowed down with RESOURCE_EXHAUSTED and a retry
// time, the same text twice is refused, staff are exempt, and a refused
// post stores nothing.
func TestPostingLimits(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, forum.Config{})
	mod := e.staff("mod", "metro", moderatorRole)
	newbie := e.newcomer("newbie")
	f := e.mustForum(t, mod, "metro", "town-square", public)
	th := e.mustThread(t, mod, f.GetName(), discussion, "Welcome")

	var err error
	for i := range forum.DefaultNewPerMinute + 1 {
		_, err = e.posts.CreatePost(newbie.ctx(t), &forumv1.CreatePostRequest{Parent: th.GetName(), Post: &forumv1.Post{Body: fmt.Sprintf("hello %d", i)}})
		if i < forum.DefaultNewPerMinute {
			must(t, "post within the limit", err)
		}
	}
	wantCode(t, "post over the limit", err, codes.ResourceExhausted)
	st, _ := status.FromError(err)
	retry := false
	for _, d := range st.Details() {
		if ri, ok := d.(*errdetails.RetryInfo); ok && ri.GetRetryDelay().AsDuration() > 0 {
			retry = true
		}
	}
	if !retry {
		t.Fatalf("no retry information in %v", st.Details())
	}
	_, err = e.threads.CreateThread(newbie.ctx(t), &forumv1.CreateThreadRequest{Parent: f.GetName(), Thread: &forumv1.Thread{Kind: discussion, Title: "My own thread", Body: "Hi"}})
	wantCode(t, "thread over the limit", err, codes.ResourceExhausted)

	_, err = e.posts.CreatePost(newbie.ctx(t), &forumv1.CreatePostRequest{Parent: th.GetName(), Post: &forumv1.Post{Body: "see http://a.example http://b.example http://c.example"}})
	wantField(t, "too many links", err, "post.body")

	e.clock.Advance(2 * time.Minute)
	_, err = e.posts.CreatePost(newbie.ctx(t), &forumv1.CreatePostRequest{Parent: th.GetName(), Post: &forumv1.Post{Body: "hello 0"}})
	wantReason(t, "the same text again", err, codes.AlreadyExists, "DUPLICATE_POST")

	// An edit cannot add the links a new post could not have.
	mine := e.mustPost(t, newbie, th.GetName(), "one link: http://a.example")
	_, err = e.posts.UpdatePost(newbie.ctx(t), &forumv1.UpdatePostRequest{Post: &forumv1.Post{Name: mine.GetName(), Body: "see http://a.example http://b.example http://c.example"}})
	wantField(t, "an edit with too many links", err, "post.body")
	_, err = e.posts.UpdatePost(newbie.ctx(t), &forumv1.UpdatePostRequest{Post: &forumv1.Post{Name: mine.GetName(), Body: "two links: http://a.example http://b.example"}})
	must(t, "an edit within the link limit", err)
	own := e.mustThread(t, newbie, f.GetName(), discussion, "Lost cat")
	_, err = e.threads.UpdateThread(newbie.ctx(t), &forumv1.UpdateThreadRequest{Thread: &forumv1.Thread{Name: own.GetName(), Body: "www.a.example www.b.example www.c.example"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"body"}}})
	wantField(t, "a thread edit with too many links", err, "thread.body")
	linked := e.mustThread(t, newbie, f.GetName(), discussion, "Two links")
	_, err = e.threads.UpdateThread(newbie.ctx(t), &forumv1.UpdateThreadRequest{Thread: &forumv1.Thread{Name: linked.GetName(), Body: "www.a.example www.b.example"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"body"}}})
	must(t, "a thread edit within the link limit", err)
	_, err = e.threads.UpdateThread(newbie.ctx(t), &forumv1.UpdateThreadRequest{Thread: &forumv1.Thread{Name: linked.GetName(), Title: "See www.c.example"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}}})
	wantField(t, "a title edit that adds a link to those of the body", err, "thread.body")
	got, err := e.posts.GetPost(newbie.ctx(t), &forumv1.GetPostRequest{Name: mine.GetName()})
	must(t, "get edited post", err)
	diff(t, "the refused edit changed nothing", got.GetBody(), "two links: http://a.example http://b.example")

	for i := range 10 {
		_, err := e.posts.CreatePost(mod.ctx(t), &forumv1.CreatePostRequest{Parent: th.GetName(), Post: &forumv1.Post{Body: "Staff reminder"}})
		must(t, fmt.Sprintf("staff post %d", i), err)
	}
	stored, err := e.threads.GetThread(mod.ctx(t), &forumv1.GetThreadRequest{Name: th.GetName()})
	must(t, "get", err)
	diff(t, "posts stored", stored.GetPostCount(), int64(forum.DefaultNewPerMinute+11))
}
