package training

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/etag"
	"github.com/engagehq/engage/services/internal/fieldmask"
	"github.com/engagehq/engage/services/internal/idempotent"
	"github.com/engagehq/engage/services/internal/ids"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// The course catalogue. protovalidate has already checked each field's
// pattern and range; the handlers check what it cannot express: a title
// on create, distinct module ids, and titles without control characters
// (the title index keys on them).
//
// required_units is kept on a mandatory course: while the course is
// mandatory it adds nothing, and it applies again if mandatory is
// cleared, so a trainer toggling mandatory does not lose the units.
//
// Retiring a course (DeleteCourse) is a soft delete: GetCourse still
// returns it, ListCourses shows it with show_deleted, and its open
// enrollments are cancelled by the store in the same transaction. A retired
// course cannot be changed.

// courseFields are the course's writable fields, in the contract's
// order: what an update may change (see fieldmask for the rules), copied
// by reflection, so that a field added here needs no other code.
var courseFields = []string{
	"title", "description", "competencies", "credit_hours", "modules", "pass_mark",
	"recertification_months", "feedback_categories", "mandatory", "required_units",
}

// errCourseRetired is a change to a retired course.
var errCourseRetired = errs.Public(errs.FailedPrecondition, "the course is retired and can no longer change")

// CreateCourse adds a course to the catalogue.
func (s *courseServer) CreateCourse(ctx context.Context, req *trainingv1.CreateCourseRequest) (*trainingv1.Course, error) {
	agency, err := parseAgency("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	if _, err := s.callerOf(ctx, agency); err != nil {
		return nil, err
	}
	in := req.GetCourse()
	if in == nil {
		return nil, errs.Field("course", "is required")
	}
	now := timestamppb.New(s.now())
	c := &trainingv1.Course{Name: req.GetParent() + "/courses/" + ids.New(), CreateTime: now, UpdateTime: now}
	fieldmask.Copy(c, in, courseFields)
	if err := checkCourse(c); err != nil {
		return nil, err
	}
	retry := s.retryOf(ctx, req.GetRequestId(), idempotent.Without(req, func(r *trainingv1.CreateCourseRequest) { r.RequestId = "" }))
	out, err := s.store.CreateCourse(ctx, c, retry)
	if err != nil {
		return nil, fmt.Errorf("create course in %s: %w", req.GetParent(), err)
	}
	return out, nil
}

// GetCourse returns a course, retired or not.
func (s *courseServer) GetCourse(ctx context.Context, req *trainingv1.GetCourseRequest) (*trainingv1.Course, error) {
	agency, _, err := parseChild("name", req.GetName(), coursePattern)
	if err != nil {
		return nil, err
	}
	if _, err := s.callerOf(ctx, agency); err != nil {
		return nil, err
	}
	c, err := s.store.Course(ctx, req.GetName())
	if err != nil {
		return nil, fmt.Errorf("get course: %w", err)
	}
	return c, nil
}

// ListCourses lists the catalogue by title, without retired courses
// unless show_deleted.
func (s *courseServer) ListCourses(ctx context.Context, req *trainingv1.ListCoursesRequest) (*trainingv1.ListCoursesResponse, error) {
	agency, err := parseAgency("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	if _, err := s.callerOf(ctx, agency); err != nil {
		return nil, err
	}
	f, err := parseCourseFilter(req.GetFilter())
	if err != nil {
		return nil, err
	}
	scope := strings.Join([]string{"courses", req.GetParent(), strings.TrimSpace(req.GetFilter()), strconv.FormatBool(req.GetShowDeleted())}, "|")
	page, err := pageOf(scope, req.GetPageToken(), req.GetPageSize(), maxCourses)
	if err != nil {
		return nil, err
	}
	list, next, err := s.store.ListCourses(ctx, req.GetParent(), page, func(c *trainingv1.Course) bool {
		return (req.GetShowDeleted() || c.GetDeleteTime() == nil) && f.match(c)
	})
	if err != nil {
		return nil, fmt.Errorf("list courses: %w", err)
	}
	return &trainingv1.ListCoursesResponse{Courses: list, NextPageToken: nextToken(scope, next)}, nil
}

// UpdateCourse changes the fields of a course the update mask names.
// Certifications already issued keep their expiry: it was computed when
// they were issued.
func (s *courseServer) UpdateCourse(ctx context.Context, req *trainingv1.UpdateCourseRequest) (*trainingv1.Course, error) {
	in := req.GetCourse()
	if in == nil {
		return nil, errs.Field("course", "is required")
	}
	agency, _, err := parseChild("course.name", in.GetName(), coursePattern)
	if err != nil {
		return nil, err
	}
	if _, err := s.callerOf(ctx, agency); err != nil {
		return nil, err
	}
	u, err := fieldmask.Resolve(req.GetUpdateMask(), in, courseFields)
	if err != nil {
		return nil, err
	}
	now := timestamppb.New(s.now())
	c, err := s.store.UpdateCourse(ctx, in.GetName(), func(c *trainingv1.Course) error {
		if err := etag.CheckCurrent("course.etag", in.GetEtag(), c.GetEtag()); err != nil {
			return err
		}
		if c.GetDeleteTime() != nil {
			return errCourseRetired
		}
		if err := u.CheckImmutable(in, func() proto.Message { return c }); err != nil {
			return err
		}
		fieldmask.Copy(c, in, u.Paths)
		c.UpdateTime = now
		return checkCourse(c)
	})
	if err != nil {
		return nil, fmt.Errorf("update course %s: %w", in.GetName(), err)
	}
	return c, nil
}

// DeleteCourse retires a course; retiring a retired course returns it
// unchanged, so a retried delete succeeds.
func (s *courseServer) DeleteCourse(ctx context.Context, req *trainingv1.DeleteCourseRequest) (*trainingv1.Course, error) {
	agency, _, err := parseChild("name", req.GetName(), coursePattern)
	if err != nil {
		return nil, err
	}
	if _, err := s.callerOf(ctx, agency); err != nil {
		return nil, err
	}
	now := timestamppb.New(s.now())
	var same *trainingv1.Course
	c, err := s.store.UpdateCourse(ctx, req.GetName(), func(c *trainingv1.Course) error {
		if err := etag.CheckCurrent("etag", req.GetEtag(), c.GetEtag()); err != nil {
			return err
		}
		if c.GetDeleteTime() != nil {
			same = c
			return errUnchanged
		}
		c.DeleteTime, c.UpdateTime = now, now
		return nil
	})
	switch {
	case errors.Is(err, errUnchanged):
		return same, nil
	case err != nil:
		return nil, fmt.Errorf("retire course %s: %w", req.GetName(), err)
	}
	s.log.InfoContext(ctx, "course retired", "course", c.GetName())
	return c, nil
}

// checkCourse checks what protovalidate cannot of a course about to be
// stored: its title and its module ids.
func checkCourse(c *trainingv1.Course) error {
	if strings.TrimSpace(c.GetTitle()) == "" {
		return errs.Field("course.title", "is required")
	}
	if strings.ContainsFunc(c.GetTitle(), unicode.IsControl) {
		return errs.Field("course.title", "must not contain control characters")
	}
	seen := make(map[string]int, len(c.GetModules()))
	for i, m := range c.GetModules() {
		if first, ok := seen[m.GetId()]; ok {
			return errs.Field(fmt.Sprintf("course.modules[%d].id", i), "repeats the id of modules[%d]", first)
		}
		seen[m.GetId()] = i
	}
	return nil
}
