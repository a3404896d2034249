package e2e

import (
	"encoding/csv"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
)

// TestTrainingFlow: over REST, a trainer assigns a course and the officer
// passes it after a failed attempt, earning a certification; the
// compliance report, as JSON and as CSV, shows the officer current on it
// and missing the others; the xAPI export has a statement per scored
// attempt under the platform's public URL.
func TestTrainingFlow(t *testing.T) {
	t.Parallel()
	s := newTrainingSetup(t)
	p := s.p

	e := s.enroll("M-100", "force", 30)
	if e["state"] != "STATE_ASSIGNED" || e["courseTitle"] != "De-escalation and Use of Force" {
		t.Errorf("new enrollment = %v", e)
	}
	failed := p.must(200, "POST", "/v1/"+str(e["name"])+":complete", s.officer, map[string]any{"score": 60})
	if failed["state"] != "STATE_IN_PROGRESS" || failed["attemptCount"] != float64(1) || str(failed["certification"]) != "" {
		t.Errorf("after a failed attempt = %v, want in progress, 1 attempt, no certification", failed)
	}
	passed := p.must(200, "POST", "/v1/"+str(e["name"])+":complete", s.officer, map[string]any{"score": 91})
	if passed["state"] != "STATE_COMPLETED" || passed["attemptCount"] != float64(2) || str(passed["certification"]) == "" {
		t.Fatalf("after passing = %v, want completed with a certification", passed)
	}
	cert := p.must(200, "GET", "/v1/"+str(passed["certification"]), s.officer, nil)
	if cert["state"] != "STATE_CURRENT" || cert["completionDate"] != s.day(0) || cert["course"] != s.courses["force"] {
		t.Errorf("certification = %v, want current, completed today, of the course", cert)
	}

	got := s.compliance(s.trainer, "M-100")
	want := map[string]string{"force": "STATE_CURRENT", "courtesy": "STATE_MISSING"}
	for key, state := range want {
		if got[key]["state"] != state {
			t.Errorf("compliance of M-100 in %s = %v, want %s", key, got[key], state)
		}
	}
	if _, ok := got["wellbeing"]; ok {
		t.Errorf("M-100's report lists the optional course it was not assigned: %v", got)
	}
	if traffic := s.compliance(s.trainer, "M-300"); len(traffic) != 1 || traffic["force"]["state"] != "STATE_MISSING" {
		t.Errorf("compliance of the traffic officer = %v, want only the mandatory course, missing", traffic)
	}

	r := p.do("GET", s.base+"/trainingCompliance:export", s.trainer, nil)
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") {
		t.Fatalf("compliance export = %d %s %s", r.status, r.header.Get("Content-Type"), truncate(r.body))
	}
	rows, err := csv.NewReader(strings.NewReader(string(r.body))).ReadAll()
	if err != nil {
		t.Fatalf("compliance export is not CSV: %v\n%s", err, r.body)
	}
	// One header row, then one row per officer and required course: two
	// patrol officers with two courses each, the traffic officer with one.
	if len(rows) != 1+5 {
		t.Errorf("compliance CSV has %d rows, want a header and 5:\n%s", len(rows), r.body)
	}
	var current int
	for _, row := range rows[1:] {
		if slices.Contains(row, "M-100") && slices.ContainsFunc(row, func(c string) bool { return strings.Contains(strings.ToLower(c), "current") }) {
			current++
		}
	}
	if current != 1 {
		t.Errorf("compliance CSV rows of M-100 current = %d, want 1:\n%s", current, r.body)
	}

	r = p.do("GET", s.base+"/statements:export", s.trainer, nil)
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Fatalf("statement export = %d %s %s", r.status, r.header.Get("Content-Type"), truncate(r.body))
	}
	var statements []struct {
		ID    string `json:"id"`
		Actor struct {
			Account struct{ HomePage, Name string }
		}
		Result struct{ Success bool }
	}
	if err := json.Unmarshal(r.body, &statements); err != nil {
		t.Fatalf("statements are not a JSON array: %v\n%s", err, truncate(r.body))
	}
	if len(statements) != 2 {
		t.Fatalf("statements = %d, want one per attempt (2):\n%s", len(statements), truncate(r.body))
	}
	successes := 0
	for _, st := range statements {
		if st.Actor.Account.HomePage != publicURL || st.ID == "" {
			t.Errorf("statement %s actor home page %q, want %q", st.ID, st.Actor.Account.HomePage, publicURL)
		}
		if st.Result.Success {
			successes++
		}
	}
	if successes != 1 {
		t.Errorf("statements with success = %d, want 1 (the passing attempt)", successes)
	}
	again := p.do("GET", s.base+"/statements:export", s.trainer, nil)
	if string(again.body) != string(r.body) {
		t.Errorf("a second export differs: statement ids are not stable")
	}
}

// TestTrainingRecommendations: complaints submitted to Feedback make
// Training recommend the course that addresses them, with the evidence,
// over REST and gRPC; the trainer assigns it to a unit in one call with
// the recommendation's reason.
func TestTrainingRecommendations(t *testing.T) {
	t.Parallel()
	s := newTrainingSetup(t)
	p := s.p
	path := s.base + "/trainingRecommendations"
	if recs := list(p.must(200, "GET", path, s.trainer, nil)["recommendations"]); len(recs) != 0 {
		t.Errorf("recommendations without complaints = %v, want none", recs)
	}

	for i, c := range []struct{ category, text string }{
		{"use_of_force", "The officer twisted my arm although I was not resisting."},
		{"use_of_force", "Two officers pushed a teenager to the ground at the bus stop."},
		{"use_of_force", "Handcuffs far too tight for an hour, my wrists were bruised."},
		{"courtesy", "The officer was rude and would not tell me why I was stopped."},
		{"parking", "Nobody enforces the no-parking zone at the school."},
	} {
		fb := map[string]any{"kind": "FEEDBACK_KIND_COMPLAINT", "category": c.category, "text": c.text, "area": "d1"}
		if r := p.do("POST", s.base+"/feedback", "", fb); r.status != 200 {
			t.Fatalf("complaint %d: %d %s", i, r.status, r.body)
		}
	}
	got := p.must(200, "GET", path, s.trainer, nil)
	recs := list(got["recommendations"])
	if len(recs) != 2 {
		t.Fatalf("recommendations = %v, want the use-of-force and the courtesy course", recs)
	}
	top := recs[0]
	if top["course"] != s.courses["force"] || top["rank"] != float64(1) || top["complaintCount"] != "3" || top["trend"] != "TREND_NEW" {
		t.Errorf("top recommendation = %v, want the use-of-force course, rank 1, 3 complaints, new", top)
	}
	if ev := list(top["evidence"]); len(ev) != 1 || ev[0]["category"] != "use_of_force" || ev[0]["count"] != "3" {
		t.Errorf("top recommendation's evidence = %v", ev)
	}
	if recs[1]["course"] != s.courses["courtesy"] || recs[1]["complaintCount"] != "1" {
		t.Errorf("second recommendation = %v, want the courtesy course with 1 complaint", recs[1])
	}
	if gaps := list(got["unaddressedCategories"]); len(gaps) != 1 || gaps[0]["category"] != "parking" {
		t.Errorf("unaddressed categories = %v, want parking", gaps)
	}
	reason := str(top["reason"])
	if !strings.Contains(reason, "3") {
		t.Errorf("reason %q does not state the evidence", reason)
	}

	// The same over gRPC, for the area alone.
	client := trainingv1.NewReportServiceClient(p.conn)
	byArea, err := client.GetTrainingRecommendations(withToken(t.Context(), s.trainer), &trainingv1.GetTrainingRecommendationsRequest{
		Name: s.agency + "/trainingRecommendations", Area: "d1", MaxResults: 1,
	})
	if err != nil {
		t.Fatalf("GetTrainingRecommendations over gRPC: %v", err)
	}
	if r := byArea.GetRecommendations(); len(r) != 1 || r[0].GetCourse() != s.courses["force"] || r[0].GetComplaintCount() != 3 {
		t.Errorf("gRPC recommendations in d1 = %v, want the use-of-force course alone", r)
	}
	if r := list(p.must(200, "GET", path+"?area=d9", s.trainer, nil)["recommendations"]); len(r) != 0 {
		t.Errorf("recommendations in an area without complaints = %v", r)
	}

	// One call assigns the recommended course to the patrol unit.
	assigned := p.must(200, "POST", "/v1/"+str(top["course"])+":assign", s.trainer, map[string]any{
		"unit": "patrol", "dueDate": s.day(60), "reason": reason,
	})
	enrolled := list(assigned["enrollments"])
	var officers []string
	for _, e := range enrolled {
		officers = append(officers, str(e["name"])[:strings.Index(str(e["name"]), "/enrollments/")])
		if e["reason"] != reason || e["state"] != "STATE_ASSIGNED" {
			t.Errorf("assigned enrollment = %v, want assigned with the recommendation's reason", e)
		}
	}
	slices.Sort(officers)
	want := []string{s.officers["M-100"], s.officers["M-200"]}
	slices.Sort(want)
	if !slices.Equal(officers, want) {
		t.Errorf("assigned to %v, want the patrol officers %v", officers, want)
	}
	// Assigning again skips the officers already enrolled.
	again, err := trainingv1.NewCourseServiceClient(p.conn).AssignCourse(withToken(t.Context(), s.trainer), &trainingv1.AssignCourseRequest{
		Name: s.courses["force"], Unit: "patrol", DueDate: s.day(60),
	})
	if err != nil {
		t.Fatalf("assign again over gRPC: %v", err)
	}
	if len(again.GetEnrollments()) != 0 || len(again.GetSkippedOfficers()) != 2 {
		t.Errorf("assigning again = %v, want both officers skipped", again)
	}
	mine := list(p.must(200, "GET", "/v1/"+s.officers["M-100"]+"/enrollments", s.officer, nil)["enrollments"])
	if len(mine) != 1 || mine[0]["course"] != s.courses["force"] {
		t.Errorf("the officer's own enrollments = %v, want the assigned course", mine)
	}
}
