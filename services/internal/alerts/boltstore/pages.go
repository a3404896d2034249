package boltstore

import (
	"bytes"

	"github.com/engagehq/engage/services/internal/alerts"
	"go.etcd.io/bbolt"
)

// walkPage visits the keys of b under pfx after page.After (forwards, or
// backwards when reverse), passing each key's suffix after pfx, until
// visit has kept page.Size of them. It returns the cursor of the next
// page: the last kept suffix, or nil when nothing is left.
func walkPage(b *bbolt.Bucket, pfx []byte, page alerts.Page, reverse bool, visit func(suffix []byte) (kept bool, err error)) ([]byte, error) {
	c := b.Cursor()
	step := c.Next
	var k []byte
	if reverse {
		step = c.Prev
		k = seekBefore(c, pfx, page.After)
	} else {
		start := append(bytes.Clone(pfx), page.After...)
		k, _ = c.Seek(start)
		if page.After != nil && bytes.Equal(k, start) {
			k, _ = c.Next()
		}
	}
	size, kept := max(page.Size, 1), 0
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
		target = prefixEnd(pfx)
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

// prefixEnd returns the least key greater than every key that starts with
// pfx, or nil when there is none.
func prefixEnd(pfx []byte) []byte {
	end := bytes.Clone(pfx)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}
