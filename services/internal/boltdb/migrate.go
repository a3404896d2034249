package boltdb

import (
	"fmt"
	"log/slog"

	"go.etcd.io/bbolt"
)

// Bucket and key of the schema version. Services must not use a top-level
// bucket named "_meta".
var (
	metaBucket       = []byte("_meta")
	schemaVersionKey = []byte("schema_version")
)

// Migration is one step of a service's schema history. Up runs in its own
// read-write transaction together with the write that records Version, so
// a migration either fully happens or leaves the file at Version-1.
// Migrations are never edited once released; a change is a new migration.
type Migration struct {
	// Version is the schema version after Up; the first migration is 1.
	Version int
	// Name says what the migration does, for logs and errors.
	Name string
	// Up changes the schema. It must only use tx.
	Up func(tx *bbolt.Tx) error
}

// validateMigrations checks that versions run 1, 2, 3, … without gaps, so a
// typo cannot silently skip or reorder a step.
func validateMigrations(ms []Migration) error {
	for i, m := range ms {
		if m.Version != i+1 {
			return fmt.Errorf("boltdb: migration %d (%q) has version %d; versions must be 1, 2, 3, … in order", i, m.Name, m.Version)
		}
		if m.Up == nil {
			return fmt.Errorf("boltdb: migration %d (%q) has no Up function", m.Version, m.Name)
		}
	}
	return nil
}

// SchemaVersion returns the schema version recorded in the file: 0 for a
// file no migration has touched.
func (db *DB) SchemaVersion() (int, error) {
	var v int
	err := db.View(func(tx *bbolt.Tx) error {
		var err error
		v, err = readVersion(tx)
		return err
	})
	return v, err
}

func readVersion(tx *bbolt.Tx) (int, error) {
	b := tx.Bucket(metaBucket)
	if b == nil {
		return 0, nil
	}
	raw := b.Get(schemaVersionKey)
	if raw == nil {
		return 0, nil
	}
	if len(raw) != 8 {
		return 0, fmt.Errorf("boltdb: corrupt schema version: %d bytes", len(raw))
	}
	return int(ParseU64(raw)), nil
}

// migrate applies, in order and each in its own transaction, every
// migration newer than the file's version.
func migrate(b *bbolt.DB, ms []Migration, log *slog.Logger) error {
	var current int
	if err := b.View(func(tx *bbolt.Tx) error {
		var err error
		current, err = readVersion(tx)
		return err
	}); err != nil {
		return err
	}
	if current > len(ms) {
		return fmt.Errorf("%w: %s is at version %d, the newest known is %d; run a newer release",
			ErrSchemaTooNew, b.Path(), current, len(ms))
	}
	for _, m := range ms[current:] {
		err := b.Update(func(tx *bbolt.Tx) error {
			if err := safeUp(m.Up, tx); err != nil {
				return err
			}
			meta, err := tx.CreateBucketIfNotExists(metaBucket)
			if err != nil {
				return err
			}
			return meta.Put(schemaVersionKey, U64(uint64(m.Version)))
		})
		if err != nil {
			return fmt.Errorf("boltdb: migration %d (%q) of %s failed, schema stays at version %d: %w",
				m.Version, m.Name, b.Path(), m.Version-1, err)
		}
		log.Info("schema migrated", "version", m.Version, "migration", m.Name)
	}
	return nil
}

// safeUp turns a panicking migration into an error so that Open fails
// cleanly and the file lock is released.
func safeUp(up func(*bbolt.Tx) error, tx *bbolt.Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: %v", ErrPanicked, p)
		}
	}()
	return up(tx)
}
