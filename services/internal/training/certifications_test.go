package training_test

import (
	"testing"

	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
)

// pass enrolls an officer in a course, does its modules and passes it,
// returning the certification's name.
func (w *world) pass(t *testing.T, officer, course string) string {
	t.Helper()
	e := w.enroll(t, officer, course, w.today())
	if course == c1 {
		for _, m := range []string{"intro", "practice"} {
			_, err := w.records.RecordEnrollmentProgress(w.trainer.ctx(t), &trainingv1.RecordEnrollmentProgressRequest{Name: e.GetName(), Module: m})
			must(t, "module "+m, err)
		}
	}
	got, err := w.records.CompleteEnrollment(w.trainer.ctx(t), &trainingv1.CompleteEnrollmentRequest{Name: e.GetName(), Score: proto.Int32(100)})
	must(t, "pass "+course, err)
	return got.GetCertification()
}

func TestCertificationExpiry(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, completed, wantExpire string
	}{
		{"the same day a month later", "2026-12-15", "2027-01-15"},
		{"31 January: the end of February", "2027-01-31", "2027-02-28"},
		{"31 January of a leap year", "2028-01-31", "2028-02-29"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			w.advanceTo(t, tc.completed)
			name := w.pass(t, anna, c2)
			cert, err := w.records.GetCertification(w.anna.ctx(t), &trainingv1.GetCertificationRequest{Name: name})
			must(t, "get", err)
			if cert.GetCompletionDate() != tc.completed || cert.GetExpireDate() != tc.wantExpire {
				t.Fatalf("completed %s, expires %s; want %s, %s", cert.GetCompletionDate(), cert.GetExpireDate(), tc.completed, tc.wantExpire)
			}
		})
	}
}

func TestCertificationState(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	name := w.pass(t, anna, c1) // expires 2027-11-23
	// The days go forward, each checked in turn.
	for _, tc := range []struct {
		day  string
		want trainingv1.Certification_State
	}{
		{"2027-10-23", trainingv1.Certification_STATE_CURRENT},
		{"2027-10-24", trainingv1.Certification_STATE_EXPIRING}, // exactly 30 days left
		{"2027-11-23", trainingv1.Certification_STATE_EXPIRING}, // the last valid day
		{"2027-11-24", trainingv1.Certification_STATE_EXPIRED},  // expired yesterday
	} {
		w.advanceTo(t, tc.day)
		cert, err := w.records.GetCertification(w.anna.ctx(t), &trainingv1.GetCertificationRequest{Name: name})
		must(t, tc.day, err)
		if cert.GetState() != tc.want {
			t.Fatalf("on %s: %s, want %s", tc.day, cert.GetState(), tc.want)
		}
		resp, err := w.records.ListCertifications(w.trainer.ctx(t), &trainingv1.ListCertificationsRequest{
			Parent: allMetro, Filter: "state = " + tc.want.String() + ` AND course = "` + c1 + `"`,
		})
		must(t, tc.day, err)
		if len(resp.GetCertifications()) != 1 || resp.GetCertifications()[0].GetName() != name {
			t.Fatalf("on %s, filtered by %s: %v", tc.day, tc.want, resp.GetCertifications())
		}
	}
}

func TestCertificationAccess(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	annas := w.pass(t, anna, c2)
	bens := w.pass(t, ben, c2)
	for _, tc := range []struct {
		name, cert string
		u          *user
		code       codes.Code
	}{
		{"own", annas, w.anna, codes.OK},
		{"a colleague's", bens, w.anna, codes.NotFound},
		{"trainer", bens, w.trainer, codes.OK},
		{"trainer of another agency", annas, w.otherTrainer, codes.NotFound},
		{"resident", annas, w.resident, codes.NotFound},
	} {
		_, err := w.records.GetCertification(tc.u.ctx(t), &trainingv1.GetCertificationRequest{Name: tc.cert})
		wantCode(t, tc.name, err, tc.code)
	}
	for _, tc := range []struct {
		name, parent string
		u            *user
		want         int
		code         codes.Code
	}{
		{"own", anna, w.anna, 1, codes.OK},
		{"a colleague's", ben, w.anna, 0, codes.NotFound},
		{"the agency's, as an officer", allMetro, w.anna, 0, codes.NotFound},
		{"the agency's", allMetro, w.trainer, 2, codes.OK},
		{"resident", anna, w.resident, 0, codes.NotFound},
	} {
		resp, err := w.records.ListCertifications(tc.u.ctx(t), &trainingv1.ListCertificationsRequest{Parent: tc.parent})
		wantCode(t, "list "+tc.name, err, tc.code)
		if len(resp.GetCertifications()) != tc.want {
			t.Fatalf("list %s: %d, want %d", tc.name, len(resp.GetCertifications()), tc.want)
		}
	}
}

func TestCompleteAtThePassMark(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	e := w.enroll(t, anna, c1, today)
	for _, m := range []string{"intro", "practice"} {
		_, err := w.records.RecordEnrollmentProgress(w.anna.ctx(t), &trainingv1.RecordEnrollmentProgressRequest{Name: e.GetName(), Module: m})
		must(t, "module "+m, err)
	}
	for _, tc := range []struct {
		score int32
		want  trainingv1.Enrollment_State
	}{
		{69, trainingv1.Enrollment_STATE_IN_PROGRESS},
		{70, trainingv1.Enrollment_STATE_COMPLETED},
	} {
		got, err := w.records.CompleteEnrollment(w.anna.ctx(t), &trainingv1.CompleteEnrollmentRequest{Name: e.GetName(), Score: proto.Int32(tc.score)})
		must(t, "complete", err)
		if got.GetState() != tc.want {
			t.Fatalf("score %d against a pass mark of 70: %s, want %s", tc.score, got.GetState(), tc.want)
		}
	}
}
