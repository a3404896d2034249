package boltdb_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"go.etcd.io/bbolt"

	"github.com/engagehq/engage/services/internal/boltdb"
)

var countKey = []byte("count")

// writeCounted stores one new key and bumps a counter in the same
// transaction, so any consistent snapshot has exactly count keys besides
// the counter.
func writeCounted(key string) func(*bbolt.Tx) error {
	return func(tx *bbolt.Tx) error {
		b := tx.Bucket(testBucket)
		n := boltdb.ParseU64(b.Get(countKey)) + 1
		if err := b.Put(countKey, boltdb.U64(n)); err != nil {
			return err
		}
		return b.Put([]byte(key), []byte("v"))
	}
}

// checkSnapshot opens a backup file and returns how many writes it holds,
// failing if bbolt finds it corrupt or the counter disagrees with the keys.
func checkSnapshot(t *testing.T, path string) uint64 {
	t.Helper()
	b, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("open backup: %v", err)
	}
	defer b.Close()
	var count uint64
	if err := b.View(func(tx *bbolt.Tx) error {
		for err := range tx.Check() {
			t.Errorf("backup check: %v", err)
		}
		bucket := tx.Bucket(testBucket)
		if bucket == nil {
			return errors.New("bucket missing from backup")
		}
		keys := bucket.Stats().KeyN
		if raw := bucket.Get(countKey); raw != nil {
			count, keys = boltdb.ParseU64(raw), keys-1
		}
		if uint64(keys) != count {
			t.Errorf("backup holds %d keys but its counter says %d: not a consistent snapshot", keys, count)
		}
		return nil
	}); err != nil {
		t.Fatalf("View backup: %v", err)
	}
	return count
}

func TestBackupDuringConcurrentWrites(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		backup func(t *testing.T, db *boltdb.DB, path string)
	}{
		{
			name: "Backup to a writer",
			backup: func(t *testing.T, db *boltdb.DB, path string) {
				var buf bytes.Buffer
				n, err := db.Backup(&buf)
				if err != nil {
					t.Fatalf("Backup: %v", err)
				}
				if n != int64(buf.Len()) {
					t.Errorf("Backup() = %d bytes, wrote %d", n, buf.Len())
				}
				if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
					t.Fatal(err)
				}
			},
		},
		{
			name: "BackupFile",
			backup: func(t *testing.T, db *boltdb.DB, path string) {
				if err := db.BackupFile(path); err != nil {
					t.Fatalf("BackupFile: %v", err)
				}
				if _, err := os.Stat(path + ".tmp"); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("temporary file left behind: %v", err)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db := openTest(t, boltdb.Options{})
			ctx, stop := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			var seq atomic.Uint64
			for range 4 {
				wg.Go(func() {
					for ctx.Err() == nil {
						err := db.Update(context.Background(), writeCounted(fmt.Sprint(seq.Add(1))))
						if err != nil {
							t.Errorf("Update: %v", err)
							return
						}
					}
				})
			}
			// Take the backup once writes are flowing, while they go on.
			waitFor(func() bool { return db.Stats().Writes >= 100 })
			path := filepath.Join(t.TempDir(), "backup.db")
			tt.backup(t, db, path)
			inBackup := checkSnapshot(t, path)
			stop()
			wg.Wait()

			if inBackup < 100 {
				t.Errorf("backup holds %d writes, want at least the 100 acknowledged before it", inBackup)
			}
			if total := db.Stats().Writes; inBackup > total {
				t.Errorf("backup holds %d writes, more than the %d ever made", inBackup, total)
			}
		})
	}
}

func TestBackupFileReplacesPreviousBackup(t *testing.T) {
	t.Parallel()
	db := openTest(t, boltdb.Options{})
	path := filepath.Join(t.TempDir(), "backup.db")
	for want := range uint64(3) {
		if want > 0 {
			if err := db.Update(context.Background(), writeCounted(fmt.Sprint(want))); err != nil {
				t.Fatalf("Update: %v", err)
			}
		}
		if err := db.BackupFile(path); err != nil {
			t.Fatalf("BackupFile: %v", err)
		}
		if got := checkSnapshot(t, path); got != want {
			t.Errorf("backup holds %d writes, want %d", got, want)
		}
	}
}

func TestBackupAfterCloseFails(t *testing.T) {
	t.Parallel()
	db, err := boltdb.Open(filepath.Join(t.TempDir(), "x.db"), boltdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Backup(&bytes.Buffer{}); !errors.Is(err, boltdb.ErrClosed) {
		t.Errorf("Backup after Close = %v, want ErrClosed", err)
	}
	path := filepath.Join(t.TempDir(), "b.db")
	if err := db.BackupFile(path); !errors.Is(err, boltdb.ErrClosed) {
		t.Errorf("BackupFile after Close = %v, want ErrClosed", err)
	}
	for _, p := range []string{path, path + ".tmp"} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("failed BackupFile left %s behind", p)
		}
	}
}
