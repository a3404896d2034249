package boltstore

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"slices"
	"sync"

	"github.com/engagehq/engage/services/internal/boltdb"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/forum"
	"go.etcd.io/bbolt"
)

// Request ids are kept in requests_by_time alone, under keys that start
// with the time of the request, so that recording one appends to the end
// of the bucket: clients choose ids at random, and a bucket keyed by them
// would take a write to a random page (and its parents) for every create.
// Finding an id goes through requestIndex, an in-memory map from a hash of
// the caller and id to the times it was recorded under, built when the
// store opens; each lookup is then one key read. It costs a few tens of
// bytes of memory per request id kept (two 8-byte numbers in a Go map);
// ids are kept for the retention period, see Purge.

// requestKey is the part of a request id's key after the time: ids are
// per caller, so that one caller cannot learn or collide with another's.
func requestKey(req forum.Request) []byte { return boltdb.Join(req.Caller, req.ID) }

// requestIndex maps the hash of a request key to the times it was
// recorded under. An entry whose key is not in requests_by_time (its
// transaction rolled back) is harmless: a lookup reads the key and finds
// nothing.
type requestIndex struct {
	seed maphash.Seed
	mu   sync.RWMutex
	// times holds the first time of each hash; more the others, for the
	// rare hash shared by two request keys.
	times map[uint64]uint64
	more  map[uint64][]uint64
}

func newRequestIndex() *requestIndex {
	return &requestIndex{seed: maphash.MakeSeed(), times: map[uint64]uint64{}, more: map[uint64][]uint64{}}
}

func (x *requestIndex) hash(k []byte) uint64 { return maphash.Bytes(x.seed, k) }

// add records that request key k was recorded at time t (nanoseconds).
func (x *requestIndex) add(k []byte, t uint64) {
	h := x.hash(k)
	x.mu.Lock()
	defer x.mu.Unlock()
	if first, ok := x.times[h]; !ok {
		x.times[h] = t
	} else if first != t && !slices.Contains(x.more[h], t) {
		x.more[h] = append(x.more[h], t)
	}
}

// remove forgets that request key k was recorded at time t.
func (x *requestIndex) remove(k []byte, t uint64) {
	h := x.hash(k)
	x.mu.Lock()
	defer x.mu.Unlock()
	rest := x.more[h]
	if first, ok := x.times[h]; ok && first == t {
		if len(rest) == 0 {
			delete(x.times, h)
			return
		}
		x.times[h], rest = rest[0], rest[1:]
	} else {
		for i, r := range rest {
			if r == t {
				rest = append(rest[:i:i], rest[i+1:]...)
				break
			}
		}
	}
	if len(rest) == 0 {
		delete(x.more, h)
	} else {
		x.more[h] = rest
	}
}

// lookup returns the times request key k may have been recorded at.
func (x *requestIndex) lookup(k []byte) []uint64 {
	h := x.hash(k)
	x.mu.RLock()
	defer x.mu.RUnlock()
	first, ok := x.times[h]
	if !ok {
		return nil
	}
	return append([]uint64{first}, x.more[h]...)
}

// load adds every request id in requests_by_time.
func (x *requestIndex) load(tx *bbolt.Tx) error {
	return tx.Bucket(bucketRequestsByTime).ForEach(func(k, _ []byte) error {
		if len(k) <= 8 {
			return fmt.Errorf("request ids: malformed key %x", k)
		}
		x.add(k[8:], binary.BigEndian.Uint64(k[:8]))
		return nil
	})
}

// requested returns the name of what req created, or "" when req is new
// (or makes no request id).
func (s *Store) requested(tx *bbolt.Tx, req forum.Request) (string, error) {
	if req.ID == "" {
		return "", nil
	}
	k := requestKey(req)
	for _, t := range s.requests.lookup(k) {
		var r requestRecord
		ok, err := getRecord(tx.Bucket(bucketRequestsByTime), append(u64(nil, t), k...), &r)
		if err != nil || ok {
			return r.Name, err
		}
	}
	return "", nil
}

// remember records that req created name.
func (s *Store) remember(tx *bbolt.Tx, req forum.Request, name string) error {
	if req.ID == "" {
		return nil
	}
	k, t := requestKey(req), nanos(req.Time)
	b := tx.Bucket(bucketRequestsByTime)
	b.FillPercent = appendFill // keys start with the time: writes append
	if err := putRecord(b, append(u64(nil, t), k...), requestRecord{Name: name}); err != nil {
		return err
	}
	s.requests.add(k, t)
	return nil
}

// RequestedName implements forum.Store.
func (s *Store) RequestedName(_ context.Context, caller, requestID string) (string, error) {
	var name string
	err := s.db.View(func(tx *bbolt.Tx) error {
		var err error
		name, err = s.requested(tx, forum.Request{Caller: caller, ID: requestID})
		return err
	})
	if err != nil {
		return "", err
	}
	if name == "" {
		return "", fmt.Errorf("request %s: %w", requestID, errs.NotFound)
	}
	return name, nil
}
