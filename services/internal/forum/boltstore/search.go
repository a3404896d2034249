package boltstore

import (
	"bytes"
	"context"
	"fmt"

	"github.com/engagehq/engage/services/internal/boltdb"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/forum"
	"go.etcd.io/bbolt"
)

// docReader reads search documents, remembering the last forum and
// thread whose state it read, since consecutive posts share them. For the
// containers it decodes only what says whether they are shown, not their
// texts.
type docReader struct {
	tx        *bbolt.Tx
	forumKey  string
	forumLive bool
	threadKey string
	threadOK  bool
}

func (d *docReader) forumLiveness(agency, id string) (bool, error) {
	k := string(boltdb.Join(agency, id))
	if k == d.forumKey {
		return d.forumLive, nil
	}
	var r forumRecord
	ok, err := getRecord(d.tx.Bucket(bucketForums), []byte(k), &r)
	if err != nil {
		return false, err
	}
	d.forumKey, d.forumLive = k, ok && r.DeleteTime.IsZero()
	return d.forumLive, nil
}

// threadShown reports whether a thread's posts are searchable as far as
// the thread and its forum go: both exist, are not deleted, and the thread
// is visible.
func (d *docReader) threadShown(k forum.ThreadKey) (bool, error) {
	key := string(threadKey(k))
	if key == d.threadKey {
		return d.threadOK, nil
	}
	var r threadRecord
	ok, err := getRecord(d.tx.Bucket(bucketThreads), []byte(key), &r)
	if err != nil {
		return false, err
	}
	live, err := d.forumLiveness(k.Agency, k.Forum)
	if err != nil {
		return false, err
	}
	d.threadKey = key
	d.threadOK = ok && live && r.DeleteTime.IsZero() && r.State == visible.String()
	return d.threadOK, nil
}

// threadDoc makes the document of a stored thread.
func (d *docReader) threadDoc(r threadRecord) (forum.SearchDoc, error) {
	live, err := d.forumLiveness(r.Agency, r.Forum)
	if err != nil {
		return forum.SearchDoc{}, err
	}
	t := r.domain()
	return forum.SearchDoc{
		Target:     forum.Target{ThreadKey: t.Key()},
		Title:      t.Title,
		Body:       t.Body,
		Searchable: live && r.DeleteTime.IsZero() && t.State == visible,
	}, nil
}

// postDoc makes the document of a stored post; deleted is true for one in
// posts_deleted.
func (d *docReader) postDoc(r postRecord, deleted bool) (forum.SearchDoc, error) {
	p := r.domain()
	shown, err := d.threadShown(p.Key().ThreadKey)
	if err != nil {
		return forum.SearchDoc{}, err
	}
	return forum.SearchDoc{
		Target:     forum.Target{ThreadKey: p.Key().ThreadKey, Post: p.ID},
		Body:       p.Body,
		Searchable: shown && !deleted && p.State == visible,
	}, nil
}

// SearchDoc implements forum.Store.
func (s *Store) SearchDoc(_ context.Context, t forum.Target) (forum.SearchDoc, error) {
	var doc forum.SearchDoc
	err := s.db.View(func(tx *bbolt.Tx) error {
		d := &docReader{tx: tx}
		notFound := fmt.Errorf("search document %s: %w", t.Name(), errs.NotFound)
		if !t.IsPost() {
			var r threadRecord
			ok, err := getRecord(tx.Bucket(bucketThreads), threadKey(t.ThreadKey), &r)
			if err != nil {
				return err
			}
			if !ok {
				return notFound
			}
			doc, err = d.threadDoc(r)
			return err
		}
		k := postKey(t.PostKey())
		var r postRecord
		ok, err := getRecord(tx.Bucket(bucketPosts), k, &r)
		if err != nil {
			return err
		}
		deleted := false
		if !ok {
			if ok, err = getRecord(tx.Bucket(bucketPostsDeleted), k, &r); err != nil {
				return err
			}
			deleted = true
		}
		if !ok {
			return notFound
		}
		doc, err = d.postDoc(r, deleted)
		return err
	})
	return doc, err
}

// Scan phases of ScanSearchDocs' cursor: its first byte.
const (
	phaseThreads byte = 't'
	phasePosts   byte = 'p'
)

// ScanSearchDocs implements forum.Store. The cursor is a phase byte and
// the last key read in that phase's bucket.
func (s *Store) ScanSearchDocs(_ context.Context, scope forum.ThreadKey, after []byte, limit int) ([]forum.SearchDoc, []byte, error) {
	limit = max(limit, 1)
	var threadPfx, postPfx []byte
	switch {
	case scope.Thread != "":
		threadPfx, postPfx = threadKey(scope), boltdb.Below(threadKey(scope))
	case scope.Forum != "":
		threadPfx = boltdb.Below(forumKey(scope.ForumKey()))
		postPfx = threadPfx
	case scope.Agency != "":
		threadPfx = boltdb.Below([]byte(scope.Agency))
		postPfx = threadPfx
	}
	phase, last := phaseThreads, []byte(nil)
	if len(after) > 0 {
		phase, last = after[0], after[1:]
	}
	var out []forum.SearchDoc
	var next []byte
	err := s.db.View(func(tx *bbolt.Tx) error {
		out, next = nil, nil
		d := &docReader{tx: tx}
		var lastKey []byte
		lastPhase := phase
		// full sets the next cursor once a page is complete; a page that
		// ends with the last thread continues at the first post.
		full := func(ph byte) bool {
			if len(out) < limit {
				return false
			}
			next = []byte{ph}
			if lastPhase == ph {
				next = append(next, lastKey...)
			}
			return true
		}
		if phase == phaseThreads {
			c := tx.Bucket(bucketThreads).Cursor()
			for k, v := startAt(c, threadPfx, last); k != nil && bytes.HasPrefix(k, threadPfx); k, v = c.Next() {
				if scope.Thread != "" && !bytes.Equal(k, threadPfx) {
					break
				}
				if full(phaseThreads) {
					return nil
				}
				var r threadRecord
				if err := decodeRecord(v, &r); err != nil {
					return fmt.Errorf("decode thread %q: %w", k, err)
				}
				doc, err := d.threadDoc(r)
				if err != nil {
					return err
				}
				out, lastKey = append(out, doc), bytes.Clone(k)
			}
			last = nil
		}
		c := tx.Bucket(bucketPosts).Cursor()
		for k, v := startAt(c, postPfx, last); k != nil && bytes.HasPrefix(k, postPfx); k, v = c.Next() {
			if full(phasePosts) {
				return nil
			}
			var r postRecord
			if err := decodeRecord(v, &r); err != nil {
				return fmt.Errorf("decode post %q: %w", k, err)
			}
			doc, err := d.postDoc(r, false)
			if err != nil {
				return err
			}
			out, lastKey, lastPhase = append(out, doc), bytes.Clone(k), phasePosts
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return out, next, nil
}

// startAt positions c at the first key under pfx, or after the full key
// last when it is set.
func startAt(c *bbolt.Cursor, pfx, last []byte) (k, v []byte) {
	if last == nil {
		return c.Seek(pfx)
	}
	return seek(c, nil, last)
}
