package forum_test

import (
	"testing"

	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
	"github.com/engagehq/engage/services/internal/auth"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// TestServiceStartsThread checks that another Engage service (Alerts
// opening an alert's Q&A) starts a thread in the agency's name, as
// official staff content, in any forum of the agency, once per request id,
// and that residents answer it and staff accept the answer.
func TestServiceStartsThread(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mod := e.staff("mod", "metro", moderatorRole)
	square := e.mustForum(t, mod, "metro", "town-square", public)
	back := e.mustForum(t, mod, "metro", "back-office", staffOnly)
	svc := forumv1.NewThreadServiceClient(bareConn(t, e.svc, auth.Principal{Kind: auth.Service, Name: "services/alerts"}))
	const requestID = "0d5c7a52-3f7e-4a53-9d8f-5b1b9e0a6c11"
	req := &forumv1.CreateThreadRequest{
		Parent:    square.GetName(),
		Thread:    &forumv1.Thread{Kind: question, Title: "Questions: boil water notice", Body: "Boil tap water before drinking."},
		RequestId: requestID,
	}
	th, err := svc.CreateThread(t.Context(), req)
	must(t, "start the thread", err)
	diff(t, "byline", []any{th.GetAuthor(), th.GetAuthorDisplayName(), th.GetOfficial(), th.GetKind(), th.GetState()},
		[]any{"agencies/metro", "metro", true, question, visible})

	again, err := svc.CreateThread(t.Context(), req)
	must(t, "retry", err)
	diff(t, "retried thread", again.GetName(), th.GetName())
	list, err := e.threads.ListThreads(mod.ctx(t), &forumv1.ListThreadsRequest{Parent: square.GetName()})
	must(t, "list", err)
	diff(t, "threads", titlesOf(list.GetThreads()), []string{"Questions: boil water notice"})

	alice := e.resident("alice")
	answer := e.mustPost(t, alice, th.GetName(), "Is it safe to shower?")
	_, err = e.posts.AcceptPost(mod.ctx(t), &forumv1.AcceptPostRequest{Name: answer.GetName()})
	must(t, "staff accept an answer", err)
	_, err = e.threads.UpdateThread(alice.ctx(t), &forumv1.UpdateThreadRequest{
		Thread:     &forumv1.Thread{Name: th.GetName(), Title: "Mine now"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}},
	})
	wantCode(t, "a resident edits the agency's thread", err, codes.PermissionDenied)

	staffThread, err := svc.CreateThread(t.Context(), &forumv1.CreateThreadRequest{
		Parent: back.GetName(),
		Thread: &forumv1.Thread{Kind: announcement, Title: "Trust Index notice", Body: "For staff."},
	})
	must(t, "start a thread in a staff forum", err)
	diff(t, "staff forum byline", []any{staffThread.GetAuthor(), staffThread.GetOfficial()}, []any{"agencies/metro", true})
}
