package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	"github.com/engagehq/engage/services/internal/feedback"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func testTrustCells(t *testing.T, s feedback.Store) {
	ctx := t.Context()
	mustOpenSurvey(t, s, testSurvey("gen", feedbackv1.Survey_KIND_GENERAL))
	week := surveyT0.Truncate(24 * time.Hour)
	month := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	periods := []feedback.TrustPeriod{
		{Interval: feedbackv1.Interval_INTERVAL_WEEK, Start: week, Previous: week.AddDate(0, 0, -7)},
		{Interval: feedbackv1.Interval_INTERVAL_MONTH, Start: month, Previous: month.AddDate(0, -1, 0)},
	}
	key := func(area string, i feedbackv1.Interval, start time.Time) feedback.TrustCellKey {
		return feedback.TrustCellKey{Agency: "metro", Area: area, Interval: i, Start: start}
	}
	answers := []struct {
		area  string
		score float64
		dims  [5]float64
		rated [5]bool
	}{
		{"north", 80, [5]float64{8, 0, 0, 0, 0}, [5]bool{true}},
		{"north", 50, [5]float64{6, 4, 0, 0, 0}, [5]bool{true, true}},
		{"", 30, [5]float64{0, 3, 0, 0, 0}, [5]bool{false, true}},
	}
	// asked records what the drop rule is shown: each cell the answer
	// changed, as it is after the answer, beside the period before.
	type pair struct{ cur, prev feedback.TrustCell }
	var asked []pair
	rule := func(cur, prev feedback.TrustCell) (feedback.TrustNotice, bool) {
		asked = append(asked, pair{cur, prev})
		return feedback.TrustNotice{}, false
	}
	for i, a := range answers {
		r := generalAnswer("r" + string(rune('a'+i)))
		r.Area = a.area
		r.Trust = &feedback.TrustContribution{Score: a.score, Rated: a.rated, Dimensions: a.dims}
		proof := feedback.ResponseProof{DeviceToken: "device-token-number-" + string(rune('a'+i)), Now: surveyT0}
		asked = nil
		_, notices, err := s.CreateSurveyResponse(ctx, r, proof, periods, svAcceptOpen, rule)
		if err != nil || len(notices) != 0 {
			t.Fatalf("answer %d: %d notices (%v), want none", i, len(notices), err)
		}
		want := 2 * len(periods)
		if a.area == "" {
			want = len(periods)
		}
		if len(asked) != want {
			t.Fatalf("answer %d: rule asked about %d cells, want %d", i, len(asked), want)
		}
		for _, p := range asked {
			prev := p.cur.TrustCellKey
			prev.Start = prev.Start.AddDate(0, 0, -7)
			if p.cur.Interval == feedbackv1.Interval_INTERVAL_MONTH {
				prev.Start = month.AddDate(0, -1, 0)
			}
			if p.prev.TrustCellKey != prev || p.prev.N != 0 {
				t.Fatalf("answer %d: cell %+v compared with %+v, want the empty %+v", i, p.cur.TrustCellKey, p.prev, prev)
			}
			if p.cur.Area == a.area && p.cur.Interval == feedbackv1.Interval_INTERVAL_WEEK && p.cur.Sum < a.score {
				t.Fatalf("answer %d: rule shown %+v, before the answer was added", i, p.cur)
			}
		}
	}
	// An answer without a score changes no cell.
	r := generalAnswer("plain")
	r.Trust = nil
	asked = nil
	_, _, err := s.CreateSurveyResponse(ctx, r, feedback.ResponseProof{DeviceToken: "device-token-without-score", Now: surveyT0}, periods, svAcceptOpen, rule)
	if err != nil || len(asked) != 0 {
		t.Fatalf("answer without a score: rule asked about %d cells (%v), want none", len(asked), err)
	}

	keys := []feedback.TrustCellKey{
		key("north", feedbackv1.Interval_INTERVAL_WEEK, week),
		key("", feedbackv1.Interval_INTERVAL_MONTH, month),
		key("south", feedbackv1.Interval_INTERVAL_MONTH, month),
		key("north", feedbackv1.Interval_INTERVAL_MONTH, month.AddDate(0, -1, 0)),
	}
	got, err := s.TrustCells(ctx, keys)
	if err != nil {
		t.Fatal(err)
	}
	want := []feedback.TrustCell{
		{TrustCellKey: keys[0], N: 2, Sum: 130, SumSq: 80*80 + 50*50,
			Dimensions: [5]feedback.DimensionSum{{N: 2, Sum: 14}, {N: 1, Sum: 4}}},
		{TrustCellKey: keys[1], N: 3, Sum: 160, SumSq: 80*80 + 50*50 + 30*30,
			Dimensions: [5]feedback.DimensionSum{{N: 2, Sum: 14}, {N: 2, Sum: 7}}},
		{TrustCellKey: keys[2]},
		{TrustCellKey: keys[3]},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("cells (-want +got):\n%s", d)
	}

	testTrustNotices(t, s, periods, keys[0], keys[1])
}

// testTrustNotices answers with a drop rule that finds drops in the cells
// of flagged: a notice is recorded in the answer's transaction, each cell
// takes one, pending until done, and none after; an answer refused
// records none.
func testTrustNotices(t *testing.T, s feedback.Store, periods []feedback.TrustPeriod, a, b feedback.TrustCellKey) {
	ctx := t.Context()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	notice := func(k feedback.TrustCellKey, prevStart time.Time, score float64, n int64) feedback.TrustNotice {
		return feedback.TrustNotice{
			Cell: k,
			Drop: feedback.TrustDrop{
				Agency: "agencies/" + k.Agency, Area: k.Area, Interval: k.Interval,
				PeriodStart: k.Start.In(ny), PreviousStart: prevStart.In(ny),
				Score: score, PreviousScore: 80, Responses: n,
			},
			Since: surveyT0.Truncate(time.Hour),
		}
	}
	answered := 0
	// answer answers in the area north with a rule that finds a drop to
	// score in the cells of flagged, and returns the notices recorded.
	answer := func(score float64, check func(feedback.Survey) error, flagged ...feedback.TrustCellKey) ([]feedback.TrustNotice, error) {
		t.Helper()
		answered++
		r := generalAnswer("notice-" + string(rune('a'+answered)))
		r.Area = "north"
		r.Trust = &feedback.TrustContribution{Score: score}
		proof := feedback.ResponseProof{DeviceToken: "device-token-notice-" + string(rune('a'+answered)), Now: surveyT0}
		rule := func(cur, prev feedback.TrustCell) (feedback.TrustNotice, bool) {
			if !slices.Contains(flagged, cur.TrustCellKey) {
				return feedback.TrustNotice{}, false
			}
			return notice(cur.TrustCellKey, prev.Start, score, cur.N), true
		}
		_, notices, err := s.CreateSurveyResponse(ctx, r, proof, periods, check, rule)
		return notices, err
	}
	less := func(x, y feedback.TrustNotice) bool {
		return x.Cell.Area+x.Cell.Interval.String() < y.Cell.Area+y.Cell.Interval.String()
	}
	same := func(what string, want, got []feedback.TrustNotice) {
		t.Helper()
		if d := cmp.Diff(want, got, cmpopts.SortSlices(less), cmpopts.EquateEmpty()); d != "" {
			t.Fatalf("%s (-want +got):\n%s", what, d)
		}
	}
	pending := func(what string, want ...feedback.TrustNotice) {
		t.Helper()
		got, err := s.PendingTrustNotices(ctx)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		same(what+": pending", want, got)
		// The periods keep their offset from UTC, which names their days.
		for _, n := range got {
			if _, off := n.Drop.PeriodStart.Zone(); off != -4*3600 && off != -5*3600 {
				t.Fatalf("%s: period start %v lost its offset", what, n.Drop.PeriodStart)
			}
		}
	}
	prevStart := func(k feedback.TrustCellKey) time.Time {
		for _, p := range periods {
			if p.Interval == k.Interval {
				return p.Previous
			}
		}
		t.Fatalf("no period of %v", k.Interval)
		return time.Time{}
	}

	pending("none yet")
	// a's week cell holds 2 answers before these, b's month cell 3.
	first := notice(a, prevStart(a), 60, 3)
	got, err := answer(60, svAcceptOpen, a)
	if err != nil {
		t.Fatal(err)
	}
	same("first drop: recorded", []feedback.TrustNotice{first}, got)
	pending("first drop", first)

	second := notice(b, prevStart(b), 59, 5)
	got, err = answer(59, svAcceptOpen, a, b)
	if err != nil {
		t.Fatal(err)
	}
	same("a again and b: recorded", []feedback.TrustNotice{second}, got)
	pending("a again and b", first, second)

	if err := s.TrustNoticeDone(ctx, a); err != nil {
		t.Fatal(err)
	}
	pending("a done", second)
	if got, err := answer(40, svAcceptOpen, a); err != nil || len(got) != 0 {
		t.Fatalf("a drop in a cell done: recorded %v (%v), want none", got, err)
	}
	pending("after a drop in a cell done", second)

	// A refused answer stores nothing, its notices neither.
	refused := errors.New("survey refused")
	flagged := feedback.TrustCellKey{Agency: a.Agency, Area: "north", Interval: feedbackv1.Interval_INTERVAL_MONTH, Start: b.Start}
	if _, err := answer(10, func(feedback.Survey) error { return refused }, flagged); !errors.Is(err, refused) {
		t.Fatalf("refused answer: %v, want %v", err, refused)
	}
	pending("after a refused answer", second)

	if err := s.TrustNoticeDone(ctx, b); err != nil {
		t.Fatal(err)
	}
	pending("both done")
}

func testPurgeRetries(t *testing.T, s feedback.Store) {
	ctx := t.Context()
	for i, at := range []time.Time{surveyT0, surveyT0.Add(time.Hour), surveyT0.Add(3 * time.Hour)} {
		sv := testSurvey("s"+string(rune('a'+i)), feedbackv1.Survey_KIND_GENERAL)
		retry := feedback.Retry{Caller: "accounts/ana", ID: "id-" + sv.ID, Time: at}
		if _, err := s.CreateSurvey(ctx, sv, retry); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.PurgeSurveyRequests(ctx, surveyT0.Add(2*time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("purge: %d %v, want 2", n, err)
	}
	// A purged request id creates anew; a kept one still returns its survey.
	got, err := s.CreateSurvey(ctx, testSurvey("new", feedbackv1.Survey_KIND_GENERAL), feedback.Retry{Caller: "accounts/ana", ID: "id-sa", Time: surveyT0.Add(3 * time.Hour)})
	if err != nil || got.ID != "new" {
		t.Fatalf("purged retry: %+v %v", got, err)
	}
	got, err = s.CreateSurvey(ctx, testSurvey("other", feedbackv1.Survey_KIND_GENERAL), feedback.Retry{Caller: "accounts/ana", ID: "id-sc", Time: surveyT0.Add(3 * time.Hour)})
	if err != nil || got.ID != "sc" {
		t.Fatalf("kept retry: %+v %v", got, err)
	}
}
