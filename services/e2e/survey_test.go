package e2e

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	"github.com/engagehq/engage/services/internal/auth"
	"github.com/engagehq/engage/services/internal/config"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// trustQuestions are rating questions on every Trust-Index dimension and
// one free-text question.
var trustQuestions = []map[string]any{
	{"id": "safe", "text": "How safe do you feel in your neighborhood?", "type": "TYPE_RATING", "dimension": "TRUST_DIMENSION_SAFETY", "required": true},
	{"id": "trust", "text": "How much do you trust the department?", "type": "TYPE_RATING", "dimension": "TRUST_DIMENSION_TRUST"},
	{"id": "respect", "text": "Do officers treat people with respect?", "type": "TYPE_RATING", "dimension": "TRUST_DIMENSION_RESPECT"},
	{"id": "listen", "text": "Does the department listen to residents?", "type": "TYPE_RATING", "dimension": "TRUST_DIMENSION_LISTENING"},
	{"id": "fair", "text": "Does the department treat people fairly?", "type": "TYPE_RATING", "dimension": "TRUST_DIMENSION_FAIRNESS"},
	{"id": "channel", "text": "How did you hear about this survey?", "type": "TYPE_SINGLE_CHOICE", "choices": []string{"Web site", "Social media", "An officer"}},
	{"id": "comments", "text": "Anything else?", "type": "TYPE_FREE_TEXT"},
}

// createSurvey creates and opens a survey of kind in metro-pd and returns
// its name.
func (s *feedbackSetup) createSurvey(kind, title string) string {
	s.p.t.Helper()
	sv := s.p.must(200, "POST", s.base+"/surveys", s.analyst, map[string]any{
		"title": title, "description": "Five short questions.", "kind": kind, "questions": trustQuestions,
	})
	if sv["state"] != "STATE_DRAFT" {
		s.p.t.Errorf("a new survey is %v, want STATE_DRAFT", sv["state"])
	}
	name := str(sv["name"])
	s.p.must(404, "GET", "/v1/"+name, "", nil) // drafts are for staff
	if opened := s.p.must(200, "POST", "/v1/"+name+":open", s.analyst, map[string]any{}); opened["state"] != "STATE_OPEN" {
		s.p.t.Errorf("opened survey is %v", opened["state"])
	}
	return name
}

// answers rates every dimension r and picks a choice.
func answers(r int) []map[string]any {
	out := []map[string]any{{"questionId": "channel", "choices": []string{"Web site"}}}
	for _, q := range []string{"safe", "trust", "respect", "listen", "fair"} {
		out = append(out, map[string]any{"questionId": q, "rating": r})
	}
	return out
}

// answerGRPC answers a general survey anonymously over gRPC.
func (s *feedbackSetup) answerGRPC(survey, area, device string, rating int32) error {
	var as []*feedbackv1.Answer
	for _, q := range []string{"safe", "trust", "respect", "listen", "fair"} {
		as = append(as, &feedbackv1.Answer{QuestionId: q, Rating: &rating})
	}
	_, err := feedbackv1.NewSurveyServiceClient(s.p.conn).CreateSurveyResponse(s.p.t.Context(), &feedbackv1.CreateSurveyResponseRequest{
		Parent:         survey,
		SurveyResponse: &feedbackv1.SurveyResponse{Answers: as, Area: area, DeviceToken: device},
	})
	return err
}

// TestSurveyAnsweredOncePerDevice: residents answer an open survey
// anonymously, once per device; analysts see the answers without any
// device token.
func TestSurveyAnsweredOncePerDevice(t *testing.T) {
	t.Parallel()
	s := newFeedbackSetup(t)
	p := s.p
	survey := s.createSurvey("KIND_GENERAL", "Community trust, spring")
	if got := p.must(200, "GET", "/v1/"+survey, "", nil); len(list(got["questions"])) != len(trustQuestions) {
		t.Errorf("the public sees %v", got)
	}
	device := "device-token-" + strings.Repeat("a", 16)
	first := p.must(200, "POST", "/v1/"+survey+"/responses", "", map[string]any{"answers": answers(8), "area": "d1", "deviceToken": device})
	if score, ok := first["trustScore"].(float64); !ok || score != 80 {
		t.Errorf("trust score of all-8 ratings = %v, want 80", first["trustScore"])
	}
	if first["deviceToken"] != nil && first["deviceToken"] != "" {
		t.Errorf("the response echoes the device token: %v", first["deviceToken"])
	}
	wantOnTheHour(t, "survey response create_time", first["createTime"])
	if r := p.do("POST", "/v1/"+survey+"/responses", "", map[string]any{"answers": answers(3), "area": "d1", "deviceToken": device}); r.status != 409 {
		t.Errorf("a second answer from the device = %d %s, want 409", r.status, r.body)
	}
	p.must(200, "POST", "/v1/"+survey+"/responses", "", map[string]any{"answers": answers(6), "area": "d2", "deviceToken": "device-token-" + strings.Repeat("b", 16)})
	if r := p.do("POST", "/v1/"+survey+"/responses", "", map[string]any{"answers": answers(6), "area": "d2"}); r.status != 400 {
		t.Errorf("an answer without a device token = %d %s, want 400", r.status, r.body)
	}

	got := p.must(200, "GET", "/v1/"+survey+"/responses", s.analyst, nil)
	rs := list(got["surveyResponses"])
	if len(rs) != 2 {
		t.Fatalf("responses = %v, want 2", rs)
	}
	if strings.Contains(fmt.Sprint(got), device) {
		t.Errorf("the analyst's list shows a device token: %v", got)
	}
	if sv := p.must(200, "GET", "/v1/"+survey, s.analyst, nil); sv["responseCount"] != "2" {
		t.Errorf("response count = %v, want 2", sv["responseCount"])
	}
	p.must(403, "GET", "/v1/"+survey+"/responses", s.residents[0], nil)
	p.must(200, "POST", "/v1/"+survey+":close", s.analyst, map[string]any{})
	if r := p.do("POST", "/v1/"+survey+"/responses", "", map[string]any{"answers": answers(6), "deviceToken": "device-token-" + strings.Repeat("c", 16)}); r.status < 400 || r.status >= 500 {
		t.Errorf("an answer to a closed survey = %d %s, want 4xx", r.status, r.body)
	}
}

// TestContactEvents: a partner's contact report invites the resident to
// the post-contact survey, unless the contact is of a suppressed type or
// still in progress; the invitation is good for one answer, in the
// contact's area.
func TestContactEvents(t *testing.T) {
	t.Parallel()
	s := newFeedbackSetup(t)
	p := s.p
	survey := s.createSurvey("KIND_POST_CONTACT", "How did we do?")
	partner := p.must(200, "POST", s.base+"/partners", s.admin, map[string]any{"displayName": "Metro CAD", "roles": []string{"ROLE_CONTACT_REPORTER"}})
	key := http.Header{"X-Api-Key": {str(partner["apiKey"])}}
	report := func(contactType string, ongoing bool) map[string]any {
		t.Helper()
		r := p.doWith("POST", s.base+"/contactEvents", key, map[string]any{"survey": survey, "contactType": contactType, "ongoing": ongoing, "area": "d3"})
		if r.status != 200 {
			t.Fatalf("report %s = %d %s", contactType, r.status, r.body)
		}
		return r.json(t)
	}

	invited := report("CONTACT_TYPE_TRAFFIC_STOP", false)
	token := str(invited["invitationToken"])
	if invited["outcome"] != "OUTCOME_INVITED" || token == "" || !strings.Contains(str(invited["invitationUri"]), token) {
		t.Errorf("traffic stop = %v, want an invitation with a token in its link", invited)
	}
	for _, tc := range []struct {
		contactType string
		ongoing     bool
	}{
		{"CONTACT_TYPE_DOMESTIC_VIOLENCE", false},
		{"CONTACT_TYPE_SEXUAL_ASSAULT", false},
		{"CONTACT_TYPE_CALL_FOR_SERVICE", true},
	} {
		ev := report(tc.contactType, tc.ongoing)
		if ev["outcome"] != "OUTCOME_SUPPRESSED" || ev["invitationToken"] != "" || ev["invitationUri"] != "" || ev["suppressionReason"] == "" {
			t.Errorf("%s (ongoing %v) = %v, want suppressed without an invitation", tc.contactType, tc.ongoing, ev)
		}
	}
	got := p.doWith("GET", "/v1/"+str(invited["name"]), key, nil)
	if got.status != 200 || got.json(t)["invitationToken"] != "" {
		t.Errorf("reading the event back = %d %s, want it without its token", got.status, got.body)
	}
	if n := len(list(p.must(200, "GET", s.base+"/contactEvents", s.analyst, nil)["contactEvents"])); n != 4 {
		t.Errorf("contact events = %d, want 4", n)
	}
	p.must(403, "POST", s.base+"/contactEvents", s.residents[0], map[string]any{"survey": survey, "contactType": "CONTACT_TYPE_WALK_IN"})

	resp := p.must(200, "POST", "/v1/"+survey+"/responses", "", map[string]any{"answers": answers(9), "invitationToken": token})
	if resp["area"] != "d3" {
		t.Errorf("the answer's area = %v, want the contact's d3", resp["area"])
	}
	if r := p.do("POST", "/v1/"+survey+"/responses", "", map[string]any{"answers": answers(1), "invitationToken": token}); r.status < 400 || r.status >= 500 {
		t.Errorf("a second answer with the invitation = %d %s, want 4xx", r.status, r.body)
	}
	if r := p.do("POST", "/v1/"+survey+"/responses", "", map[string]any{"answers": answers(1), "invitationToken": "not-an-invitation"}); r.status < 400 || r.status >= 500 {
		t.Errorf("an answer with a made-up invitation = %d %s, want 4xx", r.status, r.body)
	}
	if sv := p.must(200, "GET", "/v1/"+survey, s.analyst, nil); sv["responseCount"] != "1" {
		t.Errorf("post-contact responses = %v, want 1", sv["responseCount"])
	}
}

// TestPublicStatistics: the Trust Index and feedback statistics are public
// and suppress cells of fewer than k (10) answers or submissions; a period
// still running is published without figures but to the agency's staff,
// so that the public cannot read it before and after one answer and
// subtract; the complaint summary is for trainers and for services holding
// the internal credential.
func TestPublicStatistics(t *testing.T) {
	t.Parallel()
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().In(chicago)
	if monday := time.Date(now.Year(), now.Month(), now.Day()-(int(now.Weekday())+6)%7+7, 0, 0, 0, 0, chicago); monday.Sub(now) < 5*time.Minute {
		t.Skip("the week ends within minutes: the answers could fall in the next one")
	}
	secret := internalSecret(t)
	s := newFeedbackSetup(t, func(c *config.Config) { c.InternalSecret = secret })
	p := s.p
	survey := s.createSurvey("KIND_GENERAL", "Trust in Metro")
	for i := range 12 {
		if err := s.answerGRPC(survey, "d2", fmt.Sprintf("d2-device-%016d", i), int32(5+i%4)); err != nil {
			t.Fatalf("answer %d: %v", i, err)
		}
	}
	for i := range 3 {
		if err := s.answerGRPC(survey, "d1", fmt.Sprintf("d1-device-%016d", i), 7); err != nil {
			t.Fatalf("answer %d: %v", i, err)
		}
	}

	current := func(ti map[string]any) map[string]any {
		periods := list(ti["periods"])
		if len(periods) == 0 {
			t.Fatalf("trust index without periods: %v", ti)
		}
		return periods[len(periods)-1]
	}
	const d2Week = "/trustIndex?area=d2&interval=INTERVAL_WEEK"
	d2 := p.must(200, "GET", s.base+d2Week, s.analyst, nil)
	if d2["minResponses"] != float64(10) || d2["timeZone"] != "America/Chicago" || len(list(d2["periods"])) != 12 {
		t.Errorf("trust index header = k %v, zone %v, %d periods; want 10, America/Chicago, 12", d2["minResponses"], d2["timeZone"], len(list(d2["periods"])))
	}
	// The analyst follows the running week: ratings 5, 6, 7 and 8, three
	// times each, a mean of 6.5 out of 10.
	cur := current(d2)
	score, _ := cur["score"].(float64)
	ci, _ := cur["confidenceInterval"].(map[string]any)
	if cur["ongoing"] != true || cur["suppressed"] == true || cur["responseCount"] != "12" || math.Abs(score-65) > 1e-9 || ci == nil ||
		ci["lower"].(float64) >= score || ci["upper"].(float64) <= score {
		t.Errorf("d2's current week for the analyst = %v, want 12 responses scoring 65 inside its interval, in progress", cur)
	}
	if dims := list(cur["dimensions"]); len(dims) != 5 {
		t.Errorf("d2's dimensions = %v, want 5", dims)
	}
	d1 := current(p.must(200, "GET", s.base+"/trustIndex?area=d1&interval=INTERVAL_WEEK", s.analyst, nil))
	if d1["suppressed"] != true || d1["score"] != float64(0) || d1["responseCount"] != "0" || len(list(d1["dimensions"])) > 0 && anyUnsuppressed(d1["dimensions"]) {
		t.Errorf("d1's current week with 3 responses = %v, want it suppressed and empty", d1)
	}
	if ci, _ := d1["confidenceInterval"].(map[string]any); ci != nil && (ci["lower"] != float64(0) || ci["upper"] != float64(0)) {
		t.Errorf("d1's suppressed week shows a confidence interval %v", ci)
	}
	// The public and a resident get the running week without figures, the
	// same before and after one more answer.
	for who, token := range map[string]string{"the public": "", "a resident": s.residents[0]} {
		before := p.must(200, "GET", s.base+d2Week, token, nil)
		if pub := current(before); pub["ongoing"] != true || pub["score"] != float64(0) || pub["responseCount"] != "0" ||
			pub["suppressed"] != false || pub["confidenceInterval"] != nil || len(list(pub["dimensions"])) != 0 {
			t.Errorf("d2's current week for %s = %v, want it in progress without figures", who, pub)
		}
		if err := s.answerGRPC(survey, "d2", "d2-device-more-"+strings.ReplaceAll(who, " ", "-"), 1); err != nil {
			t.Fatal(err)
		}
		if after := p.must(200, "GET", s.base+d2Week, token, nil); !reflect.DeepEqual(after, before) {
			t.Errorf("%s's trust index changed with one answer:\n%v\n%v", who, before, after)
		}
	}

	for i := range 10 {
		s.submit("", map[string]any{"kind": "FEEDBACK_KIND_COMPLAINT", "category": "response_time", "text": fmt.Sprintf("Waited %d minutes for an officer.", 30+i), "area": "d2", "rating": 1 + i%2})
	}
	s.submit("", map[string]any{"kind": "FEEDBACK_KIND_COMPLAINT", "category": "courtesy", "text": "The officer was rude.", "area": "d2"})
	const monthStats = "/feedbackStats?interval=INTERVAL_MONTH"
	stats := p.must(200, "GET", s.base+monthStats, s.analyst, nil)
	var big, small map[string]any
	for _, c := range list(stats["cells"]) {
		switch c["category"] {
		case "response_time":
			big = c
		case "courtesy":
			small = c
		}
	}
	if big == nil || big["ongoing"] != true || big["count"] != "10" || big["meanRating"] != 1.5 {
		t.Errorf("the analyst's response_time cell = %v, want 10 complaints rated 1.5 on average, in progress", big)
	}
	if small != nil {
		t.Errorf("the courtesy cell of one complaint is published: %v", small)
	}
	if cells := list(p.must(200, "GET", s.base+monthStats, "", nil)["cells"]); len(cells) != 0 {
		t.Errorf("the public's statistics of the running month = %v, want none", cells)
	}

	start, end := time.Now().Add(-24*time.Hour).UTC(), time.Now().Add(time.Hour).UTC()
	summaryPath := s.base + "/complaintSummary?area=d2&startTime=" + start.Format(time.RFC3339) + "&endTime=" + end.Format(time.RFC3339)
	rest := p.must(200, "GET", summaryPath, s.trainer, nil)
	counts := map[string]string{}
	for _, c := range list(rest["categories"]) {
		counts[str(c["category"])] = str(c["count"])
	}
	if counts["response_time"] != "10" || counts["courtesy"] != "1" {
		t.Errorf("complaint summary = %v, want response_time 10 and courtesy 1 (summaries are not suppressed)", rest["categories"])
	}
	p.must(403, "GET", summaryPath, s.residents[0], nil)
	p.must(401, "GET", summaryPath, "", nil)

	stats2 := feedbackv1.NewStatsServiceClient(s.p.conn)
	req := &feedbackv1.GetComplaintSummaryRequest{Name: s.agency + "/complaintSummary", Area: "d2", StartTime: timestamp(start), EndTime: timestamp(end)}
	svc, err := stats2.GetComplaintSummary(serviceContext(t, "training", secret), req)
	if err != nil {
		t.Fatalf("the training service's summary: %v", err)
	}
	if len(svc.GetCategories()) != 2 || svc.GetCategories()[0].GetCategory() != "response_time" {
		t.Errorf("the training service's summary = %v", svc.GetCategories())
	}
	if _, err := stats2.GetComplaintSummary(serviceContext(t, "training", internalSecret(t)), req); err == nil {
		t.Error("a wrong internal secret was accepted")
	}
}

// anyUnsuppressed reports whether a list of dimension scores has one that
// is not suppressed.
func anyUnsuppressed(v any) bool {
	for _, d := range list(v) {
		if d["suppressed"] != true {
			return true
		}
	}
	return false
}

// serviceContext calls as the internal service `service` with secret, the
// way one Engage service calls another.
func serviceContext(t *testing.T, service, secret string) context.Context {
	t.Helper()
	md, err := auth.ServiceCredentials(service, secret).GetRequestMetadata(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return metadata.NewOutgoingContext(t.Context(), metadata.New(md))
}

func timestamp(t time.Time) *timestamppb.Timestamp { return timestamppb.New(t) }
