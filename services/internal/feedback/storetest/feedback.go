package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"testing"
	"time"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/feedback"
	"github.com/google/go-cmp/cmp"
)

func runFeedback(t *testing.T, open Opener) {
	tests := []struct {
		name string
		run  func(t *testing.T, s feedback.Store)
	}{
		{"CreateAndRead", testFeedbackCreate},
		{"RequestReplay", testFeedbackReplay},
		{"RequestHours", testFeedbackRequestHours},
		{"ListOrders", testFeedbackList},
		{"Update", testFeedbackUpdate},
		{"Notes", testFeedbackNotes},
		{"Stats", testFeedbackStats},
		{"ComplaintCounts", testComplaintCounts},
		{"PurgeRequests", testFeedbackPurge},
		{"CodeSecret", testCodeSecret},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, open(t))
		})
	}
}

var (
	fbBase    = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) // a Monday
	errFBVeto = errors.New("vetoed")
)

func fbAt(hours int) time.Time { return fbBase.Add(time.Duration(hours) * time.Hour) }

func fbHash(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

func fbCtx(t *testing.T) context.Context { return t.Context() }

// newFeedback returns complete anonymous-looking feedback.
func newFeedback(agency, id string, at time.Time) feedback.Feedback {
	return feedback.Feedback{
		Agency: agency, ID: id, Kind: feedbackv1.FeedbackKind_FEEDBACK_KIND_COMPLAINT, Category: "courtesy",
		Text: "Rude at the checkpoint", Rating: 2, Area: "north", Location: &feedback.FeedbackLocation{Latitude: 41.5, Longitude: -87.25},
		IncidentTime: at.Add(-48 * time.Hour), OfficerBadge: "B-12", IncidentNumber: "2026-001",
		Anonymous: true, State: feedbackv1.Feedback_STATE_RECEIVED,
		Sentiment:      feedback.TextSentiment{Score: -0.5, Label: feedbackv1.Sentiment_LABEL_NEGATIVE},
		History:        []feedback.StateChange{{State: feedbackv1.Feedback_STATE_RECEIVED, Time: at}},
		SecretHash:     fbHash("secret " + id),
		SubmissionHash: fbHash("submission " + id),
		Periods:        feedback.FeedbackPeriods{Week: fbBase, Month: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), Day: time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, time.UTC)},
		CreateTime:     at, UpdateTime: at,
	}
}

func mustCreate(t *testing.T, s feedback.Store, f feedback.Feedback) feedback.Feedback {
	t.Helper()
	got, replay, err := s.CreateFeedback(fbCtx(t), f, feedback.FeedbackRequest{})
	if err != nil || replay != nil {
		t.Fatalf("create %s: %v (replay %v)", f.ID, err, replay)
	}
	return got
}

func wantFBErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if (want == nil && err != nil) || (want != nil && !errors.Is(err, want)) {
		t.Fatalf("%s: error %v, want %v", what, err, want)
	}
}

func fbDiff(t *testing.T, what string, got, want any) {
	t.Helper()
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("%s mismatch (-want +got):\n%s", what, d)
	}
}

func testFeedbackCreate(t *testing.T, s feedback.Store) {
	in := newFeedback("metro", "aaaa", fbAt(0))
	got, replay, err := s.CreateFeedback(fbCtx(t), in, feedback.FeedbackRequest{})
	wantFBErr(t, "create", err, nil)
	if replay != nil {
		t.Fatalf("a first create is a replay: %+v", replay)
	}
	want := in
	want.Revision = 1
	fbDiff(t, "created", got, want)
	stored, err := s.Feedback(fbCtx(t), "metro", "aaaa")
	wantFBErr(t, "get", err, nil)
	fbDiff(t, "stored", stored, want)
	_, err = s.Feedback(fbCtx(t), "metro", "nope")
	wantFBErr(t, "unknown id", err, errs.NotFound)
	_, err = s.Feedback(fbCtx(t), "other", "aaaa")
	wantFBErr(t, "another agency's id", err, errs.NotFound)
	_, _, err = s.CreateFeedback(fbCtx(t), in, feedback.FeedbackRequest{})
	wantFBErr(t, "taken id", err, errs.AlreadyExists)
	taken := newFeedback("metro", "aaaa", fbAt(1))
	taken.Text = "another text"
	_, _, err = s.CreateFeedback(fbCtx(t), taken, feedback.FeedbackRequest{Key: fbHash("taken"), Time: fbAt(1)})
	wantFBErr(t, "taken id with a request", err, errs.AlreadyExists)
	fbDiff(t, "a failed create records no request", requested(t, s, fbHash("taken"), fbAt(1)), "")
	stored, err = s.Feedback(fbCtx(t), "metro", "aaaa")
	wantFBErr(t, "get after a failed create", err, nil)
	fbDiff(t, "a failed create changes nothing", stored, want)
}

// testCodeSecret checks that a store has a code secret of 32 bytes from
// the start, the same at every read, and that each store has its own.
func testCodeSecret(t *testing.T, s feedback.Store) {
	first, err := s.CodeSecret(fbCtx(t))
	wantFBErr(t, "code secret", err, nil)
	if len(first) != 32 || bytes.Count(first, first[:1]) == 32 {
		t.Fatalf("code secret %x: want 32 random bytes", first)
	}
	_, _, err = s.CreateFeedback(fbCtx(t), newFeedback("metro", "s1", fbAt(0)), feedback.FeedbackRequest{})
	wantFBErr(t, "create", err, nil)
	again, err := s.CodeSecret(fbCtx(t))
	wantFBErr(t, "code secret again", err, nil)
	fbDiff(t, "code secret after a write", again, first)
}

func testFeedbackReplay(t *testing.T, s feedback.Store) {
	req := feedback.FeedbackRequest{Key: fbHash("req-1"), Time: fbAt(0)}
	first, replay, err := s.CreateFeedback(fbCtx(t), newFeedback("metro", "first", fbAt(0)), req)
	wantFBErr(t, "create", err, nil)
	if replay != nil {
		t.Fatal("first create replayed")
	}
	again, replay, err := s.CreateFeedback(fbCtx(t), newFeedback("metro", "second", fbAt(1)), req)
	wantFBErr(t, "retry", err, nil)
	if replay == nil {
		t.Fatal("a retry is not a replay")
	}
	fbDiff(t, "retry returns the first", again, first)
	fbDiff(t, "request record", *replay, feedback.FeedbackRequest{Key: req.Key, Name: first.Name(), Time: req.Time})
	_, err = s.Feedback(fbCtx(t), "metro", "second")
	wantFBErr(t, "a retry stores nothing", err, errs.NotFound)
	fbDiff(t, "requested", requested(t, s, req.Key, fbAt(0)), first.Name())
	fbDiff(t, "unknown request", requested(t, s, fbHash("req-2"), fbAt(0)), "")

	// Derived ids: a create whose own id or an earlier one is stored
	// returns that feedback and stores nothing; nothing is recorded.
	derived := feedback.FeedbackRequest{Time: fbAt(2), Derived: []string{"day2", "day1"}}
	made, replay, err := s.CreateFeedback(fbCtx(t), newFeedback("metro", "day2", fbAt(2)), derived)
	wantFBErr(t, "create with derived ids", err, nil)
	if replay != nil {
		t.Fatal("a first create with derived ids replayed")
	}
	for _, tc := range []struct{ name, id string }{{"its own id", "day2"}, {"an earlier id", "day3"}} {
		derived := feedback.FeedbackRequest{Time: fbAt(3), Derived: []string{tc.id, "day2"}}
		again, replay, err := s.CreateFeedback(fbCtx(t), newFeedback("metro", tc.id, fbAt(3)), derived)
		wantFBErr(t, "retry by "+tc.name, err, nil)
		if replay == nil || replay.Name != made.Name() {
			t.Fatalf("retry by %s: replay %+v, want one naming %s", tc.name, replay, made.Name())
		}
		fbDiff(t, "retry by "+tc.name, again, made)
	}
	_, err = s.Feedback(fbCtx(t), "metro", "day3")
	wantFBErr(t, "a retry by an earlier id stores nothing", err, errs.NotFound)
	// Past FeedbackRequestLifetime the earlier feedback no longer counts:
	// the request creates anew, with its own id.
	late := fbAt(2).Add(feedback.FeedbackRequestLifetime + time.Hour)
	lateReq := feedback.FeedbackRequest{Time: late, Derived: []string{"day4", "day2"}}
	fresh, replay, err := s.CreateFeedback(fbCtx(t), newFeedback("metro", "day4", late), lateReq)
	wantFBErr(t, "create past the lifetime", err, nil)
	if replay != nil || fresh.ID != "day4" {
		t.Fatalf("create past the lifetime: replay %+v, id %q; want a new feedback day4", replay, fresh.ID)
	}
	n, err := s.PurgeFeedbackRequests(fbCtx(t), fbAt(1000))
	wantFBErr(t, "purge", err, nil)
	fbDiff(t, "request records left by creates with derived ids and the one with a key", n, 1)
}

// requested returns the name of what the request key created, as a
// request at time at sees it, or "" when the key counts as new then. It
// stores nothing: the probe's create, when not a replay, fails on a taken
// id.
func requested(t *testing.T, s feedback.Store, key []byte, at time.Time) string {
	t.Helper()
	taken := newFeedback("probe", "taken", fbAt(0))
	if _, err := s.Feedback(fbCtx(t), taken.Agency, taken.ID); errors.Is(err, errs.NotFound) {
		mustCreate(t, s, taken)
	}
	_, replay, err := s.CreateFeedback(fbCtx(t), taken, feedback.FeedbackRequest{Key: key, Time: at})
	if replay != nil {
		wantFBErr(t, "replayed probe", err, nil)
		return replay.Name
	}
	wantFBErr(t, "probe", err, errs.AlreadyExists)
	return ""
}

// testFeedbackRequestHours checks that a request id is recognized for
// FeedbackRequestLifetime after the hour it was recorded in, across hours
// holding other requests, and not after.
func testFeedbackRequestHours(t *testing.T, s feedback.Store) {
	for i, at := range []int{0, 3, 5} {
		f := newFeedback("metro", fmt.Sprintf("h%d", i), fbAt(at))
		_, _, err := s.CreateFeedback(fbCtx(t), f, feedback.FeedbackRequest{Key: fbHash(fmt.Sprint("hours ", i)), Time: fbAt(at)})
		wantFBErr(t, "create", err, nil)
	}
	mine := fbHash("hours 1") // recorded at hour 3
	tests := []struct {
		name string
		at   time.Time
		want string
	}{
		{"same hour", fbAt(3), "agencies/metro/feedback/h1"},
		{"next hour", fbAt(4), "agencies/metro/feedback/h1"},
		{"past later hours of others", fbAt(6), "agencies/metro/feedback/h1"},
		{"an hour earlier", fbAt(2), "agencies/metro/feedback/h1"},
		{"a whole lifetime later", fbAt(3).Add(feedback.FeedbackRequestLifetime), "agencies/metro/feedback/h1"},
		{"after the lifetime", fbAt(4).Add(feedback.FeedbackRequestLifetime), ""},
	}
	for _, tc := range tests {
		fbDiff(t, tc.name, requested(t, s, mine, tc.at), tc.want)
	}
	fbDiff(t, "another key", requested(t, s, fbHash("hours 9"), fbAt(6)), "")

	// A retry in a later hour replays what the first request created.
	again, replay, err := s.CreateFeedback(fbCtx(t), newFeedback("metro", "h9", fbAt(7)), feedback.FeedbackRequest{Key: mine, Time: fbAt(7)})
	wantFBErr(t, "retry", err, nil)
	if replay == nil || again.ID != "h1" || !replay.Time.Equal(fbAt(3)) {
		t.Fatalf("retry an hour later: got %s, replay %+v; want h1 recorded at %v", again.ID, replay, fbAt(3))
	}
}

func fbIDs(fs []feedback.Feedback) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.ID)
	}
	return out
}

// listPages pages through a list size items at a time.
func listPages(t *testing.T, s feedback.Store, q feedback.FeedbackQuery, keep func(feedback.Feedback) bool, size int) []string {
	t.Helper()
	var out []string
	page := feedback.FeedbackPage{Size: size}
	for range 20 {
		got, next, err := s.ListFeedback(fbCtx(t), q, page, keep)
		wantFBErr(t, "list", err, nil)
		out = append(out, fbIDs(got)...)
		if next == nil {
			return out
		}
		page.After = next
	}
	t.Fatal("the list does not end")
	return nil
}

func testFeedbackList(t *testing.T, s feedback.Store) {
	for i, id := range []string{"c", "a", "e", "b", "d"} {
		f := newFeedback("metro", id, fbAt(i))
		if id == "a" || id == "d" {
			f.Anonymous, f.Submitter, f.SecretHash = false, "accounts/ann", nil
		}
		mustCreate(t, s, f)
	}
	mustCreate(t, s, newFeedback("other", "z", fbAt(9)))
	// "f" comes in the hour of "e" and is updated within it, as an
	// anonymous reply would be: its update time stays its create time.
	mustCreate(t, s, newFeedback("metro", "f", fbAt(2)))
	_, err := s.UpdateFeedback(fbCtx(t), "metro", "f", func(f *feedback.Feedback) error {
		f.State = feedbackv1.Feedback_STATE_TRIAGED
		return nil
	})
	wantFBErr(t, "update in the same hour", err, nil)
	// "b" is updated last, "c" next.
	for _, id := range []string{"c", "b"} {
		_, err := s.UpdateFeedback(fbCtx(t), "metro", id, func(f *feedback.Feedback) error {
			f.UpdateTime = f.UpdateTime.Add(100 * time.Hour)
			return nil
		})
		wantFBErr(t, "update", err, nil)
	}
	tests := []struct {
		name string
		q    feedback.FeedbackQuery
		keep func(feedback.Feedback) bool
		want []string
	}{
		{"newest first", feedback.FeedbackQuery{Agency: "metro"}, nil, []string{"d", "b", "f", "e", "a", "c"}},
		{"oldest first", feedback.FeedbackQuery{Agency: "metro", Order: feedback.FeedbackOldestFirst}, nil, []string{"c", "a", "e", "f", "b", "d"}},
		{"recently updated", feedback.FeedbackQuery{Agency: "metro", Order: feedback.FeedbackRecentlyUpdatedFirst}, nil, []string{"b", "c", "d", "f", "e", "a"}},
		{"least recently updated", feedback.FeedbackQuery{Agency: "metro", Order: feedback.FeedbackLeastRecentlyUpdatedFirst}, nil, []string{"a", "e", "f", "d", "c", "b"}},
		{"recently updated, kept", feedback.FeedbackQuery{Agency: "metro", Order: feedback.FeedbackRecentlyUpdatedFirst}, func(f feedback.Feedback) bool { return f.ID != "f" && f.ID != "c" }, []string{"b", "d", "e", "a"}},
		{"a submitter's", feedback.FeedbackQuery{Agency: "metro", Submitter: "accounts/ann"}, nil, []string{"d", "a"}},
		{"a submitter's oldest first", feedback.FeedbackQuery{Agency: "metro", Submitter: "accounts/ann", Order: feedback.FeedbackOldestFirst}, nil, []string{"a", "d"}},
		{"a submitter's by update", feedback.FeedbackQuery{Agency: "metro", Submitter: "accounts/ann", Order: feedback.FeedbackRecentlyUpdatedFirst}, nil, []string{"d", "a"}},
		{"nobody's", feedback.FeedbackQuery{Agency: "metro", Submitter: "accounts/bob"}, nil, nil},
		{"kept", feedback.FeedbackQuery{Agency: "metro"}, func(f feedback.Feedback) bool { return f.ID != "e" }, []string{"d", "b", "f", "a", "c"}},
		{"other agency", feedback.FeedbackQuery{Agency: "other"}, nil, []string{"z"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, size := range []int{1, 2, 4} {
				fbDiff(t, fmt.Sprintf("ids, %d a page", size), listPages(t, s, tc.q, tc.keep, size), tc.want)
			}
		})
	}
	got, next, err := s.ListFeedback(fbCtx(t), feedback.FeedbackQuery{Agency: "metro"}, feedback.FeedbackPage{Size: 5, MaxScan: 2},
		func(f feedback.Feedback) bool { return false })
	wantFBErr(t, "bounded scan", err, nil)
	if len(got) != 0 || next == nil {
		t.Fatalf("a bounded scan returned %v and cursor %x", fbIDs(got), next)
	}
}

func testFeedbackUpdate(t *testing.T, s feedback.Store) {
	in := mustCreate(t, s, newFeedback("metro", "u", fbAt(0)))
	got, err := s.UpdateFeedback(fbCtx(t), "metro", "u", func(f *feedback.Feedback) error {
		f.State, f.Assignee, f.Category, f.UpdateTime = feedbackv1.Feedback_STATE_TRIAGED, "accounts/ana", "use_of_force", fbAt(3)
		f.History = append(f.History, feedback.StateChange{State: f.State, Time: fbAt(3), Actor: "accounts/ana", Note: "seen"})
		f.Replies = append(f.Replies, feedback.FeedbackReply{Party: feedbackv1.Feedback_PARTY_AGENCY, Text: "Thanks", Author: "accounts/ana", Time: fbAt(3), RequestKey: fbHash("r")})
		return nil
	})
	wantFBErr(t, "update", err, nil)
	want := in
	want.State, want.Assignee, want.Category, want.UpdateTime, want.Revision = feedbackv1.Feedback_STATE_TRIAGED, "accounts/ana", "use_of_force", fbAt(3), 2
	want.History = append(want.History, feedback.StateChange{State: want.State, Time: fbAt(3), Actor: "accounts/ana", Note: "seen"})
	want.Replies = []feedback.FeedbackReply{{Party: feedbackv1.Feedback_PARTY_AGENCY, Text: "Thanks", Author: "accounts/ana", Time: fbAt(3), RequestKey: fbHash("r")}}
	fbDiff(t, "updated", got, want)

	same, err := s.UpdateFeedback(fbCtx(t), "metro", "u", func(*feedback.Feedback) error { return feedback.ErrFeedbackUnchanged })
	wantFBErr(t, "unchanged", err, nil)
	fbDiff(t, "unchanged", same, want)
	_, err = s.UpdateFeedback(fbCtx(t), "metro", "u", func(f *feedback.Feedback) error {
		f.Assignee = "accounts/x"
		return errFBVeto
	})
	wantFBErr(t, "vetoed", err, errFBVeto)
	for name, change := range map[string]func(*feedback.Feedback){
		"text":       func(f *feedback.Feedback) { f.Text = "other" },
		"submitter":  func(f *feedback.Feedback) { f.Submitter = "accounts/x" },
		"anonymous":  func(f *feedback.Feedback) { f.Anonymous = false },
		"secret":     func(f *feedback.Feedback) { f.SecretHash = nil },
		"submission": func(f *feedback.Feedback) { f.SubmissionHash = nil },
		"createTime": func(f *feedback.Feedback) { f.CreateTime = fbAt(5) },
	} {
		_, err := s.UpdateFeedback(fbCtx(t), "metro", "u", func(f *feedback.Feedback) error {
			change(f)
			return nil
		})
		if err == nil {
			t.Fatalf("an update of %s succeeded", name)
		}
	}
	stored, err := s.Feedback(fbCtx(t), "metro", "u")
	wantFBErr(t, "get", err, nil)
	fbDiff(t, "unchanged after refused updates", stored, want)
	_, err = s.UpdateFeedback(fbCtx(t), "metro", "missing", func(*feedback.Feedback) error { return nil })
	wantFBErr(t, "update missing", err, errs.NotFound)
}

func testFeedbackNotes(t *testing.T, s feedback.Store) {
	mustCreate(t, s, newFeedback("metro", "n", fbAt(0)))
	_, err := s.CreateNote(fbCtx(t), feedback.Note{Agency: "metro", Feedback: "n", Text: "x"}, feedback.FeedbackRequest{}, func(feedback.Feedback) error { return errFBVeto })
	wantFBErr(t, "vetoed", err, errFBVeto)
	_, err = s.CreateNote(fbCtx(t), feedback.Note{Agency: "metro", Feedback: "missing", Text: "x"}, feedback.FeedbackRequest{}, func(feedback.Feedback) error { return nil })
	wantFBErr(t, "note on missing feedback", err, errs.NotFound)
	req := feedback.FeedbackRequest{Key: fbHash("note req"), Time: fbAt(0), Fingerprint: fbHash("note request")}
	var made []feedback.Note
	for i := range 3 {
		r := feedback.FeedbackRequest{}
		if i == 0 {
			r = req
		}
		n, err := s.CreateNote(fbCtx(t), feedback.Note{Agency: "metro", Feedback: "n", Text: fmt.Sprint("note ", i), Author: "accounts/ana", CreateTime: fbAt(i)}, r, func(feedback.Feedback) error { return nil })
		wantFBErr(t, "create note", err, nil)
		if n.ID == "" {
			t.Fatal("no note id assigned")
		}
		made = append(made, n)
	}
	again, err := s.CreateNote(fbCtx(t), feedback.Note{Agency: "metro", Feedback: "n", Text: "retry"}, req, func(feedback.Feedback) error { return nil })
	wantFBErr(t, "retried note", err, nil)
	fbDiff(t, "retried note", again, made[0])
	other := req
	other.Fingerprint = fbHash("another note request")
	_, err = s.CreateNote(fbCtx(t), feedback.Note{Agency: "metro", Feedback: "n", Text: "other"}, other, func(feedback.Feedback) error { return nil })
	wantFBErr(t, "the request id of another note", err, feedback.ErrRetryReused)
	got, err := s.Note(fbCtx(t), "metro", "n", made[1].ID)
	wantFBErr(t, "get note", err, nil)
	fbDiff(t, "note", got, made[1])
	_, err = s.Note(fbCtx(t), "metro", "n", "missing")
	wantFBErr(t, "missing note", err, errs.NotFound)
	var all []feedback.Note
	page := feedback.FeedbackPage{Size: 2}
	for {
		ns, next, err := s.ListNotes(fbCtx(t), "metro", "n", page)
		wantFBErr(t, "list notes", err, nil)
		all = append(all, ns...)
		if next == nil {
			break
		}
		page.After = next
	}
	fbDiff(t, "notes oldest first", all, made)
	_, _, err = s.ListNotes(fbCtx(t), "metro", "missing", feedback.FeedbackPage{Size: 2})
	wantFBErr(t, "notes of missing feedback", err, errs.NotFound)
}

func testFeedbackStats(t *testing.T, s feedback.Store) {
	march := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := range 3 {
		f := newFeedback("metro", fmt.Sprint("s", i), fbAt(i))
		if i == 2 {
			f.Rating = 0
			f.Area = "south"
		}
		mustCreate(t, s, f)
	}
	q := feedback.FeedbackStatsQuery{Agency: "metro", Interval: feedbackv1.Interval_INTERVAL_MONTH, Starts: []time.Time{march, march.AddDate(0, 1, 0)}, AllAreas: true}
	got, err := s.FeedbackStats(fbCtx(t), q)
	wantFBErr(t, "stats", err, nil)
	complaint := feedbackv1.FeedbackKind_FEEDBACK_KIND_COMPLAINT
	want := []feedback.FeedbackStatsCell{
		{PeriodStart: march, Kind: complaint, Category: "courtesy", Area: "north", Count: 2, Rated: 2, RatingSum: 4, SentimentSum: -1},
		{PeriodStart: march, Kind: complaint, Category: "courtesy", Area: "south", Count: 1, SentimentSum: -0.5},
	}
	fbDiff(t, "month cells", got, want)
	q.Area, q.AllAreas = "south", false
	got, err = s.FeedbackStats(fbCtx(t), q)
	wantFBErr(t, "area stats", err, nil)
	fbDiff(t, "one area", got, want[1:])
	q = feedback.FeedbackStatsQuery{Agency: "metro", Interval: feedbackv1.Interval_INTERVAL_WEEK, Starts: []time.Time{fbBase}, AllAreas: true}
	got, err = s.FeedbackStats(fbCtx(t), q)
	wantFBErr(t, "week stats", err, nil)
	if len(got) != 2 || !got[0].PeriodStart.Equal(fbBase) {
		t.Fatalf("week cells %+v", got)
	}

	// Recategorizing moves the counts.
	_, err = s.UpdateFeedback(fbCtx(t), "metro", "s2", func(f *feedback.Feedback) error {
		f.Area, f.Category = "north", "response_time"
		return nil
	})
	wantFBErr(t, "recategorize", err, nil)
	got, err = s.FeedbackStats(fbCtx(t), feedback.FeedbackStatsQuery{Agency: "metro", Starts: []time.Time{march}, AllAreas: true})
	wantFBErr(t, "stats", err, nil)
	fbDiff(t, "after recategorizing", got, []feedback.FeedbackStatsCell{
		{PeriodStart: march, Kind: complaint, Category: "courtesy", Area: "north", Count: 2, Rated: 2, RatingSum: 4, SentimentSum: -1},
		{PeriodStart: march, Kind: complaint, Category: "response_time", Area: "north", Count: 1, SentimentSum: -0.5},
	})
}

func testComplaintCounts(t *testing.T, s feedback.Store) {
	day := func(d int) time.Time { return time.Date(2026, 3, d, 0, 0, 0, 0, time.UTC) }
	mk := func(id string, d int, area, category string, kind feedbackv1.FeedbackKind) {
		f := newFeedback("metro", id, day(d).Add(10*time.Hour))
		f.Area, f.Category, f.Kind = area, category, kind
		mustCreate(t, s, f)
	}
	mk("a", 2, "north", "courtesy", feedbackv1.FeedbackKind_FEEDBACK_KIND_COMPLAINT)
	mk("b", 3, "north", "courtesy", feedbackv1.FeedbackKind_FEEDBACK_KIND_COMPLAINT)
	mk("c", 3, "south", "use_of_force", feedbackv1.FeedbackKind_FEEDBACK_KIND_COMPLAINT)
	mk("d", 4, "", "courtesy", feedbackv1.FeedbackKind_FEEDBACK_KIND_COMPLAINT)
	mk("e", 3, "north", "courtesy", feedbackv1.FeedbackKind_FEEDBACK_KIND_COMPLIMENT)
	tests := []struct {
		name     string
		area     string
		from, to int
		want     map[string]int64
	}{
		{"whole agency", "", 1, 10, map[string]int64{"courtesy": 3, "use_of_force": 1}},
		{"one area", "north", 1, 10, map[string]int64{"courtesy": 2}},
		{"one day", "", 3, 4, map[string]int64{"courtesy": 1, "use_of_force": 1}},
		{"end excluded", "north", 1, 3, map[string]int64{"courtesy": 1}},
		{"nothing", "east", 1, 10, map[string]int64{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.ComplaintCounts(fbCtx(t), "metro", tc.area, day(tc.from), day(tc.to))
			wantFBErr(t, "counts", err, nil)
			fbDiff(t, "counts", got, tc.want)
		})
	}
}

func testFeedbackPurge(t *testing.T, s feedback.Store) {
	for i, key := range []string{"old", "new"} {
		_, _, err := s.CreateFeedback(fbCtx(t), newFeedback("metro", key, fbAt(i)), feedback.FeedbackRequest{Key: fbHash(key), Time: fbAt(10 * i)})
		wantFBErr(t, "create", err, nil)
	}
	n, err := s.PurgeFeedbackRequests(fbCtx(t), fbAt(5))
	wantFBErr(t, "purge", err, nil)
	if n != 1 {
		t.Fatalf("purged %d requests, want 1", n)
	}
	fbDiff(t, "purged", requested(t, s, fbHash("old"), fbAt(10)), "")
	fbDiff(t, "kept", requested(t, s, fbHash("new"), fbAt(10)), "agencies/metro/feedback/new")
	_, err = s.Feedback(fbCtx(t), "metro", "old")
	wantFBErr(t, "the feedback stays", err, nil)
}
