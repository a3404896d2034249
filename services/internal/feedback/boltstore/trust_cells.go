package boltstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"

	"github.com/engagehq/engage/services/internal/feedback"
	"go.etcd.io/bbolt"
)

// TrustCells implements feedback.SurveyStore: one read per key, whatever
// the number of answers in the cells.
func (s *Store) TrustCells(_ context.Context, keys []feedback.TrustCellKey) ([]feedback.TrustCell, error) {
	out := make([]feedback.TrustCell, len(keys))
	err := s.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketTrustCells)
		for i, k := range keys {
			out[i] = feedback.TrustCell{TrustCellKey: k}
			if err := decodeCell(b.Get(trustKey(k)), &out[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// trustNoticeRecord is the stored form of a pending notice in
// trust_drops (JSON); a notice sent or given up is an empty value, which
// keeps its cell from taking another. It holds the published figures and
// the hour the drop was found, nothing of the answers.
type trustNoticeRecord struct {
	Agency        string    `json:"agency"`
	Area          string    `json:"area,omitempty"`
	Interval      int32     `json:"interval"`
	Start         time.Time `json:"start"`
	Resource      string    `json:"resource"`
	PeriodStart   time.Time `json:"period_start"`
	PreviousStart time.Time `json:"previous_start"`
	Score         float64   `json:"score"`
	PreviousScore float64   `json:"previous_score"`
	Responses     int64     `json:"responses"`
	Since         time.Time `json:"since"`
}

func encodeTrustNotice(n feedback.TrustNotice) ([]byte, error) {
	return json.Marshal(trustNoticeRecord{
		Agency: n.Cell.Agency, Area: n.Cell.Area, Interval: int32(n.Cell.Interval), Start: n.Cell.Start,
		Resource: n.Drop.Agency, PeriodStart: n.Drop.PeriodStart, PreviousStart: n.Drop.PreviousStart,
		Score: n.Drop.Score, PreviousScore: n.Drop.PreviousScore, Responses: n.Drop.Responses,
		Since: n.Since,
	})
}

func decodeTrustNotice(raw []byte) (feedback.TrustNotice, error) {
	var r trustNoticeRecord
	if err := json.Unmarshal(raw, &r); err != nil {
		return feedback.TrustNotice{}, fmt.Errorf("decode trust notice: %w", err)
	}
	interval := feedbackv1.Interval(r.Interval)
	return feedback.TrustNotice{
		Cell: feedback.TrustCellKey{Agency: r.Agency, Area: r.Area, Interval: interval, Start: r.Start},
		Drop: feedback.TrustDrop{
			Agency: r.Resource, Area: r.Area, Interval: interval,
			PeriodStart: r.PeriodStart, PreviousStart: r.PreviousStart,
			Score: r.Score, PreviousScore: r.PreviousScore, Responses: r.Responses,
		},
		Since: r.Since,
	}, nil
}

// recordTrustNotice records n as pending in trust_drops and reports true,
// unless a notice of n.Cell was recorded before (pending or done): then it
// stores nothing and reports false.
func recordTrustNotice(tx *bbolt.Tx, n feedback.TrustNotice) (bool, error) {
	b := tx.Bucket(bucketTrustDrops)
	key := trustKey(n.Cell)
	if b.Get(key) != nil {
		return false, nil
	}
	raw, err := encodeTrustNotice(n)
	if err != nil {
		return false, err
	}
	return true, b.Put(key, raw)
}

// PendingTrustNotices implements feedback.TrustNoticeStore. It reads the
// whole of trust_drops, which holds a key per drop ever found: a few per
// area and period at most.
func (s *Store) PendingTrustNotices(context.Context) ([]feedback.TrustNotice, error) {
	var out []feedback.TrustNotice
	err := s.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketTrustDrops).ForEach(func(_, v []byte) error {
			if len(v) == 0 {
				return nil
			}
			n, err := decodeTrustNotice(v)
			if err != nil {
				return err
			}
			out = append(out, n)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// TrustNoticeDone implements feedback.TrustNoticeStore.
func (s *Store) TrustNoticeDone(ctx context.Context, k feedback.TrustCellKey) error {
	return s.db.Update(ctx, func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketTrustDrops).Put(trustKey(k), nil)
	})
}
