package training

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
	"github.com/engagehq/engage/services/internal/idempotent"
	"github.com/engagehq/engage/services/internal/pagetoken"
	"google.golang.org/protobuf/proto"
)

// defaultComplianceOfficers is GetTrainingCompliance's page size when the
// request sets none, as the contract documents it; maxOfficers caps it.
const defaultComplianceOfficers = 100

// GetTrainingCompliance reports, as of a day, where each active officer of
// the agency (or of one unit) stands on each course required of them, and
// their credit hours that year. The summary counts every officer of the
// report; the officers come a page at a time, by badge.
func (s *reportServer) GetTrainingCompliance(ctx context.Context, req *trainingv1.GetTrainingComplianceRequest) (*trainingv1.TrainingCompliance, error) {
	q, err := s.complianceQuery(ctx, req.GetName(), req.GetUnit(), req.GetAsOf())
	if err != nil {
		return nil, err
	}
	scope := "GetTrainingCompliance\x00" + q.agency + "\x00" + q.unit + "\x00" + q.asOf
	after, err := pagetoken.Decode(req.GetPageToken(), scope)
	if err != nil {
		return nil, err
	}
	size := pagetoken.Size(req.GetPageSize(), defaultComplianceOfficers, maxOfficers)
	r, err := s.compliance(ctx, q)
	if err != nil {
		return nil, err
	}
	summary := s.summaries.of(r)
	first := r.after(after)
	last := min(first+size, len(r.standings))
	out := &trainingv1.TrainingCompliance{
		Name:              agencyName(q.agency) + "/trainingCompliance",
		Unit:              q.unit,
		AsOf:              q.asOf,
		CreditHoursTarget: r.target,
		Summary:           summary,
		Officers:          make([]*trainingv1.OfficerCompliance, 0, last-first),
	}
	var o officerCompliance
	for i := first; i < last; i++ {
		r.evaluate(&r.standings[i], &o)
		out.Officers = append(out.Officers, o.proto(r.standings[i].Officer))
	}
	if last < len(r.standings) {
		out.NextPageToken = pagetoken.Encode(scope, standingKey(r.standings[last-1].Officer))
	}
	return out, nil
}

// complianceQuery is a checked compliance request.
type complianceQuery struct {
	agency, unit, asOf string
	loc                *time.Location
}

// complianceQuery checks a compliance request's name and day, and that the
// caller is a trainer of the agency (NOT_FOUND otherwise). The day defaults
// to the agency's today.
func (s *Service) complianceQuery(ctx context.Context, name, unit, asOf string) (complianceQuery, error) {
	agency, err := parseSingleton("name", name, "trainingCompliance")
	if err != nil {
		return complianceQuery{}, err
	}
	c, err := s.callerOf(ctx, agency)
	if err != nil {
		return complianceQuery{}, err
	}
	if !c.trainer {
		return complianceQuery{}, notFound("training compliance", name)
	}
	if asOf == "" {
		asOf = c.today(s.now())
	} else if _, err := parseDay("as_of", asOf); err != nil {
		return complianceQuery{}, err
	}
	return complianceQuery{agency: agency, unit: unit, asOf: asOf, loc: c.loc}, nil
}

// compliance reads what the report q needs and sorts its officers by badge,
// then name.
func (s *Service) compliance(ctx context.Context, q complianceQuery) (*complianceReport, error) {
	target, err := s.creditHoursTarget(ctx, q.agency)
	if err != nil {
		return nil, err
	}
	courses, err := s.store.Courses(ctx, agencyName(q.agency))
	if err != nil {
		return nil, fmt.Errorf("compliance: %w", err)
	}
	standings, rev, err := s.store.Standings(ctx, agencyName(q.agency), q.unit)
	if err != nil {
		return nil, fmt.Errorf("compliance: %w", err)
	}
	r := newComplianceReport(courses, standings, q.asOf, q.loc, target)
	r.key = summaryKey{agency: q.agency, unit: q.unit, asOf: q.asOf, zone: q.loc.String(), revision: rev, target: target, courses: coursesHash(r.courses)}
	return r, nil
}

// summaryKey is everything a report's summary is computed from: the
// standings (by the store revision they were read at), the courses (by a
// hash of them), the day, the time zone and the target.
type summaryKey struct {
	agency, unit, asOf, zone string
	revision                 uint64
	target                   float64
	courses                  [sha256.Size]byte
}

// coursesHash hashes the courses a report requires from.
func coursesHash(courses []*trainingv1.Course) [sha256.Size]byte {
	h := sha256.New()
	for _, c := range courses {
		h.Write(idempotent.Fingerprint(c))
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}

// maxSummaries bounds the summaries summaryCache keeps.
const maxSummaries = 16

// summaryCache keeps the summaries of recent reports: a report walked page
// by page repeats its summary on every page, and evaluating every officer
// for it costs more than a page does.
type summaryCache struct {
	mu sync.Mutex
	m  map[summaryKey]*trainingv1.ComplianceSummary
}

// of returns r's summary, computing it unless it is kept.
func (c *summaryCache) of(r *complianceReport) *trainingv1.ComplianceSummary {
	c.mu.Lock()
	sum, ok := c.m[r.key]
	c.mu.Unlock()
	if !ok {
		sum = r.summary()
		c.mu.Lock()
		if c.m == nil || len(c.m) >= maxSummaries {
			c.m = make(map[summaryKey]*trainingv1.ComplianceSummary)
		}
		c.m[r.key] = sum
		c.mu.Unlock()
	}
	return proto.CloneOf(sum)
}

// complianceReport computes a compliance report: where each officer stands
// as of a day. The required set of each unit is worked out once, and an
// officer's standing is computed into a reused officerCompliance, so that
// a report of thousands of officers allocates little beyond its page.
type complianceReport struct {
	asOf string
	// yearStart is 1 January of asOf's year: credit hours count from it.
	yearStart string
	// cutoff is the start of the day after asOf in the agency's time zone:
	// an enrollment created before it was assigned by asOf.
	cutoff time.Time
	target float64
	// courses are the courses not retired, by title, then name; index maps
	// a course's name to its position.
	courses []*trainingv1.Course
	index   map[string]int
	// mandatory marks the courses required of every officer; units holds,
	// per unit, those required of its officers (mandatory ones included),
	// filled on first use.
	mandatory []bool
	units     map[string][]bool
	// states memoizes certState per expire day: officers share few
	// distinct days, and certState allocates.
	states map[string]trainingv1.CourseCompliance_State
	// standings are the report's officers, by badge, then name.
	standings []Standing
	// key identifies the report's summary.
	key summaryKey
}

// newComplianceReport prepares the report as of day asOf (valid) in loc.
// It orders standings by badge, then name, on a copy when they are not
// (the store's are, and are shared).
func newComplianceReport(courses []*trainingv1.Course, standings []Standing, asOf string, loc *time.Location, target float64) *complianceReport {
	courses = slices.DeleteFunc(slices.Clone(courses), func(c *trainingv1.Course) bool { return c.GetDeleteTime() != nil })
	slices.SortFunc(courses, func(a, b *trainingv1.Course) int {
		return cmpPair(strings.ToLower(a.GetTitle()), a.GetName(), strings.ToLower(b.GetTitle()), b.GetName())
	})
	r := &complianceReport{
		asOf:      asOf,
		yearStart: asOf[:4] + "-01-01",
		target:    target,
		courses:   courses,
		index:     make(map[string]int, len(courses)),
		mandatory: make([]bool, len(courses)),
		units:     make(map[string][]bool),
		states:    make(map[string]trainingv1.CourseCompliance_State),
		standings: standings,
	}
	day, _ := time.ParseInLocation(dayLayout, asOf, loc)
	r.cutoff = day.AddDate(0, 0, 1)
	for i, c := range courses {
		r.index[c.GetName()] = i
		r.mandatory[i] = c.GetMandatory()
	}
	byBadge := func(a, b Standing) int {
		return cmpPair(a.Officer.GetBadge(), a.Officer.GetName(), b.Officer.GetBadge(), b.Officer.GetName())
	}
	if !slices.IsSortedFunc(standings, byBadge) {
		r.standings = slices.SortedFunc(slices.Values(standings), byBadge)
	}
	return r
}

// cmpPair orders (a1, a2) and (b1, b2) by their first, then second parts.
func cmpPair(a1, a2, b1, b2 string) int {
	if c := strings.Compare(a1, b1); c != 0 {
		return c
	}
	return strings.Compare(a2, b2)
}

// standingKey is the page cursor of an officer: badge, 0, name.
func standingKey(o *trainingv1.Officer) []byte {
	return []byte(o.GetBadge() + "\x00" + o.GetName())
}

// after returns the index of the first officer after cursor (nil for the
// first page).
func (r *complianceReport) after(cursor []byte) int {
	if cursor == nil {
		return 0
	}
	i, _ := slices.BinarySearchFunc(r.standings, cursor, func(s Standing, k []byte) int {
		if c := bytes.Compare(standingKey(s.Officer), k); c != 0 {
			return c
		}
		return -1 // equal keys come before: start after them
	})
	return i
}

// unitRequired returns which courses are required of every officer of
// unit, by position in r.courses.
func (r *complianceReport) unitRequired(unit string) []bool {
	if req, ok := r.units[unit]; ok {
		return req
	}
	req := slices.Clone(r.mandatory)
	for i, c := range r.courses {
		if !req[i] && unit != "" && slices.Contains(c.GetRequiredUnits(), unit) {
			req[i] = true
		}
	}
	r.units[unit] = req
	return req
}

// officerCompliance is where one officer stands. evaluate reuses its
// slices from officer to officer.
type officerCompliance struct {
	required  []bool
	courses   []courseCompliance
	hours     float64
	compliant bool
}

// courseCompliance is where an officer stands on one required course.
type courseCompliance struct {
	course  *trainingv1.Course
	state   trainingv1.CourseCompliance_State
	expire  string
	due     string
	overdue bool
}

// evaluate works out where st's officer stands, into o.
func (r *complianceReport) evaluate(st *Standing, o *officerCompliance) {
	o.required = append(o.required[:0], r.unitRequired(st.Officer.GetUnit())...)
	for course, a := range st.Assignments {
		if i, ok := r.index[course]; ok && a.AssignTime.Before(r.cutoff) {
			o.required[i] = true
		}
	}
	o.courses = o.courses[:0]
	o.compliant = true
	for i, required := range o.required {
		if !required {
			continue
		}
		c := courseCompliance{course: r.courses[i], state: trainingv1.CourseCompliance_STATE_MISSING}
		certs := st.Certifications[c.course.GetName()]
		for j := len(certs) - 1; j >= 0; j-- {
			if certs[j].Completion <= r.asOf {
				c.expire = certs[j].Expire
				c.state = r.state(c.expire)
				break
			}
		}
		if a, ok := st.Assignments[c.course.GetName()]; ok && a.Open && a.AssignTime.Before(r.cutoff) {
			c.due = a.DueDate
			c.overdue = overdue(a.DueDate, r.asOf)
		}
		if c.state != trainingv1.CourseCompliance_STATE_CURRENT && c.state != trainingv1.CourseCompliance_STATE_EXPIRING {
			o.compliant = false
		}
		o.courses = append(o.courses, c)
	}
	o.hours = 0
	for _, cr := range st.Credits {
		if cr.Date >= r.yearStart && cr.Date <= r.asOf {
			o.hours += cr.Hours
		}
	}
	// Hours are kept to thousandths; the rounding drops the float sum's
	// noise (0.1 + 0.2).
	o.hours = math.Round(o.hours*1000) / 1000
}

// state is the state as of the report's day of a certification whose last
// valid day is expire.
func (r *complianceReport) state(expire string) trainingv1.CourseCompliance_State {
	st, ok := r.states[expire]
	if !ok {
		st = stateOf(certState(expire, r.asOf))
		r.states[expire] = st
	}
	return st
}

// stateOf is the contract's state of a certification's standing.
func stateOf(s CertStanding) trainingv1.CourseCompliance_State {
	switch s {
	case StandingCurrent:
		return trainingv1.CourseCompliance_STATE_CURRENT
	case StandingExpiring:
		return trainingv1.CourseCompliance_STATE_EXPIRING
	default:
		return trainingv1.CourseCompliance_STATE_EXPIRED
	}
}

// summary counts the report's officers and their required courses.
func (r *complianceReport) summary() *trainingv1.ComplianceSummary {
	sum := &trainingv1.ComplianceSummary{OfficerCount: int32(len(r.standings))}
	var o officerCompliance
	for i := range r.standings {
		r.evaluate(&r.standings[i], &o)
		if o.compliant {
			sum.CompliantOfficerCount++
		}
		if o.hours >= r.target {
			sum.HoursMetOfficerCount++
		}
		for _, c := range o.courses {
			switch c.state {
			case trainingv1.CourseCompliance_STATE_CURRENT:
				sum.CurrentCount++
			case trainingv1.CourseCompliance_STATE_EXPIRING:
				sum.ExpiringCount++
			case trainingv1.CourseCompliance_STATE_EXPIRED:
				sum.ExpiredCount++
			default:
				sum.MissingCount++
			}
			if c.overdue {
				sum.OverdueCount++
			}
		}
	}
	return sum
}

// proto is o as the contract has it, for officer off.
func (o *officerCompliance) proto(off *trainingv1.Officer) *trainingv1.OfficerCompliance {
	out := &trainingv1.OfficerCompliance{
		Officer:     off.GetName(),
		Badge:       off.GetBadge(),
		DisplayName: off.GetDisplayName(),
		Unit:        off.GetUnit(),
		Courses:     make([]*trainingv1.CourseCompliance, len(o.courses)),
		CreditHours: o.hours,
		Compliant:   o.compliant,
	}
	for i, c := range o.courses {
		out.Courses[i] = &trainingv1.CourseCompliance{
			Course:      c.course.GetName(),
			CourseTitle: c.course.GetTitle(),
			State:       c.state,
			ExpireDate:  c.expire,
			DueDate:     c.due,
			Overdue:     c.overdue,
		}
	}
	return out
}
