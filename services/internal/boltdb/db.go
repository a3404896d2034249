package boltdb

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/bbolt"
)

// Defaults applied by Open to zero Options fields.
const (
	DefaultTimeout  = 2 * time.Second
	DefaultMaxBatch = 256
)

// SharedLinger is the Options.Linger of a store that many clients write
// at once, such as forum posts or anonymous feedback. A commit costs two
// fsyncs, a few milliseconds, so the writers one commit answers come back
// together; a millisecond lets them share the next commit.
const SharedLinger = time.Millisecond

// Options configure Open. The zero value is usable.
type Options struct {
	// Timeout bounds the wait for the file lock; another process holding it
	// longer makes Open fail with ErrInUse. Zero means DefaultTimeout.
	Timeout time.Duration
	// Migrations bring the schema up to date; their versions must be 1, 2,
	// 3, … in order.
	Migrations []Migration
	// Logger receives migrations, failed commits and the stacks of
	// panicking Update functions. Nil discards them.
	Logger *slog.Logger
	// MaxBatch caps how many Update functions share one transaction, which
	// bounds the work lost to a rollback and the latency of one commit.
	// Zero means DefaultMaxBatch.
	MaxBatch int
	// Linger lets the committer hold a batch open for more writes, as long
	// as they keep coming: after a commit that carried several writes, it
	// waits while each new write arrives within Linger/4 of the one
	// before, for at most Linger in all. With many writers in a closed
	// loop, the writers a commit has just answered come back as a group;
	// without a wait, they miss the next transaction and the writers split
	// into groups that take turns, each paying a whole commit (two fsyncs)
	// for part of the writes. Zero never waits: a lone writer is committed
	// at once either way.
	Linger time.Duration
}

// DB is one service's bbolt file with its group committer. It is safe for
// concurrent use. Create it with Open and release it with Close.
type DB struct {
	bolt     *bbolt.DB
	path     string
	log      *slog.Logger
	maxBatch int
	linger   time.Duration

	// mu guards queue and the setting of closed; cond wakes the committer.
	// closed is atomic so that reads need not take mu.
	mu     sync.Mutex
	cond   *sync.Cond
	queue  []*request
	closed atomic.Bool
	// arrived gets a token when a write is queued, for a lingering
	// committer.
	arrived chan struct{}

	// stopped is closed when the committer goroutine has returned.
	stopped   chan struct{}
	closeOnce sync.Once
	closeErr  error

	stats counters
}

// Open opens (creating if needed) the bbolt file at path and migrates it.
// The parent directory is created with mode 0700 and a new file gets mode
// 0600. Open fails with ErrInUse when the lock is held elsewhere, and with
// ErrSchemaTooNew when the file is newer than opts.Migrations.
func Open(path string, opts Options) (*DB, error) {
	if err := validateMigrations(opts.Migrations); err != nil {
		return nil, err
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = DefaultMaxBatch
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("db", path)

	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("boltdb: create directory %s: %w", dir, err)
	}
	_, statErr := os.Stat(path)
	created := errors.Is(statErr, os.ErrNotExist)

	b, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: opts.Timeout})
	if errors.Is(err, bbolt.ErrTimeout) {
		return nil, fmt.Errorf("%w: %s (lock not acquired within %s)", ErrInUse, path, opts.Timeout)
	}
	if err != nil {
		return nil, fmt.Errorf("boltdb: open %s: %w", path, err)
	}
	if created {
		// The new file's directory entry must be durable too, or a crash
		// could lose the whole file along with every write acknowledged in it.
		if err := syncDir(dir); err != nil {
			_ = b.Close()
			return nil, err
		}
	}
	if err := migrate(b, opts.Migrations, log); err != nil {
		_ = b.Close()
		return nil, err
	}

	db := &DB{
		bolt:     b,
		path:     path,
		log:      log,
		maxBatch: opts.MaxBatch,
		linger:   max(opts.Linger, 0),
		arrived:  make(chan struct{}, 1),
		stopped:  make(chan struct{}),
	}
	db.cond = sync.NewCond(&db.mu)
	go db.commitLoop()
	return db, nil
}

// Close stops accepting writes, waits until every write queued before it
// has been committed (or has failed), and closes the file. Calling Close
// again returns the first call's result.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		db.mu.Lock()
		db.closed.Store(true)
		db.cond.Signal()
		db.mu.Unlock()
		select {
		case db.arrived <- struct{}{}: // ends a linger
		default:
		}
		<-db.stopped
		if err := db.bolt.Close(); err != nil {
			db.closeErr = fmt.Errorf("boltdb: close %s: %w", db.path, err)
		}
		db.log.Debug("database closed")
	})
	return db.closeErr
}

// View runs fn in a read-only transaction. Slices read from the transaction
// are valid only until fn returns: copy or decode them inside fn. Keep fn
// short; a long read holds old pages and, when the file must grow, delays
// writers.
func (db *DB) View(fn func(tx *bbolt.Tx) error) error {
	if db.closed.Load() {
		return ErrClosed
	}
	return db.bolt.View(fn)
}

// Bolt returns the underlying bbolt handle for the rare direct use, such as
// statistics. Writing through it bypasses the group committer.
func (db *DB) Bolt() *bbolt.DB { return db.bolt }

// Path returns the file's path as passed to Open.
func (db *DB) Path() string { return db.path }

// syncDir fsyncs a directory so that entries created or renamed in it
// survive a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("boltdb: open directory %s: %w", dir, err)
	}
	if err := d.Sync(); err != nil {
		_ = d.Close()
		return fmt.Errorf("boltdb: sync directory %s: %w", dir, err)
	}
	if err := d.Close(); err != nil {
		return fmt.Errorf("boltdb: close directory %s: %w", dir, err)
	}
	return nil
}
