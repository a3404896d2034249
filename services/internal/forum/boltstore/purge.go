package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/engagehq/engage/services/internal/boltdb"
	"github.com/engagehq/engage/services/internal/errs"
	"go.etcd.io/bbolt"
)

// purgeChunk bounds the keys one purge transaction deletes, so that
// purging a large forum never holds the writer for long: other writes get
// their turn between chunks.
const purgeChunk = 5000

// span is a range of keys to purge: every key starting with pfx, or the
// key pfx alone when exact.
type span struct {
	bucket []byte
	pfx    []byte
	exact  bool
}

// Purge implements forum.Store.
func (s *Store) Purge(ctx context.Context, before time.Time) (int, error) {
	n := 0
	for {
		entries, err := s.trashBefore(before, 64)
		if err != nil {
			return n, err
		}
		if len(entries) == 0 {
			break
		}
		for _, e := range entries {
			if err := s.purgeEntry(ctx, e); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, s.purgeRequests(ctx, before)
}

// trashBefore returns up to limit trash keys of resources deleted before
// the given time, oldest first.
func (s *Store) trashBefore(before time.Time, limit int) ([][]byte, error) {
	var out [][]byte
	err := s.db.View(func(tx *bbolt.Tx) error {
		out = nil
		c := tx.Bucket(bucketTrash).Cursor()
		for k, _ := c.First(); k != nil && len(out) < limit; k, _ = c.Next() {
			if len(k) < 9 || binary.BigEndian.Uint64(k[:8]) >= nanos(before) {
				break
			}
			out = append(out, bytes.Clone(k))
		}
		return nil
	})
	return out, err
}

// purgeEntry removes one deleted resource with everything below it, then
// its trash entry.
func (s *Store) purgeEntry(ctx context.Context, entry []byte) error {
	kind, key := entry[8], entry[9:]
	below := boltdb.Below(key)
	var spans []span
	switch kind {
	case kindForum:
		spans = []span{
			{bucketThreadsByActivity, below, false}, {bucketThreadsByVotes, below, false},
			{bucketPostsByVotes, below, false}, {bucketPosts, below, false}, {bucketPostsDeleted, below, false},
			{bucketThreads, below, false},
		}
		spans = append(spans, targetSpans(kindThread, below)...)
		spans = append(spans, targetSpans(kindPost, below)...)
		spans = append(spans, span{bucketForums, key, true})
	case kindThread:
		spans = []span{
			{bucketPostsByVotes, below, false}, {bucketPosts, below, false}, {bucketPostsDeleted, below, false},
		}
		spans = append(spans, targetSpans(kindThread, below)...) // the thread's own votes and flags
		spans = append(spans, targetSpans(kindPost, below)...)
		spans = append(spans,
			span{bucketModerationTargets, append([]byte{kindThread}, key...), true},
			span{bucketThreads, key, true})
	case kindPost:
		spans = targetSpans(kindPost, below)
		spans = append(spans,
			span{bucketModerationTargets, append([]byte{kindPost}, key...), true},
			span{bucketPostsDeleted, key, true})
	default:
		return fmt.Errorf("purge: unknown kind %q in trash key %x", kind, entry)
	}
	spans = append(spans, span{bucketTrash, entry, true})
	return s.purgeSpans(ctx, spans)
}

// targetSpans are the votes, flags and moderation links of targets of
// kind whose keys start with pfx; a moderation link goes with its item
// (see purgeSpans).
func targetSpans(kind byte, pfx []byte) []span {
	k := append([]byte{kind}, pfx...)
	return []span{{bucketVotes, k, false}, {bucketFlags, k, false}, {bucketModerationTargets, k, false}}
}

// purgeSpans deletes spans in transactions of about purgeChunk keys at
// most, each span only once those before it are empty, so that the exact
// keys at the end (the record, its trash entry) go last. A span of
// moderation_targets takes the links' moderation items along, since an
// item quotes and describes the content it links to.
func (s *Store) purgeSpans(ctx context.Context, spans []span) error {
	for {
		done := false
		err := s.db.Update(ctx, func(tx *bbolt.Tx) error {
			done = false
			budget := purgeChunk
			for _, sp := range spans {
				if bytes.Equal(sp.bucket, bucketModerationTargets) {
					n, err := deleteItems(tx, sp, budget)
					if err != nil {
						return err
					}
					if budget -= n; budget <= 0 {
						return nil
					}
					continue
				}
				b := tx.Bucket(sp.bucket)
				if sp.exact {
					if err := b.Delete(sp.pfx); err != nil {
						return err
					}
					continue
				}
				n, err := deletePrefix(b, sp.pfx, budget)
				if err != nil {
					return err
				}
				if budget -= n; budget == 0 {
					return nil
				}
			}
			done = true
			return nil
		})
		if err != nil || done {
			return err
		}
	}
}

// deleteItems deletes the moderation links in sp, each with its item and
// the item's queue entry, until limit keys or more are deleted; it
// returns how many keys it deleted.
func deleteItems(tx *bbolt.Tx, sp span, limit int) (int, error) {
	targets := tx.Bucket(bucketModerationTargets)
	n := 0
	drop := func(k, id []byte) error {
		agency, _, _ := bytes.Cut(k[1:], []byte{sep}) // a target key is its kind, then {agency}␀…
		if err := dropItem(tx, string(agency), string(id)); err != nil {
			return err
		}
		n += 3
		return targets.Delete(k)
	}
	if sp.exact {
		if id := targets.Get(sp.pfx); id != nil {
			return n, drop(sp.pfx, bytes.Clone(id))
		}
		return 0, nil
	}
	c := targets.Cursor()
	for k, id := c.Seek(sp.pfx); k != nil && bytes.HasPrefix(k, sp.pfx) && n < limit; k, id = c.Seek(sp.pfx) {
		if err := drop(bytes.Clone(k), bytes.Clone(id)); err != nil {
			return n, err
		}
	}
	return n, nil
}

// dropItem deletes a moderation item, with the flags' notes it holds, and
// its queue entry; an item already gone is no error.
func dropItem(tx *bbolt.Tx, agency, id string) error {
	item, err := loadItem(tx, agency, id)
	if errors.Is(err, errs.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := tx.Bucket(bucketModerationQueue).Delete(queueKey(item)); err != nil {
		return err
	}
	return tx.Bucket(bucketModeration).Delete(boltdb.Join(agency, id))
}

// purgeRequests forgets request ids recorded before the given time. They
// leave the in-memory index once their deletion is committed: until then
// they must still be found.
func (s *Store) purgeRequests(ctx context.Context, before time.Time) error {
	for {
		n := 0
		err := s.db.Update(ctx, func(tx *bbolt.Tx) error {
			n = 0
			c := tx.Bucket(bucketRequestsByTime).Cursor()
			type gone struct {
				key []byte
				t   uint64
			}
			var forgotten []gone
			for k, _ := c.First(); k != nil && n < purgeChunk; k, _ = c.First() {
				if len(k) <= 8 || binary.BigEndian.Uint64(k[:8]) >= nanos(before) {
					break
				}
				forgotten = append(forgotten, gone{bytes.Clone(k[8:]), binary.BigEndian.Uint64(k[:8])})
				if err := c.Delete(); err != nil {
					return err
				}
				n++
			}
			tx.OnCommit(func() {
				for _, g := range forgotten {
					s.requests.remove(g.key, g.t)
				}
			})
			return nil
		})
		if err != nil || n < purgeChunk {
			return err
		}
	}
}
