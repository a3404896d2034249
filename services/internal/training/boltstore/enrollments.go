package boltstore

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
	"github.com/engagehq/engage/services/internal/boltdb"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/etag"
	"github.com/engagehq/engage/services/internal/training"
	"go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// An enrollment is stored once, in enrollments, and indexed four ways:
// by due day for the agency (enrollmentsByDue) and for its officer
// (officerDue), in openEnrollments while it is open, and in assignments
// when it is its officer's latest enrollment in the course that was not
// cancelled. putEnrollment is the one writer, so the indexes follow
// every change.

// createEnrollmentsResult is what a CreateEnrollments retry replays: the
// names created and the officers skipped.
type createEnrollmentsResult struct {
	Created []string `json:"c"`
	Skipped []string `json:"s"`
}

// CreateEnrollments implements training.Store.
func (s *Store) CreateEnrollments(ctx context.Context, es []*trainingv1.Enrollment, retry training.Retry) ([]*trainingv1.Enrollment, []string, error) {
	var created []*trainingv1.Enrollment
	var skipped []string
	err := s.db.Update(ctx, func(tx *bbolt.Tx) error {
		created, skipped = nil, nil
		if prev, ok, err := requests.Retried(tx, retry); err != nil {
			return err
		} else if ok {
			var res createEnrollmentsResult
			if err := json.Unmarshal(prev, &res); err != nil {
				return fmt.Errorf("decode request result: %w", err)
			}
			for _, name := range res.Created {
				e, err := enrollmentIn(tx, name)
				if err != nil {
					return err
				}
				created = append(created, e)
			}
			if len(res.Skipped) > 0 {
				skipped = res.Skipped
			}
			return nil
		}
		var res createEnrollmentsResult
		for _, in := range es {
			e, err := createEnrollment(tx, in)
			if err != nil {
				return err
			}
			if e == nil {
				skipped = append(skipped, officerName(in.GetName()))
				continue
			}
			created = append(created, e)
			res.Created = append(res.Created, e.GetName())
		}
		res.Skipped = skipped
		v, err := json.Marshal(res)
		if err != nil {
			return err
		}
		return requests.Remember(tx, retry, v)
	})
	if err != nil {
		return nil, nil, err
	}
	return created, skipped, nil
}

// createEnrollment stores a copy of in and returns it, or nil when its
// officer already has an open enrollment in its course.
func createEnrollment(tx *bbolt.Tx, in *trainingv1.Enrollment) (*trainingv1.Enrollment, error) {
	ids := nameIDs(in.GetName())
	if len(ids) != 3 {
		return nil, fmt.Errorf("enrollment name %q: malformed", in.GetName())
	}
	agency, officer := ids[0], ids[1]
	course, err := lookupCourse(tx, in.GetCourse())
	if err != nil {
		return nil, err
	}
	if course.GetDeleteTime() != nil {
		return nil, fmt.Errorf("course %q is retired: %w", in.GetCourse(), errs.NotFound)
	}
	if _, err := lookupActiveOfficer(tx, officerName(in.GetName())); err != nil {
		return nil, err
	}
	if tx.Bucket(bucketOpenEnrollments).Get(boltdb.Key(agency, officer, lastID(in.GetCourse()))) != nil {
		return nil, nil
	}
	if tx.Bucket(bucketEnrollments).Get(enrollmentKey(in.GetName())) != nil {
		return nil, fmt.Errorf("enrollment %q: %w", in.GetName(), errs.AlreadyExists)
	}
	e := proto.Clone(in).(*trainingv1.Enrollment)
	e.Etag = etag.Next("")
	e.Overdue = false
	if err := putEnrollment(tx, nil, e); err != nil {
		return nil, err
	}
	return e, nil
}

// Enrollment implements training.Store.
func (s *Store) Enrollment(ctx context.Context, name string) (*trainingv1.Enrollment, error) {
	var e *trainingv1.Enrollment
	err := s.db.View(func(tx *bbolt.Tx) error {
		var err error
		e, err = enrollmentIn(tx, name)
		return err
	})
	return e, err
}

// ListEnrollments implements training.Store.
func (s *Store) ListEnrollments(ctx context.Context, parent string, page training.Page, keep func(*trainingv1.Enrollment) bool) ([]*trainingv1.Enrollment, []byte, error) {
	agency, officer, err := parentIDs(parent)
	if err != nil {
		return nil, nil, err
	}
	var out []*trainingv1.Enrollment
	var next []byte
	err = s.db.View(func(tx *bbolt.Tx) error {
		out = nil
		records := tx.Bucket(bucketEnrollments)
		// Each index suffix ends with the officer (when listing the agency)
		// and the enrollment: the parts after the due day.
		b, pfx := tx.Bucket(bucketOfficerDue), boltdb.Prefix(agency, officer)
		if officer == allOfficersID {
			b, pfx = tx.Bucket(bucketEnrollmentsByDue), boltdb.Prefix(agency)
		}
		next, err = boltdb.WalkPage(b, pfx, page.After, page.Size, false, func(suffix []byte) (bool, error) {
			parts := bytes.Split(suffix, []byte{sep})
			o, id := officer, parts[len(parts)-1]
			if officer == allOfficersID {
				o = string(parts[len(parts)-2])
			}
			e := &trainingv1.Enrollment{}
			if ok, err := boltdb.GetProto(records, boltdb.Key(agency, o, id), e); err != nil || !ok {
				return false, err
			}
			if keep != nil && !keep(e) {
				return false, nil
			}
			out = append(out, e)
			return true, nil
		})
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return out, next, nil
}

// UpdateEnrollment implements training.Store.
func (s *Store) UpdateEnrollment(ctx context.Context, name string, mutate func(*trainingv1.Enrollment) error) (*trainingv1.Enrollment, error) {
	var out *trainingv1.Enrollment
	err := s.db.Update(ctx, func(tx *bbolt.Tx) error {
		old, err := enrollmentIn(tx, name)
		if err != nil {
			return err
		}
		e := proto.Clone(old).(*trainingv1.Enrollment)
		if err := mutate(e); err != nil {
			return err
		}
		e.Name, e.Etag = old.GetName(), etag.Next(old.GetEtag())
		if err := putEnrollment(tx, old, e); err != nil {
			return err
		}
		out = e
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// cancelOpenEnrollments cancels every open enrollment in course
// (`agencies/{a}/courses/{c}`), as retiring the course does, with
// CancelReason "course retired" and UpdateTime now.
func cancelOpenEnrollments(tx *bbolt.Tx, course string, now time.Time) error {
	ids := nameIDs(course)
	if len(ids) != 2 {
		return fmt.Errorf("course name %q: malformed", course)
	}
	agency, courseID := ids[0], []byte(ids[1])
	// Collect first: putEnrollment changes the bucket being walked.
	var names []string
	c := tx.Bucket(bucketOpenEnrollments).Cursor()
	pfx := boltdb.Prefix(agency)
	for k, _ := c.Seek(pfx); bytes.HasPrefix(k, pfx); k, _ = c.Next() {
		officer, courseOf, ok := bytes.Cut(k[len(pfx):], []byte{sep})
		if ok && bytes.Equal(courseOf, courseID) {
			v := tx.Bucket(bucketOpenEnrollments).Get(k)
			names = append(names, enrollmentName(agency, string(officer), string(v)))
		}
	}
	for _, name := range names {
		old, err := enrollmentIn(tx, name)
		if err != nil {
			return err
		}
		e := proto.Clone(old).(*trainingv1.Enrollment)
		e.State = trainingv1.Enrollment_STATE_CANCELLED
		e.CancelReason = "course retired"
		e.UpdateTime = timestamppb.New(now)
		e.Etag = etag.Next(old.GetEtag())
		if err := putEnrollment(tx, old, e); err != nil {
			return err
		}
	}
	return nil
}

// putEnrollment stores e, which was old (nil when new), and brings the
// indexes up to date.
func putEnrollment(tx *bbolt.Tx, old, e *trainingv1.Enrollment) error {
	ids := nameIDs(e.GetName())
	if len(ids) != 3 {
		return fmt.Errorf("enrollment name %q: malformed", e.GetName())
	}
	agency, officer, id := ids[0], ids[1], ids[2]
	course := lastID(e.GetCourse())
	if err := boltdb.PutProto(tx.Bucket(bucketEnrollments), boltdb.Key(agency, officer, id), e); err != nil {
		return err
	}
	byDue, officerDue := tx.Bucket(bucketEnrollmentsByDue), tx.Bucket(bucketOfficerDue)
	if old != nil && old.GetDueDate() != e.GetDueDate() {
		if err := byDue.Delete(boltdb.Key(agency, old.GetDueDate(), officer, id)); err != nil {
			return err
		}
		if err := officerDue.Delete(boltdb.Key(agency, officer, old.GetDueDate(), id)); err != nil {
			return err
		}
	}
	if err := byDue.Put(boltdb.Key(agency, e.GetDueDate(), officer, id), nil); err != nil {
		return err
	}
	if err := officerDue.Put(boltdb.Key(agency, officer, e.GetDueDate(), id), nil); err != nil {
		return err
	}
	open := tx.Bucket(bucketOpenEnrollments)
	if oldCourse := lastID(old.GetCourse()); old != nil && oldCourse != course {
		// The contract makes the course immutable; should a mutate change
		// it anyway, the old course's indexes must not keep this one.
		if k := boltdb.Key(agency, officer, oldCourse); bytes.Equal(open.Get(k), []byte(id)) {
			if err := open.Delete(k); err != nil {
				return err
			}
		}
		if err := refreshAssignment(tx, agency, officer, oldCourse); err != nil {
			return err
		}
	}
	openKey := boltdb.Key(agency, officer, course)
	if isOpen(e) {
		if err := open.Put(openKey, []byte(id)); err != nil {
			return err
		}
	} else if bytes.Equal(open.Get(openKey), []byte(id)) {
		if err := open.Delete(openKey); err != nil {
			return err
		}
	}
	return refreshAssignment(tx, agency, officer, course)
}

// refreshAssignment recomputes the assignment of an officer in a course
// from their enrollments in it: the latest one (by CreateTime, then name)
// that was not cancelled, or none.
func refreshAssignment(tx *bbolt.Tx, agency, officer, course string) error {
	var latest *trainingv1.Enrollment
	c := tx.Bucket(bucketEnrollments).Cursor()
	pfx := boltdb.Prefix(agency, officer)
	for k, v := c.Seek(pfx); bytes.HasPrefix(k, pfx); k, v = c.Next() {
		e := &trainingv1.Enrollment{}
		if err := proto.Unmarshal(v, e); err != nil {
			return fmt.Errorf("decode enrollment: %w", err)
		}
		if lastID(e.GetCourse()) != course || e.GetState() == trainingv1.Enrollment_STATE_CANCELLED {
			continue
		}
		if latest == nil || later(e, latest) {
			latest = e
		}
	}
	b, k := tx.Bucket(bucketAssignments), boltdb.Key(agency, officer, course)
	if latest == nil {
		return b.Delete(k)
	}
	return b.Put(k, encodeAssignment(latest.GetDueDate(), latest.GetCreateTime().AsTime(), isOpen(latest)))
}

// later reports whether a was created after b (by name when at the same
// time).
func later(a, b *trainingv1.Enrollment) bool {
	at, bt := a.GetCreateTime().AsTime(), b.GetCreateTime().AsTime()
	if !at.Equal(bt) {
		return at.After(bt)
	}
	return a.GetName() > b.GetName()
}

// isOpen reports whether an enrollment is ASSIGNED or IN_PROGRESS.
func isOpen(e *trainingv1.Enrollment) bool {
	s := e.GetState()
	return s == trainingv1.Enrollment_STATE_ASSIGNED || s == trainingv1.Enrollment_STATE_IN_PROGRESS
}

// enrollmentIn reads an enrollment, or errs.NotFound.
func enrollmentIn(tx *bbolt.Tx, name string) (*trainingv1.Enrollment, error) {
	e := &trainingv1.Enrollment{}
	ok, err := boltdb.GetProto(tx.Bucket(bucketEnrollments), enrollmentKey(name), e)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("enrollment %q: %w", name, errs.NotFound)
	}
	return e, nil
}

// enrollmentKey is the enrollments key of a name, or nil when the name is
// malformed (no key is nil, so it reads as missing).
func enrollmentKey(name string) []byte {
	ids := nameIDs(name)
	if len(ids) != 3 {
		return nil
	}
	return boltdb.Key(ids[0], ids[1], ids[2])
}

// enrollmentName is the name of an enrollment from its ids.
func enrollmentName(agency, officer, id string) string {
	return "agencies/" + agency + "/officers/" + officer + "/enrollments/" + id
}

// lookupCourse reads a course, retired or not, or errs.NotFound.
func lookupCourse(tx *bbolt.Tx, name string) (*trainingv1.Course, error) {
	ids := nameIDs(name)
	c := &trainingv1.Course{}
	if len(ids) == 2 {
		ok, err := boltdb.GetProto(tx.Bucket(bucketCourses), boltdb.Key(ids[0], ids[1]), c)
		if err != nil {
			return nil, err
		}
		if ok {
			return c, nil
		}
	}
	return nil, fmt.Errorf("course %q: %w", name, errs.NotFound)
}

// lookupActiveOfficer reads an officer that was not deactivated, or
// errs.NotFound.
func lookupActiveOfficer(tx *bbolt.Tx, name string) (*trainingv1.Officer, error) {
	ids := nameIDs(name)
	o := &trainingv1.Officer{}
	if len(ids) == 2 {
		ok, err := boltdb.GetProto(tx.Bucket(bucketOfficers), boltdb.Key(ids[0], ids[1]), o)
		if err != nil {
			return nil, err
		}
		if ok && o.GetDeleteTime() == nil {
			return o, nil
		}
	}
	return nil, fmt.Errorf("officer %q: %w", name, errs.NotFound)
}

// allOfficersID is the officer id that stands for every officer of an
// agency in a list's parent.
const allOfficersID = "-"

// parentIDs returns the agency and officer ids of a list's parent,
// `agencies/{a}/officers/{o}` or `agencies/{a}/officers/-`.
func parentIDs(parent string) (agency, officer string, err error) {
	ids := nameIDs(parent)
	if len(ids) != 2 || ids[0] == "" || ids[1] == "" {
		return "", "", fmt.Errorf("parent %q: %w", parent, errs.InvalidArgument)
	}
	return ids[0], ids[1], nil
}

// officerName returns the officer's name that the name of a record under
// an officer starts with.
func officerName(name string) string {
	ids := nameIDs(name)
	if len(ids) < 2 {
		return ""
	}
	return "agencies/" + ids[0] + "/officers/" + ids[1]
}
