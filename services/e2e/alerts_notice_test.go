package e2e

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	"github.com/engagehq/engage/services/internal/feedback"
	"github.com/engagehq/engage/services/internal/feedback/boltstore"
)

// noticeWait bounds how long a Trust Index notice may take to reach
// Alerts before the test fails; it measures nothing.
const noticeWait = 30 * time.Second

// TestSplitTrustIndexNotice runs identity, alerts, feedback and the gateway
// as four processes, feedback given the alerts address in
// ENGAGE_ALERTS_ADDR. Answers through the gateway make the agency's Trust
// Index fall from last month's; feedback raises a staff notice at alerts
// across the network, which the agency's alert author reads over REST and
// the public never sees. The public reads last month's Trust Index, this
// month's only once it has ended.
//
// Last month's answers are written into the feedback file before the
// process starts, through the store as the service writes them: the
// process takes the system clock, and only a previous period with enough
// respondents makes a drop.
func TestSplitTrustIndexNotice(t *testing.T) {
	t.Parallel()
	denver, err := time.LoadLocation("America/Denver")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().In(denver)
	thisMonth := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, denver)
	if thisMonth.AddDate(0, 1, 0).Sub(now) < 5*time.Minute {
		t.Skip("the month ends within minutes: the answers could fall in the next one")
	}
	lastMonth := thisMonth.AddDate(0, -1, 0)
	feedbackDir := t.TempDir()
	survey := seedTrustSurvey(t, feedbackDir, "split-pd", lastMonth, 4, 8)

	secret := "ENGAGE_INTERNAL_SECRET=" + internalSecret(t)
	identity := startEngage(t, []string{secret}, "serve", "identity",
		"--data-dir", t.TempDir(), "--grpc-addr", "127.0.0.1:0",
		"--admin-email", adminEmail, "--admin-password", adminPassword)
	// No Q&A thread is opened here: alerts is given a forum address where
	// nothing listens, which it dials only to open one.
	alerts := startEngage(t, []string{secret}, "serve", "alerts",
		"--data-dir", t.TempDir(), "--grpc-addr", "127.0.0.1:0", "--identity-addr", identity.grpcAddr,
		"--forum-addr", "127.0.0.1:9", "--public-url", alertsPublicURL)
	fb := startEngage(t, []string{secret, "ENGAGE_ALERTS_ADDR=" + alerts.grpcAddr}, "serve", "feedback",
		"--data-dir", feedbackDir, "--grpc-addr", "127.0.0.1:0", "--identity-addr", identity.grpcAddr,
		"--min-cell-size", "3")
	gw := startEngage(t, nil, "serve", "gateway", "--http-addr", "127.0.0.1:0", "--identity-addr", identity.grpcAddr,
		"--feedback-addr", fb.grpcAddr, "--alerts-addr", alerts.grpcAddr)

	rest := gw.rest()
	admin, steps := mfaSignIn(rest, adminEmail, adminPassword)
	rest.must(200, "POST", "/v1/agencies?agencyId=split-pd", admin, map[string]any{"displayName": "Split PD", "timeZone": "America/Denver"})
	me := rest.must(200, "GET", "/v1/accounts/me", admin, nil)
	rest.must(200, "POST", "/v1/agencies/split-pd/roleBindings", admin, map[string]any{"member": me["name"], "role": "ROLE_ALERT_AUTHOR"})
	// An analyst too, who follows the running month's Trust Index.
	rest.must(200, "POST", "/v1/agencies/split-pd/roleBindings", admin, map[string]any{"member": me["name"], "role": "ROLE_ANALYST"})
	author := rest.signIn(adminEmail, adminPassword, steps.code())["accessToken"].(string)

	const base = "/v1/agencies/split-pd"
	// This month: three respondents rate everything 3, a score of 30
	// against last month's 80.
	for i := range 3 {
		rest.must(200, "POST", "/v1/"+survey+"/responses", "", map[string]any{
			"answers": answers(3), "deviceToken": fmt.Sprintf("notice-device-%04d-%s", i, strings.Repeat("x", 8)),
		})
	}
	// The public gets last month, which has ended, and this month in
	// progress without figures; the agency's analysts follow this month too.
	index := rest.must(200, "GET", base+"/trustIndex", "", nil)
	periods := list(index["periods"])
	if len(periods) < 2 || periods[len(periods)-2]["score"] != 80.0 || periods[len(periods)-2]["ongoing"] != false ||
		periods[len(periods)-1]["ongoing"] != true || periods[len(periods)-1]["score"] != 0.0 {
		t.Fatalf("the public Trust Index = %v, want 80 last month and this month in progress without a score", index)
	}
	index = rest.must(200, "GET", base+"/trustIndex", author, nil)
	periods = list(index["periods"])
	if len(periods) < 2 || periods[len(periods)-2]["score"] != 80.0 || periods[len(periods)-1]["score"] != 30.0 {
		t.Fatalf("the staff's Trust Index = %v, want 80 last month and 30 this month", index)
	}

	var notice map[string]any
	for deadline := time.Now().Add(noticeWait); notice == nil; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no staff notice in %s within %s", base+"/alerts?states=STATE_PUBLISHED", noticeWait)
		}
		if got := list(rest.must(200, "GET", base+"/alerts?states=STATE_PUBLISHED", author, nil)["alerts"]); len(got) > 0 {
			if len(got) != 1 {
				t.Fatalf("staff notices = %v, want one", got)
			}
			notice = got[0]
		}
	}
	name := str(notice["name"])
	if notice["scope"] != "SCOPE_RESTRICTED" {
		t.Errorf("the notice's scope = %v, want SCOPE_RESTRICTED", notice["scope"])
	}
	text := fmt.Sprint(notice["infos"])
	for _, want := range []string{
		"Trust Index fell 50.0 points across the agency",
		"from 80.0 in " + lastMonth.Format("January 2006"),
		"to 30.0 in " + thisMonth.Format("January 2006") + " (3 responses)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the notice's text %s\nlacks %q", text, want)
		}
	}
	if got := list(rest.must(200, "GET", base+"/alerts", author, nil)["alerts"]); len(got) != 1 || str(got[0]["name"]) != name {
		t.Errorf("the author's active alerts = %v, want the notice", got)
	}
	rest.must(200, "GET", "/v1/"+name, author, nil)

	// The public sees nothing of it.
	if got := list(rest.must(200, "GET", base+"/alerts", "", nil)["alerts"]); len(got) != 0 {
		t.Errorf("the public's active alerts = %v, want none", got)
	}
	if r := rest.do("GET", base+"/alerts?states=STATE_PUBLISHED", "", nil); r.status == 200 && strings.Contains(string(r.body), name) {
		t.Errorf("the public's published alerts show the notice: %s", truncate(r.body))
	}
	rest.must(404, "GET", "/v1/"+name, "", nil)

	// A fourth answer deepens the fall: the drop was noticed, once.
	rest.must(200, "POST", "/v1/"+survey+"/responses", "", map[string]any{
		"answers": answers(2), "deviceToken": "notice-device-last-" + strings.Repeat("y", 8),
	})
	if got := list(rest.must(200, "GET", base+"/alerts?states=STATE_PUBLISHED", author, nil)["alerts"]); len(got) != 1 {
		t.Errorf("staff notices after another answer = %v, want still one", got)
	}
}

// seedTrustSurvey writes into the feedback file of dir an open general
// survey of agency asking trustQuestions, and n anonymous answers rating
// every dimension r in the month starting at month, as CreateSurveyResponse
// stores them. It returns the survey's name.
func seedTrustSurvey(t *testing.T, dir, agency string, month time.Time, n int, r int32) string {
	t.Helper()
	store, err := boltstore.Open(filepath.Join(dir, "feedback.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := store.Close(); err != nil {
			t.Fatal(err)
		}
	}()
	dims := []feedbackv1.TrustDimension{
		feedbackv1.TrustDimension_TRUST_DIMENSION_SAFETY, feedbackv1.TrustDimension_TRUST_DIMENSION_TRUST,
		feedbackv1.TrustDimension_TRUST_DIMENSION_RESPECT, feedbackv1.TrustDimension_TRUST_DIMENSION_LISTENING,
		feedbackv1.TrustDimension_TRUST_DIMENSION_FAIRNESS,
	}
	sv := feedback.Survey{
		Agency: agency, ID: "trust-pulse", Title: "Trust pulse", Kind: feedbackv1.Survey_KIND_GENERAL,
		State: feedbackv1.Survey_STATE_DRAFT, CreateTime: month, UpdateTime: month,
	}
	for _, q := range trustQuestions {
		question := feedback.Question{ID: str(q["id"]), Text: str(q["text"]), Required: q["required"] == true}
		switch q["type"] {
		case "TYPE_RATING":
			question.Type = feedbackv1.Question_TYPE_RATING
			question.Dimension = feedbackv1.TrustDimension(feedbackv1.TrustDimension_value[str(q["dimension"])])
		case "TYPE_SINGLE_CHOICE":
			question.Type, question.Choices = feedbackv1.Question_TYPE_SINGLE_CHOICE, q["choices"].([]string)
		default:
			question.Type = feedbackv1.Question_TYPE_FREE_TEXT
		}
		sv.Questions = append(sv.Questions, question)
	}
	ctx := t.Context()
	if _, err := store.CreateSurvey(ctx, sv, feedback.Retry{}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.UpdateSurvey(ctx, sv.Key(), func(s *feedback.Survey) error {
		s.State, s.OpenTime = feedbackv1.Survey_STATE_OPEN, month
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	trust := &feedback.TrustContribution{Score: float64(r) * 10}
	var as []feedback.Answer
	for i, d := range dims {
		trust.Rated[d-1], trust.Dimensions[d-1] = true, float64(r)
		as = append(as, feedback.Answer{QuestionID: str(trustQuestions[i]["id"]), Rating: &r})
	}
	periods := []feedback.TrustPeriod{{Interval: feedbackv1.Interval_INTERVAL_MONTH, Start: month}}
	for i := range n {
		answer := feedback.SurveyResponse{
			Agency: agency, Survey: sv.ID, ID: fmt.Sprintf("seeded%026d", i), Answers: as, Trust: trust,
			CreateTime: month.Add(time.Hour),
		}
		proof := feedback.ResponseProof{DeviceToken: fmt.Sprintf("seeded-device-%04d", i), Now: month.Add(time.Hour)}
		if _, _, err := store.CreateSurveyResponse(ctx, answer, proof, periods, func(feedback.Survey) error { return nil }, nil); err != nil {
			t.Fatal(err)
		}
	}
	return "agencies/" + agency + "/surveys/" + sv.ID
}
