package boltdb

import (
	"encoding/json"
	"fmt"

	"go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"
)

// GetProto decodes the protobuf message stored at k into m, reporting
// whether there is one; a nil bucket holds nothing. Decoding copies the
// bytes out of the transaction.
func GetProto(b *bbolt.Bucket, k []byte, m proto.Message) (bool, error) {
	return get(b, k, func(v []byte) error {
		if err := proto.Unmarshal(v, m); err != nil {
			return fmt.Errorf("decode %T: %w", m, err)
		}
		return nil
	})
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
	return get(b, k, func(raw []byte) error {
		if err := json.Unmarshal(raw, v); err != nil {
			return fmt.Errorf("decode %q: %w", k, err)
		}
		return nil
	})
}

// get runs decode on the value stored at k, reporting whether there is
// one; a nil bucket holds nothing.
func get(b *bbolt.Bucket, k []byte, decode func([]byte) error) (bool, error) {
	if b == nil {
		return false, nil
	}
	v := b.Get(k)
	if v == nil {
		return false, nil
	}
	if err := decode(v); err != nil {
		return false, err
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
