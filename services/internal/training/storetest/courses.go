package storetest

import (
	"errors"
	"testing"
	"time"

	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/training"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// catT0 is the time of the catalogue tests.
var catT0 = time.Date(2026, 11, 23, 16, 0, 0, 0, time.UTC)

// newCatCourse is a course as a handler makes it.
func newCatCourse(agency, id, title string) *trainingv1.Course {
	ts := timestamppb.New(catT0)
	return &trainingv1.Course{
		Name: "agencies/" + agency + "/courses/" + id, Title: title, CreditHours: 2, PassMark: 70,
		Competencies: []trainingv1.Competency{trainingv1.Competency_COMPETENCY_DE_ESCALATION},
		CreateTime:   ts, UpdateTime: ts,
	}
}

// mustCreateCourses creates courses, failing the test on an error.
func mustCreateCourses(t *testing.T, s training.Store, cs ...*trainingv1.Course) {
	t.Helper()
	for _, c := range cs {
		if _, err := s.CreateCourse(t.Context(), c, training.Retry{}); err != nil {
			t.Fatalf("create %s: %v", c.GetName(), err)
		}
	}
}

// courseNamesOf returns the names of courses, in order.
func courseNamesOf(cs []*trainingv1.Course) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.GetName())
	}
	return out
}

// testCourses checks the catalogue: create, read, list by title and
// change, with the title index following every change.
func testCourses(t *testing.T, open Opener) {
	t.Run("create and read", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		in := newCatCourse("metro", "c1", "De-escalation")
		got, err := s.CreateCourse(t.Context(), in, training.Retry{})
		if err != nil {
			t.Fatal(err)
		}
		if got.GetEtag() == "" {
			t.Fatal("created course has no etag")
		}
		want := newCatCourse("metro", "c1", "De-escalation")
		want.Etag = got.GetEtag()
		if d := cmp.Diff(want, got, protocmp.Transform()); d != "" {
			t.Fatalf("created (-want +got):\n%s", d)
		}
		read, err := s.Course(t.Context(), in.GetName())
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(want, read, protocmp.Transform()); d != "" {
			t.Fatalf("read (-want +got):\n%s", d)
		}
		if _, err := s.CreateCourse(t.Context(), in, training.Retry{}); !errors.Is(err, errs.AlreadyExists) {
			t.Fatalf("second create: %v, want AlreadyExists", err)
		}
		for _, name := range []string{"agencies/metro/courses/nope", "agencies/other/courses/c1", "garbage"} {
			if _, err := s.Course(t.Context(), name); !errors.Is(err, errs.NotFound) {
				t.Fatalf("Course(%s): %v, want NotFound", name, err)
			}
		}
	})

	t.Run("list by title", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		mustCreateCourses(t, s,
			newCatCourse("metro", "c1", "beta"),
			newCatCourse("metro", "c2", "Alpha"),
			newCatCourse("metro", "c3", "alpha"),
			newCatCourse("metro", "c4", "Gamma"),
			newCatCourse("other", "c5", "Aardvark"),
		)
		all := []string{"agencies/metro/courses/c2", "agencies/metro/courses/c3", "agencies/metro/courses/c1", "agencies/metro/courses/c4"}
		var got []string
		page := training.Page{Size: 3}
		for i := 0; ; i++ {
			list, next, err := s.ListCourses(t.Context(), "agencies/metro", page, nil)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, courseNamesOf(list)...)
			if next == nil {
				break
			}
			if i > 3 {
				t.Fatal("the pages do not end")
			}
			page.After = next
		}
		if d := cmp.Diff(all, got); d != "" {
			t.Fatalf("pages (-want +got):\n%s", d)
		}
		kept, _, err := s.ListCourses(t.Context(), "agencies/metro", training.Page{Size: 10}, func(c *trainingv1.Course) bool {
			return c.GetTitle() != "beta"
		})
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff([]string{all[0], all[1], all[3]}, courseNamesOf(kept)); d != "" {
			t.Fatalf("kept (-want +got):\n%s", d)
		}
		every, err := s.Courses(t.Context(), "agencies/metro")
		if err != nil {
			t.Fatal(err)
		}
		if len(every) != 4 {
			t.Fatalf("Courses: %d courses, want 4", len(every))
		}
	})

	t.Run("update", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		c := newCatCourse("metro", "c1", "Zulu")
		mustCreateCourses(t, s, c, newCatCourse("metro", "c2", "Mike"))
		before, err := s.Course(t.Context(), c.GetName())
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.UpdateCourse(t.Context(), c.GetName(), func(c *trainingv1.Course) error {
			c.Title, c.Name, c.Etag = "Alpha", "agencies/metro/courses/renamed", `"99"`
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if got.GetName() != c.GetName() || got.GetTitle() != "Alpha" {
			t.Fatalf("updated %s %q, want %s \"Alpha\"", got.GetName(), got.GetTitle(), c.GetName())
		}
		if got.GetEtag() == before.GetEtag() || got.GetEtag() == `"99"` {
			t.Fatalf("etag %s after update from %s: the store must set a new one", got.GetEtag(), before.GetEtag())
		}
		list, _, err := s.ListCourses(t.Context(), "agencies/metro", training.Page{Size: 10}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff([]string{"agencies/metro/courses/c1", "agencies/metro/courses/c2"}, courseNamesOf(list)); d != "" {
			t.Fatalf("list after retitling (-want +got):\n%s", d)
		}

		refuse := errors.New("refused")
		if _, err := s.UpdateCourse(t.Context(), c.GetName(), func(c *trainingv1.Course) error {
			c.Title = "Changed"
			return refuse
		}); !errors.Is(err, refuse) {
			t.Fatalf("refused update: %v, want the mutate error", err)
		}
		after, err := s.Course(t.Context(), c.GetName())
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(got, after, protocmp.Transform()); d != "" {
			t.Fatalf("a refused update changed the course (-want +got):\n%s", d)
		}
		if _, err := s.UpdateCourse(t.Context(), "agencies/metro/courses/nope", func(*trainingv1.Course) error { return nil }); !errors.Is(err, errs.NotFound) {
			t.Fatalf("update of a missing course: %v, want NotFound", err)
		}
	})

	t.Run("retiring cancels open enrollments", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		c := newCatCourse("metro", "c1", "De-escalation")
		mustCreateCourses(t, s, c)
		o := newRosterOfficer("metro", "anna", "100", "north", "")
		if _, err := s.CreateOfficer(t.Context(), o, training.Retry{}); err != nil {
			t.Fatal(err)
		}
		ts := timestamppb.New(catT0)
		e := &trainingv1.Enrollment{
			Name: o.GetName() + "/enrollments/e1", Course: c.GetName(), CourseTitle: c.GetTitle(),
			DueDate: "2026-12-01", State: trainingv1.Enrollment_STATE_ASSIGNED, CreateTime: ts, UpdateTime: ts,
		}
		if _, _, err := s.CreateEnrollments(t.Context(), []*trainingv1.Enrollment{e}, training.Retry{}); err != nil {
			t.Fatal(err)
		}
		retired := catT0.Add(time.Hour)
		got, err := s.UpdateCourse(t.Context(), c.GetName(), func(c *trainingv1.Course) error {
			c.DeleteTime = timestamppb.New(retired)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if !got.GetDeleteTime().AsTime().Equal(retired) {
			t.Fatalf("delete time %v, want %v", got.GetDeleteTime().AsTime(), retired)
		}
		read, err := s.Enrollment(t.Context(), e.GetName())
		if err != nil {
			t.Fatal(err)
		}
		if read.GetState() != trainingv1.Enrollment_STATE_CANCELLED || read.GetCancelReason() != "course retired" || !read.GetUpdateTime().AsTime().Equal(retired) {
			t.Fatalf("enrollment after retiring: %v %q %v, want CANCELLED \"course retired\" %v",
				read.GetState(), read.GetCancelReason(), read.GetUpdateTime().AsTime(), retired)
		}
		if _, err := s.Course(t.Context(), c.GetName()); err != nil {
			t.Fatalf("a retired course must still be read: %v", err)
		}
	})
}
