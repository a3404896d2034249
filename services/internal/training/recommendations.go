package training

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
	"github.com/engagehq/engage/services/internal/errs"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Defaults and limits of GetTrainingRecommendations, as the contract
// documents them.
const (
	defaultRecommendationWindow = 90 * 24 * time.Hour
	defaultRecommendations      = 10
	// maxReasonLen is AssignCourse's limit on reason, which a
	// recommendation's reason is made to fit.
	maxReasonLen = 1000
)

// GetTrainingRecommendations ranks the agency's courses by the complaints
// the Feedback service counted in an area, through the feedback categories
// each course addresses, so that what the community reports drives what
// officers learn. Feedback being unreachable or slow is UNAVAILABLE within
// Config.SummaryTimeout, not a hung request.
func (s *reportServer) GetTrainingRecommendations(ctx context.Context, req *trainingv1.GetTrainingRecommendationsRequest) (*trainingv1.TrainingRecommendations, error) {
	agency, err := parseSingleton("name", req.GetName(), "trainingRecommendations")
	if err != nil {
		return nil, err
	}
	c, err := s.callerOf(ctx, agency)
	if err != nil {
		return nil, err
	}
	if !c.trainer {
		return nil, notFound("training recommendations", req.GetName())
	}
	window := defaultRecommendationWindow
	if w := req.GetWindow(); w != nil {
		if err := w.CheckValid(); err != nil || w.AsDuration() <= 0 {
			return nil, errs.Field("window", "must be a positive duration")
		}
		window = w.AsDuration()
	}
	end := s.now()
	if t := req.GetEndTime(); t != nil {
		if err := t.CheckValid(); err != nil {
			return nil, errs.Field("end_time", "must be a valid time")
		}
		end = t.AsTime()
	}
	limit := defaultRecommendations
	if n := req.GetMaxResults(); n > 0 {
		limit = int(n)
	}
	courses, err := s.store.Courses(ctx, agencyName(agency))
	if err != nil {
		return nil, fmt.Errorf("recommendations: %w", err)
	}
	sum, err := s.complaintSummary(ctx, agency, req.GetArea(), end.Add(-window), end)
	if err != nil {
		return nil, err
	}
	recs, unaddressed := recommend(courses, sum.GetCategories(), limit)
	for _, r := range recs {
		r.Reason = recommendationReason(r, sum)
	}
	return &trainingv1.TrainingRecommendations{
		Name:                  req.GetName(),
		Area:                  req.GetArea(),
		StartTime:             sum.GetStartTime(),
		EndTime:               sum.GetEndTime(),
		Recommendations:       recs,
		UnaddressedCategories: unaddressed,
	}, nil
}

// complaintSummary asks the Feedback service for the complaints of area in
// [start, end), giving up after Config.SummaryTimeout. Failures the caller
// can do nothing about but retry are errs.Unavailable with a message that
// says so; the agency unknown to Feedback is errs.NotFound.
func (s *Service) complaintSummary(ctx context.Context, agency, area string, start, end time.Time) (*feedbackv1.ComplaintSummary, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.SummaryTimeout)
	defer cancel()
	sum, err := s.stats.GetComplaintSummary(ctx, &feedbackv1.GetComplaintSummaryRequest{
		Name:      agencyName(agency) + "/complaintSummary",
		Area:      area,
		StartTime: timestamppb.New(start),
		EndTime:   timestamppb.New(end),
	})
	if err == nil {
		return sum, nil
	}
	st, isStatus := status.FromError(err)
	switch {
	case isStatus && st.Code() == codes.NotFound:
		return nil, fmt.Errorf("complaint summary of %s: %w", agencyName(agency), errs.NotFound)
	case !isStatus, st.Code() == codes.Unavailable, st.Code() == codes.DeadlineExceeded:
		s.log.WarnContext(ctx, "feedback service unreachable for the complaint summary", "agency", agency, "error", err)
	default:
		s.log.ErrorContext(ctx, "feedback service failed the complaint summary", "agency", agency, "code", st.Code().String(), "error", err)
	}
	return nil, errs.Public(errs.Unavailable, "the feedback service cannot be reached for the complaint summary; try again later")
}

// recommend ranks the courses not retired by the complaints in the
// categories each addresses (courses with none are left out) and returns
// at most limit of them, with the categories that have complaints and no
// course, most complaints first. Reasons are left empty.
func recommend(courses []*trainingv1.Course, counts []*feedbackv1.CategoryCount, limit int) (recs []*trainingv1.Recommendation, unaddressed []*trainingv1.CategoryEvidence) {
	byCategory := make(map[string]*feedbackv1.CategoryCount, len(counts))
	for _, c := range counts {
		byCategory[c.GetCategory()] = c
	}
	addressed := make(map[string]bool)
	for _, course := range courses {
		if course.GetDeleteTime() != nil {
			continue
		}
		r := &trainingv1.Recommendation{Course: course.GetName(), CourseTitle: course.GetTitle()}
		for _, category := range course.GetFeedbackCategories() {
			addressed[category] = true
			c, ok := byCategory[category]
			if !ok || (c.GetCount() == 0 && c.GetPreviousCount() == 0) || slices.ContainsFunc(r.Evidence, func(e *trainingv1.CategoryEvidence) bool { return e.GetCategory() == category }) {
				continue
			}
			r.Evidence = append(r.Evidence, evidence(c))
			r.ComplaintCount += c.GetCount()
			r.PreviousComplaintCount += c.GetPreviousCount()
		}
		if r.ComplaintCount == 0 {
			continue
		}
		r.Trend = trend(r.ComplaintCount, r.PreviousComplaintCount)
		slices.SortFunc(r.Evidence, byCount)
		recs = append(recs, r)
	}
	slices.SortFunc(recs, func(a, b *trainingv1.Recommendation) int {
		return cmp.Or(
			cmp.Compare(b.GetComplaintCount(), a.GetComplaintCount()),
			cmp.Compare(a.GetPreviousComplaintCount(), b.GetPreviousComplaintCount()),
			strings.Compare(strings.ToLower(a.GetCourseTitle()), strings.ToLower(b.GetCourseTitle())),
			strings.Compare(a.GetCourse(), b.GetCourse()),
		)
	})
	recs = recs[:min(len(recs), limit)]
	for i, r := range recs {
		r.Rank = int32(i + 1)
	}
	for _, c := range counts {
		if c.GetCount() > 0 && !addressed[c.GetCategory()] {
			unaddressed = append(unaddressed, evidence(c))
		}
	}
	slices.SortFunc(unaddressed, byCount)
	return recs, unaddressed
}

// evidence is a category's counts as a recommendation states them.
func evidence(c *feedbackv1.CategoryCount) *trainingv1.CategoryEvidence {
	return &trainingv1.CategoryEvidence{
		Category:      c.GetCategory(),
		Count:         c.GetCount(),
		PreviousCount: c.GetPreviousCount(),
		Trend:         trend(c.GetCount(), c.GetPreviousCount()),
	}
}

// byCount orders evidence by count, most first, then category.
func byCount(a, b *trainingv1.CategoryEvidence) int {
	return cmp.Or(cmp.Compare(b.GetCount(), a.GetCount()), strings.Compare(a.GetCategory(), b.GetCategory()))
}

// trend is how a count moved from previous: by more than a fifth either
// way it is RISING or FALLING, and from none it is NEW.
func trend(count, previous int64) trainingv1.Trend {
	switch {
	case previous == 0 && count > 0:
		return trainingv1.Trend_TREND_NEW
	case count*5 > previous*6:
		return trainingv1.Trend_TREND_RISING
	case count*5 < previous*4:
		return trainingv1.Trend_TREND_FALLING
	default:
		return trainingv1.Trend_TREND_STEADY
	}
}

// recommendationReason states r's evidence in one sentence that fits
// AssignCourse's reason, e.g. "14 complaints about courtesy (11, up from
// 6) and use_of_force (new: 3) in north, 2026-08-25 to 2026-11-23". The
// days are UTC, as Feedback counts them; the second is the window's last.
// Categories that do not fit are summed up as "N other categories".
func recommendationReason(r *trainingv1.Recommendation, sum *feedbackv1.ComplaintSummary) string {
	where := "across the agency"
	if sum.GetArea() != "" {
		where = "in " + sum.GetArea()
	}
	when := sum.GetStartTime().AsTime().UTC().Format(dayLayout) + " to " +
		sum.GetEndTime().AsTime().Add(-time.Nanosecond).UTC().Format(dayLayout)
	single := len(r.GetEvidence()) == 1
	items := make([]string, len(r.GetEvidence()))
	for i, e := range r.GetEvidence() {
		items[i] = e.GetCategory() + " (" + movement(e, single) + ")"
	}
	for kept := len(items); ; kept-- {
		list := items[:kept]
		if rest := len(items) - kept; rest > 0 {
			list = append(slices.Clone(list), strconv.Itoa(rest)+" other categories")
		}
		reason := fmt.Sprintf("%s about %s %s, %s", complaints(r.GetComplaintCount()), joinAnd(list), where, when)
		if len(reason) <= maxReasonLen || kept == 0 {
			return reason
		}
	}
}

// movement says how a category's count moved; single leaves out the count
// the sentence already states.
func movement(e *trainingv1.CategoryEvidence, single bool) string {
	n, prev := strconv.FormatInt(e.GetCount(), 10), strconv.FormatInt(e.GetPreviousCount(), 10)
	var m string
	switch e.GetTrend() {
	case trainingv1.Trend_TREND_NEW:
		return "new: " + n
	case trainingv1.Trend_TREND_RISING:
		m = "up from " + prev
	case trainingv1.Trend_TREND_FALLING:
		m = "down from " + prev
	default:
		m = "steady from " + prev
	}
	if single {
		return m
	}
	return n + ", " + m
}

// complaints is "1 complaint" or "n complaints".
func complaints(n int64) string {
	if n == 1 {
		return "1 complaint"
	}
	return strconv.FormatInt(n, 10) + " complaints"
}

// joinAnd joins items as "a", "a and b", "a, b and c".
func joinAnd(items []string) string {
	if len(items) <= 1 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}
