package boltstore

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
	"github.com/engagehq/engage/services/internal/boltdb"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/etag"
	"github.com/engagehq/engage/services/internal/training"
	"go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"
)

// A course is stored once, in courses, and indexed by its case-folded
// title in coursesByTitle, which is the order ListCourses returns. Retired
// courses stay in both: they are still read by name, and listed when
// asked for. putCourse is the one writer, so the index follows every
// change of title.

// CreateCourse implements training.Store.
func (s *Store) CreateCourse(ctx context.Context, c *trainingv1.Course, retry training.Retry) (*trainingv1.Course, error) {
	var out *trainingv1.Course
	err := s.db.Update(ctx, func(tx *bbolt.Tx) error {
		if prev, ok, err := requests.Retried(tx, retry); err != nil {
			return err
		} else if ok {
			out, err = lookupCourse(tx, string(prev))
			return err
		}
		k := courseKey(c.GetName())
		if k == nil {
			return fmt.Errorf("course name %q: malformed", c.GetName())
		}
		if tx.Bucket(bucketCourses).Get(k) != nil {
			return fmt.Errorf("course %q: %w", c.GetName(), errs.AlreadyExists)
		}
		stored := proto.Clone(c).(*trainingv1.Course)
		stored.Etag = etag.Next("")
		if err := putCourse(tx, nil, stored); err != nil {
			return err
		}
		out = stored
		return requests.Remember(tx, retry, []byte(stored.GetName()))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Course implements training.Store.
func (s *Store) Course(ctx context.Context, name string) (*trainingv1.Course, error) {
	var out *trainingv1.Course
	err := s.db.View(func(tx *bbolt.Tx) error {
		var err error
		out, err = lookupCourse(tx, name)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListCourses implements training.Store. The cursor is the coursesByTitle
// key after the agency: the folded title and the course id.
func (s *Store) ListCourses(ctx context.Context, agency string, page training.Page, keep func(*trainingv1.Course) bool) ([]*trainingv1.Course, []byte, error) {
	a := lastID(agency)
	var out []*trainingv1.Course
	var next []byte
	err := s.db.View(func(tx *bbolt.Tx) error {
		out = nil
		records := tx.Bucket(bucketCourses)
		var err error
		next, err = boltdb.WalkPage(tx.Bucket(bucketCoursesByTitle), boltdb.Prefix(a), page.After, page.Size, false, func(suffix []byte) (bool, error) {
			id := suffix[bytes.LastIndexByte(suffix, sep)+1:]
			c := &trainingv1.Course{}
			if ok, err := boltdb.GetProto(records, boltdb.Key(a, id), c); err != nil || !ok {
				return false, err
			}
			if keep != nil && !keep(c) {
				return false, nil
			}
			out = append(out, c)
			return true, nil
		})
		return err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("list courses of %s: %w", agency, err)
	}
	return out, next, nil
}

// Courses implements training.Store.
func (s *Store) Courses(ctx context.Context, agency string) ([]*trainingv1.Course, error) {
	var out []*trainingv1.Course
	err := s.db.View(func(tx *bbolt.Tx) error {
		out = nil
		c := tx.Bucket(bucketCourses).Cursor()
		pfx := boltdb.Prefix(lastID(agency))
		for k, v := c.Seek(pfx); bytes.HasPrefix(k, pfx); k, v = c.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			course := &trainingv1.Course{}
			if err := proto.Unmarshal(v, course); err != nil {
				return fmt.Errorf("decode course: %w", err)
			}
			out = append(out, course)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("courses of %s: %w", agency, err)
	}
	return out, nil
}

// UpdateCourse implements training.Store. Retiring a course cancels its
// open enrollments as of the course's DeleteTime.
func (s *Store) UpdateCourse(ctx context.Context, name string, mutate func(*trainingv1.Course) error) (*trainingv1.Course, error) {
	var out *trainingv1.Course
	err := s.db.Update(ctx, func(tx *bbolt.Tx) error {
		old, err := lookupCourse(tx, name)
		if err != nil {
			return err
		}
		c := proto.Clone(old).(*trainingv1.Course)
		if err := mutate(c); err != nil {
			return err
		}
		c.Name, c.Etag = old.GetName(), etag.Next(old.GetEtag())
		if err := putCourse(tx, old, c); err != nil {
			return err
		}
		if old.GetDeleteTime() == nil && c.GetDeleteTime() != nil {
			if err := cancelOpenEnrollments(tx, c.GetName(), c.GetDeleteTime().AsTime()); err != nil {
				return fmt.Errorf("retire course %q: %w", name, err)
			}
		}
		out = c
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// putCourse stores c, which was old (nil when new), and moves its title
// index entry when the title changed.
func putCourse(tx *bbolt.Tx, old, c *trainingv1.Course) error {
	ids := nameIDs(c.GetName())
	if len(ids) != 2 {
		return fmt.Errorf("course name %q: malformed", c.GetName())
	}
	agency, id := ids[0], ids[1]
	byTitle := tx.Bucket(bucketCoursesByTitle)
	if old != nil && foldTitle(old.GetTitle()) != foldTitle(c.GetTitle()) {
		if err := byTitle.Delete(boltdb.Key(agency, foldTitle(old.GetTitle()), id)); err != nil {
			return err
		}
	}
	if err := byTitle.Put(boltdb.Key(agency, foldTitle(c.GetTitle()), id), nil); err != nil {
		return err
	}
	return boltdb.PutProto(tx.Bucket(bucketCourses), boltdb.Key(agency, id), c)
}

// foldTitle is a title as coursesByTitle orders it: case-folded, and
// without the separator byte, which the handlers refuse in titles anyway.
func foldTitle(title string) string {
	return strings.ReplaceAll(strings.ToLower(title), "\x00", "")
}

// courseKey is the courses key of a name, or nil when it is malformed.
func courseKey(name string) []byte {
	ids := nameIDs(name)
	if len(ids) != 2 || ids[0] == "" || ids[1] == "" {
		return nil
	}
	return boltdb.Key(ids[0], ids[1])
}
