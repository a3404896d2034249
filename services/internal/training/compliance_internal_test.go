package training

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"testing"
	"time"

	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
	"github.com/engagehq/engage/services/internal/csvstream"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// complianceFixture is a report as of 2026-11-23 in Chicago: three
// officers, sorted by badge once the report is made.
func complianceFixture(t *testing.T) *complianceReport {
	t.Helper()
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	retired := &trainingv1.Course{Name: "agencies/metro/courses/r", Title: "Retired", Mandatory: true, DeleteTime: timestamppb.Now()}
	courses := []*trainingv1.Course{
		{Name: "agencies/metro/courses/u", Title: "Unit course", RequiredUnits: []string{"north"}},
		{Name: "agencies/metro/courses/m", Title: "mandatory course", Mandatory: true},
		{Name: "agencies/metro/courses/a", Title: "Assigned course"},
		retired,
	}
	// The last moment of 2026-11-23 in Chicago, and the first of the next day.
	lastMoment := time.Date(2026, 11, 24, 5, 59, 59, 0, time.UTC)
	nextDay := time.Date(2026, 11, 24, 6, 0, 0, 0, time.UTC)
	officer := func(id, badge, unit string) *trainingv1.Officer {
		return &trainingv1.Officer{Name: "agencies/metro/officers/" + id, Badge: badge, DisplayName: "Officer " + id, Unit: unit}
	}
	standings := []Standing{
		{
			Officer: officer("o3", "003", "south"),
			Certifications: map[string][]CertificationDates{
				"agencies/metro/courses/m": {{Completion: "2026-06-01", Expire: "2027-06-01"}},
			},
			Credits: []Credit{{Date: "2026-03-01", Hours: 39.9}, {Date: "2026-04-01", Hours: 0.1}},
		},
		{
			Officer: officer("o1", "001", "north"),
			Certifications: map[string][]CertificationDates{
				// Expires in exactly 30 days.
				"agencies/metro/courses/m": {{Completion: "2025-12-23", Expire: "2026-12-23"}},
				"agencies/metro/courses/u": {{Completion: "2026-01-01"}},
				"agencies/metro/courses/r": {{Completion: "2026-01-01"}},
			},
			Assignments: map[string]Assignment{
				// Due today: not overdue; assigned at the day's last moment.
				"agencies/metro/courses/a": {DueDate: "2026-11-23", AssignTime: lastMoment, Open: true},
			},
			Credits: []Credit{
				{Date: "2025-12-31", Hours: 3}, {Date: "2026-01-01", Hours: 2},
				{Date: "2026-11-23", Hours: 1.5}, {Date: "2026-11-24", Hours: 8},
			},
		},
		{
			Officer: officer("o2", "002", "south"),
			Certifications: map[string][]CertificationDates{
				// Expired yesterday; the later one is after the report's day.
				"agencies/metro/courses/m": {{Completion: "2025-11-22", Expire: "2026-11-22"}, {Completion: "2026-11-24", Expire: "2027-11-24"}},
			},
			Assignments: map[string]Assignment{
				"agencies/metro/courses/m": {DueDate: "2026-11-22", AssignTime: lastMoment.AddDate(0, -1, 0), Open: true},
				// Assigned the next day: not required yet.
				"agencies/metro/courses/a": {DueDate: "2026-12-01", AssignTime: nextDay, Open: true},
			},
		},
	}
	return newComplianceReport(courses, standings, "2026-11-23", chicago, 40)
}

func TestComplianceEvaluate(t *testing.T) {
	t.Parallel()
	r := complianceFixture(t)
	course := func(id, title string, state trainingv1.CourseCompliance_State, expire, due string, overdue bool) *trainingv1.CourseCompliance {
		return &trainingv1.CourseCompliance{
			Course: "agencies/metro/courses/" + id, CourseTitle: title, State: state, ExpireDate: expire, DueDate: due, Overdue: overdue,
		}
	}
	want := []*trainingv1.OfficerCompliance{
		{
			Officer: "agencies/metro/officers/o1", Badge: "001", DisplayName: "Officer o1", Unit: "north",
			Courses: []*trainingv1.CourseCompliance{
				course("a", "Assigned course", trainingv1.CourseCompliance_STATE_MISSING, "", "2026-11-23", false),
				course("m", "mandatory course", trainingv1.CourseCompliance_STATE_EXPIRING, "2026-12-23", "", false),
				course("u", "Unit course", trainingv1.CourseCompliance_STATE_CURRENT, "", "", false),
			},
			CreditHours: 3.5,
		},
		{
			Officer: "agencies/metro/officers/o2", Badge: "002", DisplayName: "Officer o2", Unit: "south",
			Courses: []*trainingv1.CourseCompliance{
				course("m", "mandatory course", trainingv1.CourseCompliance_STATE_EXPIRED, "2026-11-22", "2026-11-22", true),
			},
		},
		{
			Officer: "agencies/metro/officers/o3", Badge: "003", DisplayName: "Officer o3", Unit: "south",
			Courses: []*trainingv1.CourseCompliance{
				course("m", "mandatory course", trainingv1.CourseCompliance_STATE_CURRENT, "2027-06-01", "", false),
			},
			CreditHours: 40,
			Compliant:   true,
		},
	}
	var got []*trainingv1.OfficerCompliance
	var o officerCompliance
	for i := range r.standings {
		r.evaluate(&r.standings[i], &o)
		got = append(got, o.proto(r.standings[i].Officer))
	}
	if d := cmp.Diff(want, got, protocmp.Transform()); d != "" {
		t.Errorf("officers (-want +got):\n%s", d)
	}
	wantSummary := &trainingv1.ComplianceSummary{
		OfficerCount: 3, CompliantOfficerCount: 1, HoursMetOfficerCount: 1,
		CurrentCount: 2, ExpiringCount: 1, ExpiredCount: 1, MissingCount: 1, OverdueCount: 1,
	}
	if d := cmp.Diff(wantSummary, r.summary(), protocmp.Transform()); d != "" {
		t.Errorf("summary (-want +got):\n%s", d)
	}
}

func TestComplianceAfter(t *testing.T) {
	t.Parallel()
	r := complianceFixture(t)
	for _, tc := range []struct {
		name   string
		cursor []byte
		want   int
	}{
		{"first page", nil, 0},
		{"after the first", standingKey(r.standings[0].Officer), 1},
		{"after the last", standingKey(r.standings[2].Officer), 3},
		{"after an officer gone since", []byte("0015\x00agencies/metro/officers/x"), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := r.after(tc.cursor); got != tc.want {
				t.Fatalf("after(%q) = %d, want %d", tc.cursor, got, tc.want)
			}
		})
	}
}

func TestComplianceCSV(t *testing.T) {
	t.Parallel()
	full := complianceFixture(t)
	full.standings[1].Officer.DisplayName = "=cmd()"
	// The same officers, of whom no course is required.
	none := newComplianceReport(nil, complianceFixture(t).standings, "2026-11-23", time.UTC, 40)
	for _, tc := range []struct {
		name string
		r    *complianceReport
		want [][]string
	}{
		{
			name: "required courses",
			r:    full,
			want: [][]string{
				complianceHeader,
				{"001", "Officer o1", "north", "agencies/metro/courses/a", "Assigned course", "MISSING", "", "2026-11-23", "false", "3.5", "40", "false"},
				{"001", "Officer o1", "north", "agencies/metro/courses/m", "mandatory course", "EXPIRING", "2026-12-23", "", "false", "3.5", "40", "false"},
				{"001", "Officer o1", "north", "agencies/metro/courses/u", "Unit course", "CURRENT", "", "", "false", "3.5", "40", "false"},
				{"002", "'=cmd()", "south", "agencies/metro/courses/m", "mandatory course", "EXPIRED", "2026-11-22", "2026-11-22", "true", "0", "40", "false"},
				{"003", "Officer o3", "south", "agencies/metro/courses/m", "mandatory course", "CURRENT", "2027-06-01", "", "false", "40", "40", "true"},
			},
		},
		{
			name: "no required course",
			r:    none,
			want: [][]string{
				complianceHeader,
				{"001", "Officer o1", "north", "", "", "", "", "", "", "3.5", "40", "true"},
				{"002", "Officer o2", "south", "", "", "", "", "", "", "0", "40", "true"},
				{"003", "Officer o3", "south", "", "", "", "", "", "", "40", "40", "true"},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var body bytes.Buffer
			send := func(b *httpbody.HttpBody) error {
				if b.GetContentType() != "text/csv; charset=utf-8" {
					t.Errorf("content type %q", b.GetContentType())
				}
				body.Write(b.GetData())
				return nil
			}
			if err := writeComplianceCSV(csvstream.NewWriter(send), tc.r); err != nil {
				t.Fatal(err)
			}
			got, err := csv.NewReader(&body).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("rows (-want +got):\n%s", d)
			}
		})
	}
}

// BenchmarkCompliance measures a report of 5,000 officers and 20 courses:
// it must stay well under the 200 ms a page may take.
func BenchmarkCompliance(b *testing.B) {
	var courses []*trainingv1.Course
	for i := range 20 {
		c := &trainingv1.Course{Name: fmt.Sprintf("agencies/metro/courses/c%02d", i), Title: fmt.Sprintf("Course %02d", i), Mandatory: i < 8}
		if i >= 8 && i < 14 {
			c.RequiredUnits = []string{fmt.Sprintf("unit%d", i%5)}
		}
		courses = append(courses, c)
	}
	assigned := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	standings := make([]Standing, 5000)
	for i := range standings {
		st := Standing{
			Officer:        &trainingv1.Officer{Name: fmt.Sprintf("agencies/metro/officers/o%d", i), Badge: fmt.Sprintf("%05d", (i*7919)%5000), Unit: fmt.Sprintf("unit%d", i%5)},
			Certifications: map[string][]CertificationDates{},
			Assignments:    map[string]Assignment{},
		}
		for j, c := range courses {
			if (i+j)%3 != 0 {
				st.Certifications[c.GetName()] = []CertificationDates{{Completion: "2025-12-01", Expire: fmt.Sprintf("2026-12-%02d", 1+j)}}
			}
			if (i+j)%4 == 0 {
				st.Assignments[c.GetName()] = Assignment{DueDate: "2026-12-01", AssignTime: assigned, Open: true}
			}
		}
		for d := range 10 {
			st.Credits = append(st.Credits, Credit{Date: fmt.Sprintf("2026-%02d-10", 1+d), Hours: 2})
		}
		standings[i] = st
	}
	b.ReportAllocs()
	for b.Loop() {
		r := newComplianceReport(courses, standings, "2026-11-23", time.UTC, 40)
		_ = r.summary()
		var o officerCompliance
		for i := range 100 {
			r.evaluate(&r.standings[i], &o)
			_ = o.proto(r.standings[i].Officer)
		}
	}
}
