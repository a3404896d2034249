package boltdb_test

import (
	"bytes"
	"math"
	"testing"

	"go.etcd.io/bbolt"

	"github.com/engagehq/engage/services/internal/boltdb"
)

func TestU64(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		n    uint64
		want []byte
	}{
		{"zero", 0, []byte{0, 0, 0, 0, 0, 0, 0, 0}},
		{"one", 1, []byte{0, 0, 0, 0, 0, 0, 0, 1}},
		{"256", 256, []byte{0, 0, 0, 0, 0, 0, 1, 0}},
		{"max", math.MaxUint64, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := boltdb.U64(tt.n)
			if !bytes.Equal(got, tt.want) {
				t.Errorf("U64(%d) = %x, want %x", tt.n, got, tt.want)
			}
			if back := boltdb.ParseU64(got); back != tt.n {
				t.Errorf("ParseU64(U64(%d)) = %d", tt.n, back)
			}
		})
	}
}

func TestU64SortsNumerically(t *testing.T) {
	t.Parallel()
	ns := []uint64{0, 1, 255, 256, 65535, 1 << 32, math.MaxUint64 - 1, math.MaxUint64}
	for i := 1; i < len(ns); i++ {
		if bytes.Compare(boltdb.U64(ns[i-1]), boltdb.U64(ns[i])) >= 0 {
			t.Errorf("U64(%d) does not sort before U64(%d)", ns[i-1], ns[i])
		}
	}
}

func TestParseU64WrongLength(t *testing.T) {
	t.Parallel()
	for _, b := range [][]byte{nil, {}, {1}, make([]byte, 7), make([]byte, 9)} {
		if got := boltdb.ParseU64(b); got != 0 {
			t.Errorf("ParseU64(%x) = %d, want 0", b, got)
		}
	}
}

// TestJoinIsKey checks that the string joiner and the general one make the
// same keys, and that Below and Prefix extend them by the separator.
func TestJoinIsKey(t *testing.T) {
	t.Parallel()
	for _, parts := range [][]string{{"a"}, {"agency", "forum", "thread"}, {"x", ""}, {"", ""}} {
		anys := make([]any, len(parts))
		for i, p := range parts {
			anys[i] = p
		}
		joined := boltdb.Join(parts...)
		if key := boltdb.Key(anys...); !bytes.Equal(joined, key) {
			t.Errorf("Join(%q) = %q, Key = %q", parts, joined, key)
		}
		below := boltdb.Below(joined)
		if want := append(bytes.Clone(joined), boltdb.KeySep); !bytes.Equal(below, want) || !bytes.Equal(boltdb.Prefix(anys...), want) {
			t.Errorf("Below(%q) = %q, Prefix = %q, want %q", joined, below, boltdb.Prefix(anys...), want)
		}
		if len(joined) > 0 && &below[0] == &joined[0] {
			t.Errorf("Below(%q) shares the key's bytes", joined)
		}
	}
	if got, want := boltdb.Join("agencies", "a"), []byte("agencies\x00a"); !bytes.Equal(got, want) {
		t.Errorf("Join = %q, want %q", got, want)
	}
}

func TestCreateBucketsIsIdempotent(t *testing.T) {
	t.Parallel()
	db := openTest(t, boltdb.Options{})
	names := [][]byte{[]byte("posts"), []byte("votes")}
	for range 2 {
		if err := db.Bolt().Update(func(tx *bbolt.Tx) error { return boltdb.CreateBuckets(tx, names...) }); err != nil {
			t.Fatalf("CreateBuckets: %v", err)
		}
	}
	if err := db.View(func(tx *bbolt.Tx) error {
		for _, name := range names {
			if tx.Bucket(name) == nil {
				t.Errorf("bucket %s missing", name)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	err := db.Bolt().Update(func(tx *bbolt.Tx) error { return boltdb.CreateBuckets(tx, []byte{}) })
	if err == nil {
		t.Error("CreateBuckets with an empty name succeeded, want an error")
	}
}
