// Package boltstore is the bbolt implementation of feedback.Store: one file
// for the feedback service. The bucket tree is drawn in feedback_keys.go
// (feedback, notes, statistics) and survey_keys.go (surveys, answers,
// contact events, Trust-Index aggregates).
package boltstore

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/engagehq/engage/services/internal/boltdb"
	"github.com/engagehq/engage/services/internal/feedback"
	"go.etcd.io/bbolt"
)

// Options configure Open. The zero value is usable.
type Options struct {
	// Timeout bounds the wait for the file lock (boltdb.DefaultTimeout
	// when zero).
	Timeout time.Duration
	// Logger receives migration and shutdown events; nil discards them.
	Logger *slog.Logger
}

// Store is the feedback service's bbolt store. Create it with Open and
// release it with Close.
type Store struct {
	db *boltdb.DB
}

var _ feedback.Store = (*Store)(nil)

// Open opens (creating if needed) the feedback file at path and brings its
// schema up to date.
func Open(path string, opts Options) (*Store, error) {
	db, err := boltdb.Open(path, boltdb.Options{
		Timeout:    opts.Timeout,
		Migrations: migrations(),
		Logger:     opts.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("feedback store: %w", err)
	}
	return &Store{db: db}, nil
}

// Close waits for queued writes and closes the file.
func (s *Store) Close() error { return s.db.Close() }

// DB returns the underlying database, for backups and statistics.
func (s *Store) DB() *boltdb.DB { return s.db }

// migrations are the schema's ordered steps. Version 1 creates the
// buckets of both halves of the store.
func migrations() []boltdb.Migration {
	return []boltdb.Migration{
		{Version: 1, Name: "create buckets", Up: func(tx *bbolt.Tx) error {
			for _, name := range append(feedbackBuckets(), surveyBuckets()...) {
				if _, err := tx.CreateBucketIfNotExists(name); err != nil {
					return fmt.Errorf("create bucket %q: %w", name, err)
				}
			}
			return nil
		}},
	}
}
