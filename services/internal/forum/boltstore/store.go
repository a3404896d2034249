package boltstore

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/engagehq/engage/services/internal/boltdb"
	"github.com/engagehq/engage/services/internal/forum"
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

// Store is the forum's bbolt store. Create it with Open and release it
// with Close.
type Store struct {
	db       *boltdb.DB
	requests *requestIndex
}

var _ forum.Store = (*Store)(nil)

// Open opens (creating if needed) the forum file at path and brings its
// schema up to date.
func Open(path string, opts Options) (*Store, error) {
	db, err := boltdb.Open(path, boltdb.Options{
		Timeout:    opts.Timeout,
		Migrations: migrations(),
		Logger:     opts.Logger,
		Linger:     boltdb.SharedLinger,
	})
	if err != nil {
		return nil, fmt.Errorf("forum store: %w", err)
	}
	s := &Store{db: db, requests: newRequestIndex()}
	if err := db.View(s.requests.load); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("forum store: %w", err)
	}
	return s, nil
}

// Close waits for queued writes and closes the file.
func (s *Store) Close() error { return s.db.Close() }

// DB returns the underlying database, for backups and statistics.
func (s *Store) DB() *boltdb.DB { return s.db }

// errImmutable reports a mutate function that changed what it may not.
var errImmutable = errors.New("a field the store maintains was changed")

// seek positions c at the first key under pfx after the cursor suffix
// after (at the first key under pfx when after is nil).
func seek(c *bbolt.Cursor, pfx, after []byte) (k, v []byte) {
	if after == nil {
		return c.Seek(pfx)
	}
	start := append(bytes.Clone(pfx), after...)
	k, v = c.Seek(start)
	if k != nil && bytes.Equal(k, start) {
		k, v = c.Next()
	}
	return k, v
}

// scan walks the keys under pfx after the suffix after, calling visit with
// each key's suffix and value until visit has kept page.Size items or
// examined page.MaxScan rows. It returns the cursor of the next page: the
// suffix of the last key examined, or nil when no key under pfx remains.
func scan(b *bbolt.Bucket, pfx []byte, page forum.Page, visit func(suffix, v []byte) (kept bool, err error)) ([]byte, error) {
	size := max(page.Size, 1)
	c := b.Cursor()
	kept, examined := 0, 0
	var last []byte
	for k, v := seek(c, pfx, page.After); k != nil && bytes.HasPrefix(k, pfx); k, v = c.Next() {
		if kept >= size || (page.MaxScan > 0 && examined >= page.MaxScan) {
			return last, nil
		}
		suffix := k[len(pfx):]
		ok, err := visit(suffix, v)
		if err != nil {
			return nil, err
		}
		examined++
		if ok {
			kept++
		}
		last = bytes.Clone(suffix)
	}
	return nil, nil
}

// deletePrefix deletes up to limit keys of b that start with pfx and
// reports how many it deleted.
func deletePrefix(b *bbolt.Bucket, pfx []byte, limit int) (int, error) {
	c := b.Cursor()
	n := 0
	for k, _ := c.Seek(pfx); k != nil && bytes.HasPrefix(k, pfx) && n < limit; k, _ = c.Seek(pfx) {
		if err := c.Delete(); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
