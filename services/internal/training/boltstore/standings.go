package boltstore

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"time"

	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
	"github.com/engagehq/engage/services/internal/boltdb"
	"github.com/engagehq/engage/services/internal/training"
	"go.etcd.io/bbolt"
)

// completionBatch is how many completions Completions reads per
// transaction: fn, which may be slow (a stream to a client), never runs
// inside one.
const completionBatch = 256

// maxCachedStandings bounds the standings Standings keeps.
const maxCachedStandings = 8

// standingsCache keeps the last standings read per agency and unit, with
// the transaction id they were read at: bbolt's read transactions carry
// the id of the last committed write, so while it is unchanged nothing was
// written and the standings still hold. A compliance report walked page by
// page, exported and asked again by dashboards reads the indexes once.
type standingsCache struct {
	mu sync.Mutex
	m  map[string]cachedStandings
}

type cachedStandings struct {
	txid      int
	standings []training.Standing
}

func (c *standingsCache) get(k string, txid int) ([]training.Standing, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok || e.txid != txid {
		return nil, false
	}
	return e.standings, true
}

func (c *standingsCache) put(k string, txid int, st []training.Standing) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]cachedStandings)
	}
	for old, e := range c.m {
		if e.txid != txid || len(c.m) >= maxCachedStandings {
			delete(c.m, old)
		}
	}
	c.m[k] = cachedStandings{txid: txid, standings: st}
}

// Standings reads, in one transaction, the active officers of agency (of
// unit, when not empty) by badge, and their certification days,
// assignments and credits from the index buckets, decoding no record but
// the officers. The revision is bbolt's transaction id. Until the next
// write it answers from what it last read.
func (s *Store) Standings(ctx context.Context, agency, unit string) ([]training.Standing, uint64, error) {
	a := lastID(agency)
	ck := a + "\x00" + unit
	var (
		out []training.Standing
		rev uint64
	)
	err := s.db.View(func(tx *bbolt.Tx) error {
		rev = uint64(tx.ID())
		if st, ok := s.standings.get(ck, tx.ID()); ok {
			out = st
			return nil
		}
		officers := tx.Bucket(bucketOfficers)
		certDays, assignments, credits := tx.Bucket(bucketCertDays).Cursor(), tx.Bucket(bucketAssignments).Cursor(), tx.Bucket(bucketCredits).Cursor()
		courses := courseNames{prefix: "agencies/" + a + "/courses/", names: map[string]string{}}
		days := interner{}
		active := tx.Bucket(bucketActiveBadges).Cursor()
		p := boltdb.Prefix(a)
		for k, id := active.Seek(p); k != nil && bytes.HasPrefix(k, p); k, id = active.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			o := new(trainingv1.Officer)
			ok, err := boltdb.GetProto(officers, boltdb.Key(a, id), o)
			if err != nil {
				return err
			}
			if !ok || (unit != "" && o.GetUnit() != unit) {
				continue
			}
			st := training.Standing{Officer: o}
			op := boltdb.Prefix(a, id)
			if st.Certifications, err = readCertDays(certDays, op, &courses, days); err != nil {
				return fmt.Errorf("officer %s: %w", o.GetName(), err)
			}
			if st.Assignments, err = readAssignments(assignments, op, &courses); err != nil {
				return fmt.Errorf("officer %s: %w", o.GetName(), err)
			}
			if st.Credits, err = readCredits(credits, op, days); err != nil {
				return fmt.Errorf("officer %s: %w", o.GetName(), err)
			}
			out = append(out, st)
		}
		s.standings.put(ck, tx.ID(), out)
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("standings of %s: %w", agency, err)
	}
	return out, rev, nil
}

// courseNames makes the resource names of an agency's courses from their
// ids, once per course.
type courseNames struct {
	prefix string
	names  map[string]string
}

// name returns the name of the course with id (bytes of a key, copied).
func (c *courseNames) name(id []byte) string {
	if n, ok := c.names[string(id)]; ok {
		return n
	}
	n := c.prefix + string(id)
	c.names[string(id)] = n
	return n
}

// count is how many course names c made so far: the size to expect of an
// officer's maps.
func (c *courseNames) count() int { return len(c.names) }

// interner makes strings of byte slices, once per distinct value.
type interner map[string]string

// of returns b as a string, the same string for equal slices.
func (in interner) of(b []byte) string {
	if s, ok := in[string(b)]; ok {
		return s
	}
	s := string(b)
	in[s] = s
	return s
}

// readCertDays reads an officer's certDays entries (course 0 completion
// day 0 certification → expire day) after prefix op: per course name, by
// completion day, since keys sort that way. The entries share one backing
// array, and the days are interned: a report reads thousands of officers
// whose days repeat.
func readCertDays(c *bbolt.Cursor, op []byte, courses *courseNames, days interner) (map[string][]training.CertificationDates, error) {
	var (
		all   []training.CertificationDates
		names []string
	)
	for k, v := c.Seek(op); k != nil && bytes.HasPrefix(k, op); k, v = c.Next() {
		course, rest, ok1 := bytes.Cut(k[len(op):], []byte{sep})
		day, _, ok2 := bytes.Cut(rest, []byte{sep})
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("malformed certDays key %q", k)
		}
		if all == nil {
			all = make([]training.CertificationDates, 0, courses.count())
			names = make([]string, 0, courses.count())
		}
		all = append(all, training.CertificationDates{Completion: days.of(day), Expire: days.of(v)})
		names = append(names, courses.name(course))
	}
	if all == nil {
		return nil, nil
	}
	out := make(map[string][]training.CertificationDates, courses.count())
	for i := 0; i < len(all); {
		j := i + 1
		for j < len(all) && names[j] == names[i] {
			j++
		}
		out[names[i]] = all[i:j:j]
		i = j
	}
	return out, nil
}

// readAssignments reads an officer's assignments (course → assignment)
// after prefix op.
func readAssignments(c *bbolt.Cursor, op []byte, courses *courseNames) (map[string]training.Assignment, error) {
	var out map[string]training.Assignment
	for k, v := c.Seek(op); k != nil && bytes.HasPrefix(k, op); k, v = c.Next() {
		a, err := decodeAssignment(v)
		if err != nil {
			return nil, err
		}
		if out == nil {
			out = make(map[string]training.Assignment, courses.count())
		}
		out[courses.name(k[len(op):])] = a
	}
	return out, nil
}

// readCredits reads an officer's credits (day 0 completion → hours) after
// prefix op.
func readCredits(c *bbolt.Cursor, op []byte, days interner) ([]training.Credit, error) {
	var out []training.Credit
	for k, v := c.Seek(op); k != nil && bytes.HasPrefix(k, op); k, v = c.Next() {
		day, _, ok := bytes.Cut(k[len(op):], []byte{sep})
		if !ok {
			return nil, fmt.Errorf("malformed credits key %q", k)
		}
		out = append(out, training.Credit{Date: days.of(day), Hours: decodeHours(v)})
	}
	return out, nil
}

// Completions calls fn for the completions of agency recorded in [start,
// end), oldest first. It reads them completionBatch at a time, each batch
// in its own transaction, and calls fn between transactions.
func (s *Store) Completions(ctx context.Context, agency string, start, end time.Time, fn func(training.Completion) error) error {
	a := lastID(agency)
	p := boltdb.Prefix(a)
	from := p
	if !start.IsZero() {
		from = boltdb.Key(a, u64(start.UnixNano()))
	}
	var until []byte
	if !end.IsZero() {
		until = boltdb.Key(a, u64(end.UnixNano()))
	}
	for {
		batch, next, err := s.completionBatch(p, from, until)
		if err != nil {
			return fmt.Errorf("completions of %s: %w", agency, err)
		}
		for _, cp := range batch {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := fn(cp); err != nil {
				return err
			}
		}
		if next == nil {
			return nil
		}
		from = next
	}
}

// completionBatch reads up to completionBatch completions with keys under
// p, from from (inclusive) to until (exclusive; nil for no end), and
// returns the key to continue from, nil when there are no more.
func (s *Store) completionBatch(p, from, until []byte) ([]training.Completion, []byte, error) {
	var (
		out  []training.Completion
		next []byte
	)
	err := s.db.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketCompletions).Cursor()
		for k, v := c.Seek(from); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
			if until != nil && bytes.Compare(k, until) >= 0 {
				return nil
			}
			if len(out) == completionBatch {
				next = bytes.Clone(k)
				return nil
			}
			cp, err := decodeCompletion(v)
			if err != nil {
				return fmt.Errorf("completion %q: %w", k, err)
			}
			out = append(out, cp)
		}
		return nil
	})
	return out, next, err
}
