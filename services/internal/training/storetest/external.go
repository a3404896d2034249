package storetest

import (
	"errors"
	"testing"
	"time"

	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/training"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// approve is a review function as the handler writes one for an
// approval: it records the claimed hours and, when the training names a
// course, issues certification certID.
func approve(certID string, at time.Time) func(*trainingv1.ExternalTraining, *trainingv1.Course) (*training.Completion, *trainingv1.Certification, error) {
	return func(x *trainingv1.ExternalTraining, c *trainingv1.Course) (*training.Completion, *trainingv1.Certification, error) {
		x.State = trainingv1.ExternalTraining_STATE_APPROVED
		x.Reviewer = "accounts/trainer"
		x.ReviewTime = timestamppb.New(at)
		cp := &training.Completion{
			ID: "cp-" + certID, Officer: recAnna, Course: x.GetCourse(), Title: x.GetTitle(), Source: x.GetName(),
			Score: -1, Passed: true, CreditHours: x.GetCreditHours(), Date: x.GetCompletionDate(), Time: at,
		}
		if c == nil {
			return cp, nil, nil
		}
		cert := &trainingv1.Certification{
			Name: recAnna + "/certifications/" + certID, Course: c.GetName(), CourseTitle: c.GetTitle(),
			CreditHours: x.GetCreditHours(), CompletionDate: x.GetCompletionDate(), Source: x.GetName(),
			CreateTime: timestamppb.New(at),
		}
		x.Certification = cert.GetName()
		return cp, cert, nil
	}
}

// newRecExternal is pending external training as a handler makes it.
func newRecExternal(officer, id, course string, created time.Time) *trainingv1.ExternalTraining {
	return &trainingv1.ExternalTraining{
		Name: officer + "/externalTrainings/" + id, Title: "Academy " + id, Provider: "State academy",
		CompletionDate: "2026-11-01", CreditHours: 2.5, Course: course,
		State: trainingv1.ExternalTraining_STATE_PENDING, Submitter: "accounts/anna", CreateTime: timestamppb.New(created),
	}
}

// testExternal checks storing, listing and reviewing external training.
func testExternal(t *testing.T, open Opener) {
	s := open(t)
	writeRecordsFixture(t, s)
	ctx := t.Context()
	ignoreEtag := cmp.Options{protocmp.Transform(), protocmp.IgnoreFields(&trainingv1.ExternalTraining{}, "etag")}

	x1 := newRecExternal(recAnna, "x1", recC1, recT0)
	x2 := newRecExternal(recAnna, "x2", "", recT0.Add(time.Minute))
	x3 := newRecExternal(recBen, "x3", "", recT0.Add(2*time.Minute))
	retry := training.Retry{Caller: "accounts/anna", ID: "r1", Fingerprint: []byte("f"), Time: recT0}
	for _, x := range []*trainingv1.ExternalTraining{x1, x2, x3} {
		r := training.Retry{}
		if x == x1 {
			r = retry
		}
		got, err := s.CreateExternalTraining(ctx, x, r)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(x, got, ignoreEtag); d != "" || got.GetEtag() == "" {
			t.Fatalf("created (-want +got):\n%s\netag %q", d, got.GetEtag())
		}
	}

	t.Run("create", func(t *testing.T) {
		for _, tc := range []struct {
			name     string
			x        *trainingv1.ExternalTraining
			retry    training.Retry
			wantName string
			wantErr  error
		}{
			{"retry returns the first call's", newRecExternal(recAnna, "y1", "", recT0), retry, x1.GetName(), nil},
			{"retry of another request", newRecExternal(recAnna, "y2", "", recT0),
				training.Retry{Caller: retry.Caller, ID: retry.ID, Fingerprint: []byte("g"), Time: recT0}, "", training.ErrRetryReused},
			{"name taken", newRecExternal(recAnna, "x1", "", recT0), training.Retry{}, "", errs.AlreadyExists},
			{"unknown officer", newRecExternal("agencies/metro/officers/nobody", "y3", "", recT0), training.Retry{}, "", errs.NotFound},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := s.CreateExternalTraining(ctx, tc.x, tc.retry)
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("error %v, want %v", err, tc.wantErr)
				}
				if got.GetName() != tc.wantName {
					t.Fatalf("got %q, want %q", got.GetName(), tc.wantName)
				}
			})
		}
	})

	t.Run("get", func(t *testing.T) {
		got, err := s.ExternalTraining(ctx, x1.GetName())
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(x1, got, ignoreEtag); d != "" {
			t.Fatalf("(-want +got):\n%s", d)
		}
		if _, err := s.ExternalTraining(ctx, recAnna+"/externalTrainings/none"); !errors.Is(err, errs.NotFound) {
			t.Fatalf("missing: %v", err)
		}
	})

	t.Run("list newest first", func(t *testing.T) {
		for _, tc := range []struct {
			name, parent string
			want         []string
		}{
			{"officer", recAnna, []string{x2.GetName(), x1.GetName()}},
			{"agency", "agencies/metro/officers/-", []string{x3.GetName(), x2.GetName(), x1.GetName()}},
			{"nobody's", recOther, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var names []string
				page := training.Page{Size: 2}
				for range 5 {
					xs, next, err := s.ListExternalTrainings(ctx, tc.parent, page, nil)
					if err != nil {
						t.Fatal(err)
					}
					for _, x := range xs {
						names = append(names, x.GetName())
					}
					if next == nil {
						break
					}
					page.After = next
				}
				if d := cmp.Diff(tc.want, names); d != "" {
					t.Fatalf("(-want +got):\n%s", d)
				}
			})
		}
	})

	t.Run("review", func(t *testing.T) {
		boom := errors.New("boom")
		before, _ := s.ExternalTraining(ctx, x2.GetName())
		if _, err := s.ReviewExternalTraining(ctx, x2.GetName(), func(x *trainingv1.ExternalTraining, _ *trainingv1.Course) (*training.Completion, *trainingv1.Certification, error) {
			x.State = trainingv1.ExternalTraining_STATE_REJECTED
			return nil, nil, boom
		}); !errors.Is(err, boom) {
			t.Fatalf("failing review: %v", err)
		}
		if after, _ := s.ExternalTraining(ctx, x2.GetName()); !proto.Equal(before, after) {
			t.Fatal("a failing review changed the record")
		}
		rejected, err := s.ReviewExternalTraining(ctx, x2.GetName(), func(x *trainingv1.ExternalTraining, c *trainingv1.Course) (*training.Completion, *trainingv1.Certification, error) {
			if c != nil {
				t.Errorf("course %v for training that names none", c)
			}
			x.State = trainingv1.ExternalTraining_STATE_REJECTED
			x.ReviewNote = "no evidence"
			return nil, nil, nil
		})
		if err != nil || rejected.GetState() != trainingv1.ExternalTraining_STATE_REJECTED || rejected.GetEtag() == before.GetEtag() {
			t.Fatalf("rejected: %v, %v", rejected, err)
		}
		at := recT0.Add(time.Hour)
		approved, err := s.ReviewExternalTraining(ctx, x1.GetName(), approve("c1", at))
		if err != nil {
			t.Fatal(err)
		}
		certName := recAnna + "/certifications/c1"
		if approved.GetState() != trainingv1.ExternalTraining_STATE_APPROVED || approved.GetCertification() != certName {
			t.Fatalf("approved: %v", approved)
		}
		cert, err := s.Certification(ctx, certName)
		if err != nil {
			t.Fatal(err)
		}
		if cert.GetCourse() != recC1 || cert.GetCompletionDate() != "2026-11-01" || cert.GetSource() != x1.GetName() {
			t.Fatalf("certification: %v", cert)
		}
		var cps []training.Completion
		if err := s.Completions(ctx, "agencies/metro", time.Time{}, time.Time{}, func(c training.Completion) error {
			cps = append(cps, c)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		want := []training.Completion{{ID: "cp-c1", Officer: recAnna, Course: recC1, Title: x1.GetTitle(), Source: x1.GetName(),
			Score: -1, Passed: true, CreditHours: 2.5, Date: "2026-11-01", Time: at}}
		if d := cmp.Diff(want, cps, cmpopts.EquateApproxTime(0)); d != "" {
			t.Fatalf("completions (-want +got):\n%s", d)
		}
		if _, err := s.ReviewExternalTraining(ctx, recAnna+"/externalTrainings/none", approve("c9", at)); !errors.Is(err, errs.NotFound) {
			t.Fatalf("missing: %v", err)
		}
	})
}
