package e2e

import (
	"testing"

	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestTrainingAccess: training records are personnel data. An officer
// sees their own and nothing of a colleague's; another agency's trainer,
// a resident and anonymous callers see nothing of metro-pd's, over REST
// and gRPC; reports are for trainers only.
func TestTrainingAccess(t *testing.T) {
	t.Parallel()
	s := newTrainingSetup(t)
	p := s.p
	mine := s.enroll("M-100", "force", 30)
	theirs := s.enroll("M-200", "force", 30)
	passed := p.must(200, "POST", "/v1/"+str(theirs["name"])+":complete", s.colleague, map[string]any{"score": 95})
	theirCert := str(passed["certification"])
	external := p.must(200, "POST", "/v1/"+s.officers["M-100"]+"/externalTrainings", s.officer, map[string]any{
		"title": "Crisis Intervention Team course", "provider": "County Academy", "completionDate": s.day(-3), "creditHours": 40,
	})
	if external["state"] != "STATE_PENDING" {
		t.Errorf("submitted external training = %v, want pending", external)
	}

	// The officer: their own records, and none of the colleague's.
	p.must(200, "GET", "/v1/"+str(mine["name"]), s.officer, nil)
	p.must(200, "GET", "/v1/"+str(external["name"]), s.officer, nil)
	p.must(200, "GET", "/v1/"+s.officers["M-100"], s.officer, nil)
	if got := list(p.must(200, "GET", "/v1/"+s.officers["M-100"]+"/enrollments", s.officer, nil)["enrollments"]); len(got) != 1 || got[0]["name"] != mine["name"] {
		t.Errorf("the officer's enrollments = %v, want their own", got)
	}
	private := []string{
		str(theirs["name"]), theirCert, s.officers["M-200"],
		s.officers["M-200"] + "/enrollments", s.officers["M-200"] + "/certifications", s.officers["M-200"] + "/externalTrainings",
		s.agency + "/officers/-/enrollments",
	}
	for _, path := range private {
		if r := p.do("GET", "/v1/"+path, s.officer, nil); r.status != 404 {
			t.Errorf("the officer reads %s: %d %s, want 404", path, r.status, truncate(r.body))
		}
	}
	// An officer cannot approve their own training or score a colleague's.
	if r := p.do("POST", "/v1/"+str(external["name"])+":approve", s.officer, map[string]any{}); r.status != 403 && r.status != 404 {
		t.Errorf("the officer approves their own external training: %d %s", r.status, truncate(r.body))
	}
	if r := p.do("POST", "/v1/"+str(theirs["name"])+":complete", s.officer, map[string]any{"score": 100}); r.status != 404 {
		t.Errorf("the officer scores a colleague's enrollment: %d %s, want 404", r.status, truncate(r.body))
	}
	officerReports := []string{s.base + "/trainingCompliance", s.base + "/trainingRecommendations", s.base + "/statements:export"}
	for _, path := range officerReports {
		if r := p.do("GET", path, s.officer, nil); r.status != 403 && r.status != 404 {
			t.Errorf("the officer reads %s: %d %s", path, r.status, truncate(r.body))
		}
	}

	// Another agency's trainer, a resident and anonymous callers: nothing.
	records := []string{str(mine["name"]), theirCert, str(external["name"]), s.officers["M-100"], s.officers["M-100"] + "/enrollments"}
	for _, who := range []struct{ name, token string }{{"other agency's trainer", s.otherTrainer}, {"resident", s.resident}} {
		for _, path := range records {
			if r := p.do("GET", "/v1/"+path, who.token, nil); r.status != 404 {
				t.Errorf("%s reads %s: %d %s, want 404", who.name, path, r.status, truncate(r.body))
			}
		}
		for _, path := range append(officerReports, s.base+"/courses") {
			if r := p.do("GET", path, who.token, nil); r.status != 403 && r.status != 404 {
				t.Errorf("%s reads %s: %d %s", who.name, path, r.status, truncate(r.body))
			}
		}
		// The roster lists only the caller's own entry: none here.
		if got := list(p.must(200, "GET", s.base+"/officers", who.token, nil)["officers"]); len(got) != 0 {
			t.Errorf("%s lists metro-pd's officers %v, want none", who.name, got)
		}
		if r := p.do("POST", "/v1/"+str(mine["name"])+":complete", who.token, map[string]any{"score": 100}); r.status != 404 {
			t.Errorf("%s scores an enrollment: %d %s, want 404", who.name, r.status, truncate(r.body))
		}
	}
	for _, path := range append(records, s.agency+"/courses", s.agency+"/trainingCompliance") {
		if r := p.do("GET", "/v1/"+path, "", nil); r.status != 401 {
			t.Errorf("anonymous reads %s: %d %s, want 401", path, r.status, truncate(r.body))
		}
	}

	// The same over gRPC: another agency's trainer gets NOT_FOUND for a
	// record, as if it did not exist.
	enrollments := trainingv1.NewEnrollmentServiceClient(p.conn)
	_, err := enrollments.GetEnrollment(withToken(t.Context(), s.otherTrainer), &trainingv1.GetEnrollmentRequest{Name: str(mine["name"])})
	if status.Code(err) != codes.NotFound {
		t.Errorf("GetEnrollment by another agency's trainer over gRPC: %v, want NOT_FOUND", err)
	}
	own, err := enrollments.GetEnrollment(withToken(t.Context(), s.officer), &trainingv1.GetEnrollmentRequest{Name: str(mine["name"])})
	if err != nil || own.GetCourse() != s.courses["force"] {
		t.Errorf("GetEnrollment by the officer over gRPC = %v, %v", own, err)
	}

	// The colleague's records are unchanged by everything refused above.
	after := p.must(200, "GET", "/v1/"+str(theirs["name"]), s.trainer, nil)
	if after["attemptCount"] != float64(1) || after["state"] != "STATE_COMPLETED" {
		t.Errorf("the colleague's enrollment after refused calls = %v", after)
	}
	if x := p.must(200, "GET", "/v1/"+str(external["name"]), s.trainer, nil); x["state"] != "STATE_PENDING" {
		t.Errorf("external training after refused calls = %v, want pending", x)
	}
}
