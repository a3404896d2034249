package boltdb_test

import (
	"context"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"

	"go.etcd.io/bbolt"

	"github.com/engagehq/engage/services/internal/boltdb"
)

// benchWriters is the number of concurrent writers, about what a busy
// service sees with 64 requests in flight.
const benchWriters = 64

// BenchmarkUpdate compares three ways for concurrent writers to make
// durable single-key writes: a bbolt transaction per write, bbolt's
// DB.Batch (which waits up to 10 ms to gather a batch) and this package's
// group-commit Update. Run it with
//
//	go test -bench Update -run x ./internal/boltdb
//
// and the group-commit line also reports how many times faster it is than
// each baseline, measured in the same invocation because absolute figures
// drift on shared machines.
func BenchmarkUpdate(b *testing.B) {
	value := make([]byte, 128)
	nsPerOp := map[string]float64{}
	baselines := []string{"bolt-update", "bolt-batch"}

	run := func(name string, write func(db *boltdb.DB, key []byte) error) {
		b.Run(name, func(b *testing.B) {
			db, err := boltdb.Open(filepath.Join(b.TempDir(), "bench.db"), boltdb.Options{
				Migrations: []boltdb.Migration{{Version: 1, Name: "things", Up: func(tx *bbolt.Tx) error {
					return boltdb.CreateBuckets(tx, testBucket)
				}}},
			})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			var seq atomic.Uint64
			b.SetParallelism((benchWriters + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := write(db, boltdb.U64(seq.Add(1))); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			if s := db.Stats(); s.Commits > 0 {
				b.ReportMetric(float64(s.Writes)/float64(s.Commits), "writes/commit")
			}
			// The framework calls this function several times with a
			// growing b.N; the last call is the one it reports.
			nsPerOp[name] = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			// Baselines run first; a speed-up metric makes the ratio part of
			// the result line, e.g. "17.3 x-vs-bolt-update".
			for _, base := range baselines {
				if base != name && nsPerOp[base] > 0 {
					b.ReportMetric(nsPerOp[base]/nsPerOp[name], "x-vs-"+base)
				}
			}
		})
	}
	putFn := func(key []byte) func(*bbolt.Tx) error {
		return func(tx *bbolt.Tx) error { return tx.Bucket(testBucket).Put(key, value) }
	}

	run("bolt-update", func(db *boltdb.DB, key []byte) error { return db.Bolt().Update(putFn(key)) })
	run("bolt-batch", func(db *boltdb.DB, key []byte) error { return db.Bolt().Batch(putFn(key)) })
	run("group-commit", func(db *boltdb.DB, key []byte) error {
		return db.Update(context.Background(), putFn(key))
	})

}
