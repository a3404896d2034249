package boltstore

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
	"github.com/engagehq/engage/services/internal/boltdb"
	"go.etcd.io/bbolt"
)

// BenchmarkStandings reads the standings of 5,000 officers with 20
// courses each: a certification, an assignment and a credit per course.
func BenchmarkStandings(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "training.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	created := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	err = s.db.Bolt().Update(func(tx *bbolt.Tx) error {
		for i := range 5000 {
			id := fmt.Sprintf("o%05d", i)
			o := &trainingv1.Officer{Name: "agencies/metro/officers/" + id, Badge: fmt.Sprintf("%05d", i), DisplayName: "Officer " + id, Unit: fmt.Sprintf("unit%d", i%10)}
			if err := boltdb.PutProto(tx.Bucket(bucketOfficers), boltdb.Key("metro", id), o); err != nil {
				return err
			}
			if err := tx.Bucket(bucketActiveBadges).Put(boltdb.Key("metro", o.GetBadge()), []byte(id)); err != nil {
				return err
			}
			for c := range 20 {
				course := fmt.Sprintf("c%02d", c)
				if err := tx.Bucket(bucketCertDays).Put(boltdb.Key("metro", id, course, "2026-03-01", "cert"+course), []byte("2027-03-01")); err != nil {
					return err
				}
				if err := tx.Bucket(bucketAssignments).Put(boltdb.Key("metro", id, course), encodeAssignment("2026-12-01", created, false)); err != nil {
					return err
				}
				if err := tx.Bucket(bucketCredits).Put(boltdb.Key("metro", id, "2026-03-01", "x"+course), encodeHours(2)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	read := func(b *testing.B) {
		st, _, err := s.Standings(b.Context(), "agencies/metro", "")
		if err != nil || len(st) != 5000 {
			b.Fatal(len(st), err)
		}
	}
	// After a write, the indexes are read again.
	b.Run("written", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			if err := s.db.Bolt().Update(func(*bbolt.Tx) error { return nil }); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			read(b)
		}
	})
	// Until then, the last read answers.
	b.Run("unchanged", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			read(b)
		}
	})
}
