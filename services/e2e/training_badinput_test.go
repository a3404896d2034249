package e2e

import (
	"strings"
	"testing"
)

// TestTrainingBadInput: invalid training requests over REST are 4xx
// naming the field, and nothing is stored.
func TestTrainingBadInput(t *testing.T) {
	t.Parallel()
	s := newTrainingSetup(t)
	p := s.p
	e := s.enroll("M-100", "wellbeing", 30)
	course := func(over map[string]any) map[string]any {
		c := map[string]any{"title": "A course", "passMark": 70}
		for k, v := range over {
			c[k] = v
		}
		return c
	}
	courses, officers := s.base+"/courses", s.base+"/officers"
	enrollments := "/v1/" + s.officers["M-200"] + "/enrollments"
	externals := "/v1/" + s.officers["M-100"] + "/externalTrainings"
	tests := []struct {
		name, method, path, token string
		body                      any
		wantStatus                int
		wantField                 string // or several, separated by |
	}{
		{"course without title", "POST", courses, s.trainer, map[string]any{"passMark": 70}, 400, "course.title"},
		{"pass mark 101", "POST", courses, s.trainer, course(map[string]any{"passMark": 101}), 400, "course.pass_mark"},
		{"recertification 121 months", "POST", courses, s.trainer, course(map[string]any{"recertificationMonths": 121}), 400, "course.recertification_months"},
		{"negative credit hours", "POST", courses, s.trainer, course(map[string]any{"creditHours": -1}), 400, "course.credit_hours"},
		{"bad feedback category", "POST", courses, s.trainer, course(map[string]any{"feedbackCategories": []string{"Use Of Force"}}), 400, "course.feedback_categories"},
		{"bad unit", "POST", courses, s.trainer, course(map[string]any{"requiredUnits": []string{"Patrol Unit!"}}), 400, "course.required_units"},
		{"unknown competency", "POST", courses, s.trainer, `{"title":"x","competencies":["COMPETENCY_JUGGLING"]}`, 400, "competencies"},
		{"duplicate module ids", "POST", courses, s.trainer, course(map[string]any{"modules": []map[string]any{{"id": "a", "title": "A"}, {"id": "a", "title": "B"}}}), 400, "course.modules"},
		{"officer without badge", "POST", officers, s.trainer, map[string]any{"displayName": "No Badge", "unit": "patrol"}, 400, "officer.badge"},
		{"duplicate badge", "POST", officers, s.trainer, map[string]any{"badge": "M-100", "displayName": "Twin", "unit": "patrol"}, 409, ""},
		{"roster without unit column", "POST", officers + ":import", s.trainer, map[string]any{"csvContent": "badge,display_name\nM-900,Nobody\n"}, 400, "csv_content"},
		{"roster with a bad row", "POST", officers + ":import", s.trainer, map[string]any{"csvContent": "badge,display_name,unit\nM-900,Nobody,patrol\nM 901,Bad Badge,patrol\n"}, 400, "csv_content"},
		{"due date in the past", "POST", enrollments, s.trainer, map[string]any{"course": s.courses["force"], "dueDate": s.day(-1)}, 400, "enrollment.due_date"},
		{"due date not a day", "POST", enrollments, s.trainer, map[string]any{"course": s.courses["force"], "dueDate": "2026-02-30"}, 400, "enrollment.due_date"},
		{"another agency's course", "POST", enrollments, s.trainer, map[string]any{"course": "agencies/other-pd/courses/nope", "dueDate": s.day(5)}, 400, "enrollment.course"},
		{"unknown course", "POST", enrollments, s.trainer, map[string]any{"course": s.agency + "/courses/nope", "dueDate": s.day(5)}, 404, ""},
		{"score 101", "POST", "/v1/" + str(e["name"]) + ":complete", s.officer, map[string]any{"score": 101}, 400, "score"},
		{"no score", "POST", "/v1/" + str(e["name"]) + ":complete", s.officer, map[string]any{}, 400, "score"},
		{"unknown module", "POST", "/v1/" + str(e["name"]) + ":recordProgress", s.officer, map[string]any{"module": "nope"}, 400, "module"},
		{"external in the future", "POST", externals, s.officer, map[string]any{"title": "x", "provider": "y", "completionDate": s.day(2), "creditHours": 1}, 400, "external_training.completion_date"},
		{"external 0 hours", "POST", externals, s.officer, map[string]any{"title": "x", "provider": "y", "completionDate": s.day(-2), "creditHours": 0}, 400, "external_training.credit_hours"},
		{"external http evidence", "POST", externals, s.officer, map[string]any{"title": "x", "provider": "y", "completionDate": s.day(-2), "creditHours": 1, "evidenceUri": "http://x.example"}, 400, "external_training.evidence_uri"},
		{"compliance as of a bad day", "GET", s.base + "/trainingCompliance?asOf=yesterday", s.trainer, nil, 400, "as_of"},
		{"compliance bad page token", "GET", s.base + "/trainingCompliance?pageToken=garbage", s.trainer, nil, 400, "page_token"},
		{"recommendations over a 2-year window", "GET", s.base + "/trainingRecommendations?window=63072000s", s.trainer, nil, 400, "window"},
		{"bad request id", "POST", courses + "?requestId=not-a-uuid", s.trainer, course(nil), 400, "request_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := p.do(tt.method, tt.path, tt.token, tt.body)
			if r.status != tt.wantStatus {
				t.Fatalf("status = %d %s, want %d", r.status, truncate(r.body), tt.wantStatus)
			}
			if tt.wantField == "" {
				return
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

	if n := len(list(p.must(200, "GET", courses, s.trainer, nil)["courses"])); n != 3 {
		t.Errorf("after bad input metro-pd has %d courses, want 3", n)
	}
	if n := len(list(p.must(200, "GET", officers, s.trainer, nil)["officers"])); n != 3 {
		t.Errorf("after bad input metro-pd has %d officers, want 3", n)
	}
	if n := len(list(p.must(200, "GET", enrollments, s.trainer, nil)["enrollments"])); n != 0 {
		t.Errorf("after bad input M-200 has %d enrollments, want 0", n)
	}
	if n := len(list(p.must(200, "GET", externals, s.trainer, nil)["externalTrainings"])); n != 0 {
		t.Errorf("after bad input M-100 has %d external trainings, want 0", n)
	}
	after := p.must(200, "GET", "/v1/"+str(e["name"]), s.trainer, nil)
	if after["attemptCount"] != nil && after["attemptCount"] != float64(0) || len(list(after["completedModules"])) != 0 {
		t.Errorf("after bad input the enrollment = %v, want untouched", after)
	}
}
