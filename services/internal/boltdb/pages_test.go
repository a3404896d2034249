package boltdb_test

import (
	"bytes"
	"slices"
	"testing"

	"go.etcd.io/bbolt"

	"github.com/engagehq/engage/services/internal/boltdb"
)

func TestKeyAndPrefix(t *testing.T) {
	t.Parallel()
	if got, want := boltdb.Key("metro", []byte{1, 2}, "x"), []byte("metro\x00\x01\x02\x00x"); !bytes.Equal(got, want) {
		t.Errorf("Key = %q, want %q", got, want)
	}
	if got, want := boltdb.Prefix("metro"), []byte("metro\x00"); !bytes.Equal(got, want) {
		t.Errorf("Prefix = %q, want %q", got, want)
	}
}

func TestPrefixEnd(t *testing.T) {
	t.Parallel()
	tests := []struct{ pfx, want []byte }{
		{[]byte("a\x00"), []byte("a\x01")},
		{[]byte{'a', 0xff}, []byte("b")},
		{[]byte{0xff, 0xff}, nil},
	}
	for _, tc := range tests {
		if got := boltdb.PrefixEnd(tc.pfx); !bytes.Equal(got, tc.want) {
			t.Errorf("PrefixEnd(%q) = %q, want %q", tc.pfx, got, tc.want)
		}
	}
}

// TestWalkPage pages through the keys under one prefix, forwards and
// backwards, with a filter, and checks that keys under a neighbouring
// prefix never show.
func TestWalkPage(t *testing.T) {
	t.Parallel()
	db := openTest(t, boltdb.Options{})
	name := []byte("walk")
	err := db.Update(t.Context(), func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(name)
		if err != nil {
			return err
		}
		for _, k := range []string{"a\x00", "b\x001", "b\x002", "b\x003", "b\x004", "b\x005", "b\x01", "c\x009"} {
			if err := b.Put([]byte(k), nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	odd := func(s []byte) bool { return (s[0]-'0')%2 == 1 }
	tests := []struct {
		name    string
		reverse bool
		keep    func([]byte) bool
		want    [][]string // pages
	}{
		{"forwards", false, nil, [][]string{{"1", "2"}, {"3", "4"}, {"5"}}},
		{"backwards", true, nil, [][]string{{"5", "4"}, {"3", "2"}, {"1"}}},
		{"forwards, odd only", false, odd, [][]string{{"1", "3"}, {"5"}}},
		{"backwards, odd only", true, odd, [][]string{{"5", "3"}, {"1"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var after []byte
			var got [][]string
			for range 10 {
				var page []string
				err := db.View(func(tx *bbolt.Tx) error {
					var err error
					after, err = boltdb.WalkPage(tx.Bucket(name), []byte("b\x00"), after, 2, tc.reverse, func(s []byte) (bool, error) {
						if tc.keep != nil && !tc.keep(s) {
							return false, nil
						}
						page = append(page, string(s))
						return true, nil
					})
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, page)
				if after == nil {
					break
				}
			}
			if !slices.EqualFunc(got, tc.want, slices.Equal) {
				t.Errorf("pages %q, want %q", got, tc.want)
			}
		})
	}
}
