package boltdb

import (
	"encoding/binary"
	"fmt"

	"go.etcd.io/bbolt"
)

// U64 encodes n as 8 big-endian bytes, so that bbolt's byte order is
// numeric order and sequence-numbered keys append at the end of a bucket.
func U64(n uint64) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), n)
}

// ParseU64 decodes a key written by U64. It returns 0 when b is not 8
// bytes long, which a key written by U64 always is.
func ParseU64(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

// CreateBuckets creates the named top-level buckets that do not exist yet,
// as a migration typically does.
func CreateBuckets(tx *bbolt.Tx, names ...[]byte) error {
	for _, name := range names {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("boltdb: create bucket %q: %w", name, err)
		}
	}
	return nil
}
