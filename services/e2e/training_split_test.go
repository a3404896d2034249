package e2e

import (
	"context"
	"testing"
	"time"

	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestSplitTraining runs identity, feedback, training and the gateway as
// four processes: training asks feedback for complaint counts across the
// network, and recommendations follow from complaints submitted through
// the gateway. With feedback stopped, recommendations fail promptly with
// UNAVAILABLE (503), not at the caller's deadline, while the catalogue and
// the compliance report keep working.
func TestSplitTraining(t *testing.T) {
	t.Parallel()
	secret := "ENGAGE_INTERNAL_SECRET=" + internalSecret(t)
	identity := startEngage(t, []string{secret}, "serve", "identity",
		"--data-dir", t.TempDir(), "--grpc-addr", "127.0.0.1:0",
		"--admin-email", adminEmail, "--admin-password", adminPassword)
	feedback := startEngage(t, []string{secret}, "serve", "feedback",
		"--data-dir", t.TempDir(), "--grpc-addr", "127.0.0.1:0", "--identity-addr", identity.grpcAddr)
	training := startEngage(t, []string{secret}, "serve", "training",
		"--data-dir", t.TempDir(), "--grpc-addr", "127.0.0.1:0", "--identity-addr", identity.grpcAddr,
		"--feedback-addr", feedback.grpcAddr, "--summary-timeout", "2s")
	if training.httpURL != "" {
		t.Errorf("training alone serves REST at %s", training.httpURL)
	}
	gw := startEngage(t, nil, "serve", "gateway", "--http-addr", "127.0.0.1:0", "--identity-addr", identity.grpcAddr,
		"--feedback-addr", feedback.grpcAddr, "--training-addr", training.grpcAddr)

	rest := gw.rest()
	admin, steps := mfaSignIn(rest, adminEmail, adminPassword)
	rest.must(200, "POST", "/v1/agencies?agencyId=split-pd", admin, map[string]any{"displayName": "Split PD", "timeZone": "America/Denver"})
	me := rest.must(200, "GET", "/v1/accounts/me", admin, nil)
	rest.must(200, "POST", "/v1/agencies/split-pd/roleBindings", admin, map[string]any{"member": me["name"], "role": "ROLE_TRAINER"})
	trainer := rest.signIn(adminEmail, adminPassword, steps.code())["accessToken"].(string)

	const base = "/v1/agencies/split-pd"
	course := rest.must(200, "POST", base+"/courses", trainer, map[string]any{
		"title": "Procedural Justice", "mandatory": true, "feedbackCategories": []string{"courtesy"},
	})
	rest.must(200, "POST", base+"/officers", trainer, map[string]any{"badge": "S-1", "displayName": "Ofc. Split", "unit": "patrol"})
	for _, text := range []string{"The officer shouted at me for no reason.", "Rude and dismissive at the front desk."} {
		rest.must(200, "POST", base+"/feedback", "", map[string]any{"kind": "FEEDBACK_KIND_COMPLAINT", "category": "courtesy", "text": text})
	}
	recs := list(rest.must(200, "GET", base+"/trainingRecommendations", trainer, nil)["recommendations"])
	if len(recs) != 1 || recs[0]["course"] != course["name"] || recs[0]["complaintCount"] != "2" {
		t.Fatalf("recommendations across processes = %v, want the course with 2 complaints", recs)
	}
	rest.must(200, "GET", "/readyz", "", nil)

	feedback.kill()
	// Generous: it bounds a failure, it does not measure; a call that
	// waited for the connection instead of failing would hit the gateway's
	// 30-second deadline and answer 504.
	const prompt = 15 * time.Second
	start := time.Now()
	r := rest.do("GET", base+"/trainingRecommendations", trainer, nil)
	if took := time.Since(start); r.status != 503 || took > prompt {
		t.Errorf("recommendations with feedback down = %d %s after %s, want 503 within %s", r.status, truncate(r.body), took, prompt)
	}
	client := trainingv1.NewReportServiceClient(training.dial())
	ctx, cancel := context.WithTimeout(withToken(t.Context(), trainer), prompt)
	defer cancel()
	start = time.Now()
	_, err := client.GetTrainingRecommendations(ctx, &trainingv1.GetTrainingRecommendationsRequest{Name: "agencies/split-pd/trainingRecommendations"})
	if code := status.Code(err); code != codes.Unavailable {
		t.Errorf("GetTrainingRecommendations over gRPC with feedback down after %s: %v, want UNAVAILABLE (not DEADLINE_EXCEEDED)", time.Since(start), err)
	}

	if got := list(rest.must(200, "GET", base+"/courses", trainer, nil)["courses"]); len(got) != 1 {
		t.Errorf("courses with feedback down = %v, want the one course", got)
	}
	report := rest.must(200, "GET", base+"/trainingCompliance", trainer, nil)
	if officers := list(report["officers"]); len(officers) != 1 || officers[0]["badge"] != "S-1" {
		t.Errorf("compliance with feedback down = %v, want the one officer", report)
	}
	if r := rest.do("GET", base+"/trainingCompliance:export", trainer, nil); r.status != 200 {
		t.Errorf("compliance export with feedback down = %d %s", r.status, truncate(r.body))
	}

	// A training process starts and serves while feedback is down.
	alone := startEngage(t, []string{secret}, "serve", "training",
		"--data-dir", t.TempDir(), "--grpc-addr", "127.0.0.1:0", "--identity-addr", identity.grpcAddr,
		"--feedback-addr", feedback.grpcAddr)
	courses, err := trainingv1.NewCourseServiceClient(alone.dial()).ListCourses(withToken(t.Context(), trainer),
		&trainingv1.ListCoursesRequest{Parent: "agencies/split-pd"})
	if err != nil || len(courses.GetCourses()) != 0 {
		t.Errorf("ListCourses of a training process started with feedback down = %v, %v; want an empty catalogue", courses, err)
	}
}
