package e2e

import (
	"bytes"
	"context"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	"github.com/engagehq/engage/services/internal/grpcserver"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// The sentinels of the anonymity test: values a client sends in every
// identifying header, which must never be stored or logged.
const (
	sentinelIP      = "198.51.100.77"
	sentinelAgent   = "SentinelBrowser/7.7 (uaSENTINEL4f2d)"
	sentinelCookie  = "cookieSENTINEL9a1c"
	sentinelReferer = "refererSENTINEL3b7e"
	sentinelCustom  = "customSENTINEL5d8e"
	// sentinelRetry starts the request ids of the anonymous submissions
	// (a hex digit completes each): a retry must be recognized without
	// the request id being kept.
	sentinelRetry = "5e171a1e-7e57-4c0d-9a11-00000000000"
	// canary is in a feedback text: it must be found in feedback.db,
	// showing that the search reads what the service stores.
	canary = "canaryTEXT8e1f"
)

// sentinelHeaders are the identifying headers of a browser behind proxies,
// each carrying a sentinel.
func sentinelHeaders() http.Header {
	return http.Header{
		"X-Forwarded-For":   {sentinelIP},
		"X-Real-Ip":         {sentinelIP},
		"Forwarded":         {"for=" + sentinelIP + ";proto=https"},
		"User-Agent":        {sentinelAgent},
		"Cookie":            {"sid=" + sentinelCookie + "; theme=dark"},
		"Referer":           {"https://" + sentinelReferer + ".example/complaints"},
		"X-Engage-Sentinel": {sentinelCustom},
	}
}

// sentinelNeedles are the byte strings searched for: each sentinel, and
// the sentinel address in its binary forms too.
func sentinelNeedles() map[string][]byte {
	ip := net.ParseIP(sentinelIP)
	return map[string][]byte{
		"ip":         []byte(sentinelIP),
		"ip (16 B)":  ip.To16(),
		"user agent": []byte("uaSENTINEL4f2d"),
		"cookie":     []byte(sentinelCookie),
		"referer":    []byte(sentinelReferer),
		"header":     []byte(sentinelCustom),
		"request id": []byte(sentinelRetry),
	}
}

// TestAnonymityLeavesNoTrace is the anonymity rule of the Feedback
// service, end to end: anonymous feedback, a lookup, a reply and a survey
// answer, over REST and over gRPC, with sentinels in every identifying
// header, and once more signed in but asking for anonymity. Afterwards no
// sentinel is in any file of the data directory, in the logs (every line
// of every component, at DEBUG) or in the metrics; the signed-in
// resident's account is in neither feedback.db nor any log line about
// those calls; and the stored times of the anonymous things are whole
// hours.
func TestAnonymityLeavesNoTrace(t *testing.T) {
	t.Parallel()
	s := newFeedbackSetup(t)
	p := s.p
	survey := s.createSurvey("KIND_GENERAL", "Anonymity")
	resident, residentToken := s.names[0], s.residents[0]
	accountID := lastSegment(resident)

	var created []string    // names of the anonymous feedback
	var requestIDs []string // of the calls under test
	// REST, without and with a session.
	for i, token := range []string{"", residentToken} {
		h := sentinelHeaders()
		if token != "" {
			h.Set("Authorization", "Bearer "+token)
		}
		call := func(path string, body any) map[string]any {
			t.Helper()
			id := "anon-rest-" + string(rune('a'+len(requestIDs)))
			requestIDs = append(requestIDs, id)
			h.Set("X-Request-Id", id)
			r := p.doWith("POST", path, h, body)
			if r.status != 200 {
				t.Fatalf("POST %s = %d %s", path, r.status, r.body)
			}
			return r.json(t)
		}
		submission := map[string]any{
			"kind": "FEEDBACK_KIND_COMPLAINT", "category": "courtesy", "anonymous": token != "",
			"text": "An officer was rude at the traffic stop on Elm Street. " + canary,
		}
		fb := call(s.base+"/feedback?requestId="+sentinelRetry+strconv.Itoa(i), submission)
		if again := call(s.base+"/feedback?requestId="+sentinelRetry+strconv.Itoa(i), submission); again["name"] != fb["name"] || again["pin"] != fb["pin"] {
			t.Fatalf("REST retry %d = %v, want %v", i, again["name"], fb["name"])
		}
		if fb["submitter"] != "" || fb["trackingCode"] == "" {
			t.Fatalf("REST submission %d = submitter %v, code %v; want anonymous with a code", i, fb["submitter"], fb["trackingCode"])
		}
		created = append(created, str(fb["name"]))
		code := map[string]any{"trackingCode": fb["trackingCode"], "pin": fb["pin"]}
		call(s.base+"/feedback:lookup", code)
		code["text"] = "I can describe the officer if that helps."
		call(s.base+"/feedback:reply", code)
		call("/v1/"+survey+"/responses", map[string]any{"answers": answers(4), "area": "d1", "deviceToken": "rest-device-" + string(rune('a'+i)) + strings.Repeat("x", 16)})
	}

	// gRPC, straight to the services, without and with a session.
	conn, err := grpcserver.Dial(p.app.GRPCAddr.String(), grpc.WithUserAgent(sentinelAgent))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fbc, svc := feedbackv1.NewFeedbackServiceClient(conn), feedbackv1.NewSurveyServiceClient(conn)
	for i, token := range []string{"", residentToken} {
		ctx := func() context.Context {
			id := "anon-grpc-" + string(rune('a'+len(requestIDs)))
			requestIDs = append(requestIDs, id)
			md := metadata.Pairs(
				"x-forwarded-for", sentinelIP, "x-real-ip", sentinelIP, "forwarded", "for="+sentinelIP,
				"cookie", "sid="+sentinelCookie, "referer", "https://"+sentinelReferer+".example/",
				"x-engage-sentinel", sentinelCustom, "x-request-id", id)
			if token != "" {
				md.Append("authorization", "Bearer "+token)
			}
			return metadata.NewOutgoingContext(t.Context(), md)
		}
		fb, err := fbc.CreateFeedback(ctx(), &feedbackv1.CreateFeedbackRequest{Parent: s.agency, RequestId: sentinelRetry + strconv.Itoa(2+i), Feedback: &feedbackv1.Feedback{
			Kind: feedbackv1.FeedbackKind_FEEDBACK_KIND_SUGGESTION, Category: "patrols", Anonymous: token != "",
			Text: "Please patrol the park after dark. " + canary,
		}})
		if err != nil {
			t.Fatalf("gRPC submission %d: %v", i, err)
		}
		if fb.GetSubmitter() != "" || fb.GetTrackingCode() == "" {
			t.Fatalf("gRPC submission %d = submitter %q, code %q; want anonymous with a code", i, fb.GetSubmitter(), fb.GetTrackingCode())
		}
		created = append(created, fb.GetName())
		if _, err := fbc.LookupFeedback(ctx(), &feedbackv1.LookupFeedbackRequest{Parent: s.agency, TrackingCode: fb.GetTrackingCode(), Pin: fb.GetPin()}); err != nil {
			t.Fatalf("gRPC lookup: %v", err)
		}
		if _, err := fbc.ReplyFeedback(ctx(), &feedbackv1.ReplyFeedbackRequest{Parent: s.agency, TrackingCode: fb.GetTrackingCode(), Pin: fb.GetPin(), Text: "It happens every night."}); err != nil {
			t.Fatalf("gRPC reply: %v", err)
		}
		rating := int32(6)
		if _, err := svc.CreateSurveyResponse(ctx(), &feedbackv1.CreateSurveyResponseRequest{Parent: survey, SurveyResponse: &feedbackv1.SurveyResponse{
			Answers: []*feedbackv1.Answer{{QuestionId: "safe", Rating: &rating}}, Area: "d2", DeviceToken: "grpc-device-" + string(rune('a'+i)) + strings.Repeat("y", 16),
		}}); err != nil {
			t.Fatalf("gRPC survey answer: %v", err)
		}
	}

	// What the service shows of them: no submitter, whole hours.
	for _, name := range created {
		fb := p.must(200, "GET", "/v1/"+name, s.analyst, nil)
		if fb["submitter"] != "" {
			t.Errorf("%s shows submitter %v", name, fb["submitter"])
		}
		wantOnTheHour(t, name+" create_time", fb["createTime"])
		wantOnTheHour(t, name+" update_time", fb["updateTime"])
		for _, r := range list(fb["replies"]) {
			wantOnTheHour(t, name+" reply create_time", r["createTime"])
		}
	}
	for _, r := range list(p.must(200, "GET", "/v1/"+survey+"/responses", s.analyst, nil)["surveyResponses"]) {
		wantOnTheHour(t, "survey response create_time", r["createTime"])
	}
	if own := feedbackNames(p, s.base, residentToken); len(own) != 0 {
		t.Errorf("the resident's own feedback lists %v: anonymous feedback is tied to the account", own)
	}
	metrics := p.do("GET", "/metrics", "", nil)
	for what, needle := range sentinelNeedles() {
		if bytes.Contains(metrics.body, needle) {
			t.Errorf("the metrics show the sentinel %s", what)
		}
	}

	// Stop, so that every file is complete and closed, then search.
	p.stop()
	found := searchDataDir(t, p.dataDir, sentinelNeedles())
	for file, whats := range found {
		t.Errorf("%s holds the sentinels %v", file, whats)
	}
	db, err := os.ReadFile(filepath.Join(p.dataDir, "feedback.db"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(db, []byte(canary)) {
		t.Fatal("feedback.db does not hold the canary text: the search cannot see what is stored")
	}
	if bytes.Contains(db, []byte(accountID)) {
		t.Errorf("feedback.db holds the account id %s of the resident who asked for anonymity", accountID)
	}

	logs := p.logs.String()
	for what, needle := range sentinelNeedles() {
		if strings.Contains(logs, string(needle)) {
			t.Errorf("the logs show the sentinel %s: %s", what, linesWith(logs, string(needle)))
		}
	}
	// A request id the caller chose could be one it recognizes itself by:
	// anonymous calls get a fresh one.
	for _, id := range requestIDs {
		if strings.Contains(logs, id) {
			t.Errorf("the logs show the caller's request id %s: %s", id, linesWith(logs, id))
		}
	}
	var about int
	for _, line := range strings.Split(logs, "\n") {
		if !mentionsAny(line, []string{"CreateFeedback", "LookupFeedback", "ReplyFeedback", "CreateSurveyResponse", "feedback:lookup", "feedback:reply", "/responses"}) {
			continue
		}
		about++
		if strings.Contains(line, accountID) {
			t.Errorf("a log line about an anonymous call names the account: %s", line)
		}
	}
	if about == 0 {
		t.Error("no log line is about the anonymous calls: the log check saw nothing")
	}
}

// searchDataDir returns, for each regular file under dir that holds any
// of the needles, the needles' names.
func searchDataDir(t *testing.T, dir string, needles map[string][]byte) map[string][]string {
	t.Helper()
	found := map[string][]string{}
	var files int
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		for what, needle := range needles {
			if bytes.Contains(b, needle) {
				found[path] = append(found[path], what)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 3 {
		t.Fatalf("searched %d files in %s, want at least identity.db, forum.db and feedback.db", files, dir)
	}
	return found
}

func mentionsAny(line string, words []string) bool {
	for _, w := range words {
		if strings.Contains(line, w) {
			return true
		}
	}
	return false
}

// linesWith returns the lines of logs that contain s.
func linesWith(logs, s string) string {
	var out []string
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
