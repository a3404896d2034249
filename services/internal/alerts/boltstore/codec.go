package boltstore

import (
	"fmt"

	"github.com/engagehq/engage/services/internal/etag"
	"go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"
)

// getRecord decodes the message at k into m, reporting whether it exists.
// The bytes are copied out of the transaction by decoding.
func getRecord(b *bbolt.Bucket, k []byte, m proto.Message) (bool, error) {
	v := b.Get(k)
	if v == nil {
		return false, nil
	}
	if err := proto.Unmarshal(v, m); err != nil {
		return false, fmt.Errorf("decode %T: %w", m, err)
	}
	return true, nil
}

// putRecord stores m at k.
func putRecord(b *bbolt.Bucket, k []byte, m proto.Message) error {
	v, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode %T: %w", m, err)
	}
	return b.Put(k, v)
}

// nextETag returns the etag of the revision after the one old (an etag
// this store wrote, or empty for a new record) stands for.
func nextETag(old string) string {
	rev, _ := etag.Parse(old)
	return etag.Format(rev + 1)
}
