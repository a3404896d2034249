package boltstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
	"github.com/engagehq/engage/services/internal/boltdb"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/etag"
	"github.com/engagehq/engage/services/internal/training"
	"go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// errValidateOnly rolls back a validate-only import once it has been
// checked against the stored roster.
var errValidateOnly = errors.New("validate only")

// ImportOfficers implements training.Store. Rows are numbered as in the
// file they came from, whose first row is the header: rows[0] is row 2.
// A row with an empty Account leaves the officer's linked account as it
// is.
//
// The import is applied in two passes, so that its result, not the order
// of its rows, must be unique: the officers the file changes first leave
// the active indexes, then every row's officer enters them. Two officers
// may thus swap accounts in one file.
func (s *Store) ImportOfficers(ctx context.Context, agency string, rows []*trainingv1.Officer, opts training.ImportOptions) (training.ImportResult, error) {
	a := lastID(agency)
	var res training.ImportResult
	err := s.db.Update(ctx, func(tx *bbolt.Tx) error {
		res = training.ImportResult{}
		if !opts.ValidateOnly {
			if prev, ok, err := requests.Retried(tx, opts.Retry); err != nil {
				return err
			} else if ok {
				if err := json.Unmarshal(prev, &res); err != nil {
					return fmt.Errorf("decode request result: %w", err)
				}
				return nil
			}
		}
		changes, err := planImport(tx, a, rows, opts, &res)
		if err != nil {
			return err
		}
		for _, ch := range changes {
			if ch.old != nil {
				if err := unindexOfficer(tx, ch.old); err != nil {
					return err
				}
			}
		}
		for _, ch := range changes {
			if err := indexOfficer(tx, ch.o); err != nil {
				var ue *uniquenessError
				if errors.As(err, &ue) {
					return errs.Field("csv_content", "row %d, column %s: %s", ch.row, ue.column, ue.detail)
				}
				return err
			}
			if err := boltdb.PutProto(tx.Bucket(bucketOfficers), officerKey(ch.o.GetName()), ch.o); err != nil {
				return err
			}
		}
		if opts.ValidateOnly {
			return errValidateOnly
		}
		v, err := json.Marshal(res)
		if err != nil {
			return err
		}
		return requests.Remember(tx, opts.Retry, v)
	})
	if err != nil && !errors.Is(err, errValidateOnly) {
		return training.ImportResult{}, err
	}
	return res, nil
}

// importChange is one officer an import creates (old is nil) or changes,
// from the file's row.
type importChange struct {
	row    int
	old, o *trainingv1.Officer
}

// planImport matches each row with the active officer holding its badge
// and returns the officers to create or change, counting them in res.
func planImport(tx *bbolt.Tx, agency string, rows []*trainingv1.Officer, opts training.ImportOptions, res *training.ImportResult) ([]importChange, error) {
	now := timestamppb.New(opts.Now)
	badges := tx.Bucket(bucketActiveBadges)
	seen := make(map[string]int, len(rows))
	var changes []importChange
	for i, r := range rows {
		row := i + 2
		if first, ok := seen[r.GetBadge()]; ok {
			return nil, errs.Field("csv_content", "row %d, column badge: repeats the badge of row %d", row, first)
		}
		seen[r.GetBadge()] = row
		id := badges.Get(boltdb.Key(agency, r.GetBadge()))
		if id == nil {
			o := &trainingv1.Officer{
				Name: opts.NewName(), Badge: r.GetBadge(), DisplayName: r.GetDisplayName(),
				Unit: r.GetUnit(), Account: r.GetAccount(), CreateTime: now, UpdateTime: now,
				Etag: etag.Next(""),
			}
			if tx.Bucket(bucketOfficers).Get(officerKey(o.GetName())) != nil {
				return nil, fmt.Errorf("officer %q: %w", o.GetName(), errs.AlreadyExists)
			}
			changes = append(changes, importChange{row: row, o: o})
			res.Created++
			continue
		}
		old, err := officerIn(tx, officerNameOf(agency, string(id)))
		if err != nil {
			return nil, err
		}
		o := proto.Clone(old).(*trainingv1.Officer)
		o.DisplayName, o.Unit = r.GetDisplayName(), r.GetUnit()
		if r.GetAccount() != "" {
			o.Account = r.GetAccount()
		}
		if proto.Equal(o, old) {
			res.Unchanged++
			continue
		}
		o.UpdateTime, o.Etag = now, etag.Next(old.GetEtag())
		changes = append(changes, importChange{row: row, old: old, o: o})
		res.Updated++
	}
	return changes, nil
}
