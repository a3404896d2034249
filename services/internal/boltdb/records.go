package boltdb

import (
	"encoding/json"
	"fmt"

	"go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"
)

// GetProto decodes the protobuf message stored at k into m, reporting
// whether there is one. Decoding copies the bytes out of the transaction.
func GetProto(b *bbolt.Bucket, k []byte, m proto.Message) (bool, error) {
	v := b.Get(k)
	if v == nil {
		return false, nil
	}
	if err := proto.Unmarshal(v, m); err != nil {
		return false, fmt.Errorf("decode %T: %w", m, err)
	}
	return true, nil
}

// PutProto stores m at k, deterministically encoded.
func PutProto(b *bbolt.Bucket, k []byte, m proto.Message) error {
	v, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode %T: %w", m, err)
	}
	return b.Put(k, v)
}

// GetJSON decodes the JSON value stored at k into v, reporting whether
// there is one; a nil bucket holds nothing. Decoding copies the bytes out
// of the transaction.
func GetJSON(b *bbolt.Bucket, k []byte, v any) (bool, error) {
	if b == nil {
		return false, nil
	}
	raw := b.Get(k)
	if raw == nil {
		return false, nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return false, fmt.Errorf("decode %q: %w", k, err)
	}
	return true, nil
}

// PutJSON stores v at k as JSON.
func PutJSON(b *bbolt.Bucket, k []byte, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %q: %w", k, err)
	}
	return b.Put(k, raw)
}
