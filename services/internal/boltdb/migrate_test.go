package boltdb_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"go.etcd.io/bbolt"

	"github.com/engagehq/engage/services/internal/boltdb"
)

// reopen opens path, checks its schema version and closes it.
func reopen(t *testing.T, path string, ms []boltdb.Migration) (version int, buckets []string, err error) {
	t.Helper()
	db, err := boltdb.Open(path, boltdb.Options{Migrations: ms})
	if err != nil {
		return 0, nil, err
	}
	defer db.Close()
	version, err = db.SchemaVersion()
	if err != nil {
		t.Fatalf("SchemaVersion: %v", err)
	}
	if err := db.View(func(tx *bbolt.Tx) error {
		return tx.ForEach(func(name []byte, _ *bbolt.Bucket) error {
			buckets = append(buckets, string(name))
			return nil
		})
	}); err != nil {
		t.Fatalf("View: %v", err)
	}
	return version, buckets, nil
}

func TestMigrations(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// steps are opened one after another on the same file.
		steps []migrationStep
	}{
		{
			name: "fresh file without migrations stays at zero",
			steps: []migrationStep{
				{migrations: nil, wantVersion: 0},
			},
		},
		{
			name: "fresh open applies all, reopen applies none",
			steps: []migrationStep{
				{migrations: []string{"a", "b"}, wantVersion: 2, wantRuns: "ab", wantBuckets: "_meta a b"},
				{migrations: []string{"a", "b"}, wantVersion: 2, wantRuns: "ab", wantBuckets: "_meta a b"},
			},
		},
		{
			name: "a new release applies only its new migration",
			steps: []migrationStep{
				{migrations: []string{"a"}, wantVersion: 1, wantRuns: "a"},
				{migrations: []string{"a", "b"}, wantVersion: 2, wantRuns: "ab"},
			},
		},
		{
			name: "a failing migration leaves the previous version",
			steps: []migrationStep{
				{migrations: []string{"a", "b", "fail"}, wantErr: errTest, wantRuns: "abf"},
				{migrations: []string{"a", "b"}, wantVersion: 2, wantRuns: "abf", wantBuckets: "_meta a b"},
				{migrations: []string{"a", "b", "c"}, wantVersion: 3, wantRuns: "abfc", wantBuckets: "_meta a b c"},
			},
		},
		{
			name: "a panicking migration fails cleanly and releases the file",
			steps: []migrationStep{
				{migrations: []string{"a", "panic"}, wantErr: boltdb.ErrPanicked, wantRuns: "ap"},
				{migrations: []string{"a"}, wantVersion: 1, wantRuns: "ap"},
			},
		},
		{
			name: "an older release refuses a newer file and leaves it alone",
			steps: []migrationStep{
				{migrations: []string{"a", "b", "c"}, wantVersion: 3, wantRuns: "abc"},
				{migrations: []string{"a", "b"}, wantErr: boltdb.ErrSchemaTooNew, wantRuns: "abc"},
				{migrations: []string{"a", "b", "c"}, wantVersion: 3, wantRuns: "abc", wantBuckets: "_meta a b c"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "m.db")
			var runs strings.Builder
			for i, step := range tt.steps {
				version, buckets, err := reopen(t, path, step.build(&runs))
				if !errors.Is(err, step.wantErr) || (step.wantErr == nil) != (err == nil) {
					t.Fatalf("step %d: Open() = %v, want %v", i, err, step.wantErr)
				}
				if got := runs.String(); got != step.wantRuns {
					t.Errorf("step %d: migrations run so far = %q, want %q", i, got, step.wantRuns)
				}
				if err != nil {
					continue
				}
				if version != step.wantVersion {
					t.Errorf("step %d: schema version = %d, want %d", i, version, step.wantVersion)
				}
				if step.wantBuckets != "" {
					if got := strings.Join(buckets, " "); got != step.wantBuckets {
						t.Errorf("step %d: buckets = %q, want %q", i, got, step.wantBuckets)
					}
				}
			}
		})
	}
}

// migrationStep is one Open of a file with migrations named by letters:
// "fail" writes a bucket and then fails, "panic" panics, any other name
// creates a bucket of that name. Every run appends the name's first letter
// to a log.
type migrationStep struct {
	migrations  []string
	wantErr     error
	wantVersion int
	wantRuns    string
	wantBuckets string
}

func (s migrationStep) build(log *strings.Builder) []boltdb.Migration {
	var ms []boltdb.Migration
	for i, name := range s.migrations {
		ms = append(ms, boltdb.Migration{Version: i + 1, Name: name, Up: func(tx *bbolt.Tx) error {
			log.WriteByte(name[0])
			switch name {
			case "fail":
				if err := boltdb.CreateBuckets(tx, []byte(name)); err != nil {
					return err
				}
				return errTest
			case "panic":
				panic("migration bug")
			}
			return boltdb.CreateBuckets(tx, []byte(name))
		}})
	}
	return ms
}
