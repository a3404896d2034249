package storetest

import (
	"errors"
	"testing"
	"time"

	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
	"github.com/engagehq/engage/services/internal/training"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/testing/protocmp"
)

// testRequests checks request ids: a retry returns what its first call
// created, a reused id with another request is ErrRetryReused, and ids
// are forgotten after RetryLifetime or once purged.
func testRequests(t *testing.T, open Opener) {
	retry := func(id, fingerprint string, at time.Time) training.Retry {
		return training.Retry{Caller: "accounts/trainer", ID: id, Fingerprint: []byte(fingerprint), Time: at}
	}
	t.Run("course", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		first, err := s.CreateCourse(t.Context(), newCatCourse("metro", "c1", "First"), retry("r1", "f1", catT0))
		if err != nil {
			t.Fatal(err)
		}
		// A handler makes a new id for every call: the retry must return
		// the first course, not create the second.
		again, err := s.CreateCourse(t.Context(), newCatCourse("metro", "c2", "First"), retry("r1", "f1", catT0.Add(time.Minute)))
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(first, again, protocmp.Transform()); d != "" {
			t.Fatalf("retry (-want +got):\n%s", d)
		}
		if _, err := s.Course(t.Context(), "agencies/metro/courses/c2"); err == nil {
			t.Fatal("a retry created a second course")
		}
		if _, err := s.CreateCourse(t.Context(), newCatCourse("metro", "c3", "Other"), retry("r1", "f2", catT0)); !errors.Is(err, training.ErrRetryReused) {
			t.Fatalf("reused id: %v, want ErrRetryReused", err)
		}
		other := retry("r1", "f1", catT0)
		other.Caller = "accounts/someone-else"
		if c, err := s.CreateCourse(t.Context(), newCatCourse("metro", "c4", "Theirs"), other); err != nil || c.GetName() != "agencies/metro/courses/c4" {
			t.Fatalf("another caller's id: %v %v, want a new course", c.GetName(), err)
		}
		late := catT0.Add(training.RetryLifetime + time.Minute)
		if c, err := s.CreateCourse(t.Context(), newCatCourse("metro", "c5", "Late"), retry("r1", "f1", late)); err != nil || c.GetName() != "agencies/metro/courses/c5" {
			t.Fatalf("retry after its lifetime: %v %v, want a new course", c.GetName(), err)
		}
	})

	t.Run("officer", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		first, err := s.CreateOfficer(t.Context(), newRosterOfficer("metro", "a", "1", "u", ""), retry("r1", "f1", catT0))
		if err != nil {
			t.Fatal(err)
		}
		again, err := s.CreateOfficer(t.Context(), newRosterOfficer("metro", "b", "1", "u", ""), retry("r1", "f1", catT0))
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(first, again, protocmp.Transform()); d != "" {
			t.Fatalf("retry (-want +got):\n%s", d)
		}
		if _, err := s.CreateOfficer(t.Context(), newRosterOfficer("metro", "c", "2", "u", ""), retry("r1", "f2", catT0)); !errors.Is(err, training.ErrRetryReused) {
			t.Fatalf("reused id: %v, want ErrRetryReused", err)
		}
	})

	t.Run("import", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		opts := importOptions("metro")
		opts.Retry = retry("r1", "f1", catT0)
		rows := []*trainingv1.Officer{importRow("1", "A", "u", "")}
		first, err := s.ImportOfficers(t.Context(), "agencies/metro", rows, opts)
		if err != nil {
			t.Fatal(err)
		}
		again, err := s.ImportOfficers(t.Context(), "agencies/metro", rows, opts)
		if err != nil {
			t.Fatal(err)
		}
		if again != first || first.Created != 1 {
			t.Fatalf("retry %+v, want the first result %+v", again, first)
		}
		opts.Retry.Fingerprint = []byte("f2")
		if _, err := s.ImportOfficers(t.Context(), "agencies/metro", rows, opts); !errors.Is(err, training.ErrRetryReused) {
			t.Fatalf("reused id: %v, want ErrRetryReused", err)
		}
	})

	t.Run("purge", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		for i, id := range []string{"old1", "old2", "new"} {
			at := catT0.Add(time.Duration(i) * time.Hour)
			if _, err := s.CreateCourse(t.Context(), newCatCourse("metro", id, id), retry(id, "f", at)); err != nil {
				t.Fatal(err)
			}
		}
		n, err := s.PurgeRequests(t.Context(), catT0.Add(90*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if n != 2 {
			t.Fatalf("purged %d, want 2", n)
		}
		// A purged id is forgotten: the same request creates anew.
		if c, err := s.CreateCourse(t.Context(), newCatCourse("metro", "old1b", "x"), retry("old1", "f", catT0.Add(2*time.Hour))); err != nil || c.GetName() != "agencies/metro/courses/old1b" {
			t.Fatalf("purged id: %v %v, want a new course", c.GetName(), err)
		}
		if c, err := s.CreateCourse(t.Context(), newCatCourse("metro", "newb", "x"), retry("new", "f", catT0.Add(2*time.Hour))); err != nil || c.GetName() != "agencies/metro/courses/new" {
			t.Fatalf("kept id: %v %v, want the first course", c.GetName(), err)
		}
	})
}
