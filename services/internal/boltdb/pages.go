package boltdb

import (
	"bytes"

	"go.etcd.io/bbolt"
)

// WalkPage visits the keys of b under pfx after the suffix after (all of
// them when after is nil), in order or, with reverse, backwards from before
// it, passing each key's suffix after pfx, until visit has kept size of
// them (at least 1). It returns the cursor of the next page: the suffix of
// the last key kept, or nil when no key under pfx follows it.
func WalkPage(b *bbolt.Bucket, pfx, after []byte, size int, reverse bool, visit func(suffix []byte) (kept bool, err error)) ([]byte, error) {
	c := b.Cursor()
	step := c.Next
	var k []byte
	if reverse {
		step = c.Prev
		k = seekBefore(c, pfx, after)
	} else {
		start := append(bytes.Clone(pfx), after...)
		k, _ = c.Seek(start)
		if after != nil && bytes.Equal(k, start) {
			k, _ = c.Next()
		}
	}
	size, kept := max(size, 1), 0
	for ; bytes.HasPrefix(k, pfx); k, _ = step() {
		ok, err := visit(k[len(pfx):])
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		if kept++; kept == size {
			last := bytes.Clone(k[len(pfx):])
			if n, _ := step(); bytes.HasPrefix(n, pfx) {
				return last, nil
			}
			return nil, nil
		}
	}
	return nil, nil
}

// seekBefore positions c at the last key under pfx whose suffix is before
// after (the last key under pfx when after is nil), returning it.
func seekBefore(c *bbolt.Cursor, pfx, after []byte) []byte {
	var target []byte
	if after != nil {
		target = append(bytes.Clone(pfx), after...)
	} else {
		target = PrefixEnd(pfx)
	}
	if target == nil {
		k, _ := c.Last()
		return k
	}
	if k, _ := c.Seek(target); k == nil {
		k, _ = c.Last()
		return k
	}
	k, _ := c.Prev()
	return k
}

// PrefixEnd returns the least key greater than every key that starts with
// pfx, or nil when there is none.
func PrefixEnd(pfx []byte) []byte {
	end := bytes.Clone(pfx)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}
