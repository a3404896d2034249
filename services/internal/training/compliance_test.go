package training_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"testing"

	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// reportFixture is a metro roster for the report tests, set up through
// the RPCs on 2026-11-23 (metro's today):
//
//   - n1 (badge 100, north) passed "Monthly refresher" (mandatory,
//     recertified monthly: it expires 2026-12-23, in exactly 30 days) and
//     "Annual" (required of north), and is assigned "Elective", due today;
//     they earned 2 + 3 hours this year and 10 on 2025-12-31;
//   - s1 (badge 200, south) is assigned the refresher, due 2026-12-01;
//   - s2 (badge 300, south) has done nothing.
type reportFixture struct {
	trainer, n1Account        *user
	monthly, annual, elective string
	n1, s1, s2                string
}

func newReportFixture(t *testing.T, e *env) reportFixture {
	t.Helper()
	tr := e.trainer("tr", "metro")
	ctx := tr.ctx(t)
	fx := reportFixture{trainer: tr, n1Account: e.officerAccount("n1", "metro")}
	course := func(c *trainingv1.Course) string {
		t.Helper()
		out, err := e.courses.CreateCourse(ctx, &trainingv1.CreateCourseRequest{Parent: "agencies/metro", Course: c})
		must(t, "create course "+c.GetTitle(), err)
		return out.GetName()
	}
	fx.monthly = course(&trainingv1.Course{Title: "Monthly refresher", CreditHours: 2, PassMark: 70, RecertificationMonths: 1, Mandatory: true, FeedbackCategories: []string{"courtesy"}})
	fx.annual = course(&trainingv1.Course{Title: "Annual", CreditHours: 3, PassMark: 70, RecertificationMonths: 12, RequiredUnits: []string{"north"}})
	fx.elective = course(&trainingv1.Course{Title: "Elective", CreditHours: 1, PassMark: 70})
	officer := func(badge, name, unit, account string) string {
		t.Helper()
		out, err := e.roster.CreateOfficer(ctx, &trainingv1.CreateOfficerRequest{Parent: "agencies/metro", Officer: &trainingv1.Officer{
			Badge: badge, DisplayName: name, Unit: unit, Account: account,
		}})
		must(t, "create officer "+badge, err)
		return out.GetName()
	}
	fx.n1 = officer("100", "Nora North", "north", fx.n1Account.name())
	fx.s1 = officer("200", "Sam South", "south", "")
	fx.s2 = officer("300", "=Sue South", "south", "")
	enroll := func(officer, course, due string) string {
		t.Helper()
		out, err := e.records.CreateEnrollment(ctx, &trainingv1.CreateEnrollmentRequest{Parent: officer, Enrollment: &trainingv1.Enrollment{Course: course, DueDate: due}})
		must(t, "enroll", err)
		return out.GetName()
	}
	complete := func(enrollment string) {
		t.Helper()
		_, err := e.records.CompleteEnrollment(ctx, &trainingv1.CompleteEnrollmentRequest{Name: enrollment, Score: proto.Int32(90)})
		must(t, "complete", err)
	}
	complete(enroll(fx.n1, fx.monthly, "2026-12-15"))
	complete(enroll(fx.n1, fx.annual, "2026-12-15"))
	enroll(fx.n1, fx.elective, today)
	enroll(fx.s1, fx.monthly, "2026-12-01")
	x, err := e.records.CreateExternalTraining(ctx, &trainingv1.CreateExternalTrainingRequest{Parent: fx.n1, ExternalTraining: &trainingv1.ExternalTraining{
		Title: "First aid", Provider: "Red Cross", CompletionDate: "2025-12-31", CreditHours: 10,
	}})
	must(t, "submit external training", err)
	_, err = e.records.ApproveExternalTraining(e.trainer("tr2", "metro").ctx(t), &trainingv1.ApproveExternalTrainingRequest{Name: x.GetName()})
	must(t, "approve external training", err)
	return fx
}

// courseRow is a CourseCompliance in short.
func courseRow(course, title string, state trainingv1.CourseCompliance_State, expire, due string, overdue bool) *trainingv1.CourseCompliance {
	return &trainingv1.CourseCompliance{Course: course, CourseTitle: title, State: state, ExpireDate: expire, DueDate: due, Overdue: overdue}
}

func TestComplianceReport(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fx := newReportFixture(t, e)
	const (
		current  = trainingv1.CourseCompliance_STATE_CURRENT
		expiring = trainingv1.CourseCompliance_STATE_EXPIRING
		expired  = trainingv1.CourseCompliance_STATE_EXPIRED
		missing  = trainingv1.CourseCompliance_STATE_MISSING
	)
	n1 := func(monthly trainingv1.CourseCompliance_State, electiveOverdue bool) *trainingv1.OfficerCompliance {
		return &trainingv1.OfficerCompliance{
			Officer: fx.n1, Badge: "100", DisplayName: "Nora North", Unit: "north", CreditHours: 5,
			Courses: []*trainingv1.CourseCompliance{
				courseRow(fx.annual, "Annual", current, "2027-11-23", "", false),
				courseRow(fx.elective, "Elective", missing, "", today, electiveOverdue),
				courseRow(fx.monthly, "Monthly refresher", monthly, "2026-12-23", "", false),
			},
		}
	}
	s1 := func(overdue bool) *trainingv1.OfficerCompliance {
		return &trainingv1.OfficerCompliance{
			Officer: fx.s1, Badge: "200", DisplayName: "Sam South", Unit: "south",
			Courses: []*trainingv1.CourseCompliance{courseRow(fx.monthly, "Monthly refresher", missing, "", "2026-12-01", overdue)},
		}
	}
	s2 := &trainingv1.OfficerCompliance{
		Officer: fx.s2, Badge: "300", DisplayName: "=Sue South", Unit: "south",
		Courses: []*trainingv1.CourseCompliance{courseRow(fx.monthly, "Monthly refresher", missing, "", "", false)},
	}
	for _, tc := range []struct {
		name string
		req  *trainingv1.GetTrainingComplianceRequest
		want *trainingv1.TrainingCompliance
	}{
		{
			name: "today: due today is not overdue, expiring in exactly 30 days is EXPIRING",
			req:  &trainingv1.GetTrainingComplianceRequest{Name: "agencies/metro/trainingCompliance"},
			want: &trainingv1.TrainingCompliance{
				Name: "agencies/metro/trainingCompliance", AsOf: today, CreditHoursTarget: 40,
				Summary:  &trainingv1.ComplianceSummary{OfficerCount: 3, CurrentCount: 1, ExpiringCount: 1, MissingCount: 3},
				Officers: []*trainingv1.OfficerCompliance{n1(expiring, false), s1(false), s2},
			},
		},
		{
			name: "a month on: expired yesterday, overdue",
			req:  &trainingv1.GetTrainingComplianceRequest{Name: "agencies/metro/trainingCompliance", AsOf: "2026-12-24"},
			want: &trainingv1.TrainingCompliance{
				Name: "agencies/metro/trainingCompliance", AsOf: "2026-12-24", CreditHoursTarget: 40,
				Summary:  &trainingv1.ComplianceSummary{OfficerCount: 3, CurrentCount: 1, ExpiredCount: 1, MissingCount: 3, OverdueCount: 2},
				Officers: []*trainingv1.OfficerCompliance{n1(expired, true), s1(true), s2},
			},
		},
		{
			name: "one unit",
			req:  &trainingv1.GetTrainingComplianceRequest{Name: "agencies/metro/trainingCompliance", Unit: "north"},
			want: &trainingv1.TrainingCompliance{
				Name: "agencies/metro/trainingCompliance", Unit: "north", AsOf: today, CreditHoursTarget: 40,
				Summary:  &trainingv1.ComplianceSummary{OfficerCount: 1, CurrentCount: 1, ExpiringCount: 1, MissingCount: 1},
				Officers: []*trainingv1.OfficerCompliance{n1(expiring, false)},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := e.reports.GetTrainingCompliance(fx.trainer.ctx(t), tc.req)
			must(t, "compliance", err)
			diff(t, "compliance", got, tc.want)
		})
	}

	t.Run("hours of this year only, against the target", func(t *testing.T) {
		t.Parallel()
		got, err := e.reports.GetTrainingCompliance(fx.trainer.ctx(t), &trainingv1.GetTrainingComplianceRequest{Name: "agencies/metro/trainingCompliance", AsOf: "2025-12-31", Unit: "north"})
		must(t, "compliance at the end of 2025", err)
		if h := got.GetOfficers()[0].GetCreditHours(); h != 10 {
			t.Fatalf("credit hours of 2025: %v, want 10", h)
		}
		// Nothing was passed yet on 2025-12-31, and Elective, assigned
		// later, was not required yet.
		diff(t, "courses on 2025-12-31", got.GetOfficers()[0].GetCourses(), []*trainingv1.CourseCompliance{
			courseRow(fx.annual, "Annual", trainingv1.CourseCompliance_STATE_MISSING, "", "", false),
			courseRow(fx.monthly, "Monthly refresher", trainingv1.CourseCompliance_STATE_MISSING, "", "", false),
		})
	})

	t.Run("pages", func(t *testing.T) {
		t.Parallel()
		ctx := fx.trainer.ctx(t)
		req := &trainingv1.GetTrainingComplianceRequest{Name: "agencies/metro/trainingCompliance", AsOf: "2026-12-24", PageSize: 2}
		first, err := e.reports.GetTrainingCompliance(ctx, req)
		must(t, "first page", err)
		if len(first.GetOfficers()) != 2 || first.GetNextPageToken() == "" || first.GetSummary().GetOfficerCount() != 3 {
			t.Fatalf("first page: %d officers, token %q, summary %v", len(first.GetOfficers()), first.GetNextPageToken(), first.GetSummary())
		}
		req.PageToken = first.GetNextPageToken()
		second, err := e.reports.GetTrainingCompliance(ctx, req)
		must(t, "second page", err)
		diff(t, "second page", second.GetOfficers(), []*trainingv1.OfficerCompliance{s2})
		diff(t, "second page's summary", second.GetSummary(), first.GetSummary())
		if second.GetNextPageToken() != "" {
			t.Fatalf("the last page has a next page token")
		}
		req.AsOf = today
		_, err = e.reports.GetTrainingCompliance(ctx, req)
		wantField(t, "a page token of another day", err, "page_token")
	})

	t.Run("bad day", func(t *testing.T) {
		t.Parallel()
		_, err := e.reports.GetTrainingCompliance(fx.trainer.ctx(t), &trainingv1.GetTrainingComplianceRequest{Name: "agencies/metro/trainingCompliance", AsOf: "2026-02-30"})
		wantField(t, "30 February", err, "as_of")
	})
}

func TestComplianceAccess(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fx := newReportFixture(t, e)
	for _, tc := range []struct {
		name string
		who  *user
		want codes.Code
	}{
		// The policy refuses callers without a role in the agency before
		// the handler runs.
		{"trainer of another agency", e.trainer("ot", "other"), codes.PermissionDenied},
		{"the officer themselves", fx.n1Account, codes.PermissionDenied},
		{"resident", e.resident("r"), codes.PermissionDenied},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := e.reports.GetTrainingCompliance(tc.who.ctx(t), &trainingv1.GetTrainingComplianceRequest{Name: "agencies/metro/trainingCompliance"})
			wantCode(t, "compliance", err, tc.want)
			stream, err := e.reports.ExportTrainingCompliance(tc.who.ctx(t), &trainingv1.ExportTrainingComplianceRequest{Name: "agencies/metro/trainingCompliance"})
			if err == nil {
				_, err = stream.Recv()
			}
			wantCode(t, "compliance export", err, tc.want)
		})
	}
	_, err := e.reports.GetTrainingCompliance(anonymous(t), &trainingv1.GetTrainingComplianceRequest{Name: "agencies/metro/trainingCompliance"})
	wantCode(t, "anonymous", err, codes.Unauthenticated)
}

func TestComplianceExport(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fx := newReportFixture(t, e)
	stream, err := e.reports.ExportTrainingCompliance(fx.trainer.ctx(t), &trainingv1.ExportTrainingComplianceRequest{
		Name: "agencies/metro/trainingCompliance", AsOf: "2026-12-24",
	})
	must(t, "export", err)
	var body bytes.Buffer
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		must(t, "receive", err)
		if msg.GetContentType() != "text/csv; charset=utf-8" {
			t.Fatalf("content type %q", msg.GetContentType())
		}
		body.Write(msg.GetData())
	}
	rows, err := csv.NewReader(&body).ReadAll()
	must(t, "parse the CSV", err)
	want := [][]string{
		{"badge", "display_name", "unit", "course", "course_title", "state", "expire_date", "due_date", "overdue", "credit_hours", "credit_hours_target", "compliant"},
		{"100", "Nora North", "north", fx.annual, "Annual", "CURRENT", "2027-11-23", "", "false", "5", "40", "false"},
		{"100", "Nora North", "north", fx.elective, "Elective", "MISSING", "", today, "true", "5", "40", "false"},
		{"100", "Nora North", "north", fx.monthly, "Monthly refresher", "EXPIRED", "2026-12-23", "", "false", "5", "40", "false"},
		{"200", "Sam South", "south", fx.monthly, "Monthly refresher", "MISSING", "", "2026-12-01", "true", "0", "40", "false"},
		{"300", "'=Sue South", "south", fx.monthly, "Monthly refresher", "MISSING", "", "", "false", "0", "40", "false"},
	}
	diff(t, "rows", rows, want)
}

// TestComplianceSummaryFollowsWrites asks for the same report before and
// after each kind of write it depends on: a summary kept between pages
// must never outlive the data it counts.
func TestComplianceSummaryFollowsWrites(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fx := newReportFixture(t, e)
	ctx := fx.trainer.ctx(t)
	report := func() *trainingv1.ComplianceSummary {
		t.Helper()
		got, err := e.reports.GetTrainingCompliance(ctx, &trainingv1.GetTrainingComplianceRequest{Name: "agencies/metro/trainingCompliance", PageSize: 1})
		must(t, "compliance", err)
		return got.GetSummary()
	}
	before := report()
	diff(t, "the same report again", report(), before)

	// A completion: s1 passes the refresher.
	enrollments, err := e.records.ListEnrollments(ctx, &trainingv1.ListEnrollmentsRequest{Parent: fx.s1})
	must(t, "list s1's enrollments", err)
	_, err = e.records.CompleteEnrollment(ctx, &trainingv1.CompleteEnrollmentRequest{Name: enrollments.GetEnrollments()[0].GetName(), Score: proto.Int32(95)})
	must(t, "complete", err)
	passed := report()
	// A monthly certification issued today expires within 30 days.
	if passed.GetExpiringCount() != before.GetExpiringCount()+1 || passed.GetMissingCount() != before.GetMissingCount()-1 {
		t.Fatalf("after a completion: %v, before %v", passed, before)
	}

	// The target: nobody has 1,000 hours.
	_, err = e.reports.UpdateTrainingSettings(ctx, &trainingv1.UpdateTrainingSettingsRequest{
		TrainingSettings: &trainingv1.TrainingSettings{Name: "agencies/metro/trainingSettings", AnnualCreditHoursTarget: 1000},
		UpdateMask:       &fieldmaskpb.FieldMask{Paths: []string{"annual_credit_hours_target"}},
	})
	must(t, "raise the target", err)
	if got := report(); got.GetHoursMetOfficerCount() != 0 {
		t.Fatalf("after raising the target: %v", got)
	}

	// A course no longer mandatory.
	c, err := e.courses.GetCourse(ctx, &trainingv1.GetCourseRequest{Name: fx.monthly})
	must(t, "get course", err)
	_, err = e.courses.UpdateCourse(ctx, &trainingv1.UpdateCourseRequest{
		Course:     &trainingv1.Course{Name: fx.monthly, Mandatory: false, Etag: c.GetEtag()},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"mandatory"}},
	})
	must(t, "make the refresher optional", err)
	if got := report(); got.GetCurrentCount()+got.GetExpiringCount()+got.GetMissingCount()+got.GetExpiredCount() >= passed.GetCurrentCount()+passed.GetExpiringCount()+passed.GetMissingCount()+passed.GetExpiredCount() {
		t.Fatalf("after the refresher became optional: %v, before %v", got, passed)
	}
}
