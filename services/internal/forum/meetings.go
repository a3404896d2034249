package forum

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
	"github.com/engagehq/engage/services/internal/auth"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/fieldmask"
	"github.com/engagehq/engage/services/internal/ids"
	"github.com/engagehq/engage/services/internal/resname"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// The scheduling rules of meetings.
const (
	// maxMeetingLength bounds a meeting from start to end. Town halls last
	// hours; a week leaves room for multi-day listening sessions and keeps
	// the listing of upcoming meetings cheap, since it need only look at
	// meetings that started at most this long ago.
	maxMeetingLength = 7 * 24 * time.Hour
	// meetingPastTolerance is how far in the past a new start time may be:
	// enough to record a meeting that began this morning, or to absorb a
	// time-zone slip, and not enough to fill the calendar with history.
	meetingPastTolerance = 24 * time.Hour
	// meetingHorizon is how far ahead a meeting may be scheduled; a start
	// beyond it is a typo in the year.
	meetingHorizon = 2 * 366 * 24 * time.Hour
)

// Limits of the contract's Meeting fields, in characters.
const (
	maxMeetingDescription = 5000
	maxMeetingLocation    = 500
	maxMeetingURI         = 2000
	maxAgendaItems        = 50
	maxAgendaItem         = 500
	maxCapacity           = 100000
)

// Page sizes of ListMeetings (the contract: default 25, at most 100).
const (
	defaultMeetingPage = 25
	maxMeetingPage     = 100
)

// meetingServer implements MeetingService.
type meetingServer struct {
	forumv1.UnimplementedMeetingServiceServer
	*Service
}

// meetingPattern is the contract's pattern of meeting names.
const meetingPattern = "agencies/{agency}/meetings/{meeting}"

var errMeetingSignIn = errs.Public(errs.PermissionDenied, "only signed-in residents may register for meetings")

// CreateMeeting schedules a meeting and opens its question thread in the
// meeting's forum, which must be a PUBLIC or RESIDENTS forum of the same
// agency. The meeting's name is chosen first, so that the thread links
// back to it. A request_id already used by the caller returns the meeting
// it created, without opening another thread. Everything is validated
// before the thread is opened, so bad input leaves nothing behind.
func (s *meetingServer) CreateMeeting(ctx context.Context, req *forumv1.CreateMeetingRequest) (*forumv1.Meeting, error) {
	agency, err := parseAgency("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	if err := requireModerator(ctx, agency, "agency "+req.GetParent()); err != nil {
		return nil, err
	}
	in := req.GetMeeting()
	if in == nil {
		return nil, errs.Field("meeting", "is required")
	}
	p, now := auth.FromContext(ctx), s.now()
	m := Meeting{Agency: agency, ID: ids.New(), Creator: p.Name, CreateTime: now, UpdateTime: now}
	if err := applyMeeting(&m, in, allMeetingFields); err != nil {
		return nil, err
	}
	if err := checkMeetingTimes(m, now, true); err != nil {
		return nil, err
	}
	if err := checkMeetingPlace(m); err != nil {
		return nil, err
	}
	if in.GetForum() == "" {
		return nil, errs.Field("meeting.forum", "is required")
	}
	fk, err := parseForum("meeting.forum", in.GetForum())
	if err != nil {
		return nil, err
	}
	if fk.Agency != agency {
		return nil, errs.Field("meeting.forum", "must be a forum of agencies/%s", agency)
	}
	forum := fk.Name()
	m.Forum = forum

	request := Request{Caller: p.Name, ID: req.GetRequestId(), Time: now}
	if request.ID != "" {
		name, err := s.store.RequestedName(ctx, request.Caller, request.ID)
		switch {
		case err == nil:
			return s.replayedMeeting(ctx, name)
		case !errors.Is(err, errs.NotFound):
			return nil, fmt.Errorf("create meeting: %w", err)
		}
	}
	if err := s.checkMeetingForum(ctx, fk); err != nil {
		return nil, err
	}
	thread, err := s.openMeetingThread(ctx, forum, meetingThreadTitle(m), meetingThreadBody(m), m.Name())
	if err != nil {
		return nil, fmt.Errorf("create meeting: open question thread: %w", err)
	}
	m.QuestionThread = thread
	got, err := s.store.CreateMeeting(ctx, m, request)
	if err != nil {
		s.log.WarnContext(ctx, "meeting not stored after its question thread was opened", "meeting", m.Name(), "thread", thread, "err", err)
		return nil, fmt.Errorf("create meeting: %w", err)
	}
	if got.ID != m.ID {
		// A retry with the same request_id won the race; its meeting is the
		// answer, and the thread opened here has no meeting.
		s.log.WarnContext(ctx, "question thread left without meeting by a concurrent retry", "thread", thread, "meeting", got.Name())
		return s.meetingProto(ctx, got)
	}
	s.log.InfoContext(ctx, "meeting created", "meeting", got.Name(), "thread", thread, "by", p.Name)
	return meetingToProto(got, false), nil
}

// checkMeetingForum checks that the caller may open a meeting's question
// thread in the forum: it exists, they can read it, and residents can too,
// since they are the ones who ask.
func (s *meetingServer) checkMeetingForum(ctx context.Context, fk ForumKey) error {
	f, err := s.store.Forum(ctx, fk)
	switch {
	case errors.Is(err, errs.NotFound):
		return errs.Field("meeting.forum", "names no forum you can see")
	case err != nil:
		return fmt.Errorf("create meeting: %w", err)
	case !mayReadForum(auth.FromContext(ctx), f):
		return errs.Field("meeting.forum", "names no forum you can see")
	case f.Visibility == forumv1.Visibility_VISIBILITY_STAFF:
		return errs.Field("meeting.forum", "must be a forum residents can read, where they can ask their questions")
	}
	return nil
}

// replayedMeeting answers a create whose request id was used before, by
// the same caller, with the meeting it created.
func (s *meetingServer) replayedMeeting(ctx context.Context, name string) (*forumv1.Meeting, error) {
	agency, id, err := parseMeeting("request_id", name)
	if err != nil {
		return nil, ErrRequestReused
	}
	m, err := s.store.Meeting(ctx, agency, id)
	if err != nil {
		return nil, fmt.Errorf("create meeting: replay request: %w", err)
	}
	if m.Deleted() {
		return nil, fmt.Errorf("meeting %s: %w", m.Name(), errs.NotFound)
	}
	return s.meetingProto(ctx, m)
}

// GetMeeting returns a meeting; anyone may read it.
func (s *meetingServer) GetMeeting(ctx context.Context, req *forumv1.GetMeetingRequest) (*forumv1.Meeting, error) {
	agency, id, err := parseMeeting("name", req.GetName())
	if err != nil {
		return nil, err
	}
	m, err := s.store.Meeting(ctx, agency, id)
	if err != nil {
		return nil, fmt.Errorf("get meeting: %w", err)
	}
	if m.Deleted() {
		return nil, fmt.Errorf("meeting %s: %w", m.Name(), errs.NotFound)
	}
	return s.meetingProto(ctx, m)
}

// ListMeetings lists an agency's meetings by start time: those that have
// not ended yet, or all of them with show_past.
func (s *meetingServer) ListMeetings(ctx context.Context, req *forumv1.ListMeetingsRequest) (*forumv1.ListMeetingsResponse, error) {
	agency, err := parseAgency("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	scope := "meetings:" + agency + ":past=" + strconv.FormatBool(req.GetShowPast())
	page, err := readPage(scope, req.GetPageSize(), req.GetPageToken(), defaultMeetingPage, maxMeetingPage)
	if err != nil {
		return nil, err
	}
	var q MeetingQuery
	if !req.GetShowPast() {
		now := s.now()
		q = MeetingQuery{StartFrom: now.Add(-maxMeetingLength), EndAfter: now}
	}
	list, next, err := s.store.ListMeetings(ctx, agency, q, page)
	if err != nil {
		return nil, fmt.Errorf("list meetings: %w", err)
	}
	resp := &forumv1.ListMeetingsResponse{NextPageToken: nextToken(scope, next)}
	registered, err := s.viewerRegistrations(ctx, agency, list...)
	if err != nil {
		return nil, err
	}
	for _, m := range list {
		resp.Meetings = append(resp.Meetings, meetingToProto(m, registered[m.ID]))
	}
	return resp, nil
}

// UpdateMeeting changes the fields named in update_mask: without one, those
// the request sets; with `*`, every updatable field. The forum cannot
// change, its question thread lives there. A non-empty etag must match the
// stored one, and the capacity cannot drop below the number already
// registered.
func (s *meetingServer) UpdateMeeting(ctx context.Context, req *forumv1.UpdateMeetingRequest) (*forumv1.Meeting, error) {
	in := req.GetMeeting()
	if in == nil {
		return nil, errs.Field("meeting", "is required")
	}
	agency, id, err := parseMeeting("meeting.name", in.GetName())
	if err != nil {
		return nil, err
	}
	if err := requireModerator(ctx, agency, "meeting "+in.GetName()); err != nil {
		return nil, err
	}
	u, err := fieldmask.Resolve(req.GetUpdateMask(), in, allMeetingFields)
	if err != nil {
		return nil, err
	}
	fields := u.Paths
	// Validate what needs no stored state before the transaction, so that
	// bad input costs no write.
	var check Meeting
	if err := applyMeeting(&check, in, fields); err != nil {
		return nil, err
	}
	tag, now := in.GetEtag(), s.now()
	describe, rewritten := describeMeeting(now)
	m, err := s.store.UpdateMeeting(ctx, agency, id, func(m *Meeting) error {
		if err := checkETag(tag, m.Revision); err != nil {
			return err
		}
		if err := u.CheckImmutable(in, func() proto.Message { return meetingToProto(*m, false) }); err != nil {
			return err
		}
		oldStart, hadPlace := m.StartTime, m.Location != "" || m.OnlineURI != ""
		if err := applyMeeting(m, in, fields); err != nil {
			return err
		}
		if err := checkMeetingTimes(*m, now, !m.StartTime.Equal(oldStart)); err != nil {
			return err
		}
		// A meeting created before a place was required may keep lacking
		// one until an update sets it, so that it can be edited at all.
		if hadPlace || slices.Contains(fields, meetingLocation) || slices.Contains(fields, meetingOnlineURI) {
			if err := checkMeetingPlace(*m); err != nil {
				return err
			}
		}
		if m.Capacity > 0 && int64(m.Capacity) < m.RegisteredCount {
			return errs.WithReason(errs.Public(errs.FailedPrecondition,
				"%d people are registered; the capacity cannot be lower", m.RegisteredCount), "CAPACITY_BELOW_REGISTERED")
		}
		m.UpdateTime = now
		return nil
	}, describe)
	if err != nil {
		return nil, fmt.Errorf("update meeting: %w", err)
	}
	s.log.InfoContext(ctx, "meeting updated", "meeting", m.Name(), "fields", strings.Join(fields, ","), "by", auth.FromContext(ctx).Name)
	s.reindexQuestions(ctx, m, *rewritten)
	return s.meetingProto(ctx, m)
}

// DeleteMeeting cancels a meeting. It disappears at once; it and its
// registrations stay in the store until purged with the forum's other
// deleted content. Its question thread stays where it is, with the
// questions asked, says that the meeting was cancelled and is locked.
func (s *meetingServer) DeleteMeeting(ctx context.Context, req *forumv1.DeleteMeetingRequest) (*emptypb.Empty, error) {
	agency, id, err := parseMeeting("name", req.GetName())
	if err != nil {
		return nil, err
	}
	if err := requireModerator(ctx, agency, "meeting "+req.GetName()); err != nil {
		return nil, err
	}
	tag, now := req.GetEtag(), s.now()
	describe, rewritten := describeMeeting(now)
	var cancelled Meeting
	err = s.store.DeleteMeeting(ctx, agency, id, now, func(m Meeting) error {
		cancelled = m
		return checkETag(tag, m.Revision)
	}, describe)
	if err != nil {
		return nil, fmt.Errorf("delete meeting: %w", err)
	}
	s.log.InfoContext(ctx, "meeting deleted", "meeting", req.GetName(), "by", auth.FromContext(ctx).Name)
	s.reindexQuestions(ctx, cancelled, *rewritten)
	return &emptypb.Empty{}, nil
}

// RegisterMeeting registers the signed-in caller. Registering twice is
// harmless; a full meeting or one that has ended refuses new people.
func (s *meetingServer) RegisterMeeting(ctx context.Context, req *forumv1.RegisterMeetingRequest) (*forumv1.Meeting, error) {
	agency, id, err := parseMeeting("name", req.GetName())
	if err != nil {
		return nil, err
	}
	p := auth.FromContext(ctx)
	if p.Kind != auth.Account {
		return nil, errMeetingSignIn
	}
	m, err := s.store.RegisterMeeting(ctx, agency, id, MeetingRegistration{Account: p.Name, CreateTime: s.now()})
	if err != nil {
		return nil, fmt.Errorf("register for meeting: %w", err)
	}
	return meetingToProto(m, true), nil
}

// UnregisterMeeting withdraws the caller's registration, if any.
func (s *meetingServer) UnregisterMeeting(ctx context.Context, req *forumv1.UnregisterMeetingRequest) (*forumv1.Meeting, error) {
	agency, id, err := parseMeeting("name", req.GetName())
	if err != nil {
		return nil, err
	}
	p := auth.FromContext(ctx)
	if p.Kind != auth.Account {
		return nil, errMeetingSignIn
	}
	m, err := s.store.UnregisterMeeting(ctx, agency, id, p.Name)
	if err != nil {
		return nil, fmt.Errorf("unregister from meeting: %w", err)
	}
	return meetingToProto(m, false), nil
}

// meetingProto renders a meeting for the caller, with whether they are
// registered.
func (s *Service) meetingProto(ctx context.Context, m Meeting) (*forumv1.Meeting, error) {
	registered, err := s.viewerRegistrations(ctx, m.Agency, m)
	if err != nil {
		return nil, err
	}
	return meetingToProto(m, registered[m.ID]), nil
}

// viewerRegistrations returns which of the meetings the caller is
// registered for; nothing for callers who cannot register.
func (s *Service) viewerRegistrations(ctx context.Context, agency string, ms ...Meeting) (map[string]bool, error) {
	p := auth.FromContext(ctx)
	if p.Kind != auth.Account || len(ms) == 0 {
		return nil, nil
	}
	idList := make([]string, len(ms))
	for i, m := range ms {
		idList[i] = m.ID
	}
	registered, err := s.store.RegisteredMeetings(ctx, agency, p.Name, idList)
	if err != nil {
		return nil, fmt.Errorf("registrations of %s: %w", p.Name, err)
	}
	return registered, nil
}

// The updatable fields of a meeting, by their field-mask paths.
const (
	meetingTitle       = "title"
	meetingDescription = "description"
	meetingStartTime   = "start_time"
	meetingEndTime     = "end_time"
	meetingLocation    = "location"
	meetingOnlineURI   = "online_uri"
	meetingAgenda      = "agenda"
	meetingCapacity    = "capacity"
)

var allMeetingFields = []string{
	meetingTitle, meetingDescription, meetingStartTime, meetingEndTime,
	meetingLocation, meetingOnlineURI, meetingAgenda, meetingCapacity,
}

// applyMeeting validates the named fields of in and copies them into m.
// Rules that relate fields to each other are checkMeetingTimes'.
func applyMeeting(m *Meeting, in *forumv1.Meeting, fields []string) error {
	for _, f := range fields {
		switch f {
		case meetingTitle:
			v, err := cleanText("meeting.title", in.GetTitle(), minTitle, maxTitle)
			if err != nil {
				return err
			}
			m.Title = v
		case meetingDescription:
			v, err := cleanText("meeting.description", in.GetDescription(), 0, maxMeetingDescription)
			if err != nil {
				return err
			}
			m.Description = v
		case meetingStartTime:
			t, err := meetingTimestamp("meeting.start_time", in.GetStartTime())
			if err != nil {
				return err
			}
			m.StartTime = t
		case meetingEndTime:
			t, err := meetingTimestamp("meeting.end_time", in.GetEndTime())
			if err != nil {
				return err
			}
			m.EndTime = t
		case meetingLocation:
			v, err := cleanText("meeting.location", in.GetLocation(), 0, maxMeetingLocation)
			if err != nil {
				return err
			}
			m.Location = v
		case meetingOnlineURI:
			v := strings.TrimSpace(in.GetOnlineUri())
			if v != "" {
				u, err := url.Parse(v)
				if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || utf8.RuneCountInString(v) > maxMeetingURI {
					return errs.Field("meeting.online_uri", "must be an http or https URL")
				}
			}
			m.OnlineURI = v
		case meetingAgenda:
			items := in.GetAgenda()
			if len(items) > maxAgendaItems {
				return errs.Field("meeting.agenda", "must have at most %d items", maxAgendaItems)
			}
			agenda := make([]string, 0, len(items))
			for i, item := range items {
				v, err := cleanText(fmt.Sprintf("meeting.agenda[%d]", i), item, 1, maxAgendaItem)
				if err != nil {
					return err
				}
				agenda = append(agenda, v)
			}
			m.Agenda = agenda
		case meetingCapacity:
			c := in.GetCapacity()
			if c < 0 || c > maxCapacity {
				return errs.Field("meeting.capacity", "must be 0 (no limit) to %d", maxCapacity)
			}
			m.Capacity = c
		}
	}
	return nil
}

// meetingTimestamp converts a required timestamp.
func meetingTimestamp(field string, ts *timestamppb.Timestamp) (time.Time, error) {
	if ts == nil {
		return time.Time{}, errs.Field(field, "is required")
	}
	if err := ts.CheckValid(); err != nil {
		return time.Time{}, errs.Field(field, "is not a valid time")
	}
	return ts.AsTime(), nil
}

// checkMeetingPlace requires a place to go to or a link to join: a
// meeting with neither cannot be attended.
func checkMeetingPlace(m Meeting) error {
	if m.Location == "" && m.OnlineURI == "" {
		return errs.Field("meeting.location", "or meeting.online_uri is required: where people go, or the link they join by")
	}
	return nil
}

// checkMeetingTimes applies the scheduling rules to m's times; newStart
// says whether the start time is being set now, and only then must it lie
// between a day ago and two years ahead (editing the title of a meeting
// that is under way must still work).
func checkMeetingTimes(m Meeting, now time.Time, newStart bool) error {
	switch {
	case !m.EndTime.After(m.StartTime):
		return errs.Field("meeting.end_time", "must be after start_time")
	case m.EndTime.Sub(m.StartTime) > maxMeetingLength:
		return errs.Field("meeting.end_time", "must be at most 7 days after start_time")
	case newStart && m.StartTime.Before(now.Add(-meetingPastTolerance)):
		return errs.Field("meeting.start_time", "must not be more than a day in the past")
	case newStart && m.StartTime.After(now.Add(meetingHorizon)):
		return errs.Field("meeting.start_time", "must be within two years from now")
	}
	return nil
}

// meetingToProto renders a meeting; registered is whether the caller is.
func meetingToProto(m Meeting, registered bool) *forumv1.Meeting {
	return &forumv1.Meeting{
		Name:             m.Name(),
		Title:            m.Title,
		Description:      m.Description,
		StartTime:        timestamp(m.StartTime),
		EndTime:          timestamp(m.EndTime),
		Location:         m.Location,
		OnlineUri:        m.OnlineURI,
		Agenda:           slices.Clone(m.Agenda),
		Capacity:         m.Capacity,
		Forum:            m.Forum,
		QuestionThread:   m.QuestionThread,
		RegisteredCount:  m.RegisteredCount,
		ViewerRegistered: registered,
		CreateTime:       timestamp(m.CreateTime),
		UpdateTime:       timestamp(m.UpdateTime),
		Etag:             etagOf(m.Revision),
	}
}

// parseMeeting returns the agency and meeting ids of a meeting name, or
// an error naming field.
func parseMeeting(field, name string) (agency, id string, err error) {
	parts, err := resname.Split(field, name, meetingPattern)
	if err != nil {
		return "", "", err
	}
	return parts[0], parts[1], nil
}

// describeMeeting returns the store's Describe for a meeting change at
// now: it brings the title and opening post of the question thread in line
// with the meeting, and locks it once the meeting is cancelled. A change
// the thread does not show, such as the capacity, leaves it and its etag
// as they are. *rewritten reports, after the store call, whether the
// thread was rewritten.
func describeMeeting(now time.Time) (Describe, *bool) {
	rewritten := new(bool)
	return func(m Meeting, t *Thread) bool {
		title, body := meetingThreadTitle(m), meetingThreadBody(m)
		*rewritten = t.Meeting == m.Name() && (t.Title != title || t.Body != body || m.Deleted() && !t.Locked)
		if *rewritten {
			t.Title, t.Body, t.UpdateTime = title, body, now
			t.Locked = t.Locked || m.Deleted()
		}
		return *rewritten
	}, rewritten
}

// reindexQuestions updates the search index with m's question thread once
// a change of m has rewritten it.
func (s *Service) reindexQuestions(ctx context.Context, m Meeting, rewritten bool) {
	if !rewritten {
		return
	}
	if target, err := ParseTarget(m.QuestionThread); err == nil {
		s.reindexDoc(ctx, target)
	}
}

// meetingThreadTitle is the title of a meeting's question thread, shortened
// to fit the thread's limit.
func meetingThreadTitle(m Meeting) string {
	if m.Deleted() {
		return clipMeetingText("Cancelled: "+m.Title, maxTitle)
	}
	return clipMeetingText("Questions for: "+m.Title, maxTitle)
}

// meetingThreadBody describes the meeting in the opening post of its
// question thread. Times are in UTC: the forum does not know the agency's
// time zone, and apps show the meeting itself in the reader's.
func meetingThreadBody(m Meeting) string {
	var b strings.Builder
	if m.Deleted() {
		b.WriteString("This meeting was cancelled: it will not take place.\n\n")
	}
	b.WriteString(m.Title + "\n\n")
	start, end := m.StartTime.UTC(), m.EndTime.UTC()
	endLayout := "Mon 2 Jan 2006 15:04 MST"
	if start.YearDay() == end.YearDay() && start.Year() == end.Year() {
		endLayout = "15:04 MST"
	}
	fmt.Fprintf(&b, "When: %s to %s\n", start.Format("Mon 2 Jan 2006 15:04"), end.Format(endLayout))
	if m.Location != "" {
		fmt.Fprintf(&b, "Where: %s\n", m.Location)
	}
	if m.OnlineURI != "" {
		fmt.Fprintf(&b, "Join online: %s\n", m.OnlineURI)
	}
	if m.Description != "" {
		b.WriteString("\n" + m.Description + "\n")
	}
	if len(m.Agenda) > 0 {
		b.WriteString("\nAgenda:\n")
		for i, item := range m.Agenda {
			fmt.Fprintf(&b, "%d. %s\n", i+1, item)
		}
	}
	// A long description and agenda are cut, never the invitation to ask.
	invitation := "\n\nAsk your questions for the meeting here, and upvote the ones you most want answered."
	if m.Deleted() {
		invitation = "\n\nThe questions asked stay here to read; the thread takes no new ones."
	}
	about := clipMeetingText(strings.TrimRight(b.String(), "\n"), maxBody-utf8.RuneCountInString(invitation))
	return about + invitation
}

// clipMeetingText shortens s to at most n characters, ending with an
// ellipsis when it cut.
func clipMeetingText(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
