package boltdb

import (
	"bytes"
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

// KeySep separates the parts of a key made by Key.
const KeySep = 0

// Key joins parts, each a string or a []byte, with KeySep. It panics on a
// part of another type, a programming error.
func Key(parts ...any) []byte {
	var b bytes.Buffer
	for i, p := range parts {
		if i > 0 {
			b.WriteByte(KeySep)
		}
		switch v := p.(type) {
		case string:
			b.WriteString(v)
		case []byte:
			b.Write(v)
		default:
			panic(fmt.Sprintf("boltdb: key part of type %T", p))
		}
	}
	return b.Bytes()
}

// Prefix is Key(parts...) followed by KeySep: the prefix of every key that
// starts with those whole parts.
func Prefix(parts ...any) []byte { return Below(Key(parts...)) }

// Join is Key for parts that are all strings, allocating the key once:
// the stores' hot paths build their keys with it.
func Join(parts ...string) []byte {
	n := len(parts)
	for _, p := range parts {
		n += len(p)
	}
	b := make([]byte, 0, n)
	for i, p := range parts {
		if i > 0 {
			b = append(b, KeySep)
		}
		b = append(b, p...)
	}
	return b
}

// Below returns a copy of k followed by KeySep: the prefix of every key
// that extends k by more parts.
func Below(k []byte) []byte { return append(bytes.Clone(k), KeySep) }

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
