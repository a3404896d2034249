package boltstore

import (
	"bytes"
	"fmt"

	"github.com/engagehq/engage/services/internal/boltdb"
	"github.com/engagehq/engage/services/internal/forum"
	"go.etcd.io/bbolt"
)

// Posts without votes have no posts_by_votes entry: most posts never get a
// vote, and a new post would otherwise write one more page of the index
// in every commit. Their place in the order is the one their entry would
// have, after every voted post and in id order, so ListPosts by votes
// reads the index and then the thread's posts with no votes, and page
// cursors keep one form: 8 bytes of inverted vote count and the post id,
// the count all ones (^0) for a post without votes.

// noVotes is the inverted vote count of a post without votes.
var noVotes = u64(nil, ^uint64(0))

// indexedByVotes reports whether p has an entry in posts_by_votes.
func indexedByVotes(p forum.Post) bool { return p.VoteCount > 0 }

// putPostVotes adds p's entry to posts_by_votes, if it has one.
func putPostVotes(tx *bbolt.Tx, p forum.Post) error {
	if !indexedByVotes(p) {
		return nil
	}
	return tx.Bucket(bucketPostsByVotes).Put(postVotesKey(p), nil)
}

// deletePostVotes removes p's entry from posts_by_votes, if it has one.
func deletePostVotes(tx *bbolt.Tx, p forum.Post) error {
	if !indexedByVotes(p) {
		return nil
	}
	return tx.Bucket(bucketPostsByVotes).Delete(postVotesKey(p))
}

// listPostsByVotes visits a thread's posts most votes first, then oldest,
// from the cursor after on, the way scan does: add reports whether it kept
// a post, and the result is the next page's cursor or nil at the end.
func listPostsByVotes(tx *bbolt.Tx, k forum.ThreadKey, page forum.Page, add func(forum.Post) (bool, error)) ([]byte, error) {
	size := max(page.Size, 1)
	posts, pfx := tx.Bucket(bucketPosts), boltdb.Below(threadKey(k))
	kept, examined := 0, 0
	full := func() bool { return kept >= size || page.MaxScan > 0 && examined >= page.MaxScan }
	visit := func(p forum.Post) error {
		ok, err := add(p)
		examined++
		if ok {
			kept++
		}
		return err
	}
	var last []byte

	// The voted posts, from the index, unless the cursor is past them.
	unvotedAfter := []byte(nil)
	if len(page.After) <= 8 || !bytes.Equal(page.After[:8], noVotes) {
		c := tx.Bucket(bucketPostsByVotes).Cursor()
		for ik, _ := seek(c, pfx, page.After); ik != nil && bytes.HasPrefix(ik, pfx); ik, _ = c.Next() {
			if full() {
				return last, nil
			}
			suffix := ik[len(pfx):]
			if len(suffix) <= 8 {
				return nil, fmt.Errorf("list posts: malformed index key %x", suffix)
			}
			if raw := posts.Get(append(bytes.Clone(pfx), suffix[8:]...)); raw != nil {
				r, err := decodePost(raw)
				if err != nil {
					return nil, fmt.Errorf("list posts: %w", err)
				}
				if err := visit(r.domain()); err != nil {
					return nil, err
				}
			}
			last = bytes.Clone(suffix)
		}
	} else {
		unvotedAfter = page.After[8:]
	}

	// Then the posts without votes, in id order, from the posts bucket;
	// the voted ones there were listed from the index.
	c := posts.Cursor()
	for pk, v := seek(c, pfx, unvotedAfter); pk != nil && bytes.HasPrefix(pk, pfx); pk, v = c.Next() {
		r, err := decodePost(v)
		if err != nil {
			return nil, fmt.Errorf("list posts: %w", err)
		}
		p := r.domain()
		voted := indexedByVotes(p)
		if kept >= size && !voted || page.MaxScan > 0 && examined >= page.MaxScan {
			return last, nil
		}
		if voted {
			examined++
		} else if err := visit(p); err != nil {
			return nil, err
		}
		last = append(bytes.Clone(noVotes), pk[len(pfx):]...)
	}
	return nil, nil
}
