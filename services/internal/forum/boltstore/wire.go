package boltstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.etcd.io/bbolt"
	"google.golang.org/protobuf/encoding/protowire"
)

// The hot records (forums, threads, posts, request ids) are stored in a
// compact binary form: the byte wireFormat, then the record's fields in
// the protobuf wire format, each under a number that never changes
// meaning, zero values left out, unknown numbers skipped. Enums are stored
// by number (protobuf numbers are never reused), times as Unix nanoseconds
// in a fixed64. A post takes about half the bytes of its JSON and decodes
// several times faster. Records written as JSON by schema version 3 and
// before start with '{' and are still read; they become binary when next
// written.

// wireFormat is the first byte of a binary record.
const wireFormat byte = 0x01

// wireWriter is a record with a binary form.
type wireWriter interface {
	appendWire(b []byte) []byte
}

// wireReader is a pointer to a record with a binary form.
type wireReader interface {
	readWire(f wireField) error
}

// getRecord decodes the value at k into v, reporting whether it exists.
// Decoding copies the bytes out of the transaction.
func getRecord(b *bbolt.Bucket, k []byte, v any) (bool, error) {
	raw := b.Get(k)
	if raw == nil {
		return false, nil
	}
	if err := decodeRecord(raw, v); err != nil {
		return false, fmt.Errorf("decode %q: %w", k, err)
	}
	return true, nil
}

// putRecord stores v at k, in its binary form when it has one.
func putRecord(b *bbolt.Bucket, k []byte, v any) error {
	if w, ok := v.(wireWriter); ok {
		return b.Put(k, w.appendWire([]byte{wireFormat}))
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %q: %w", k, err)
	}
	return b.Put(k, raw)
}

// decodeRecord decodes raw, binary or JSON, into v.
func decodeRecord(raw []byte, v any) error {
	if len(raw) > 0 && raw[0] == wireFormat {
		r, ok := v.(wireReader)
		if !ok {
			return fmt.Errorf("binary record for %T", v)
		}
		return readWire(raw[1:], r.readWire)
	}
	return json.Unmarshal(raw, v)
}

// wireField is one field read from a binary record: its number, and its
// value as an integer (varint and fixed64) or as bytes.
type wireField struct {
	num protowire.Number
	u   uint64
	b   []byte
}

func (f wireField) str() string     { return string(f.b) }
func (f wireField) i64() int64      { return int64(f.u) }
func (f wireField) boolean() bool   { return f.u != 0 }
func (f wireField) time() time.Time { return time.Unix(0, int64(f.u)).UTC() }

var errWire = errors.New("malformed binary record")

// readWire calls field with each field of b in turn.
func readWire(b []byte, field func(wireField) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return errWire
		}
		b = b[n:]
		f := wireField{num: num}
		switch typ {
		case protowire.VarintType:
			f.u, n = protowire.ConsumeVarint(b)
		case protowire.Fixed64Type:
			f.u, n = protowire.ConsumeFixed64(b)
		case protowire.BytesType:
			f.b, n = protowire.ConsumeBytes(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return errWire
		}
		b = b[n:]
		if err := field(f); err != nil {
			return err
		}
	}
	return nil
}

// The append functions leave out zero values.

func appendStr(b []byte, num protowire.Number, s string) []byte {
	if s == "" {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, s)
}

func appendInt(b []byte, num protowire.Number, v int64) []byte {
	if v == 0 {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, uint64(v))
}

func appendBool(b []byte, num protowire.Number, v bool) []byte {
	if !v {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, 1)
}

func appendTime(b []byte, num protowire.Number, t time.Time) []byte {
	if t.IsZero() {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.Fixed64Type)
	return protowire.AppendFixed64(b, uint64(t.UnixNano()))
}

// enumName is the stored name of an enum number, as the JSON records keep
// it; "" for 0 (unspecified).
func enumName(names map[int32]string, n int64) string {
	if n == 0 {
		return ""
	}
	return names[int32(n)]
}
