// Package boltstore is the bbolt implementation of alerts.Store: one file
// for the alerts service.
//
// Every top-level bucket is flat; keys join their parts with a 0x00 byte
// (agency and alert ids never contain one), so that a prefix scan reads one
// agency's entries. Records are the generated messages in protobuf's
// deterministic encoding; the index buckets hold nil values unless drawn
// otherwise.
//
//	alerts               agency 0 alert                        → Alert (without delivery_count)
//	alertsByTime         agency 0 u64(create ns) 0 alert       → nil (ListAlerts, newest last)
//	messageIDs           agency 0 CAP identifier               → alert id
//	activeAlerts         agency 0 u64(latest expire ns) 0 alert → nil (PUBLISHED alerts only)
//	events               u64(seq)                              → StreamAlertsResponse (event type and alert, no cursor)
//	agencyEvents         agency 0 u64(seq)                     → nil
//	deliveries           alert name                            → u64(delivery count)
//	subscriptions        (see subscriptions.go)
//	subscriptionsByOwner (see subscriptions.go)
//	requests             sha256(caller 0 request id)           → request record (JSON)
//	requestsByTime       u64(time ns) 0 sha256                 → nil
//
// Ids in keys are the last segment of the resource name. The stream log's
// sequence numbers come from the events bucket's sequence, so they are
// dense, increasing and never reused: a transaction that rolls back gives
// its numbers back with everything else it did.
package boltstore

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/engagehq/engage/services/internal/boltdb"
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

// Store is the alerts service's bbolt store. Create it with Open and
// release it with Close.
type Store struct {
	db *boltdb.DB
}

// Open opens (creating if needed) the alerts file at path and brings its
// schema up to date.
func Open(path string, opts Options) (*Store, error) {
	db, err := boltdb.Open(path, boltdb.Options{
		Timeout:    opts.Timeout,
		Migrations: migrations(),
		Logger:     opts.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("alerts store: %w", err)
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
