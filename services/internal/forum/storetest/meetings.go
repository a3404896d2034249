package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/forum"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// testMeetings checks the MeetingStore part of the Store.
func testMeetings(t *testing.T, open Opener) {
	tests := []struct {
		name string
		run  func(t *testing.T, s forum.Store)
	}{
		{"Create", testMeetingCreate},
		{"List", testMeetingList},
		{"Update", testMeetingUpdate},
		{"Delete", testMeetingDelete},
		{"Registration", testMeetingRegistration},
		{"ConcurrentRegistration", testMeetingConcurrentRegistration},
		{"Purge", testMeetingPurge},
	}
	for _, tc := range tests {
		t.Run("Meetings/"+tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, open(t))
		})
	}
}

// meetingEpoch is the meeting tests' clock: a time with nanoseconds, which
// stores must keep.
var meetingEpoch = time.Date(2026, 9, 1, 18, 30, 0, 123456789, time.UTC)

// newMeeting returns a meeting of agency that starts at start and lasts
// two hours.
func newMeeting(agency, id string, start time.Time) forum.Meeting {
	return forum.Meeting{
		Agency:         agency,
		ID:             id,
		Title:          "Town hall " + id,
		Description:    "Public safety in the " + id + " district",
		StartTime:      start,
		EndTime:        start.Add(2 * time.Hour),
		Location:       "Library, room 2",
		OnlineURI:      "https://meet.example.org/" + id,
		Agenda:         []string{"Welcome", "Questions"},
		Forum:          "agencies/" + agency + "/forums/town-halls",
		QuestionThread: "agencies/" + agency + "/forums/town-halls/threads/q-" + id,
		Creator:        "accounts/officer",
		CreateTime:     meetingEpoch,
		UpdateTime:     meetingEpoch,
	}
}

// stored is m as a store returns it after creating it.
func stored(m forum.Meeting) forum.Meeting {
	m.Revision, m.RegisteredCount = 1, 0
	return m
}

func mustCreateMeeting(t *testing.T, s forum.Store, m forum.Meeting) forum.Meeting {
	t.Helper()
	got, err := s.CreateMeeting(t.Context(), m, forum.Request{})
	if err != nil {
		t.Fatalf("create meeting %s: %v", m.ID, err)
	}
	return got
}

// expectErr fails unless err wraps want (nil: no error).
func expectErr(t *testing.T, what string, err, want error) {
	t.Helper()
	switch {
	case want == nil && err != nil:
		t.Fatalf("%s: unexpected error %v", what, err)
	case want != nil && !errors.Is(err, want):
		t.Fatalf("%s: error %v, want one wrapping %v", what, err, want)
	}
}

// same fails when got and want differ.
func same(t *testing.T, what string, got, want any) {
	t.Helper()
	if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
		t.Fatalf("%s mismatch (-want +got):\n%s", what, d)
	}
}

func meetingIDs(ms []forum.Meeting) []string {
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		out = append(out, m.ID)
	}
	return out
}

func testMeetingCreate(t *testing.T, s forum.Store) {
	ctx := t.Context()
	m := newMeeting("metro", "m1", meetingEpoch.Add(24*time.Hour))
	m.RegisteredCount, m.Revision = 7, 9 // the store sets both
	req := forum.Request{Caller: "accounts/officer", ID: "req-1", Time: meetingEpoch}
	got, err := s.CreateMeeting(ctx, m, req)
	expectErr(t, "create", err, nil)
	same(t, "created", got, stored(m))
	got, err = s.Meeting(ctx, "metro", "m1")
	expectErr(t, "get", err, nil)
	same(t, "read back", got, stored(m))
	if got.Deleted() {
		t.Fatal("a new meeting is deleted")
	}
	name, err := s.RequestedName(ctx, "accounts/officer", "req-1")
	expectErr(t, "requested name", err, nil)
	same(t, "requested name", name, "agencies/metro/meetings/m1")

	// A retry returns the first meeting and stores nothing else.
	retry := newMeeting("metro", "m2", meetingEpoch.Add(48*time.Hour))
	got, err = s.CreateMeeting(ctx, retry, req)
	expectErr(t, "retry", err, nil)
	same(t, "retry returns the first", got, stored(m))
	_, err = s.Meeting(ctx, "metro", "m2")
	expectErr(t, "retry stored nothing", err, errs.NotFound)

	// Request ids are per caller.
	other := forum.Request{Caller: "accounts/chief", ID: "req-1", Time: meetingEpoch}
	got, err = s.CreateMeeting(ctx, retry, other)
	expectErr(t, "same id, other caller", err, nil)
	same(t, "other caller's meeting", got, stored(retry))

	// A request that created a forum cannot create a meeting.
	f := forum.Forum{Agency: "metro", ID: "town-halls", DisplayName: "Town halls",
		Visibility: forumv1.Visibility_VISIBILITY_PUBLIC, CreateTime: meetingEpoch, UpdateTime: meetingEpoch}
	forumReq := forum.Request{Caller: "accounts/officer", ID: "req-forum", Time: meetingEpoch}
	if _, err := s.CreateForum(ctx, f, forumReq); err != nil {
		t.Fatal(err)
	}
	_, err = s.CreateMeeting(ctx, newMeeting("metro", "m3", meetingEpoch), forumReq)
	expectErr(t, "request of a forum", err, forum.ErrRequestReused)
	_, err = s.Meeting(ctx, "metro", "m3")
	expectErr(t, "refused create stored nothing", err, errs.NotFound)

	tests := []struct {
		name string
		m    forum.Meeting
		want error
	}{
		{"same id", newMeeting("metro", "m1", meetingEpoch), errs.AlreadyExists},
		{"same id in another agency", newMeeting("riverside", "m1", meetingEpoch), nil},
		{"no id", newMeeting("metro", "", meetingEpoch), errs.InvalidArgument},
	}
	for _, tc := range tests {
		_, err := s.CreateMeeting(ctx, tc.m, forum.Request{})
		expectErr(t, tc.name, err, tc.want)
	}
	_, err = s.Meeting(ctx, "metro", "nothing")
	expectErr(t, "unknown meeting", err, errs.NotFound)
	_, err = s.Meeting(ctx, "nowhere", "m1")
	expectErr(t, "unknown agency", err, errs.NotFound)
}

func testMeetingList(t *testing.T, s forum.Store) {
	ctx := t.Context()
	now := meetingEpoch
	past := newMeeting("metro", "past", now.Add(-10*24*time.Hour))
	endedToday := newMeeting("metro", "ended-today", now.Add(-3*time.Hour)) // ended an hour ago
	ongoing := newMeeting("metro", "ongoing", now.Add(-time.Hour))          // ends in an hour
	later := newMeeting("metro", "m-d", now.Add(3*time.Hour))
	tieB := newMeeting("metro", "m-b", now.Add(2*time.Hour))
	tieC := newMeeting("metro", "m-c", now.Add(2*time.Hour))
	soon := newMeeting("metro", "m-a", now.Add(time.Hour))
	cancelled := newMeeting("metro", "cancelled", now.Add(90*time.Minute))
	elsewhere := newMeeting("riverside", "m-x", now.Add(time.Hour))
	for _, m := range []forum.Meeting{later, tieC, soon, past, cancelled, tieB, endedToday, ongoing, elsewhere} {
		mustCreateMeeting(t, s, m)
	}
	if err := s.DeleteMeeting(ctx, "metro", "cancelled", now, nil, nil); err != nil {
		t.Fatal(err)
	}

	upcoming := forum.MeetingQuery{StartFrom: now.Add(-7 * 24 * time.Hour), EndAfter: now}
	tests := []struct {
		name string
		q    forum.MeetingQuery
		want []string
	}{
		{"all", forum.MeetingQuery{}, []string{"past", "ended-today", "ongoing", "m-a", "m-b", "m-c", "m-d"}},
		{"upcoming and ongoing", upcoming, []string{"ongoing", "m-a", "m-b", "m-c", "m-d"}},
		{"starting from", forum.MeetingQuery{StartFrom: now.Add(2 * time.Hour)}, []string{"m-b", "m-c", "m-d"}},
		{"ending after", forum.MeetingQuery{EndAfter: now.Add(90 * time.Minute)}, []string{"m-a", "m-b", "m-c", "m-d"}},
	}
	for _, tc := range tests {
		list, next, err := s.ListMeetings(ctx, "metro", tc.q, forum.Page{Size: 100})
		expectErr(t, tc.name, err, nil)
		same(t, tc.name, meetingIDs(list), tc.want)
		if next != nil {
			t.Fatalf("%s: a cursor after the whole list", tc.name)
		}

		// The same list two at a time.
		var paged []string
		page := forum.Page{Size: 2}
		for range 10 {
			list, next, err := s.ListMeetings(ctx, "metro", tc.q, page)
			expectErr(t, tc.name+" page", err, nil)
			if len(list) > 2 {
				t.Fatalf("%s: page of %d", tc.name, len(list))
			}
			paged = append(paged, meetingIDs(list)...)
			if next == nil {
				break
			}
			page.After = next
		}
		same(t, tc.name+" in pages", paged, tc.want)
	}
	list, _, err := s.ListMeetings(ctx, "metro", forum.MeetingQuery{}, forum.Page{Size: 100})
	expectErr(t, "list", err, nil)
	same(t, "listed meeting", list[3], stored(soon))
	list, _, err = s.ListMeetings(ctx, "riverside", upcoming, forum.Page{Size: 100})
	expectErr(t, "other agency", err, nil)
	same(t, "other agency", meetingIDs(list), []string{"m-x"})
	list, next, err := s.ListMeetings(ctx, "nowhere", forum.MeetingQuery{}, forum.Page{Size: 100})
	expectErr(t, "agency without meetings", err, nil)
	if len(list) != 0 || next != nil {
		t.Fatalf("agency without meetings lists %v", meetingIDs(list))
	}

	// Moving a meeting moves it in the list, also across pages.
	first, next, err := s.ListMeetings(ctx, "metro", upcoming, forum.Page{Size: 2})
	expectErr(t, "first page", err, nil)
	same(t, "first page", meetingIDs(first), []string{"ongoing", "m-a"})
	if _, err := s.UpdateMeeting(ctx, "metro", "m-d", func(m *forum.Meeting) error {
		m.StartTime, m.EndTime = now.Add(30*time.Minute), now.Add(40*time.Minute)
		return nil
	}, nil); err != nil {
		t.Fatal(err)
	}
	rest, _, err := s.ListMeetings(ctx, "metro", upcoming, forum.Page{Size: 100, After: next})
	expectErr(t, "second page", err, nil)
	same(t, "after the move, the second page", meetingIDs(rest), []string{"m-b", "m-c"})
	all, _, err := s.ListMeetings(ctx, "metro", upcoming, forum.Page{Size: 100})
	expectErr(t, "relist", err, nil)
	same(t, "after the move", meetingIDs(all), []string{"ongoing", "m-d", "m-a", "m-b", "m-c"})
}

func testMeetingUpdate(t *testing.T, s forum.Store) {
	ctx := t.Context()
	m := mustCreateMeeting(t, s, newMeeting("metro", "m1", meetingEpoch))
	later := meetingEpoch.Add(time.Hour)
	got, err := s.UpdateMeeting(ctx, "metro", "m1", func(m *forum.Meeting) error {
		m.Title, m.Capacity, m.UpdateTime = "Budget town hall", 40, later
		m.Agenda = append(m.Agenda, "Budget")
		m.StartTime = m.StartTime.Add(24 * time.Hour)
		m.EndTime = m.EndTime.Add(24 * time.Hour)
		return nil
	}, nil)
	expectErr(t, "update", err, nil)
	want := m
	want.Title, want.Capacity, want.UpdateTime, want.Revision = "Budget town hall", 40, later, 2
	want.Agenda = []string{"Welcome", "Questions", "Budget"}
	want.StartTime, want.EndTime = m.StartTime.Add(24*time.Hour), m.EndTime.Add(24*time.Hour)
	same(t, "updated", got, want)
	got, err = s.Meeting(ctx, "metro", "m1")
	expectErr(t, "read back", err, nil)
	same(t, "read back", got, want)

	refuse := errors.New("refused")
	tests := []struct {
		name   string
		id     string
		mutate func(*forum.Meeting) error
		want   error
	}{
		{"mutate fails", "m1", func(m *forum.Meeting) error { m.Title = "changed"; return refuse }, refuse},
		{"unknown", "nothing", func(*forum.Meeting) error { return nil }, errs.NotFound},
	}
	for _, tc := range tests {
		_, err := s.UpdateMeeting(ctx, "metro", tc.id, tc.mutate, nil)
		expectErr(t, tc.name, err, tc.want)
	}
	// The store keeps what it maintains.
	kept := []func(*forum.Meeting){
		func(m *forum.Meeting) { m.RegisteredCount = 99 },
		func(m *forum.Meeting) { m.Forum = "agencies/metro/forums/other" },
		func(m *forum.Meeting) { m.QuestionThread = "" },
		func(m *forum.Meeting) { m.Revision = 1 },
		func(m *forum.Meeting) { m.DeleteTime = later },
		func(m *forum.Meeting) { m.CreateTime = later },
	}
	for i, change := range kept {
		_, err := s.UpdateMeeting(ctx, "metro", "m1", func(m *forum.Meeting) error {
			m.Title = "changed"
			change(m)
			return nil
		}, nil)
		if err == nil {
			t.Errorf("change %d of a maintained field was accepted", i)
		}
	}
	got, _ = s.Meeting(ctx, "metro", "m1")
	same(t, "after refused updates", got, want)
}

func testMeetingDelete(t *testing.T, s forum.Store) {
	ctx := t.Context()
	m := mustCreateMeeting(t, s, newMeeting("metro", "m1", meetingEpoch))
	if _, err := s.RegisterMeeting(ctx, "metro", "m1", forum.MeetingRegistration{Account: "accounts/ana", CreateTime: meetingEpoch}); err != nil {
		t.Fatal(err)
	}
	refuse := errors.New("etag")
	err := s.DeleteMeeting(ctx, "metro", "m1", meetingEpoch, func(got forum.Meeting) error {
		if got.ID != "m1" || got.RegisteredCount != 1 {
			t.Errorf("check sees %+v", got)
		}
		return refuse
	}, nil)
	expectErr(t, "check refuses", err, refuse)
	got, err := s.Meeting(ctx, "metro", "m1")
	expectErr(t, "after the refused delete", err, nil)
	if got.Deleted() {
		t.Fatal("a refused delete deleted")
	}

	at := meetingEpoch.Add(time.Minute)
	expectErr(t, "delete", s.DeleteMeeting(ctx, "metro", "m1", at, func(forum.Meeting) error { return nil }, nil), nil)
	got, err = s.Meeting(ctx, "metro", "m1")
	expectErr(t, "get deleted", err, nil)
	want := stored(m)
	want.RegisteredCount, want.DeleteTime = 1, at
	same(t, "deleted", got, want)
	if !got.Deleted() {
		t.Fatal("not deleted")
	}
	list, _, err := s.ListMeetings(ctx, "metro", forum.MeetingQuery{}, forum.Page{Size: 10})
	expectErr(t, "list", err, nil)
	same(t, "list without the deleted", meetingIDs(list), []string{})

	tests := []struct {
		name string
		call func() error
		want error
	}{
		{"delete again", func() error { return s.DeleteMeeting(ctx, "metro", "m1", at, nil, nil) }, errs.NotFound},
		{"delete unknown", func() error { return s.DeleteMeeting(ctx, "metro", "nothing", at, nil, nil) }, errs.NotFound},
		{"update", func() error {
			_, err := s.UpdateMeeting(ctx, "metro", "m1", func(*forum.Meeting) error { return nil }, nil)
			return err
		}, errs.NotFound},
		{"register", func() error {
			_, err := s.RegisterMeeting(ctx, "metro", "m1", forum.MeetingRegistration{Account: "accounts/ben", CreateTime: at})
			return err
		}, errs.NotFound},
		{"unregister", func() error {
			_, err := s.UnregisterMeeting(ctx, "metro", "m1", "accounts/ana")
			return err
		}, errs.NotFound},
		{"create with the same id", func() error {
			_, err := s.CreateMeeting(ctx, newMeeting("metro", "m1", meetingEpoch), forum.Request{})
			return err
		}, errs.AlreadyExists},
	}
	for _, tc := range tests {
		expectErr(t, tc.name, tc.call(), tc.want)
	}
	// Registrations stay until the purge.
	reg, err := s.RegisteredMeetings(ctx, "metro", "accounts/ana", []string{"m1"})
	expectErr(t, "registrations of a deleted meeting", err, nil)
	same(t, "registrations of a deleted meeting", reg, map[string]bool{"m1": true})
}

func testMeetingRegistration(t *testing.T, s forum.Store) {
	ctx := t.Context()
	small := newMeeting("metro", "small", meetingEpoch.Add(time.Hour))
	small.Capacity = 2
	mustCreateMeeting(t, s, small)
	open := mustCreateMeeting(t, s, newMeeting("metro", "open", meetingEpoch.Add(time.Hour)))
	reg := func(account string, at time.Time) forum.MeetingRegistration {
		return forum.MeetingRegistration{Account: account, CreateTime: at}
	}

	steps := []struct {
		name    string
		meeting string
		account string
		at      time.Time
		remove  bool
		want    error
		count   int64
	}{
		{"first", "small", "accounts/ana", meetingEpoch, false, nil, 1},
		{"again", "small", "accounts/ana", meetingEpoch, false, nil, 1},
		{"second", "small", "accounts/ben", meetingEpoch, false, nil, 2},
		{"full", "small", "accounts/cy", meetingEpoch, false, forum.ErrMeetingFull, 2},
		{"again when full", "small", "accounts/ana", meetingEpoch, false, nil, 2},
		{"withdraw", "small", "accounts/ben", meetingEpoch, true, nil, 1},
		{"withdraw again", "small", "accounts/ben", meetingEpoch, true, nil, 1},
		{"withdraw never registered", "small", "accounts/dee", meetingEpoch, true, nil, 1},
		{"seat freed", "small", "accounts/cy", meetingEpoch, false, nil, 2},
		{"during the meeting", "open", "accounts/ana", open.EndTime.Add(-time.Nanosecond), false, nil, 1},
		{"at the end", "open", "accounts/ben", open.EndTime, false, forum.ErrMeetingOver, 1},
		{"after the end, already registered", "open", "accounts/ana", open.EndTime.Add(time.Hour), false, nil, 1},
		{"unknown meeting", "nothing", "accounts/ana", meetingEpoch, false, errs.NotFound, 0},
		{"withdraw from unknown meeting", "nothing", "accounts/ana", meetingEpoch, true, errs.NotFound, 0},
	}
	for _, st := range steps {
		var got forum.Meeting
		var err error
		if st.remove {
			got, err = s.UnregisterMeeting(ctx, "metro", st.meeting, st.account)
		} else {
			got, err = s.RegisterMeeting(ctx, "metro", st.meeting, reg(st.account, st.at))
		}
		expectErr(t, st.name, err, st.want)
		if st.want == nil && (got.RegisteredCount != st.count || got.ID != st.meeting) {
			t.Fatalf("%s: returned %s with %d registered, want %s with %d", st.name, got.ID, got.RegisteredCount, st.meeting, st.count)
		}
		if st.want != nil && st.count > 0 {
			m, _ := s.Meeting(ctx, "metro", st.meeting)
			if m.RegisteredCount != st.count {
				t.Fatalf("%s: %d registered after a refusal, want %d", st.name, m.RegisteredCount, st.count)
			}
		}
	}
	got, err := s.Meeting(ctx, "metro", "small")
	expectErr(t, "get", err, nil)
	if got.Revision != 1 {
		t.Fatalf("registrations changed the revision to %d", got.Revision)
	}

	ids := []string{"small", "open", "nothing"}
	for _, tc := range []struct {
		account string
		want    map[string]bool
	}{
		{"accounts/ana", map[string]bool{"small": true, "open": true}},
		{"accounts/ben", map[string]bool{}},
		{"accounts/cy", map[string]bool{"small": true}},
	} {
		reg, err := s.RegisteredMeetings(ctx, "metro", tc.account, ids)
		expectErr(t, "registered meetings of "+tc.account, err, nil)
		same(t, "registered meetings of "+tc.account, reg, tc.want)
	}
	reg2, err := s.RegisteredMeetings(ctx, "riverside", "accounts/ana", ids)
	expectErr(t, "other agency", err, nil)
	same(t, "other agency", reg2, map[string]bool{})
}

func testMeetingConcurrentRegistration(t *testing.T, s forum.Store) {
	ctx := t.Context()
	m := newMeeting("metro", "popular", meetingEpoch.Add(time.Hour))
	m.Capacity = 5
	mustCreateMeeting(t, s, m)

	const residents = 20
	errsOf := make([]error, residents)
	var wg sync.WaitGroup
	for i := range residents {
		wg.Go(func() {
			_, errsOf[i] = s.RegisterMeeting(ctx, "metro", "popular", forum.MeetingRegistration{
				Account: fmt.Sprintf("accounts/resident-%02d", i), CreateTime: meetingEpoch,
			})
		})
	}
	wg.Wait()
	registered := 0
	for i, err := range errsOf {
		switch {
		case err == nil:
			registered++
		case !errors.Is(err, forum.ErrMeetingFull):
			t.Fatalf("resident %d: %v", i, err)
		}
	}
	got, err := s.Meeting(ctx, "metro", "popular")
	expectErr(t, "get", err, nil)
	if registered != 5 || got.RegisteredCount != 5 {
		t.Fatalf("%d registrations succeeded and %d are counted, want 5 and 5", registered, got.RegisteredCount)
	}
	for i, err := range errsOf {
		account := fmt.Sprintf("accounts/resident-%02d", i)
		reg, rerr := s.RegisteredMeetings(ctx, "metro", account, []string{"popular"})
		expectErr(t, "registered", rerr, nil)
		if reg["popular"] != (err == nil) {
			t.Fatalf("%s registered %v after the call returned %v", account, reg["popular"], err)
		}
	}
}

func testMeetingPurge(t *testing.T, s forum.Store) {
	ctx := t.Context()
	for _, id := range []string{"early", "late", "kept", "crowded"} {
		mustCreateMeeting(t, s, newMeeting("metro", id, meetingEpoch.Add(time.Hour)))
	}
	register := func(id string, n int) {
		var wg sync.WaitGroup
		for w := range 20 {
			wg.Go(func() {
				for i := w; i < n; i += 20 {
					if _, err := s.RegisterMeeting(ctx, "metro", id, forum.MeetingRegistration{
						Account: fmt.Sprintf("accounts/r%04d", i), CreateTime: meetingEpoch,
					}); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
	}
	register("early", 3)
	register("kept", 3)
	// More registrations than a bounded purge transaction removes.
	register("crowded", 1500)
	m, _ := s.Meeting(ctx, "metro", "crowded")
	if m.RegisteredCount != 1500 {
		t.Fatalf("crowded meeting has %d registrations", m.RegisteredCount)
	}
	for id, at := range map[string]time.Time{
		"early": meetingEpoch.Add(time.Hour), "crowded": meetingEpoch.Add(time.Hour), "late": meetingEpoch.Add(3 * time.Hour),
	} {
		if err := s.DeleteMeeting(ctx, "metro", id, at, nil, nil); err != nil {
			t.Fatal(err)
		}
	}

	n, err := s.PurgeMeetings(ctx, meetingEpoch.Add(30*time.Minute))
	expectErr(t, "purge before any deletion", err, nil)
	same(t, "purged before any deletion", n, 0)
	n, err = s.PurgeMeetings(ctx, meetingEpoch.Add(time.Hour))
	expectErr(t, "purge at the deletion time", err, nil)
	same(t, "purged at the deletion time", n, 0)
	n, err = s.PurgeMeetings(ctx, meetingEpoch.Add(time.Hour+time.Nanosecond))
	expectErr(t, "purge", err, nil)
	same(t, "purged", n, 2)
	for _, id := range []string{"early", "crowded"} {
		_, err = s.Meeting(ctx, "metro", id)
		expectErr(t, "purged "+id, err, errs.NotFound)
	}
	reg, err := s.RegisteredMeetings(ctx, "metro", "accounts/r0000", []string{"early", "crowded", "kept"})
	expectErr(t, "registrations", err, nil)
	same(t, "registrations after the purge", reg, map[string]bool{"kept": true})
	reg, _ = s.RegisteredMeetings(ctx, "metro", "accounts/r1499", []string{"crowded"})
	same(t, "last registration of the crowded meeting", reg, map[string]bool{})
	// The id is free again once purged.
	if _, err := s.CreateMeeting(ctx, newMeeting("metro", "early", meetingEpoch), forum.Request{}); err != nil {
		t.Fatalf("reuse a purged id: %v", err)
	}

	late, err := s.Meeting(ctx, "metro", "late")
	expectErr(t, "not yet purged", err, nil)
	if !late.Deleted() {
		t.Fatal("late meeting not deleted")
	}
	n, err = s.PurgeMeetings(ctx, meetingEpoch.Add(4*time.Hour))
	expectErr(t, "second purge", err, nil)
	same(t, "purged the second time", n, 1)
	kept, err := s.Meeting(ctx, "metro", "kept")
	expectErr(t, "a meeting not deleted", err, nil)
	if kept.RegisteredCount != 3 {
		t.Fatalf("kept meeting has %d registrations", kept.RegisteredCount)
	}
}
