package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestTrainingFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		want    trainingScale
		wantErr bool
	}{
		{"defaults", []string{"-suite", "training"}, trainingScale{officers: 5000, baseline: 100, courses: 20, iterations: 200, warmup: 20}, false},
		{"quick look", []string{"-suite", "training", "-officers", "500", "-courses", "5", "-iterations", "20"}, trainingScale{officers: 500, baseline: 100, courses: 5, iterations: 20, warmup: 5}, false},
		{"smaller than the baseline", []string{"-suite", "training", "-officers", "40"}, trainingScale{officers: 40, baseline: 40, courses: 20, iterations: 200, warmup: 20}, false},
		{"no officers", []string{"-suite", "training", "-officers", "0"}, trainingScale{}, true},
		{"too many officers", []string{"-suite", "training", "-officers", "20001"}, trainingScale{}, true},
		{"no courses", []string{"-suite", "training", "-courses", "0"}, trainingScale{}, true},
		{"too many courses", []string{"-suite", "training", "-courses", "201"}, trainingScale{}, true},
		{"no iterations", []string{"-suite", "training", "-iterations", "0"}, trainingScale{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o, err := parseFlags(tt.args, io.Discard)
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseFlags(%q) error = %v, want error: %v", tt.args, err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if o.suite != suiteTraining {
				t.Errorf("suite = %q, want %q", o.suite, suiteTraining)
			}
			if diff := cmp.Diff(tt.want, scaleOf(o), cmp.AllowUnexported(trainingScale{})); diff != "" {
				t.Errorf("scale (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRosterCSV checks the roster a chunk imports: the contract's header,
// one row per officer with a badge of its own, and the units in turn.
func TestRosterCSV(t *testing.T) {
	t.Parallel()
	rows, err := csv.NewReader(strings.NewReader(rosterCSV(10, 14, 3))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"badge", "display_name", "unit"},
		{"B000011", "Omar Haddad", "patrol-south"},
		{"B000012", "Hannah Brennan", "patrol-east"},
		{"B000013", "Maria Lindqvist", "patrol-north"},
		{"B000014", "James Alvarez", "patrol-south"},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("roster (-want +got):\n%s", diff)
	}
}

// TestCourseTopics checks that course titles stay distinct past the
// topics' first round.
func TestCourseTopics(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for i := range trainingMaxCourses {
		title, competency := courseTopic(i)
		if seen[title] {
			t.Fatalf("course %d: title %q handed out twice", i, title)
		}
		if competency == 0 {
			t.Errorf("course %d: no competency", i)
		}
		seen[title] = true
	}
}

func TestSeedDays(t *testing.T) {
	t.Parallel()
	// 18:00 UTC is midday in Chicago, the same day whatever the season.
	got := seedDaysOf(time.Date(2026, 3, 1, 18, 0, 0, 0, time.UTC))
	want := seedDays{today: "2026-03-01", due: "2026-03-31", asOf: "2027-02-14"}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(seedDays{})); diff != "" {
		t.Errorf("days (-want +got):\n%s", diff)
	}
}

func TestTrainingRatios(t *testing.T) {
	t.Parallel()
	run := func(p50, p99, cpu time.Duration) reportRun {
		lat := make([]time.Duration, 100)
		for i := range lat {
			lat[i] = p50
		}
		lat[98], lat[99] = p99, p99
		return reportRun{latencies: lat, cpu: cpu}
	}
	tests := []struct {
		name        string
		base, large reportRun
		want        trainingRatios
	}{
		{"linear in officers", run(2*time.Millisecond, 4*time.Millisecond, time.Millisecond), run(100*time.Millisecond, 200*time.Millisecond, 50*time.Millisecond), trainingRatios{50, 50, 50, 1}},
		{"fixed cost spread", run(10*time.Millisecond, 10*time.Millisecond, 10*time.Millisecond), run(50*time.Millisecond, 100*time.Millisecond, 100*time.Millisecond), trainingRatios{5, 10, 10, 0.2}},
		{"CPU unknown", run(time.Millisecond, time.Millisecond, 0), run(time.Millisecond, time.Millisecond, 0), trainingRatios{1, 1, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := ratiosOf(tt.base, tt.large, 100, 5000)
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(trainingRatios{})); diff != "" {
				t.Errorf("ratios (-want +got):\n%s", diff)
			}
		})
	}
}

// TestTrainingSuite runs the whole suite at a tiny scale on an Engage in
// this process: seeding through the API, every report path on both
// agencies, and the report, which must name every path with a verdict.
func TestTrainingSuite(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts Engage and seeds two agencies")
	}
	s, err := startEngage(t.Context(), t.TempDir(), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.stop(context.Background()); err != nil {
			t.Error(err)
		}
	})
	var out strings.Builder
	r := &runner{o: options{suite: suiteTraining}, stdout: &out, stderr: io.Discard}
	sc := trainingScale{officers: 24, baseline: 6, courses: 4, iterations: 3, warmup: 1}
	if err := benchTraining(t.Context(), s.addrs, nil, sc, r); err != nil {
		t.Fatalf("%v\noutput:\n%s", err, out.String())
	}
	report := out.String()
	for _, want := range []string{
		"gRPC report, pages of 1000", "gRPC one page of 100", "gRPC CSV export", "REST report, pages of 1000",
		"24 officers", "compliant ", "PASS",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("the report does not say %q:\n%s", want, report)
		}
	}
}

// TestAttemptOn checks the seeded mix: scores in range, about one officer
// in trainingLaggardEvery with gaps, about one of their courses in
// trainingLaggardOpen open, and everyone else passing everything.
func TestAttemptOn(t *testing.T) {
	t.Parallel()
	const officers, courses = 2000, 20
	laggards, open, failed := 0, 0, 0
	for o := range officers {
		gaps := 0
		for c := range courses {
			course := fmt.Sprintf("agencies/a/courses/c%d", c)
			e := fmt.Sprintf("agencies/a/officers/o%d/enrollments/e%d", o, c)
			a := attemptOn(e, course)
			if a != attemptOn(e, course) {
				t.Fatalf("attemptOn(%q) is not deterministic", e)
			}
			switch {
			case a.score == 0:
				gaps++
			case a.score == trainingFailScore:
				gaps++
				failed++
			case a.score < trainingPassMark || a.score > 100:
				t.Fatalf("attemptOn(%q) scores %d", e, a.score)
			}
		}
		if gaps > 0 {
			laggards++
			open += gaps
		}
	}
	if share := float64(laggards) / officers; share < 0.15 || share > 0.25 {
		t.Errorf("%d of %d officers have gaps, want about 1 in %d", laggards, officers, trainingLaggardEvery)
	}
	if share := float64(open) / float64(laggards*courses); share < 0.2 || share > 0.33 {
		t.Errorf("laggards leave %d of %d courses open, want about 1 in %d", open, laggards*courses, trainingLaggardOpen)
	}
	if failed == 0 || failed == open {
		t.Errorf("%d of %d gaps have a failed attempt, want about half", failed, open)
	}
}
