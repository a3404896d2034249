package e2e

import (
	"strings"
	"testing"
)

// TestFeedbackBadInput: invalid feedback, survey and statistics requests
// are 4xx naming the field, and nothing is stored.
func TestFeedbackBadInput(t *testing.T) {
	t.Parallel()
	s := newFeedbackSetup(t)
	p := s.p
	survey := s.createSurvey("KIND_GENERAL", "Bad input")
	feedback, stats := s.base+"/feedback", s.base+"/feedbackStats"
	tests := []struct {
		name, method, path, token string
		body                      any
		wantStatus                int
		wantField                 string // or several, separated by |
	}{
		{"empty text", "POST", feedback, "", map[string]any{"kind": "FEEDBACK_KIND_COMPLAINT", "category": "courtesy", "text": ""}, 400, "feedback.text"},
		{"100 KB text", "POST", feedback, "", map[string]any{"kind": "FEEDBACK_KIND_COMPLAINT", "category": "courtesy", "text": strings.Repeat("a", 100<<10)}, 400, "feedback.text"},
		{"no kind", "POST", feedback, "", map[string]any{"category": "courtesy", "text": "Kind is missing."}, 400, "feedback.kind"},
		{"unknown kind", "POST", feedback, "", `{"kind":"FEEDBACK_KIND_PRAISE","category":"courtesy","text":"x"}`, 400, "kind"},
		{"rating 7", "POST", feedback, "", map[string]any{"kind": "FEEDBACK_KIND_COMPLAINT", "category": "courtesy", "text": "x", "rating": 7}, 400, "feedback.rating"},
		{"bad category", "POST", feedback, "", map[string]any{"kind": "FEEDBACK_KIND_COMPLAINT", "category": "Use Of Force!", "text": "x"}, 400, "feedback.category"},
		{"future incident", "POST", feedback, "", map[string]any{"kind": "FEEDBACK_KIND_COMPLAINT", "category": "courtesy", "text": "x", "incidentTime": "2999-01-01T00:00:00Z"}, 400, "feedback.incident_time"},
		{"latitude 91", "POST", feedback, "", map[string]any{"kind": "FEEDBACK_KIND_COMPLAINT", "category": "courtesy", "text": "x", "location": map[string]any{"latitude": 91, "longitude": 0}}, 400, "feedback.location.latitude"},
		{"unknown JSON field", "POST", feedback, "", `{"kind":"FEEDBACK_KIND_COMPLAINT","category":"courtesy","text":"x","submitterIp":"203.0.113.9"}`, 400, "submitterIp"},
		{"bad request id", "POST", feedback + "?requestId=not-a-uuid", "", map[string]any{"kind": "FEEDBACK_KIND_COMPLAINT", "category": "courtesy", "text": "x"}, 400, "request_id"},
		{"nil request id", "POST", feedback + "?requestId=00000000-0000-0000-0000-000000000000", "", map[string]any{"kind": "FEEDBACK_KIND_COMPLAINT", "category": "courtesy", "text": "x"}, 400, "request_id"},
		{"bad page token", "GET", feedback + "?pageToken=garbage", s.analyst, nil, 400, "page_token"},
		{"bad filter", "GET", feedback + "?filter=colour%20%3D%20red", s.analyst, nil, 400, "filter"},
		{"bad order", "GET", feedback + "?orderBy=text", s.analyst, nil, 400, "order_by"},
		{"lookup without PIN", "POST", feedback + ":lookup", "", map[string]any{"trackingCode": "00000-00000-00000-00000"}, 400, "pin"},
		{"survey rating 11", "POST", "/v1/" + survey + "/responses", "", map[string]any{"answers": []map[string]any{{"questionId": "safe", "rating": 11}}, "deviceToken": strings.Repeat("d", 20)}, 400, "survey_response.answers"},
		{"unknown question", "POST", "/v1/" + survey + "/responses", "", map[string]any{"answers": []map[string]any{{"questionId": "nope", "rating": 5}}, "deviceToken": strings.Repeat("e", 20)}, 400, "survey_response.answers"},
		{"short device token", "POST", "/v1/" + survey + "/responses", "", map[string]any{"answers": answers(5), "deviceToken": "short"}, 400, "survey_response.device_token"},
		{"stats over 5 years", "GET", stats + "?startTime=2001-01-01T00:00:00Z&endTime=2020-01-01T00:00:00Z", "", nil, 400, "start_time|end_time"},
		{"unknown interval", "GET", stats + "?interval=INTERVAL_DECADE", "", nil, 400, "interval"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := p.do(tt.method, tt.path, tt.token, tt.body)
			if r.status != tt.wantStatus {
				t.Fatalf("status = %d %s, want %d", r.status, truncate(r.body), tt.wantStatus)
			}
			named := false
			for _, f := range strings.Split(tt.wantField, "|") {
				named = named || strings.Contains(string(r.body), `"field":"`+f)
			}
			if !named {
				t.Errorf("no violation naming %q: %s", tt.wantField, truncate(r.body))
			}
		})
	}
	if got := feedbackNames(p, s.base, s.analyst); len(got) != 0 {
		t.Errorf("after bad input metro-pd holds feedback %v", got)
	}
	if n := p.must(200, "GET", "/v1/"+survey, s.analyst, nil)["responseCount"]; n != "0" {
		t.Errorf("after bad input the survey has %v responses", n)
	}
}
