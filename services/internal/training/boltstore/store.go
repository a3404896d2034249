// Package boltstore is the bbolt implementation of training.Store: one file
// for the training service.
//
// Every top-level bucket is flat; keys join their parts with a 0x00 byte
// (ids, badges, units and days never contain one), so that a prefix scan
// reads one agency's, officer's or course's entries. Records are the
// generated messages in protobuf's deterministic encoding; the index
// buckets hold nil values unless drawn otherwise.
//
//	courses            agency 0 course                      → Course
//	coursesByTitle     agency 0 lower(title) 0 course        → nil
//	officers           agency 0 officer                     → Officer
//	officersByBadge    agency 0 badge 0 officer             → nil (every officer, active or not)
//	activeBadges       agency 0 badge                       → officer id (active officers only)
//	activeAccounts     agency 0 account                     → officer id (active officers only)
//	enrollments        agency 0 officer 0 enrollment        → Enrollment
//	enrollmentsByDue   agency 0 due 0 officer 0 enrollment   → nil (every officer's, for officers/-)
//	officerDue         agency 0 officer 0 due 0 enrollment   → nil (one officer's)
//	openEnrollments    agency 0 officer 0 course            → enrollment id (ASSIGNED or IN_PROGRESS)
//	assignments        agency 0 officer 0 course            → assignment (the latest not cancelled)
//	certifications     agency 0 officer 0 certification     → Certification
//	certsByTime        agency 0 u64(create ns) 0 officer 0 certification → nil
//	officerCerts       agency 0 officer 0 u64(create ns) 0 certification → nil
//	certDays           agency 0 officer 0 course 0 completion day 0 certification → expire day
//	credits            agency 0 officer 0 day 0 completion  → u64(credit hours × 1000)
//	completions        agency 0 u64(time ns) 0 completion   → Completion (JSON)
//	externals          agency 0 officer 0 external          → ExternalTraining
//	externalsByTime    agency 0 u64(create ns) 0 officer 0 external → nil
//	officerExternals   agency 0 officer 0 u64(create ns) 0 external → nil
//	settings           agency                               → TrainingSettings
//	requests           sha256(caller 0 request id)          → request record (JSON)
//	requestsByTime     u64(time ns) 0 sha256                → nil
//
// Ids in keys are the last segment of the resource name. An assignment
// value is the due day, 0, the created time as u64 ns, and 1 or 0 for
// open.
package boltstore

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/engagehq/engage/services/internal/boltdb"
	"github.com/engagehq/engage/services/internal/training"
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

// Store is the training service's bbolt store. Create it with Open and
// release it with Close.
type Store struct {
	db        *boltdb.DB
	standings standingsCache
}

var _ training.Store = (*Store)(nil)

// Open opens (creating if needed) the training file at path and brings its
// schema up to date.
func Open(path string, opts Options) (*Store, error) {
	db, err := boltdb.Open(path, boltdb.Options{
		Timeout:    opts.Timeout,
		Migrations: migrations(),
		Logger:     opts.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("training store: %w", err)
	}
	return &Store{db: db}, nil
}

// Close waits for queued writes and closes the file.
func (s *Store) Close() error { return s.db.Close() }

// DB returns the underlying database, for backups and statistics.
func (s *Store) DB() *boltdb.DB { return s.db }

// migrations are the schema's ordered steps. Version 1 creates the
// buckets.
func migrations() []boltdb.Migration {
	return []boltdb.Migration{
		{Version: 1, Name: "create buckets", Up: func(tx *bbolt.Tx) error {
			return boltdb.CreateBuckets(tx, allBuckets...)
		}},
	}
}
