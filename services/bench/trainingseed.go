package main

import (
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
)

// The seeding: every call goes through the public API over gRPC as the
// trainer, as an agency's own tools would.
const (
	// trainingTimeZone is both agencies' time zone; due dates and the
	// report's day are calendar days in it.
	trainingTimeZone = "America/Chicago"
	// trainingSeedWorkers is how many seeding calls run at once.
	trainingSeedWorkers = 32
	// trainingImportRows is the most officers one ImportOfficers call
	// carries (the contract allows 10,000 rows and 1 MB).
	trainingImportRows = 5000
	// trainingPassMark is every course's pass mark; seeded passes score
	// from it to 100, failed attempts trainingFailScore.
	trainingPassMark  = 70
	trainingFailScore = 40
	// trainingLaggardEvery makes one officer in this many, picked by a
	// hash of their name, a laggard, who leaves one enrollment in
	// trainingLaggardOpen open (half of those after a failed attempt);
	// everyone else passes every course assigned.
	trainingLaggardEvery = 5
	trainingLaggardOpen  = 4
	// trainingDueDays is how many days after today the assignments are
	// due, and trainingAsOfDays the day the reports are asked for: late
	// enough that the open assignments are overdue and the certifications
	// of 12 months expire within 30 days, while those of 24 stay current.
	trainingDueDays  = 30
	trainingAsOfDays = 350
)

// trainingUnitCount is how many units the officers of an agency of that
// many or more serve in.
const trainingUnitCount = 10

// trainingUnit names unit u of trainingUnitCount.
func trainingUnit(u int) string {
	names := [trainingUnitCount]string{
		"patrol-north", "patrol-south", "patrol-east", "patrol-west", "traffic",
		"investigations", "narcotics", "community", "k9", "tactical",
	}
	return names[u]
}

// courseTopic is course i's title and competency; titles repeat,
// numbered, past the first twenty.
func courseTopic(i int) (string, trainingv1.Competency) {
	topics := [...]struct {
		title      string
		competency trainingv1.Competency
	}{
		{"De-escalation in Street Encounters", trainingv1.Competency_COMPETENCY_DE_ESCALATION},
		{"Resolving Neighbour Disputes", trainingv1.Competency_COMPETENCY_CONFLICT_RESOLUTION},
		{"Policing a Diverse City", trainingv1.Competency_COMPETENCY_CULTURAL_SENSITIVITY},
		{"Responding to Mental Health Crises", trainingv1.Competency_COMPETENCY_CRISIS_MANAGEMENT},
		{"Procedural Justice in Practice", trainingv1.Competency_COMPETENCY_PROCEDURAL_JUSTICE},
		{"Supporting Victims of Crime", trainingv1.Competency_COMPETENCY_VICTIM_SUPPORT},
		{"Officer Wellbeing and Resilience", trainingv1.Competency_COMPETENCY_WELLBEING},
		{"Use of Force: Law and Proportion", trainingv1.Competency_COMPETENCY_USE_OF_FORCE},
		{"Recognizing Implicit Bias", trainingv1.Competency_COMPETENCY_IMPLICIT_BIAS},
		{"Communicating with the Public", trainingv1.Competency_COMPETENCY_COMMUNICATION},
		{"Legal Updates for Patrol", trainingv1.Competency_COMPETENCY_LEGAL_UPDATES},
		{"First Aid and Emergency Care", trainingv1.Competency_COMPETENCY_FIRST_AID},
		{"Domestic Violence Response", trainingv1.Competency_COMPETENCY_VICTIM_SUPPORT},
		{"Youth Encounters", trainingv1.Competency_COMPETENCY_COMMUNICATION},
		{"Crisis Intervention Team Basics", trainingv1.Competency_COMPETENCY_CRISIS_MANAGEMENT},
		{"Fair and Impartial Traffic Stops", trainingv1.Competency_COMPETENCY_IMPLICIT_BIAS},
		{"Hate Crime Investigation", trainingv1.Competency_COMPETENCY_CULTURAL_SENSITIVITY},
		{"Body-worn Camera Policy", trainingv1.Competency_COMPETENCY_LEGAL_UPDATES},
		{"Tactical Communication", trainingv1.Competency_COMPETENCY_DE_ESCALATION},
		{"Naloxone and Overdose Response", trainingv1.Competency_COMPETENCY_FIRST_AID},
	}
	t := topics[i%len(topics)]
	if round := i / len(topics); round > 0 {
		return fmt.Sprintf("%s %d", t.title, round+1), t.competency
	}
	return t.title, t.competency
}

// seedDays are the calendar days the seeding and the reports use.
type seedDays struct {
	today, due, asOf string
}

// seedDaysOf are today in trainingTimeZone (UTC where the machine has no
// zone database; a day off changes nothing measured), the assignments'
// due day and the reports' day.
func seedDaysOf(now time.Time) seedDays {
	if loc, err := time.LoadLocation(trainingTimeZone); err == nil {
		now = now.In(loc)
	}
	day := func(d int) string { return now.AddDate(0, 0, d).Format(time.DateOnly) }
	return seedDays{today: day(0), due: day(trainingDueDays), asOf: day(trainingAsOfDays)}
}

// seedStats are what seeding one agency wrote and how long it took.
type seedStats struct {
	courses, officers int
	// enrollments were assigned; passed of them completed, failed got a
	// failed attempt and stay open, as do the others left open.
	enrollments, passed, failed int
	roster, assign, complete    time.Duration
}

func (s seedStats) total() time.Duration { return s.roster + s.assign + s.complete }

// seeder fills one agency.
type seeder struct {
	conn *grpc.ClientConn
	// signIn returns the trainer's token for the next phase.
	signIn   func(ctx context.Context) (string, error)
	agency   string
	officers int
	courses  int
	days     seedDays
	progress io.Writer
}

// attempt is one CompleteEnrollment the seeding makes.
type attempt struct {
	enrollment string
	score      int32
}

// seed creates the courses and the roster, assigns every course to every
// unit (but the gap assign describes) and completes the
// enrollments but the laggards' gaps (see attemptOn).
func (s *seeder) seed(ctx context.Context) (seedStats, error) {
	st := seedStats{courses: s.courses, officers: s.officers}
	// Each phase signs in afresh: the completions of a large agency can
	// outlast an access token.
	as, err := s.trainer(ctx)
	if err != nil {
		return st, err
	}
	start := time.Now()
	courses, err := s.createCourses(as)
	if err != nil {
		return st, err
	}
	if err := s.importRoster(as); err != nil {
		return st, err
	}
	st.roster = time.Since(start)

	if as, err = s.trainer(ctx); err != nil {
		return st, err
	}
	start = time.Now()
	attempts, err := s.assign(as, courses)
	if err != nil {
		return st, err
	}
	st.assign = time.Since(start)
	st.enrollments = len(attempts)
	for _, a := range attempts {
		switch {
		case a.score >= trainingPassMark:
			st.passed++
		case a.score > 0:
			st.failed++
		}
	}

	if as, err = s.trainer(ctx); err != nil {
		return st, err
	}
	start = time.Now()
	if err := s.complete(as, attempts); err != nil {
		return st, err
	}
	st.complete = time.Since(start)
	return st, nil
}

// trainer is ctx carrying the trainer's credentials.
func (s *seeder) trainer(ctx context.Context) (context.Context, error) {
	token, err := s.signIn(ctx)
	if err != nil {
		return nil, err
	}
	return bearer(ctx, token), nil
}

// units is how many units the agency's officers serve in.
func (s *seeder) units() int { return min(trainingUnitCount, s.officers) }

// createCourses creates the mandatory courses, recertified every 12 or 24
// months in turn, and returns their names.
func (s *seeder) createCourses(ctx context.Context) ([]string, error) {
	client := trainingv1.NewCourseServiceClient(s.conn)
	names := make([]string, s.courses)
	err := parallel(ctx, s.courses, trainingSeedWorkers, func(ctx context.Context, i int) error {
		title, competency := courseTopic(i)
		c, err := client.CreateCourse(ctx, &trainingv1.CreateCourseRequest{
			Parent: s.agency,
			Course: &trainingv1.Course{
				Title:                 title,
				Description:           "A mandatory course of the benchmark's catalogue.",
				Competencies:          []trainingv1.Competency{competency},
				CreditHours:           float64(2 + 2*(i%4)),
				PassMark:              trainingPassMark,
				RecertificationMonths: int32(12 * (1 + i%2)),
				Mandatory:             true,
			},
			RequestId: uuid.NewString(),
		})
		if err != nil {
			return fmt.Errorf("create course %q: %w", title, err)
		}
		names[i] = c.GetName()
		return nil
	})
	return names, err
}

// importRoster imports the officers from CSV, trainingImportRows at a
// time: badge B000001…, a name, and unit i mod units().
func (s *seeder) importRoster(ctx context.Context) error {
	client := trainingv1.NewOfficerServiceClient(s.conn)
	for first := 0; first < s.officers; first += trainingImportRows {
		last := min(first+trainingImportRows, s.officers)
		res, err := client.ImportOfficers(ctx, &trainingv1.ImportOfficersRequest{
			Parent:     s.agency,
			CsvContent: rosterCSV(first, last, s.units()),
			RequestId:  uuid.NewString(),
		})
		if err != nil {
			return fmt.Errorf("import officers %d to %d: %w", first+1, last, err)
		}
		if got := int(res.GetCreatedCount()); got != last-first {
			return fmt.Errorf("import officers %d to %d: %d created, want %d", first+1, last, got, last-first)
		}
	}
	return nil
}

// rosterCSV is the roster of officers [first, last) as ImportOfficers
// takes it.
func rosterCSV(first, last, units int) string {
	givenNames := [...]string{"Maria", "James", "Aisha", "Wei", "Daniel", "Sofia", "Marcus", "Priya", "Tomás", "Grace", "Omar", "Hannah"}
	surnames := [...]string{"Alvarez", "Johnson", "Okafor", "Chen", "Murphy", "Rossi", "Washington", "Patel", "Nguyen", "Kowalski", "Haddad", "Brennan", "Lindqvist"}
	var b strings.Builder
	b.WriteString("badge,display_name,unit\n")
	for i := first; i < last; i++ {
		fmt.Fprintf(&b, "B%06d,%s %s,%s\n", i+1, givenNames[i%len(givenNames)], surnames[i%len(surnames)], trainingUnit(i%units))
	}
	return b.String()
}

// assign assigns every course to every unit, except the last course to
// the units whose index is 3 mod 4, and returns the attempt to make on
// each enrollment (see attemptOn).
func (s *seeder) assign(ctx context.Context, courses []string) ([]attempt, error) {
	type pair struct{ course, unit int }
	var pairs []pair
	for c := range courses {
		for u := range s.units() {
			if c == len(courses)-1 && u%4 == 3 {
				continue
			}
			pairs = append(pairs, pair{c, u})
		}
	}
	client := trainingv1.NewCourseServiceClient(s.conn)
	perPair := make([][]attempt, len(pairs))
	err := parallel(ctx, len(pairs), trainingSeedWorkers, func(ctx context.Context, i int) error {
		p := pairs[i]
		res, err := client.AssignCourse(ctx, &trainingv1.AssignCourseRequest{
			Name:      courses[p.course],
			Unit:      trainingUnit(p.unit),
			DueDate:   s.days.due,
			Reason:    "Annual mandatory training.",
			RequestId: uuid.NewString(),
		})
		if err != nil {
			return fmt.Errorf("assign %s to unit %s: %w", courses[p.course], trainingUnit(p.unit), err)
		}
		if n := len(res.GetSkippedOfficers()); n > 0 {
			return fmt.Errorf("assign %s to unit %s: %d officers skipped, want none", courses[p.course], trainingUnit(p.unit), n)
		}
		for _, e := range res.GetEnrollments() {
			perPair[i] = append(perPair[i], attemptOn(e.GetName(), courses[p.course]))
		}
		return nil
	})
	var all []attempt
	for _, as := range perPair {
		all = append(all, as...)
	}
	return all, err
}

// attemptOn is the attempt to make on an enrollment in course: a pass
// scoring from the pass mark to 100, or, for the laggards (one officer in
// trainingLaggardEvery), on one course in trainingLaggardOpen, nothing
// (score 0) or a failed attempt. Laggards and their gaps are picked by
// hashing the officer's and the course's names, so that an officer is a
// laggard in every course, whatever order AssignCourse answers in.
func attemptOn(enrollment, course string) attempt {
	officer, _, _ := strings.Cut(enrollment, "/enrollments/")
	h := fnv.New64a()
	h.Write([]byte(officer))
	who := h.Sum64()
	h.Write([]byte(course))
	what := h.Sum64()
	a := attempt{enrollment: enrollment, score: int32(trainingPassMark + what%(101-trainingPassMark))}
	if who%trainingLaggardEvery == 0 && what%trainingLaggardOpen == 0 {
		a.score = 0
		if what%(2*trainingLaggardOpen) == 0 {
			a.score = trainingFailScore
		}
	}
	return a
}

// complete makes the attempts that have a score, trainingSeedWorkers at
// a time, and tells progress every ten seconds.
func (s *seeder) complete(ctx context.Context, attempts []attempt) error {
	// Attempts without a score leave their enrollment open.
	scored := slices.DeleteFunc(slices.Clone(attempts), func(a attempt) bool { return a.score == 0 })
	client := trainingv1.NewEnrollmentServiceClient(s.conn)
	var done atomic.Int64
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		t := time.NewTicker(10 * time.Second)
		defer t.Stop()
		start := time.Now()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				d := done.Load()
				fmt.Fprintf(s.progress, "bench: %d of %d attempts, %.0f/s\n", d, len(scored), float64(d)/time.Since(start).Seconds())
			}
		}
	}()
	return parallel(ctx, len(scored), trainingSeedWorkers, func(ctx context.Context, i int) error {
		a := scored[i]
		e, err := client.CompleteEnrollment(ctx, &trainingv1.CompleteEnrollmentRequest{
			Name:      a.enrollment,
			Score:     proto.Int32(a.score),
			RequestId: uuid.NewString(),
		})
		if err != nil {
			return fmt.Errorf("complete %s: %w", a.enrollment, err)
		}
		want := trainingv1.Enrollment_STATE_COMPLETED
		if a.score < trainingPassMark {
			want = trainingv1.Enrollment_STATE_IN_PROGRESS
		}
		if e.GetState() != want {
			return fmt.Errorf("complete %s with score %d: state %s, want %s", a.enrollment, a.score, e.GetState(), want)
		}
		done.Add(1)
		return nil
	})
}
