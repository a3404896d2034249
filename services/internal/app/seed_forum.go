package app

import (
	"context"
	"fmt"
	"time"

	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// forumSeeder writes the demo's forum content as the people who would:
// the moderator sets up boards and a town hall, residents ask and discuss,
// staff answer officially.
type forumSeeder struct {
	forums   forumv1.ForumServiceClient
	threads  forumv1.ThreadServiceClient
	posts    forumv1.PostServiceClient
	meetings forumv1.MeetingServiceClient
	agency   string
}

func newForumSeeder(conn *grpc.ClientConn, agency string) *forumSeeder {
	return &forumSeeder{
		forums:   forumv1.NewForumServiceClient(conn),
		threads:  forumv1.NewThreadServiceClient(conn),
		posts:    forumv1.NewPostServiceClient(conn),
		meetings: forumv1.NewMeetingServiceClient(conn),
		agency:   agency,
	}
}

// seed writes forums, threads, replies, votes, an accepted official answer
// and a town-hall meeting with registrations and questions.
func (f *forumSeeder) seed(moderator, resident, neighbor context.Context) error {
	boards := []struct {
		id         string
		name, desc string
		visibility forumv1.Visibility
		area       string
	}{
		{"downtown", "District 1 — Downtown", "Questions and news for downtown Springfield.", forumv1.Visibility_VISIBILITY_PUBLIC, "D1"},
		{"traffic", "Traffic safety", "Speeding, crossings, parking and road safety.", forumv1.Visibility_VISIBILITY_PUBLIC, ""},
		{"neighborhood-watch", "Neighborhood watch", "For signed-in residents coordinating their block's watch.", forumv1.Visibility_VISIBILITY_RESIDENTS, ""},
		{"staff-room", "Staff room", "Internal coordination of community engagement.", forumv1.Visibility_VISIBILITY_STAFF, ""},
	}
	for i, b := range boards {
		if _, err := f.forums.CreateForum(moderator, &forumv1.CreateForumRequest{
			Parent: f.agency, ForumId: b.id,
			Forum: &forumv1.Forum{DisplayName: b.name, Description: b.desc, Visibility: b.visibility, Area: b.area, DisplayOrder: int32(i)},
		}); err != nil {
			return fmt.Errorf("create forum %s: %w", b.id, err)
		}
	}
	downtown, traffic := f.agency+"/forums/downtown", f.agency+"/forums/traffic"

	announcement, err := f.thread(moderator, downtown, forumv1.ThreadKind_THREAD_KIND_ANNOUNCEMENT,
		"Coffee with a Cop this Saturday",
		"Join officers from District 1 at the Main Street café, 9–11 am. Bring your questions; the coffee is on us.")
	if err != nil {
		return err
	}
	if _, err := f.threads.PinThread(moderator, &forumv1.PinThreadRequest{Name: announcement, Pinned: true}); err != nil {
		return fmt.Errorf("pin: %w", err)
	}

	question, err := f.thread(resident, downtown, forumv1.ThreadKind_THREAD_KIND_QUESTION,
		"How do I request extra patrols on my street?",
		"There have been several car break-ins on Oak Street this month. Can residents ask for more patrols, and how?")
	if err != nil {
		return err
	}
	if _, err := f.threads.VoteThread(neighbor, &forumv1.VoteThreadRequest{Name: question, Value: 1}); err != nil {
		return fmt.Errorf("vote: %w", err)
	}
	if _, err := f.reply(neighbor, question, "Same on Birch Lane — two cars last week."); err != nil {
		return err
	}
	answer, err := f.reply(moderator, question,
		"Yes. Use the non-emergency line or the feedback form (kind: SUGGESTION, category: patrols) with the street and the times "+
			"you see problems. District 1 reviews requests every Monday and adds directed patrols where reports cluster.")
	if err != nil {
		return err
	}
	if _, err := f.posts.VotePost(neighbor, &forumv1.VotePostRequest{Name: answer, Value: 1}); err != nil {
		return fmt.Errorf("vote: %w", err)
	}
	if _, err := f.posts.AcceptPost(resident, &forumv1.AcceptPostRequest{Name: answer}); err != nil {
		return fmt.Errorf("accept: %w", err)
	}

	speeding, err := f.thread(neighbor, traffic, forumv1.ThreadKind_THREAD_KIND_DISCUSSION,
		"Speeding on Maple Avenue near the school",
		"Cars regularly go well over 25 mph on Maple between 7:30 and 8:15 am. Would a speed display sign help?")
	if err != nil {
		return err
	}
	for _, r := range []struct {
		who  context.Context
		text string
	}{
		{resident, "A display sign helped on Cedar Road last year. A crossing guard would be even better."},
		{moderator, "Thanks both. Traffic unit will run speed checks there next week and we will post the results here."},
	} {
		if _, err := f.reply(r.who, speeding, r.text); err != nil {
			return err
		}
	}
	if _, err := f.threads.VoteThread(resident, &forumv1.VoteThreadRequest{Name: speeding, Value: 1}); err != nil {
		return fmt.Errorf("vote: %w", err)
	}

	start := time.Now().Add(21 * 24 * time.Hour).Truncate(time.Hour)
	meeting, err := f.meetings.CreateMeeting(moderator, &forumv1.CreateMeetingRequest{
		Parent: f.agency,
		Meeting: &forumv1.Meeting{
			Title:       "Spring town hall: public safety downtown",
			Description: "The chief and District 1 officers report on the quarter and answer residents' questions.",
			StartTime:   timestamppb.New(start),
			EndTime:     timestamppb.New(start.Add(90 * time.Minute)),
			Location:    "Springfield Public Library, Community Room",
			OnlineUri:   "https://meet.springfield.example/town-hall",
			Agenda:      []string{"Welcome and quarter in review", "Downtown break-ins: what we are doing", "Residents' questions"},
			Capacity:    120,
			Forum:       downtown,
		},
	})
	if err != nil {
		return fmt.Errorf("create meeting: %w", err)
	}
	for _, who := range []context.Context{resident, neighbor} {
		if _, err := f.meetings.RegisterMeeting(who, &forumv1.RegisterMeetingRequest{Name: meeting.GetName()}); err != nil {
			return fmt.Errorf("register: %w", err)
		}
	}
	q, err := f.reply(resident, meeting.GetQuestionThread(), "Will the new downtown foot patrols continue after the summer?")
	if err != nil {
		return err
	}
	if _, err := f.posts.VotePost(neighbor, &forumv1.VotePostRequest{Name: q, Value: 1}); err != nil {
		return fmt.Errorf("vote: %w", err)
	}
	return nil
}

func (f *forumSeeder) thread(as context.Context, forum string, kind forumv1.ThreadKind, title, body string) (string, error) {
	t, err := f.threads.CreateThread(as, &forumv1.CreateThreadRequest{
		Parent: forum, Thread: &forumv1.Thread{Kind: kind, Title: title, Body: body},
	})
	if err != nil {
		return "", fmt.Errorf("create thread %q: %w", title, err)
	}
	return t.GetName(), nil
}

func (f *forumSeeder) reply(as context.Context, thread, body string) (string, error) {
	p, err := f.posts.CreatePost(as, &forumv1.CreatePostRequest{Parent: thread, Post: &forumv1.Post{Body: body}})
	if err != nil {
		return "", fmt.Errorf("reply to %s: %w", thread, err)
	}
	return p.GetName(), nil
}

// residentSignIn signs a resident in with their password.
func (s *seeder) residentSignIn(ctx context.Context, email string) (context.Context, error) {
	sess, err := s.sessions.CreateSession(ctx, &identityv1.CreateSessionRequest{Email: email, Password: demoPassword})
	if err != nil {
		return nil, fmt.Errorf("sign in %s: %w", email, err)
	}
	return bearer(ctx, sess.GetAccessToken()), nil
}
