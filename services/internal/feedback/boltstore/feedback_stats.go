package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"time"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	"github.com/engagehq/engage/services/internal/boltdb"
	"github.com/engagehq/engage/services/internal/feedback"
	"go.etcd.io/bbolt"
)

// statsPeriodPrefix is the prefix of the cells of one agency, interval and
// period in feedback_stats.
func statsPeriodPrefix(agency string, interval byte, start time.Time) []byte {
	return fbTime(append(boltdb.Below([]byte(agency)), interval), start)
}

// statsKey is the key of a cell: the period's prefix, the area, the kind
// and the category.
func statsKey(agency string, interval byte, start time.Time, area string, kind feedbackv1.FeedbackKind, category string) []byte {
	k := append(statsPeriodPrefix(agency, interval, start), area...)
	k = append(k, fbSep, byte(kind))
	return append(k, category...)
}

// complaintKey is the key of a day's complaints of an area and category.
func complaintKey(agency string, day time.Time, area, category string) []byte {
	k := fbTime(boltdb.Below([]byte(agency)), day)
	k = append(k, area...)
	k = append(k, fbSep)
	return append(k, category...)
}

// countFeedback adds f to (sign 1) or takes it from (sign -1) its
// statistics cells and, for complaints, its days' counts.
func countFeedback(tx *bbolt.Tx, f feedback.Feedback, sign int64) error {
	stats := tx.Bucket(bucketFeedbackStats)
	for _, p := range []struct {
		interval byte
		start    time.Time
	}{{intervalWeek, f.Periods.Week}, {intervalMonth, f.Periods.Month}} {
		if p.start.IsZero() {
			continue
		}
		k := statsKey(f.Agency, p.interval, p.start, f.Area, f.Kind, f.Category)
		var c fbCell
		if raw := stats.Get(k); raw != nil {
			var err error
			if c, err = decodeFBCell(raw); err != nil {
				return err
			}
		}
		c.count += sign
		if f.Rating > 0 {
			c.rated += sign
			c.ratingSum += sign * int64(f.Rating)
		}
		c.sentimentSum += float64(sign) * f.Sentiment.Score
		var err error
		if c.count <= 0 {
			err = stats.Delete(k)
		} else {
			err = stats.Put(k, c.encode())
		}
		if err != nil {
			return err
		}
	}
	if f.Kind != feedbackv1.FeedbackKind_FEEDBACK_KIND_COMPLAINT || f.Periods.Day.IsZero() {
		return nil
	}
	days := tx.Bucket(bucketComplaintDays)
	areas := []string{wholeAgency}
	if f.Area != "" {
		areas = append(areas, f.Area)
	}
	for _, area := range areas {
		k := complaintKey(f.Agency, f.Periods.Day, area, f.Category)
		var n int64
		if raw := days.Get(k); len(raw) == 8 {
			n = int64(binary.BigEndian.Uint64(raw))
		}
		n += sign
		var err error
		if n <= 0 {
			err = days.Delete(k)
		} else {
			err = days.Put(k, binary.BigEndian.AppendUint64(nil, uint64(n)))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// FeedbackStats implements feedback.FeedbackStore: one prefix scan per
// period (narrowed to the area when one is asked for).
func (s *Store) FeedbackStats(_ context.Context, q feedback.FeedbackStatsQuery) ([]feedback.FeedbackStatsCell, error) {
	interval := intervalMonth
	if q.Interval == feedbackv1.Interval_INTERVAL_WEEK {
		interval = intervalWeek
	}
	var out []feedback.FeedbackStatsCell
	err := s.db.View(func(tx *bbolt.Tx) error {
		out = nil
		c := tx.Bucket(bucketFeedbackStats).Cursor()
		for _, start := range q.Starts {
			period := statsPeriodPrefix(q.Agency, interval, start)
			pfx := period
			if !q.AllAreas {
				pfx = append(append(bytes.Clone(period), q.Area...), fbSep)
			}
			first := len(out)
			for k, v := c.Seek(pfx); k != nil && bytes.HasPrefix(k, pfx); k, v = c.Next() {
				area, rest, ok := bytes.Cut(k[len(period):], []byte{fbSep})
				if !ok || len(rest) < 1 {
					return fmt.Errorf("stats key %x: %w", k, errFBCorrupt)
				}
				figures, err := decodeFBCell(v)
				if err != nil {
					return err
				}
				out = append(out, feedback.FeedbackStatsCell{
					PeriodStart: start, Area: string(area),
					Kind: feedbackv1.FeedbackKind(rest[0]), Category: string(rest[1:]),
					Count: figures.count, Rated: figures.rated, RatingSum: figures.ratingSum, SentimentSum: figures.sentimentSum,
				})
			}
			slices.SortFunc(out[first:], func(a, b feedback.FeedbackStatsCell) int {
				if a.Kind != b.Kind {
					return int(a.Kind - b.Kind)
				}
				if c := strings.Compare(a.Category, b.Category); c != 0 {
					return c
				}
				return strings.Compare(a.Area, b.Area)
			})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ComplaintCounts implements feedback.FeedbackStore: one prefix scan per
// day of the window.
func (s *Store) ComplaintCounts(_ context.Context, agency, area string, from, to time.Time) (map[string]int64, error) {
	if area == "" {
		area = wholeAgency
	}
	out := map[string]int64{}
	err := s.db.View(func(tx *bbolt.Tx) error {
		clear(out)
		c := tx.Bucket(bucketComplaintDays).Cursor()
		for day := from.UTC(); day.Before(to); day = day.AddDate(0, 0, 1) {
			pfx := append(fbTime(boltdb.Below([]byte(agency)), day), area...)
			pfx = append(pfx, fbSep)
			for k, v := c.Seek(pfx); k != nil && bytes.HasPrefix(k, pfx); k, v = c.Next() {
				if len(v) != 8 {
					return fmt.Errorf("complaint count %x: %w", k, errFBCorrupt)
				}
				out[string(k[len(pfx):])] += int64(binary.BigEndian.Uint64(v))
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
