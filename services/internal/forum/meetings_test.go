package forum_test

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
	"github.com/engagehq/engage/services/internal/forum"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// meetingNamePattern is what CreateMeeting names meetings: a UUIDv7 id.
var meetingNamePattern = regexp.MustCompile(`^agencies/metro/meetings/[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// townHall is a meeting in forum f that starts in from and lasts two hours.
func townHall(f string, from time.Duration, capacity int32) *forumv1.Meeting {
	return &forumv1.Meeting{
		Title:       "Safer streets in District 3",
		Description: "The precinct reports on the year and answers questions.",
		StartTime:   timestamppb.New(start.Add(from)),
		EndTime:     timestamppb.New(start.Add(from + 2*time.Hour)),
		Location:    "Elm Street Library, room 2",
		OnlineUri:   "https://meet.example.org/district-3",
		Agenda:      []string{"Welcome", "The year in numbers", "Your questions"},
		Capacity:    capacity,
		Forum:       f,
	}
}

// mustMeeting schedules m as mod.
func (e *env) mustMeeting(t *testing.T, mod *person, m *forumv1.Meeting) *forumv1.Meeting {
	t.Helper()
	got, err := e.meetings.CreateMeeting(mod.ctx(t), &forumv1.CreateMeetingRequest{Parent: "agencies/metro", Meeting: m})
	if err != nil {
		t.Fatalf("create meeting %q: %v", m.GetTitle(), err)
	}
	return got
}

func TestMeetingCreateOpensQuestionThread(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mod := e.staff("mod", "metro", moderatorRole)
	f := e.mustForum(t, mod, "metro", "town-halls", public)

	in := townHall(f.GetName(), 48*time.Hour, 120)
	req := &forumv1.CreateMeetingRequest{Parent: "agencies/metro", Meeting: in, RequestId: "6f1c2b0e-8d3a-4b7e-9a51-2f4c6d8e0a13"}
	m, err := e.meetings.CreateMeeting(mod.ctx(t), req)
	must(t, "create", err)
	if !meetingNamePattern.MatchString(m.GetName()) {
		t.Fatalf("meeting name %q", m.GetName())
	}
	want := proto.Clone(in).(*forumv1.Meeting)
	want.Name, want.QuestionThread = m.GetName(), m.GetQuestionThread()
	want.CreateTime, want.UpdateTime = timestamppb.New(start), timestamppb.New(start)
	want.Etag = `"1"`
	diff(t, "created", m, want)

	th, err := e.threads.GetThread(anonymous(t), &forumv1.GetThreadRequest{Name: m.GetQuestionThread()})
	must(t, "get the question thread", err)
	if !strings.HasPrefix(th.GetName(), f.GetName()+"/threads/") {
		t.Fatalf("question thread %q is not in %s", th.GetName(), f.GetName())
	}
	diff(t, "question thread", th, &forumv1.Thread{
		Name: th.GetName(), Kind: question, Title: "Questions for: Safer streets in District 3", Body: th.GetBody(),
		Author: mod.name(), AuthorDisplayName: "Officer mod", Official: true, State: visible,
		LastActivityTime: timestamppb.New(start), CreateTime: timestamppb.New(start), Etag: `"1"`,
		Meeting: m.GetName(),
	})
	for _, part := range []string{
		"When: Wed 6 May 2026 10:00 to 12:00 UTC", "Where: Elm Street Library, room 2",
		"Join online: https://meet.example.org/district-3", "The precinct reports on the year",
		"Agenda:\n1. Welcome\n2. The year in numbers\n3. Your questions", "upvote",
	} {
		if !strings.Contains(th.GetBody(), part) {
			t.Errorf("thread body lacks %q:\n%s", part, th.GetBody())
		}
	}

	// Residents ask and upvote there.
	alice, bob := e.resident("alice"), e.resident("bob")
	q := e.mustPost(t, alice, th.GetName(), "Will there be more patrols on Elm Street at night?")
	voted, err := e.posts.VotePost(bob.ctx(t), &forumv1.VotePostRequest{Name: q.GetName(), Value: 1})
	must(t, "upvote a question", err)
	diff(t, "votes", voted.GetVoteCount(), int64(1))

	// A retry returns the meeting and opens no second thread.
	again, err := e.meetings.CreateMeeting(mod.ctx(t), req)
	must(t, "retry", err)
	diff(t, "retry", again, m)
	threads, err := e.threads.ListThreads(mod.ctx(t), &forumv1.ListThreadsRequest{Parent: f.GetName()})
	must(t, "list threads", err)
	diff(t, "threads after the retry", len(threads.GetThreads()), 1)

	got, err := e.meetings.GetMeeting(anonymous(t), &forumv1.GetMeetingRequest{Name: m.GetName()})
	must(t, "get", err)
	diff(t, "read by anyone", got, m)
	events := e.audit.methods()
	if !slices.Contains(events, "CreateMeeting "+mod.name()+" OK") {
		t.Fatalf("audit log lacks the meeting: %v", events)
	}
}

func TestMeetingCreateBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mod := e.staff("mod", "metro", moderatorRole)
	other := e.staff("other", "riverside", moderatorRole)
	f := e.mustForum(t, mod, "metro", "town-halls", public)
	hidden := e.mustForum(t, other, "riverside", "staff-room", staffOnly)
	staffRoom := e.mustForum(t, mod, "metro", "staff-room", staffOnly)

	edit := func(change func(m *forumv1.Meeting)) *forumv1.Meeting {
		m := townHall(f.GetName(), 48*time.Hour, 0)
		change(m)
		return m
	}
	tests := []struct {
		name  string
		m     *forumv1.Meeting
		field string
	}{
		{"end before start", edit(func(m *forumv1.Meeting) { m.EndTime = timestamppb.New(start.Add(47 * time.Hour)) }), "meeting.end_time"},
		{"end at start", edit(func(m *forumv1.Meeting) { m.EndTime = m.StartTime }), "meeting.end_time"},
		{"longer than a week", edit(func(m *forumv1.Meeting) { m.EndTime = timestamppb.New(start.Add(10 * 24 * time.Hour)) }), "meeting.end_time"},
		{"no end", edit(func(m *forumv1.Meeting) { m.EndTime = nil }), "meeting.end_time"},
		{"no start", edit(func(m *forumv1.Meeting) { m.StartTime = nil }), "meeting.start_time"},
		{"start two days ago", edit(func(m *forumv1.Meeting) {
			m.StartTime, m.EndTime = timestamppb.New(start.Add(-48*time.Hour)), timestamppb.New(start.Add(-47*time.Hour))
		}), "meeting.start_time"},
		{"start in three years", edit(func(m *forumv1.Meeting) {
			m.StartTime, m.EndTime = timestamppb.New(start.AddDate(3, 0, 0)), timestamppb.New(start.AddDate(3, 0, 1))
		}), "meeting.start_time"},
		{"empty title", edit(func(m *forumv1.Meeting) { m.Title = "" }), "meeting.title"},
		{"blank title", edit(func(m *forumv1.Meeting) { m.Title = "     " }), "meeting.title"},
		{"online uri not a uri", edit(func(m *forumv1.Meeting) { m.OnlineUri = "not a link" }), "meeting.online_uri"},
		{"neither place nor link", edit(func(m *forumv1.Meeting) { m.Location, m.OnlineUri = "", "" }), "meeting.location"},
		{"online uri not http", edit(func(m *forumv1.Meeting) { m.OnlineUri = "javascript:alert(1)" }), "meeting.online_uri"},
		{"online uri without host", edit(func(m *forumv1.Meeting) { m.OnlineUri = "https:///path" }), "meeting.online_uri"},
		{"empty agenda item", edit(func(m *forumv1.Meeting) { m.Agenda = []string{"Welcome", "  "} }), "meeting.agenda[1]"},
		{"control characters", edit(func(m *forumv1.Meeting) { m.Location = "Room\x002" }), "meeting.location"},
		{"no forum", edit(func(m *forumv1.Meeting) { m.Forum = "" }), "meeting.forum"},
		{"unknown forum", edit(func(m *forumv1.Meeting) { m.Forum = "agencies/metro/forums/nowhere" }), "meeting.forum"},
		{"forum of another agency", edit(func(m *forumv1.Meeting) { m.Forum = hidden.GetName() }), "meeting.forum"},
		{"staff forum", edit(func(m *forumv1.Meeting) { m.Forum = staffRoom.GetName() }), "meeting.forum"},
		{"negative capacity", edit(func(m *forumv1.Meeting) { m.Capacity = -1 }), "meeting.capacity"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.meetings.CreateMeeting(mod.ctx(t), &forumv1.CreateMeetingRequest{Parent: "agencies/metro", Meeting: tc.m})
			wantField(t, tc.name, err, tc.field)
		})
	}
	_, err := e.meetings.CreateMeeting(mod.ctx(t), &forumv1.CreateMeetingRequest{Parent: "agencies/metro"})
	wantField(t, "no meeting", err, "meeting")

	// Only the agency's moderators schedule meetings.
	for _, tc := range []struct {
		name string
		as   *person
		code codes.Code
	}{
		{"resident", e.resident("alice"), codes.PermissionDenied},
		{"moderator of another agency", other, codes.PermissionDenied},
		{"officer without the moderator role", e.staff("officer", "metro", officerRole), codes.PermissionDenied},
	} {
		_, err := e.meetings.CreateMeeting(tc.as.ctx(t), &forumv1.CreateMeetingRequest{
			Parent: "agencies/metro", Meeting: townHall(f.GetName(), 48*time.Hour, 0),
		})
		wantCode(t, tc.name, err, tc.code)
	}

	// Nothing was stored: no meeting, no thread.
	list, err := e.meetings.ListMeetings(mod.ctx(t), &forumv1.ListMeetingsRequest{Parent: "agencies/metro", ShowPast: true})
	must(t, "list meetings", err)
	diff(t, "meetings after bad input", len(list.GetMeetings()), 0)
	threads, err := e.threads.ListThreads(mod.ctx(t), &forumv1.ListThreadsRequest{Parent: f.GetName()})
	must(t, "list threads", err)
	diff(t, "threads after bad input", len(threads.GetThreads()), 0)
}

func TestMeetingRegistrationUnderConcurrency(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mod := e.staff("mod", "metro", moderatorRole)
	f := e.mustForum(t, mod, "metro", "town-halls", public)
	m := e.mustMeeting(t, mod, townHall(f.GetName(), 24*time.Hour, 5))

	const count = 20
	people := make([]*person, count)
	results := make([]error, count)
	for i := range people {
		people[i] = e.resident(fmt.Sprintf("resident-%02d", i))
	}
	var wg sync.WaitGroup
	for i, u := range people {
		ctx := u.ctx(t)
		wg.Go(func() {
			got, err := e.meetings.RegisterMeeting(ctx, &forumv1.RegisterMeetingRequest{Name: m.GetName()})
			if err == nil && !got.GetViewerRegistered() {
				err = fmt.Errorf("registered but not viewer_registered")
			}
			results[i] = err
		})
	}
	wg.Wait()
	var in, out []*person
	for i, err := range results {
		switch {
		case err == nil:
			in = append(in, people[i])
		case reason(err) == "MEETING_FULL":
			wantCode(t, "full", err, codes.FailedPrecondition)
			out = append(out, people[i])
		default:
			t.Fatalf("resident %d: %v", i, err)
		}
	}
	if len(in) != 5 {
		t.Fatalf("%d residents registered for 5 seats", len(in))
	}

	view := func(u *person) *forumv1.Meeting {
		t.Helper()
		c := anonymous(t)
		if u != nil {
			c = u.ctx(t)
		}
		got, err := e.meetings.GetMeeting(c, &forumv1.GetMeetingRequest{Name: m.GetName()})
		must(t, "get", err)
		return got
	}
	for _, tc := range []struct {
		name       string
		as         *person
		registered bool
	}{
		{"registered", in[0], true},
		{"turned away", out[0], false},
		{"anonymous", nil, false},
	} {
		got := view(tc.as)
		diff(t, tc.name, []any{got.GetRegisteredCount(), got.GetViewerRegistered()}, []any{int64(5), tc.registered})
	}

	// Registering again is harmless, even when full.
	again, err := e.meetings.RegisterMeeting(in[0].ctx(t), &forumv1.RegisterMeetingRequest{Name: m.GetName()})
	must(t, "register again", err)
	diff(t, "register again", []any{again.GetRegisteredCount(), again.GetViewerRegistered()}, []any{int64(5), true})

	// Withdrawing frees a seat, once.
	for i := range 2 {
		left, err := e.meetings.UnregisterMeeting(in[0].ctx(t), &forumv1.UnregisterMeetingRequest{Name: m.GetName()})
		must(t, "unregister", err)
		diff(t, fmt.Sprintf("unregister %d", i), []any{left.GetRegisteredCount(), left.GetViewerRegistered()}, []any{int64(4), false})
	}
	took, err := e.meetings.RegisterMeeting(out[0].ctx(t), &forumv1.RegisterMeetingRequest{Name: m.GetName()})
	must(t, "take the freed seat", err)
	diff(t, "took the freed seat", took.GetRegisteredCount(), int64(5))
	_, err = e.meetings.RegisterMeeting(out[1].ctx(t), &forumv1.RegisterMeetingRequest{Name: m.GetName()})
	wantReason(t, "full again", err, codes.FailedPrecondition, "MEETING_FULL")

	list, err := e.meetings.ListMeetings(out[0].ctx(t), &forumv1.ListMeetingsRequest{Parent: "agencies/metro"})
	must(t, "list", err)
	diff(t, "listed for the registered", list.GetMeetings()[0].GetViewerRegistered(), true)

	// Only signed-in people register.
	_, err = e.meetings.RegisterMeeting(anonymous(t), &forumv1.RegisterMeetingRequest{Name: m.GetName()})
	wantCode(t, "anonymous", err, codes.Unauthenticated)
	_, err = e.meetings.RegisterMeeting(partner(t), &forumv1.RegisterMeetingRequest{Name: m.GetName()})
	wantCode(t, "partner", err, codes.PermissionDenied)
	_, err = e.meetings.RegisterMeeting(in[1].ctx(t), &forumv1.RegisterMeetingRequest{Name: "agencies/metro/meetings/nothing"})
	wantCode(t, "unknown meeting", err, codes.NotFound)
}

func TestMeetingOver(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mod := e.staff("mod", "metro", moderatorRole)
	f := e.mustForum(t, mod, "metro", "town-halls", public)
	m := e.mustMeeting(t, mod, townHall(f.GetName(), time.Hour, 0))
	early, late := e.resident("early"), e.resident("late")
	_, err := e.meetings.RegisterMeeting(early.ctx(t), &forumv1.RegisterMeetingRequest{Name: m.GetName()})
	must(t, "register before", err)

	e.clock.Advance(2 * time.Hour) // under way: registration still open
	_, err = e.meetings.RegisterMeeting(late.ctx(t), &forumv1.RegisterMeetingRequest{Name: m.GetName()})
	must(t, "register during", err)
	_, err = e.meetings.UnregisterMeeting(late.ctx(t), &forumv1.UnregisterMeetingRequest{Name: m.GetName()})
	must(t, "unregister during", err)

	e.clock.Advance(time.Hour) // ended
	_, err = e.meetings.RegisterMeeting(late.ctx(t), &forumv1.RegisterMeetingRequest{Name: m.GetName()})
	wantReason(t, "register after", err, codes.FailedPrecondition, "MEETING_OVER")
	got, err := e.meetings.RegisterMeeting(early.ctx(t), &forumv1.RegisterMeetingRequest{Name: m.GetName()})
	must(t, "registered before, again", err)
	diff(t, "count after the end", got.GetRegisteredCount(), int64(1))

	list, err := e.meetings.ListMeetings(anonymous(t), &forumv1.ListMeetingsRequest{Parent: "agencies/metro"})
	must(t, "list upcoming", err)
	diff(t, "upcoming after the end", len(list.GetMeetings()), 0)
	list, err = e.meetings.ListMeetings(anonymous(t), &forumv1.ListMeetingsRequest{Parent: "agencies/metro", ShowPast: true})
	must(t, "list past", err)
	diff(t, "with the past", len(list.GetMeetings()), 1)
}

func TestMeetingListOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mod := e.staff("mod", "metro", moderatorRole)
	f := e.mustForum(t, mod, "metro", "town-halls", public)

	// Scheduled out of order; "ended" is over by the time of listing and
	// "ongoing" is under way.
	titled := func(title string, from time.Duration) *forumv1.Meeting {
		m := townHall(f.GetName(), from, 0)
		m.Title = title
		return m
	}
	e.mustMeeting(t, mod, titled("ended", time.Hour))
	e.mustMeeting(t, mod, titled("third", 72*time.Hour))
	e.mustMeeting(t, mod, titled("ongoing", 2*time.Hour))
	e.mustMeeting(t, mod, titled("fifth", 30*24*time.Hour))
	e.mustMeeting(t, mod, titled("first", 5*time.Hour))
	e.mustMeeting(t, mod, titled("fourth", 96*time.Hour))
	e.clock.Advance(3 * time.Hour)

	titles := func(ms []*forumv1.Meeting) []string {
		var out []string
		for _, m := range ms {
			out = append(out, m.GetTitle())
		}
		return out
	}
	tests := []struct {
		name     string
		showPast bool
		want     []string
	}{
		{"upcoming and ongoing", false, []string{"ongoing", "first", "third", "fourth", "fifth"}},
		{"with the past", true, []string{"ended", "ongoing", "first", "third", "fourth", "fifth"}},
	}
	for _, tc := range tests {
		list, err := e.meetings.ListMeetings(anonymous(t), &forumv1.ListMeetingsRequest{Parent: "agencies/metro", ShowPast: tc.showPast})
		must(t, tc.name, err)
		diff(t, tc.name, titles(list.GetMeetings()), tc.want)
		if list.GetNextPageToken() != "" {
			t.Fatalf("%s: a token after the whole list", tc.name)
		}

		var paged []string
		req := &forumv1.ListMeetingsRequest{Parent: "agencies/metro", ShowPast: tc.showPast, PageSize: 2}
		for range 10 {
			page, err := e.meetings.ListMeetings(anonymous(t), req)
			must(t, tc.name+" page", err)
			if len(page.GetMeetings()) > 2 {
				t.Fatalf("%s: page of %d", tc.name, len(page.GetMeetings()))
			}
			paged = append(paged, titles(page.GetMeetings())...)
			if page.GetNextPageToken() == "" {
				break
			}
			req.PageToken = page.GetNextPageToken()
		}
		diff(t, tc.name+" in pages", paged, tc.want)
	}

	first, err := e.meetings.ListMeetings(anonymous(t), &forumv1.ListMeetingsRequest{Parent: "agencies/metro", PageSize: 2})
	must(t, "first page", err)
	for _, tc := range []struct {
		name string
		req  *forumv1.ListMeetingsRequest
	}{
		{"made-up token", &forumv1.ListMeetingsRequest{Parent: "agencies/metro", PageToken: "bm90IGEgdG9rZW4"}},
		{"token of another query", &forumv1.ListMeetingsRequest{Parent: "agencies/metro", ShowPast: true, PageToken: first.GetNextPageToken()}},
		{"token of another agency", &forumv1.ListMeetingsRequest{Parent: "agencies/riverside", PageToken: first.GetNextPageToken()}},
	} {
		_, err := e.meetings.ListMeetings(anonymous(t), tc.req)
		wantField(t, tc.name, err, "page_token")
	}
	other, err := e.meetings.ListMeetings(anonymous(t), &forumv1.ListMeetingsRequest{Parent: "agencies/riverside", ShowPast: true})
	must(t, "other agency", err)
	diff(t, "other agency", len(other.GetMeetings()), 0)
}

func TestMeetingUpdate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mod := e.staff("mod", "metro", moderatorRole)
	f := e.mustForum(t, mod, "metro", "town-halls", public)
	m := e.mustMeeting(t, mod, townHall(f.GetName(), time.Hour, 3))
	for _, id := range []string{"ana", "ben"} {
		_, err := e.meetings.RegisterMeeting(e.resident(id).ctx(t), &forumv1.RegisterMeetingRequest{Name: m.GetName()})
		must(t, "register "+id, err)
	}
	e.clock.Advance(2 * time.Hour) // under way: the start is in the past, the title may still change

	update := func(as *person, paths []string, change func(*forumv1.Meeting)) (*forumv1.Meeting, error) {
		in := proto.Clone(m).(*forumv1.Meeting)
		change(in)
		return e.meetings.UpdateMeeting(as.ctx(t), &forumv1.UpdateMeetingRequest{Meeting: in, UpdateMask: &fieldmaskpb.FieldMask{Paths: paths}})
	}
	got, err := update(mod, []string{"title", "capacity"}, func(in *forumv1.Meeting) {
		in.Title, in.Capacity, in.Location = "Safer streets: the follow-up", 2, "ignored: not in the mask"
	})
	must(t, "update", err)
	want := proto.Clone(m).(*forumv1.Meeting)
	want.Title, want.Capacity, want.RegisteredCount = "Safer streets: the follow-up", 2, 2
	want.UpdateTime, want.Etag = timestamppb.New(e.clock.Now()), `"2"`
	diff(t, "updated", got, want)
	read, err := e.meetings.GetMeeting(mod.ctx(t), &forumv1.GetMeetingRequest{Name: m.GetName()})
	must(t, "read back", err)
	diff(t, "read back", read, want)

	tests := []struct {
		name   string
		as     *person
		paths  []string
		change func(*forumv1.Meeting)
		code   codes.Code
		detail string // the field named, or the reason
	}{
		{"stale etag", mod, []string{"title"}, func(in *forumv1.Meeting) { in.Title = "Another title" }, codes.FailedPrecondition, "ETAG_MISMATCH"},
		{"capacity below the registered", mod, []string{"capacity"}, func(in *forumv1.Meeting) { in.Capacity, in.Etag = 1, `"2"` }, codes.FailedPrecondition, "CAPACITY_BELOW_REGISTERED"},
		{"end before start", mod, []string{"end_time"}, func(in *forumv1.Meeting) {
			in.EndTime, in.Etag = timestamppb.New(start), ""
		}, codes.InvalidArgument, "meeting.end_time"},
		{"move the start two days back", mod, []string{"start_time", "end_time"}, func(in *forumv1.Meeting) {
			in.StartTime, in.EndTime, in.Etag = timestamppb.New(start.Add(-48*time.Hour)), timestamppb.New(start.Add(-47*time.Hour)), ""
		}, codes.InvalidArgument, "meeting.start_time"},
		{"empty title", mod, []string{"title"}, func(in *forumv1.Meeting) { in.Title, in.Etag = "", "" }, codes.InvalidArgument, "meeting.title"},
		{"bad online uri", mod, []string{"online_uri"}, func(in *forumv1.Meeting) { in.OnlineUri, in.Etag = "ftp://files.example.org", "" }, codes.InvalidArgument, "meeting.online_uri"},
		{"the forum alone, unchanged", mod, []string{"forum"}, func(in *forumv1.Meeting) { in.Etag = "" }, codes.InvalidArgument, "update_mask"},
		{"another forum", mod, []string{"title", "forum"}, func(in *forumv1.Meeting) {
			in.Title, in.Forum, in.Etag = "Moved", "agencies/metro/forums/elsewhere", ""
		}, codes.InvalidArgument, "update_mask"},
		{"an output-only field alone", mod, []string{"registered_count"}, func(in *forumv1.Meeting) { in.Etag = "" }, codes.InvalidArgument, "update_mask"},
		{"unknown field", mod, []string{"colour"}, func(in *forumv1.Meeting) { in.Etag = "" }, codes.InvalidArgument, "update_mask"},
		{"resident", e.resident("ana"), []string{"title"}, func(in *forumv1.Meeting) { in.Etag = "" }, codes.PermissionDenied, ""},
		{"moderator of another agency", e.staff("other", "riverside", moderatorRole), []string{"title"}, func(in *forumv1.Meeting) { in.Etag = "" }, codes.PermissionDenied, ""},
	}
	for _, tc := range tests {
		_, err := update(tc.as, tc.paths, tc.change)
		switch {
		case tc.code == codes.InvalidArgument:
			wantField(t, tc.name, err, tc.detail)
		case tc.detail != "":
			wantReason(t, tc.name, err, tc.code, tc.detail)
		default:
			wantCode(t, tc.name, err, tc.code)
		}
	}
	after, err := e.meetings.GetMeeting(mod.ctx(t), &forumv1.GetMeetingRequest{Name: m.GetName()})
	must(t, "read after refusals", err)
	diff(t, "refused updates changed nothing", after, want)

	// Without a mask, an update changes the fields the request sets; the
	// forum, output-only fields and etag of the meeting as read are
	// accepted.
	asRead := proto.Clone(want).(*forumv1.Meeting)
	asRead.Description, asRead.Agenda, asRead.Location = "", nil, "City hall"
	got, err = e.meetings.UpdateMeeting(mod.ctx(t), &forumv1.UpdateMeetingRequest{Meeting: asRead})
	must(t, "update without a mask", err)
	want.Location, want.Etag = "City hall", `"3"`
	diff(t, "updated without a mask", got, want, protocmp.IgnoreFields(&forumv1.Meeting{}, "update_time"))

	// "*" replaces every updatable field.
	full := proto.Clone(got).(*forumv1.Meeting)
	full.Description, full.Agenda = "", nil
	got, err = e.meetings.UpdateMeeting(mod.ctx(t), &forumv1.UpdateMeetingRequest{Meeting: full, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"*"}}})
	must(t, "update everything", err)
	full.Etag = `"4"`
	diff(t, "updated everything", got, full, protocmp.IgnoreFields(&forumv1.Meeting{}, "update_time"))
}

func TestMeetingDelete(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mod := e.staff("mod", "metro", moderatorRole)
	f := e.mustForum(t, mod, "metro", "town-halls", public)
	m := e.mustMeeting(t, mod, townHall(f.GetName(), 24*time.Hour, 0))
	ana := e.resident("ana")
	_, err := e.meetings.RegisterMeeting(ana.ctx(t), &forumv1.RegisterMeetingRequest{Name: m.GetName()})
	must(t, "register", err)

	_, err = e.meetings.DeleteMeeting(ana.ctx(t), &forumv1.DeleteMeetingRequest{Name: m.GetName()})
	wantCode(t, "resident deletes", err, codes.PermissionDenied)
	_, err = e.meetings.DeleteMeeting(mod.ctx(t), &forumv1.DeleteMeetingRequest{Name: m.GetName(), Etag: `"7"`})
	wantReason(t, "stale etag", err, codes.FailedPrecondition, "ETAG_MISMATCH")
	_, err = e.meetings.DeleteMeeting(mod.ctx(t), &forumv1.DeleteMeetingRequest{Name: m.GetName(), Etag: m.GetEtag()})
	must(t, "delete", err)

	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"get", func() error {
			_, err := e.meetings.GetMeeting(anonymous(t), &forumv1.GetMeetingRequest{Name: m.GetName()})
			return err
		}},
		{"register", func() error {
			_, err := e.meetings.RegisterMeeting(e.resident("ben").ctx(t), &forumv1.RegisterMeetingRequest{Name: m.GetName()})
			return err
		}},
		{"unregister", func() error {
			_, err := e.meetings.UnregisterMeeting(ana.ctx(t), &forumv1.UnregisterMeetingRequest{Name: m.GetName()})
			return err
		}},
		{"update", func() error {
			_, err := e.meetings.UpdateMeeting(mod.ctx(t), &forumv1.UpdateMeetingRequest{
				Meeting: m, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}},
			})
			return err
		}},
		{"delete again", func() error {
			_, err := e.meetings.DeleteMeeting(mod.ctx(t), &forumv1.DeleteMeetingRequest{Name: m.GetName()})
			return err
		}},
	} {
		wantCode(t, tc.name+" after delete", tc.call(), codes.NotFound)
	}
	list, err := e.meetings.ListMeetings(anonymous(t), &forumv1.ListMeetingsRequest{Parent: "agencies/metro", ShowPast: true})
	must(t, "list", err)
	diff(t, "listed after delete", len(list.GetMeetings()), 0)
	// The questions stay readable where they were asked; the thread says
	// the meeting is off and takes no new ones.
	th, err := e.threads.GetThread(anonymous(t), &forumv1.GetThreadRequest{Name: m.GetQuestionThread()})
	must(t, "question thread after delete", err)
	diff(t, "cancelled thread", []any{th.GetTitle(), th.GetLocked(), strings.HasPrefix(th.GetBody(), "This meeting was cancelled")},
		[]any{"Cancelled: Safer streets in District 3", true, true})
	_, err = e.posts.CreatePost(ana.ctx(t), &forumv1.CreatePostRequest{Parent: th.GetName(), Post: &forumv1.Post{Body: "Is it still on?"}})
	wantReason(t, "ask after the cancellation", err, codes.FailedPrecondition, "THREAD_LOCKED")
}

// TestMeetingUpdateRewritesQuestionThread checks that the question thread
// tells what the meeting now is.
func TestMeetingUpdateRewritesQuestionThread(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mod := e.staff("mod", "metro", moderatorRole)
	f := e.mustForum(t, mod, "metro", "town-halls", public)
	m := e.mustMeeting(t, mod, townHall(f.GetName(), 24*time.Hour, 0))
	m.Title, m.Location = "Safer streets, rescheduled", "City Hall, room 1"
	m, err := e.meetings.UpdateMeeting(mod.ctx(t), &forumv1.UpdateMeetingRequest{
		Meeting: m, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title", "location"}},
	})
	must(t, "update", err)
	th, err := e.threads.GetThread(anonymous(t), &forumv1.GetThreadRequest{Name: m.GetQuestionThread()})
	must(t, "get thread", err)
	diff(t, "thread title", th.GetTitle(), "Questions for: Safer streets, rescheduled")
	for _, part := range []string{"Where: City Hall, room 1", "Ask your questions"} {
		if !strings.Contains(th.GetBody(), part) {
			t.Errorf("thread body lacks %q:\n%s", part, th.GetBody())
		}
	}
	if strings.Contains(th.GetBody(), "Elm Street") {
		t.Errorf("thread body still gives the old place:\n%s", th.GetBody())
	}
	found, err := e.threads.SearchThreads(anonymous(t), &forumv1.SearchThreadsRequest{Parent: "agencies/metro", Query: "rescheduled"})
	must(t, "search", err)
	diff(t, "found by its new title", len(found.GetResults()), 1)

	m.Capacity = 80
	m, err = e.meetings.UpdateMeeting(mod.ctx(t), &forumv1.UpdateMeetingRequest{
		Meeting: m, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"capacity"}},
	})
	must(t, "update the capacity", err)
	same, err := e.threads.GetThread(anonymous(t), &forumv1.GetThreadRequest{Name: m.GetQuestionThread()})
	must(t, "get thread", err)
	diff(t, "a change the thread does not show leaves it", same.GetEtag(), th.GetEtag())
	// Edited by hand, the thread would lose the edit at the next update.
	same.Body = "Edited by hand."
	_, err = e.threads.UpdateThread(mod.ctx(t), &forumv1.UpdateThreadRequest{
		Thread: same, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"body"}},
	})
	wantCode(t, "a hand edit of the question thread", err, codes.FailedPrecondition)

	m.Location, m.OnlineUri = "", ""
	_, err = e.meetings.UpdateMeeting(mod.ctx(t), &forumv1.UpdateMeetingRequest{
		Meeting: m, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"location", "online_uri"}},
	})
	wantField(t, "neither place nor link", err, "meeting.location")

	// A meeting from before a place was required can still be edited.
	agency, id, _ := strings.Cut(strings.TrimPrefix(m.GetName(), "agencies/"), "/meetings/")
	_, err = e.store.UpdateMeeting(t.Context(), agency, id, func(old *forum.Meeting) error {
		old.Location, old.OnlineURI = "", ""
		return nil
	}, nil)
	must(t, "strip the place as an old meeting lacks it", err)
	legacy, err := e.meetings.GetMeeting(mod.ctx(t), &forumv1.GetMeetingRequest{Name: m.GetName()})
	must(t, "get", err)
	legacy.Capacity = 90
	_, err = e.meetings.UpdateMeeting(mod.ctx(t), &forumv1.UpdateMeetingRequest{
		Meeting: legacy, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"capacity"}},
	})
	must(t, "update the capacity of a meeting without a place", err)
}
