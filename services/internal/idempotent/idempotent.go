// Package idempotent makes creates and other writes safe to retry: a
// request carrying a request id (AIP-155) is remembered with a fingerprint
// of the request and what it produced, so that the same request again
// returns the first result instead of writing twice, and the same id with
// a different request is refused.
//
// Request describes one request; Log keeps the records in two buckets of a
// service's bbolt file, inside the write transaction of the request
// itself, so that the result and the record commit together.
package idempotent

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"time"

	"github.com/engagehq/engage/services/internal/boltdb"
	"github.com/engagehq/engage/services/internal/errs"
	"go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"
)

// ErrReused is a request id used again for a different request.
var ErrReused = errs.Field("request_id", "was already used for a different request")

// Request identifies a request that may be retried: who made it, its
// request id and a fingerprint of the request. The zero Request (no ID) is
// no retry.
type Request struct {
	Caller string
	ID     string
	// Fingerprint identifies the request (a hash of its fields).
	Fingerprint []byte
	// Time is when the request was made.
	Time time.Time
}

// Of returns the Request of req made by caller (a principal name) with
// requestID at now: the zero Request when requestID is empty. req must
// have its request id cleared (see Without), so that a retry must repeat
// the request it retries, field for field, but for the id.
func Of(caller, requestID string, req proto.Message, now time.Time) Request {
	if requestID == "" {
		return Request{}
	}
	return Request{Caller: caller, ID: requestID, Fingerprint: Fingerprint(req), Time: now}
}

// Fingerprint hashes a message's deterministic encoding.
func Fingerprint(m proto.Message) []byte {
	b, _ := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	h := sha256.Sum256(b)
	return h[:]
}

// Without returns a copy of req with its request id cleared by clear, for
// fingerprinting.
func Without[M proto.Message](req M, clear func(M)) M {
	c := proto.Clone(req).(M)
	clear(c)
	return c
}

// Log remembers requests in two buckets of a bbolt file, which the
// service's migrations create:
//
//	Requests  sha256(caller 0 request id)  → record (JSON: fingerprint, time, result)
//	ByTime    u64(time ns) 0 sha256        → nil, for Purge
//
// A record older than Lifetime no longer counts: the id may be used again.
type Log struct {
	Requests, ByTime []byte
	Lifetime         time.Duration
}

// record is what the log remembers of a request id.
type record struct {
	Fingerprint []byte    `json:"f"`
	Time        time.Time `json:"t"`
	Result      []byte    `json:"r"`
}

// key is the hash of a request's caller and id.
func key(r Request) []byte {
	h := sha256.Sum256([]byte(r.Caller + "\x00" + r.ID))
	return h[:]
}

// timeKey is the ByTime key of a record made at t.
func timeKey(t time.Time, k []byte) []byte {
	return append(append(boltdb.U64(uint64(t.UnixNano())), 0), k...)
}

// Retried returns what the first call with r's request id stored as its
// result, and true, when r is a retry within the log's lifetime; a retry
// whose fingerprint differs is ErrReused.
func (l Log) Retried(tx *bbolt.Tx, r Request) ([]byte, bool, error) {
	if r.ID == "" {
		return nil, false, nil
	}
	v := tx.Bucket(l.Requests).Get(key(r))
	if v == nil {
		return nil, false, nil
	}
	var rec record
	if err := json.Unmarshal(v, &rec); err != nil {
		return nil, false, fmt.Errorf("decode request record: %w", err)
	}
	if r.Time.Sub(rec.Time) > l.Lifetime {
		return nil, false, nil
	}
	if !bytes.Equal(rec.Fingerprint, r.Fingerprint) {
		return nil, false, fmt.Errorf("request %s: %w", r.ID, ErrReused)
	}
	return rec.Result, true, nil
}

// Remember records that r's call stored result (for instance the names it
// created), replacing an expired record of the same id.
func (l Log) Remember(tx *bbolt.Tx, r Request, result []byte) error {
	if r.ID == "" {
		return nil
	}
	k := key(r)
	reqs, byTime := tx.Bucket(l.Requests), tx.Bucket(l.ByTime)
	if old := reqs.Get(k); old != nil {
		var rec record
		if err := json.Unmarshal(old, &rec); err == nil {
			if err := byTime.Delete(timeKey(rec.Time, k)); err != nil {
				return err
			}
		}
	}
	v, err := json.Marshal(record{Fingerprint: r.Fingerprint, Time: r.Time, Result: result})
	if err != nil {
		return err
	}
	if err := reqs.Put(k, v); err != nil {
		return err
	}
	return byTime.Put(timeKey(r.Time, k), nil)
}

// Purge forgets the requests made before the time given and returns how
// many it forgot.
func (l Log) Purge(ctx context.Context, db *boltdb.DB, before time.Time) (int, error) {
	return db.PurgeBelow(ctx, l.ByTime, boltdb.U64(uint64(before.UnixNano())), func(tx *bbolt.Tx, k []byte) error {
		return tx.Bucket(l.Requests).Delete(k[9:])
	})
}
