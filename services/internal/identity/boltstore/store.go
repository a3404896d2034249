package boltstore

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/engagehq/engage/services/internal/boltdb"
	"github.com/engagehq/engage/services/internal/identity"
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

// Store is identity's bbolt store. Create it with Open and release it with
// Close.
type Store struct {
	db *boltdb.DB
}

var _ identity.Store = (*Store)(nil)

// Open opens (creating if needed) the identity file at path and brings its
// schema up to date.
func Open(path string, opts Options) (*Store, error) {
	db, err := boltdb.Open(path, boltdb.Options{
		Timeout:    opts.Timeout,
		Migrations: migrations(),
		Logger:     opts.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("identity store: %w", err)
	}
	return &Store{db: db}, nil
}

// Close waits for queued writes and closes the file.
func (s *Store) Close() error { return s.db.Close() }

// DB returns the underlying database, for backups and statistics.
func (s *Store) DB() *boltdb.DB { return s.db }

// sep separates the parts of composite keys (boltdb.Join).
const sep = boltdb.KeySep

// listJSON decodes up to limit records of b whose keys sort after after,
// in key order.
func listJSON[R any, T any](b *bbolt.Bucket, after string, limit int, conv func(R) T) ([]T, error) {
	var out []T
	if b == nil || limit <= 0 {
		return out, nil
	}
	c := b.Cursor()
	k, v := c.First()
	if after != "" {
		k, v = c.Seek([]byte(after))
		if k != nil && bytes.Equal(k, []byte(after)) {
			k, v = c.Next()
		}
	}
	for ; k != nil && len(out) < limit; k, v = c.Next() {
		if v == nil {
			continue // a nested bucket
		}
		var r R
		if err := json.Unmarshal(v, &r); err != nil {
			return nil, fmt.Errorf("decode %q: %w", k, err)
		}
		out = append(out, conv(r))
	}
	return out, nil
}

// prefixKeys returns copies of the keys of b that start with prefix.
func prefixKeys(b *bbolt.Bucket, prefix []byte) [][]byte {
	var keys [][]byte
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, bytes.Clone(k))
	}
	return keys
}
