package idempotent_test

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/engagehq/engage/services/internal/boltdb"
	"github.com/engagehq/engage/services/internal/idempotent"
	"go.etcd.io/bbolt"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

func TestLog(t *testing.T) {
	log := idempotent.Log{Requests: []byte("requests"), ByTime: []byte("requestsByTime"), Lifetime: time.Hour}
	db, err := boltdb.Open(filepath.Join(t.TempDir(), "t.db"), boltdb.Options{Migrations: []boltdb.Migration{{Version: 1, Name: "buckets", Up: func(tx *bbolt.Tx) error {
		for _, b := range [][]byte{log.Requests, log.ByTime} {
			if _, err := tx.CreateBucket(b); err != nil {
				return err
			}
		}
		return nil
	}}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	req := idempotent.Of("accounts/a", "8c2a4b6e-3f1d-4a5b-9c7e-2d4f6a8b0c1e", wrapperspb.String("create x"), t0)
	// write runs a request: a first call stores result, a retry returns
	// the first result.
	write := func(r idempotent.Request, result string) (string, error) {
		var out string
		err := db.Update(t.Context(), func(tx *bbolt.Tx) error {
			prev, ok, err := log.Retried(tx, r)
			if err != nil || ok {
				out = string(prev)
				return err
			}
			out = result
			return log.Remember(tx, r, []byte(result))
		})
		return out, err
	}
	if got, err := write(req, "first"); err != nil || got != "first" {
		t.Fatalf("first call: %q, %v", got, err)
	}
	retry := req
	retry.Time = t0.Add(time.Minute)
	if got, err := write(retry, "second"); err != nil || got != "first" {
		t.Fatalf("retry: %q, %v; want the first result", got, err)
	}
	other := idempotent.Of("accounts/a", req.ID, wrapperspb.String("create y"), t0.Add(time.Minute))
	if _, err := write(other, "other"); !errors.Is(err, idempotent.ErrReused) {
		t.Fatalf("the id with another request: %v, want ErrReused", err)
	}
	someoneElse := idempotent.Of("accounts/b", req.ID, wrapperspb.String("create y"), t0.Add(time.Minute))
	if got, err := write(someoneElse, "theirs"); err != nil || got != "theirs" {
		t.Fatalf("another caller's id: %q, %v", got, err)
	}
	late := req
	late.Time = t0.Add(2 * time.Hour)
	if got, err := write(late, "anew"); err != nil || got != "anew" {
		t.Fatalf("a retry past the lifetime: %q, %v; want a new write", got, err)
	}
	if got, err := write(idempotent.Of("accounts/a", "", wrapperspb.String("x"), t0), "no id"); err != nil || got != "no id" {
		t.Fatalf("no request id: %q, %v", got, err)
	}
	n, err := log.Purge(t.Context(), db, t0.Add(90*time.Minute))
	if err != nil || n != 1 {
		t.Fatalf("purge: %d, %v; want the one record made before", n, err)
	}
	if n, err := log.Purge(t.Context(), db, t0.Add(3*time.Hour)); err != nil || n != 1 {
		t.Fatalf("second purge: %d, %v; want the renewed record", n, err)
	}
}
