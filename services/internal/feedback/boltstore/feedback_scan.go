package boltstore

import (
	"bytes"

	"github.com/engagehq/engage/services/internal/boltdb"
	"github.com/engagehq/engage/services/internal/feedback"
	"go.etcd.io/bbolt"
)

// fbSource is one index a list walks: the keys of b under pfx, whose
// suffixes after pfx all have one form (such as a time and an id), so
// that the suffixes of several sources sort together.
type fbSource struct {
	b   *bbolt.Bucket
	pfx []byte
}

// fbSeek positions c at the first key under pfx after the cursor suffix
// after, or, in reverse, at the last key under pfx before it.
func fbSeek(c *bbolt.Cursor, pfx, after []byte, reverse bool) []byte {
	if !reverse {
		if after == nil {
			k, _ := c.Seek(pfx)
			return k
		}
		start := append(bytes.Clone(pfx), after...)
		k, _ := c.Seek(start)
		if k != nil && bytes.Equal(k, start) {
			k, _ = c.Next()
		}
		return k
	}
	var start []byte
	if after == nil {
		start = boltdb.PrefixEnd(pfx)
	} else {
		start = append(bytes.Clone(pfx), after...)
	}
	var k []byte
	if start == nil {
		k, _ = c.Last()
	} else if k, _ = c.Seek(start); k == nil {
		k, _ = c.Last()
	}
	// Step back over keys at or after start: every key below start.
	for k != nil && start != nil && bytes.Compare(k, start) >= 0 {
		k, _ = c.Prev()
	}
	return k
}

// fbScan walks the keys under pfx after the suffix after (before it, in
// reverse), calling visit with each key's suffix until visit has kept
// page.Size items or examined page.MaxScan rows. It returns the cursor of
// the next page: the suffix of the last key examined, or nil when no key
// remains.
func fbScan(b *bbolt.Bucket, pfx []byte, page feedback.FeedbackPage, reverse bool, visit func(suffix []byte) (kept bool, err error)) ([]byte, error) {
	return fbMerge([]fbSource{{b, pfx}}, page, reverse, func(_ int, suffix []byte) (bool, error) { return visit(suffix) })
}

// fbMerge is fbScan over several sources at once: it visits their
// suffixes merged in order (descending in reverse), telling visit which
// source each comes from; a suffix present in two sources is visited
// once for each. The cursor is a suffix, so a page starts after it in
// every source.
func fbMerge(sources []fbSource, page feedback.FeedbackPage, reverse bool, visit func(source int, suffix []byte) (kept bool, err error)) ([]byte, error) {
	size := max(page.Size, 1)
	type head struct {
		c    *bbolt.Cursor
		pfx  []byte
		k    []byte // the current key, nil when the source is exhausted
		step func() ([]byte, []byte)
	}
	heads := make([]head, len(sources))
	for i, src := range sources {
		c := src.b.Cursor()
		h := head{c: c, pfx: src.pfx, step: c.Next}
		if reverse {
			h.step = c.Prev
		}
		if h.k = fbSeek(c, src.pfx, page.After, reverse); !bytes.HasPrefix(h.k, src.pfx) {
			h.k = nil
		}
		heads[i] = h
	}
	kept, examined := 0, 0
	var last []byte
	for {
		// The next suffix in order, of whichever source has it.
		at := -1
		for i, h := range heads {
			if h.k == nil {
				continue
			}
			if at < 0 {
				at = i
				continue
			}
			c := bytes.Compare(h.k[len(h.pfx):], heads[at].k[len(heads[at].pfx):])
			if (!reverse && c < 0) || (reverse && c > 0) {
				at = i
			}
		}
		if at < 0 {
			return nil, nil
		}
		if kept >= size || (page.MaxScan > 0 && examined >= page.MaxScan) {
			return last, nil
		}
		h := &heads[at]
		suffix := h.k[len(h.pfx):]
		ok, err := visit(at, suffix)
		if err != nil {
			return nil, err
		}
		examined++
		if ok {
			kept++
		}
		last = bytes.Clone(suffix)
		if h.k, _ = h.step(); !bytes.HasPrefix(h.k, h.pfx) {
			h.k = nil
		}
	}
}
