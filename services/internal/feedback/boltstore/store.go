// Package boltstore is the bbolt implementation of feedback.Store: one file
// for the feedback service. The bucket tree is drawn in feedback_keys.go
// (feedback, notes, statistics) and survey_keys.go (surveys, answers,
// contact events, Trust-Index aggregates).
package boltstore

import (
	"bytes"
	"context"
	"crypto/rand"
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
		Linger:     boltdb.SharedLinger,
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
// buckets of both halves of the store; version 2 the code secret.
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
		{Version: 2, Name: "create the code secret", Up: func(tx *bbolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists(bucketFeedbackSecrets)
			if err != nil {
				return fmt.Errorf("create bucket %q: %w", bucketFeedbackSecrets, err)
			}
			secret := make([]byte, 32)
			_, _ = rand.Read(secret) // crypto/rand.Read never fails
			return b.Put(keyCodeSecret, secret)
		}},
	}
}

// keyCodeSecret is the key of the code secret in feedback_secrets.
var keyCodeSecret = []byte("codes")

// CodeSecret implements feedback.FeedbackStore.
func (s *Store) CodeSecret(context.Context) ([]byte, error) {
	var secret []byte
	err := s.db.View(func(tx *bbolt.Tx) error {
		raw := tx.Bucket(bucketFeedbackSecrets).Get(keyCodeSecret)
		if len(raw) != 32 {
			return fmt.Errorf("code secret: %d bytes stored, want 32: %w", len(raw), errFBCorrupt)
		}
		secret = bytes.Clone(raw)
		return nil
	})
	return secret, err
}
