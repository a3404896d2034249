package boltdb

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"go.etcd.io/bbolt"
)

// Backup writes a consistent copy of the whole file to w and returns the
// number of bytes written. It runs in one read transaction, so writes
// carry on meanwhile and the copy holds exactly the transactions committed
// before it started. The copy is itself a valid bbolt file.
func (db *DB) Backup(w io.Writer) (int64, error) {
	var n int64
	err := db.View(func(tx *bbolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("boltdb: backup %s: %w", db.path, err)
	}
	return n, nil
}

// BackupFile writes a consistent copy to path atomically: it writes
// path+".tmp" (mode 0600), fsyncs it, renames it over path and fsyncs the
// directory, so path holds either the previous backup or the complete new
// one, even across a crash.
func (db *DB) BackupFile(path string) (err error) {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("boltdb: create backup: %w", err)
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	if _, err := db.Backup(f); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("boltdb: sync backup %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("boltdb: close backup %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("boltdb: rename backup into %s: %w", path, err)
	}
	return syncDir(filepath.Dir(path))
}
