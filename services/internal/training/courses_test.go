package training_test

import (
	"strings"
	"testing"
	"time"

	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
	"github.com/engagehq/engage/services/internal/training"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// catRequestID is a request id of the catalogue and roster tests.
const catRequestID = "8c2a4b6e-3f1d-4a5b-9c7e-2d4f6a8b0c1e"

// catCourse is a valid course as a trainer sends it.
func catCourse(title string) *trainingv1.Course {
	return &trainingv1.Course{
		Title:              title,
		Description:        "How to calm a tense encounter.",
		Competencies:       []trainingv1.Competency{trainingv1.Competency_COMPETENCY_DE_ESCALATION},
		CreditHours:        4,
		Modules:            []*trainingv1.Module{{Id: "intro", Title: "Intro", DurationMinutes: 30}, {Id: "practice", Title: "Practice"}},
		PassMark:           70,
		FeedbackCategories: []string{"courtesy"},
		Mandatory:          true,
	}
}

// createCourse creates a course in metro as trainer.
func createCourse(t *testing.T, e *env, trainer *user, c *trainingv1.Course) *trainingv1.Course {
	t.Helper()
	got, err := e.courses.CreateCourse(trainer.ctx(t), &trainingv1.CreateCourseRequest{Parent: "agencies/metro", Course: c})
	must(t, "create course "+c.GetTitle(), err)
	return got
}

// listCourseTitles lists metro's courses as u and returns their titles.
func listCourseTitles(t *testing.T, e *env, u *user, req *trainingv1.ListCoursesRequest) []string {
	t.Helper()
	req.Parent = "agencies/metro"
	resp, err := e.courses.ListCourses(u.ctx(t), req)
	must(t, "list courses", err)
	var titles []string
	for _, c := range resp.GetCourses() {
		titles = append(titles, c.GetTitle())
	}
	return titles
}

func TestCourseLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	trainer := e.trainer("trainer", "metro")
	created := createCourse(t, e, trainer, catCourse("De-escalation"))

	if !strings.HasPrefix(created.GetName(), "agencies/metro/courses/") || created.GetEtag() == "" {
		t.Fatalf("created %s with etag %q", created.GetName(), created.GetEtag())
	}
	want := catCourse("De-escalation")
	want.Name, want.Etag = created.GetName(), created.GetEtag()
	want.CreateTime, want.UpdateTime = timestamppb.New(start), timestamppb.New(start)
	diff(t, "created course", created, want)
	got, err := e.courses.GetCourse(trainer.ctx(t), &trainingv1.GetCourseRequest{Name: created.GetName()})
	must(t, "get course", err)
	diff(t, "read course", got, want)

	e.clock.Advance(time.Hour)
	updated, err := e.courses.UpdateCourse(trainer.ctx(t), &trainingv1.UpdateCourseRequest{
		Course:     &trainingv1.Course{Name: created.GetName(), Title: "De-escalation II", PassMark: 80, Etag: created.GetEtag(), CreateTime: timestamppb.New(start.AddDate(-1, 0, 0))},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title", "create_time", "modules"}},
	})
	must(t, "update course", err)
	want.Title, want.Modules, want.Etag = "De-escalation II", nil, updated.GetEtag()
	want.UpdateTime = timestamppb.New(start.Add(time.Hour))
	diff(t, "updated course (pass_mark is not in the mask, create_time is output only)", updated, want)

	_, err = e.courses.UpdateCourse(trainer.ctx(t), &trainingv1.UpdateCourseRequest{
		Course: &trainingv1.Course{Name: created.GetName(), Description: "stale", Etag: created.GetEtag()},
	})
	wantCode(t, "update with a stale etag", err, codes.FailedPrecondition)
	_, err = e.courses.DeleteCourse(trainer.ctx(t), &trainingv1.DeleteCourseRequest{Name: created.GetName(), Etag: created.GetEtag()})
	wantCode(t, "delete with a stale etag", err, codes.FailedPrecondition)

	retired, err := e.courses.DeleteCourse(trainer.ctx(t), &trainingv1.DeleteCourseRequest{Name: created.GetName(), Etag: updated.GetEtag()})
	must(t, "retire course", err)
	if !retired.GetDeleteTime().AsTime().Equal(start.Add(time.Hour)) {
		t.Fatalf("delete time %v", retired.GetDeleteTime())
	}
	again, err := e.courses.DeleteCourse(trainer.ctx(t), &trainingv1.DeleteCourseRequest{Name: created.GetName()})
	must(t, "retire again", err)
	diff(t, "retiring twice", again, retired)
	got, err = e.courses.GetCourse(trainer.ctx(t), &trainingv1.GetCourseRequest{Name: created.GetName()})
	must(t, "get retired course", err)
	diff(t, "retired course", got, retired)
	_, err = e.courses.UpdateCourse(trainer.ctx(t), &trainingv1.UpdateCourseRequest{Course: &trainingv1.Course{Name: created.GetName(), Title: "Back"}})
	wantCode(t, "update of a retired course", err, codes.FailedPrecondition)

	if titles := listCourseTitles(t, e, trainer, &trainingv1.ListCoursesRequest{}); len(titles) != 0 {
		t.Fatalf("list shows retired courses: %v", titles)
	}
	diff(t, "list with show_deleted", listCourseTitles(t, e, trainer, &trainingv1.ListCoursesRequest{ShowDeleted: true}), []string{"De-escalation II"})

	_, err = e.courses.GetCourse(trainer.ctx(t), &trainingv1.GetCourseRequest{Name: "agencies/metro/courses/nope"})
	wantCode(t, "get missing course", err, codes.NotFound)
}

func TestRetiringCourseCancelsOpenEnrollments(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	trainer := e.trainer("trainer", "metro")
	course := createCourse(t, e, trainer, catCourse("Crisis"))
	officer, err := e.roster.CreateOfficer(trainer.ctx(t), &trainingv1.CreateOfficerRequest{
		Parent: "agencies/metro", Officer: &trainingv1.Officer{Badge: "100", DisplayName: "Anna", Unit: "north"},
	})
	must(t, "create officer", err)
	ts := timestamppb.New(start)
	_, _, err = e.store.CreateEnrollments(t.Context(), []*trainingv1.Enrollment{{
		Name: officer.GetName() + "/enrollments/e1", Course: course.GetName(), CourseTitle: course.GetTitle(),
		DueDate: "2026-12-31", State: trainingv1.Enrollment_STATE_ASSIGNED, CreateTime: ts, UpdateTime: ts,
	}}, training.Retry{})
	must(t, "enroll", err)
	_, err = e.courses.DeleteCourse(trainer.ctx(t), &trainingv1.DeleteCourseRequest{Name: course.GetName()})
	must(t, "retire", err)
	got, err := e.store.Enrollment(t.Context(), officer.GetName()+"/enrollments/e1")
	must(t, "read enrollment", err)
	if got.GetState() != trainingv1.Enrollment_STATE_CANCELLED || got.GetCancelReason() != "course retired" {
		t.Fatalf("enrollment %v %q after retiring its course, want CANCELLED \"course retired\"", got.GetState(), got.GetCancelReason())
	}
}

func TestCreateCourseRefusesBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	trainer := e.trainer("trainer", "metro")
	for _, tc := range []struct {
		name   string
		change func(*trainingv1.Course)
		field  string
	}{
		{"empty title", func(c *trainingv1.Course) { c.Title = "" }, "course.title"},
		{"blank title", func(c *trainingv1.Course) { c.Title = "   " }, "course.title"},
		{"control character in title", func(c *trainingv1.Course) { c.Title = "A\x00B" }, "course.title"},
		{"unknown competency", func(c *trainingv1.Course) { c.Competencies = []trainingv1.Competency{99} }, "course.competencies[0]"},
		{"unspecified competency", func(c *trainingv1.Course) { c.Competencies = []trainingv1.Competency{0} }, "course.competencies[0]"},
		{"pass mark 101", func(c *trainingv1.Course) { c.PassMark = 101 }, "course.pass_mark"},
		{"duplicate module id", func(c *trainingv1.Course) {
			c.Modules = append(c.Modules, &trainingv1.Module{Id: "intro", Title: "Again"})
		}, "course.modules[2].id"},
		{"bad feedback category", func(c *trainingv1.Course) { c.FeedbackCategories = []string{"Use Of Force"} }, "course.feedback_categories[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := catCourse("Bad " + tc.name)
			tc.change(c)
			_, err := e.courses.CreateCourse(trainer.ctx(t), &trainingv1.CreateCourseRequest{Parent: "agencies/metro", Course: c})
			wantField(t, tc.name, err, tc.field)
		})
	}
	if titles := listCourseTitles(t, e, trainer, &trainingv1.ListCoursesRequest{ShowDeleted: true}); len(titles) != 0 {
		t.Fatalf("refused creates stored %v", titles)
	}
}

func TestUpdateCourseMask(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	trainer := e.trainer("trainer", "metro")
	c := createCourse(t, e, trainer, catCourse("Mask"))
	for _, tc := range []struct {
		name  string
		in    *trainingv1.Course
		paths []string
		field string
	}{
		{"unknown path", &trainingv1.Course{Title: "x"}, []string{"colour"}, "update_mask"},
		{"nested path", &trainingv1.Course{Title: "x"}, []string{"modules.id"}, "update_mask"},
		{"only output fields", &trainingv1.Course{}, []string{"create_time", "delete_time"}, "update_mask"},
		{"nothing set", &trainingv1.Course{}, nil, "update_mask"},
		{"star with others", &trainingv1.Course{Title: "x"}, []string{"*", "title"}, "update_mask"},
		{"title cleared", &trainingv1.Course{}, []string{"title"}, "course.title"},
		{"duplicate module", &trainingv1.Course{Modules: []*trainingv1.Module{{Id: "a", Title: "A"}, {Id: "a", Title: "B"}}}, nil, "course.modules[1].id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.Name = c.GetName()
			req := &trainingv1.UpdateCourseRequest{Course: tc.in}
			if tc.paths != nil {
				req.UpdateMask = &fieldmaskpb.FieldMask{Paths: tc.paths}
			}
			_, err := e.courses.UpdateCourse(trainer.ctx(t), req)
			wantField(t, tc.name, err, tc.field)
		})
	}
	got, err := e.courses.GetCourse(trainer.ctx(t), &trainingv1.GetCourseRequest{Name: c.GetName()})
	must(t, "get", err)
	diff(t, "course after refused updates", got, c)

	got, err = e.courses.UpdateCourse(trainer.ctx(t), &trainingv1.UpdateCourseRequest{
		Course:     &trainingv1.Course{Name: c.GetName(), Title: "Only a title"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"*"}},
	})
	must(t, "update *", err)
	if got.GetCreditHours() != 0 || len(got.GetModules()) != 0 || got.GetMandatory() || got.GetEtag() == c.GetEtag() {
		t.Fatalf("after update *: %v", got)
	}
}

func TestCreateCourseRetry(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	trainer := e.trainer("trainer", "metro")
	req := &trainingv1.CreateCourseRequest{Parent: "agencies/metro", Course: catCourse("Once"), RequestId: catRequestID}
	first, err := e.courses.CreateCourse(trainer.ctx(t), req)
	must(t, "create", err)
	again, err := e.courses.CreateCourse(trainer.ctx(t), req)
	must(t, "retry", err)
	diff(t, "retry", again, first)
	req.Course.Title = "Twice"
	_, err = e.courses.CreateCourse(trainer.ctx(t), req)
	wantField(t, "reused request id", err, "request_id")
	diff(t, "catalogue after retries", listCourseTitles(t, e, trainer, &trainingv1.ListCoursesRequest{}), []string{"Once"})
}

func TestListCourses(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	trainer := e.trainer("trainer", "metro")
	officer := e.officerAccount("anna", "metro")
	deesc := catCourse("beta de-escalation")
	courtesy := catCourse("Alpha courtesy")
	courtesy.Competencies = []trainingv1.Competency{trainingv1.Competency_COMPETENCY_COMMUNICATION, trainingv1.Competency_COMPETENCY_PROCEDURAL_JUSTICE}
	courtesy.FeedbackCategories = []string{"courtesy", "language"}
	force := catCourse("Gamma force")
	force.Competencies = []trainingv1.Competency{trainingv1.Competency_COMPETENCY_USE_OF_FORCE, trainingv1.Competency_COMPETENCY_DE_ESCALATION}
	force.FeedbackCategories = []string{"use_of_force"}
	for _, c := range []*trainingv1.Course{deesc, courtesy, force} {
		createCourse(t, e, trainer, c)
	}
	_, err := e.courses.CreateCourse(e.trainer("ot", "other").ctx(t), &trainingv1.CreateCourseRequest{Parent: "agencies/other", Course: catCourse("Aaa elsewhere")})
	must(t, "create in other", err)

	for _, tc := range []struct {
		name, filter string
		want         []string
	}{
		{"all by title", "", []string{"Alpha courtesy", "beta de-escalation", "Gamma force"}},
		{"competency", "competencies:COMPETENCY_DE_ESCALATION", []string{"beta de-escalation", "Gamma force"}},
		{"competency without prefix", "competencies:USE_OF_FORCE", []string{"Gamma force"}},
		{"category", `feedback_categories:"courtesy"`, []string{"Alpha courtesy", "beta de-escalation"}},
		{"AND", `competencies:COMMUNICATION AND feedback_categories:language`, []string{"Alpha courtesy"}},
		{"none", `competencies:FIRST_AID`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			diff(t, "titles", listCourseTitles(t, e, officer, &trainingv1.ListCoursesRequest{Filter: tc.filter}), tc.want)
		})
	}
	for _, tc := range []struct{ name, filter string }{
		{"unknown field", "title:Alpha"},
		{"unknown competency", "competencies:JUGGLING"},
		{"equality", "competencies = COMPETENCY_WELLBEING"},
		{"OR", "competencies:WELLBEING OR competencies:FIRST_AID"},
		{"bad slug", `feedback_categories:"Not A Slug"`},
		{"incomplete", "competencies:"},
		{"unterminated", `feedback_categories:"courtesy`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := e.courses.ListCourses(trainer.ctx(t), &trainingv1.ListCoursesRequest{Parent: "agencies/metro", Filter: tc.filter})
			wantField(t, tc.filter, err, "filter")
		})
	}
	t.Run("pages", func(t *testing.T) {
		t.Parallel()
		var titles []string
		req := &trainingv1.ListCoursesRequest{Parent: "agencies/metro", PageSize: 2}
		for range 3 {
			resp, err := e.courses.ListCourses(trainer.ctx(t), req)
			must(t, "list page", err)
			for _, c := range resp.GetCourses() {
				titles = append(titles, c.GetTitle())
			}
			if resp.GetNextPageToken() == "" {
				break
			}
			req.PageToken = resp.GetNextPageToken()
		}
		diff(t, "paged titles", titles, []string{"Alpha courtesy", "beta de-escalation", "Gamma force"})
		first, err := e.courses.ListCourses(trainer.ctx(t), &trainingv1.ListCoursesRequest{Parent: "agencies/metro", PageSize: 1})
		must(t, "first page", err)
		_, err = e.courses.ListCourses(trainer.ctx(t), &trainingv1.ListCoursesRequest{Parent: "agencies/metro", PageToken: first.GetNextPageToken(), ShowDeleted: true})
		wantField(t, "token of another query", err, "page_token")
	})
}

func TestCourseAccess(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	trainer := e.trainer("trainer", "metro")
	c := createCourse(t, e, trainer, catCourse("Access"))
	officer := e.officerAccount("anna", "metro")
	otherTrainer := e.trainer("ot", "other")
	resident := e.resident("res")

	got, err := e.courses.GetCourse(officer.ctx(t), &trainingv1.GetCourseRequest{Name: c.GetName()})
	must(t, "officer reads a course", err)
	diff(t, "officer's read", got, c)

	for _, tc := range []struct {
		name string
		u    *user
		call func(*user) error
		want codes.Code
	}{
		{"officer creates", officer, func(u *user) error {
			_, err := e.courses.CreateCourse(u.ctx(t), &trainingv1.CreateCourseRequest{Parent: "agencies/metro", Course: catCourse("Mine")})
			return err
		}, codes.PermissionDenied},
		{"officer retires", officer, func(u *user) error {
			_, err := e.courses.DeleteCourse(u.ctx(t), &trainingv1.DeleteCourseRequest{Name: c.GetName()})
			return err
		}, codes.PermissionDenied},
		{"other agency's trainer reads", otherTrainer, func(u *user) error {
			_, err := e.courses.GetCourse(u.ctx(t), &trainingv1.GetCourseRequest{Name: c.GetName()})
			return err
		}, codes.PermissionDenied},
		{"other agency's trainer lists", otherTrainer, func(u *user) error {
			_, err := e.courses.ListCourses(u.ctx(t), &trainingv1.ListCoursesRequest{Parent: "agencies/metro"})
			return err
		}, codes.PermissionDenied},
		// GetCourse is a plain AGENCY_ROLE method: the interceptor refuses a
		// resident before the handler runs.
		{"resident reads", resident, func(u *user) error {
			_, err := e.courses.GetCourse(u.ctx(t), &trainingv1.GetCourseRequest{Name: c.GetName()})
			return err
		}, codes.PermissionDenied},
		{"unknown agency", e.trainer("ghost", "ghost"), func(u *user) error {
			_, err := e.courses.ListCourses(u.ctx(t), &trainingv1.ListCoursesRequest{Parent: "agencies/ghost"})
			return err
		}, codes.NotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			wantCode(t, tc.name, tc.call(tc.u), tc.want)
		})
	}
	t.Run("anonymous", func(t *testing.T) {
		t.Parallel()
		_, err := e.courses.GetCourse(anonymous(t), &trainingv1.GetCourseRequest{Name: c.GetName()})
		wantCode(t, "anonymous read", err, codes.Unauthenticated)
	})
}
