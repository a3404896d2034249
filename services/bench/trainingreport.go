package main

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
)

// trainingNameWidth aligns the per-run lines of every path.
const trainingNameWidth = 26

// trainingRow is one path's runs, the baseline agency's then the large
// one's.
type trainingRow struct {
	path string
	runs []reportRun
}

// trainingRatios are the large agency's costs over the baseline's.
type trainingRatios struct {
	p50, p99, cpu float64
	// cpuPerOfficer is cpu divided by the ratio of their officers: below 1
	// when a report's fixed cost is spread over more officers, above 1
	// when each officer costs more in a larger agency.
	cpuPerOfficer float64
}

func ratiosOf(base, large reportRun, baseOfficers, largeOfficers int) trainingRatios {
	r := trainingRatios{
		p50: durationRatio(large.p(50), base.p(50)),
		p99: durationRatio(large.p(99), base.p(99)),
		cpu: durationRatio(large.cpu, base.cpu),
	}
	if r.cpu > 0 {
		r.cpuPerOfficer = r.cpu * float64(baseOfficers) / float64(largeOfficers)
	}
	return r
}

// printTrainingSummary prints a table of the paths: each agency's
// latencies and CPU time per report, the verdict on the large agency's
// p99 and its costs over the baseline's.
func printTrainingSummary(w io.Writer, agencies []*trainingAgency, rows []trainingRow) {
	base, large := agencies[0], agencies[1]
	fmt.Fprintf(w, "\n%s vs %s, one report at a time; target: p99 < %s for %s\n", large.label, base.label, ms(trainingTarget), large.label)
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	fmt.Fprintf(tw, "path\t%s p50/p95/p99\t%s p50/p95/p99\tCPU/report base/large\tp99 target\tlarge/base p50, p99, CPU\tCPU per officer large/base\n", base.label, large.label)
	for _, r := range rows {
		b, l := r.runs[0], r.runs[1]
		verdict := "PASS"
		if l.p(99) >= trainingTarget {
			verdict = "BELOW"
		}
		rt := ratiosOf(b, l, base.officers, large.officers)
		fmt.Fprintf(tw, "%s\t%s/%s/%s\t%s/%s/%s\t%s/%s\t%s\t%.2f, %.2f, %s\t%s\n", r.path,
			ms(b.p(50)), ms(b.p(95)), ms(b.p(99)), ms(l.p(50)), ms(l.p(95)), ms(l.p(99)),
			cpuMS(b.cpu), cpuMS(l.cpu), verdict, rt.p50, rt.p99, ratioText(rt.cpu), ratioText(rt.cpuPerOfficer))
	}
	tw.Flush()
}

// trainingNotes describe the data, the seeding and the reports, for the
// report's header.
func trainingNotes(agencies []*trainingAgency, summaries []*trainingv1.ComplianceSummary, sc trainingScale, days seedDays) []string {
	notes := []string{
		fmt.Sprintf("two agencies of %d mandatory courses each (recertified every 12 or 24 months in turn, pass mark %d), officers in", sc.courses, trainingPassMark),
		fmt.Sprintf("up to %d units, seeded through the public API over gRPC as a trainer, %d calls at a time: CreateCourse,", trainingUnitCount, trainingSeedWorkers),
		fmt.Sprintf("ImportOfficers (CSV), AssignCourse per unit and course due %s (units 3 mod 4 not yet assigned the last", days.due),
		fmt.Sprintf("course), CompleteEnrollment on every enrollment but for one officer in %d, who leaves one course in %d open", trainingLaggardEvery, trainingLaggardOpen),
		"(half of those after a failed attempt)",
	}
	for _, a := range agencies {
		s := a.seed
		notes = append(notes, fmt.Sprintf("  %-15s %6d officers, %7d enrollments, %7d passed, %5d failed attempts; seeded in %s (roster %s, assign %s, complete %s, %.0f attempts/s)",
			a.label, s.officers, s.enrollments, s.passed, s.failed, seedTime(s.total()), seedTime(s.roster), seedTime(s.assign), seedTime(s.complete),
			float64(s.passed+s.failed)/s.complete.Seconds()))
	}
	notes = append(notes, fmt.Sprintf("reports as of %s (today %s): the open assignments are overdue, 12-month certifications expiring, 24-month ones current", days.asOf, days.today))
	for i, a := range agencies {
		s := summaries[i]
		notes = append(notes, fmt.Sprintf("  %-15s compliant %d of %d officers; courses current %d, expiring %d, expired %d, missing %d, overdue %d",
			a.label, s.GetCompliantOfficerCount(), s.GetOfficerCount(), s.GetCurrentCount(), s.GetExpiringCount(), s.GetExpiredCount(), s.GetMissingCount(), s.GetOverdueCount()))
	}
	notes = append(notes,
		fmt.Sprintf("each path: %d unmeasured reports, then %d measured one after another, baseline agency first; the server's CPU", sc.warmup, sc.iterations),
		"time is read before and after the measured ones; a report walked in pages counts all of its pages",
	)
	return notes
}

// trainingLoad describes the load, for the report's header.
func trainingLoad(sc trainingScale) string {
	return fmt.Sprintf("one report in flight; per path and agency %d warm-up + %d measured reports", sc.warmup, sc.iterations)
}

// cpuMS formats a CPU time per report in milliseconds; "-" when unknown.
func cpuMS(d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	return ms(d)
}

// ratioText formats a cost ratio; "-" when unknown.
func ratioText(r float64) string {
	if r <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", r)
}

// seedTime rounds a seeding time for the report.
func seedTime(d time.Duration) time.Duration { return d.Round(100 * time.Millisecond) }
