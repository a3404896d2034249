package boltdb

import (
	"context"
	"fmt"
	"runtime/debug"
	"slices"
	"sync/atomic"
	"time"

	"go.etcd.io/bbolt"
)

// Request states. A request moves from queued to running when the committer
// claims it, or from queued to abandoned when its caller gives up first;
// whichever compare-and-swap wins decides whether fn runs.
const (
	stateQueued int32 = iota
	stateRunning
	stateAbandoned
)

// request is one Update waiting for the committer.
type request struct {
	ctx   context.Context
	fn    func(tx *bbolt.Tx) error
	state atomic.Int32
	// done receives exactly one result, unless the caller abandoned the
	// request before the committer claimed it.
	done chan error
}

// Update runs fn in a read-write transaction shared with other concurrent
// Updates and returns once that transaction's commit is durable.
//
// fn may run more than once (see the package doc): it must only use tx,
// must not commit or roll it back, and must not call methods of db. A nil
// result means fn's writes are committed and fsynced; an error means none
// of them are. If ctx ends before fn starts, Update returns ctx.Err() and fn
// never runs; once fn has run, Update waits for and returns the commit's
// result.
func (db *DB) Update(ctx context.Context, fn func(tx *bbolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	req := &request{ctx: ctx, fn: fn, done: make(chan error, 1)}

	db.mu.Lock()
	if db.closed.Load() {
		db.mu.Unlock()
		return ErrClosed
	}
	db.queue = append(db.queue, req)
	db.cond.Signal()
	db.mu.Unlock()
	select {
	case db.arrived <- struct{}{}:
	default:
	}

	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		if req.state.CompareAndSwap(stateQueued, stateAbandoned) {
			return ctx.Err()
		}
		// fn is already running: its transaction's result is the answer.
		return <-req.done
	}
}

// commitLoop is the committer goroutine. It sleeps until writes are
// queued, lingers for more when the last commit carried several (see
// Options.Linger), takes up to maxBatch of them and commits them together,
// and returns once Close has been called and the queue is empty.
func (db *DB) commitLoop() {
	defer close(db.stopped)
	batch := make([]*request, 0, db.maxBatch)
	var gap *time.Timer
	if db.linger > 0 {
		gap = time.NewTimer(time.Hour)
		gap.Stop()
	}
	last := 0
	for {
		db.mu.Lock()
		for len(db.queue) == 0 && !db.closed.Load() {
			db.cond.Wait()
		}
		if len(db.queue) == 0 {
			db.mu.Unlock()
			return
		}
		if gap != nil && last > 1 && len(db.queue) < db.maxBatch {
			db.mu.Unlock()
			db.lingerFor(gap)
			db.mu.Lock()
		}
		n := min(len(db.queue), db.maxBatch)
		batch = append(batch[:0], db.queue[:n]...)
		rest := copy(db.queue, db.queue[n:])
		clear(db.queue[rest:])
		db.queue = db.queue[:rest]
		db.mu.Unlock()

		last = n
		db.commit(batch)
		clear(batch)
	}
}

// lingerFor waits while writes keep arriving, each within a quarter of
// Linger of the one before, for at most Linger, until a batch is full or
// Close is called.
func (db *DB) lingerFor(gap *time.Timer) {
	select {
	case <-db.arrived: // a token from writes already queued
	default:
	}
	deadline := time.Now().Add(db.linger)
	for {
		wait := min(db.linger/4, time.Until(deadline))
		if wait <= 0 {
			return
		}
		db.mu.Lock()
		stop := len(db.queue) >= db.maxBatch || db.closed.Load()
		db.mu.Unlock()
		if stop {
			return
		}
		gap.Reset(wait)
		select {
		case <-db.arrived:
			gap.Stop()
		case <-gap.C:
			return
		}
	}
}

// commit runs a batch in one transaction. A function that fails is taken
// out of the batch with its error, and the rest run again in a new
// transaction, until a transaction commits or bbolt itself fails.
func (db *DB) commit(batch []*request) {
	live := batch[:0]
	for _, r := range batch {
		if !r.state.CompareAndSwap(stateQueued, stateRunning) {
			continue // abandoned: the caller has already returned ctx.Err()
		}
		if err := r.ctx.Err(); err != nil {
			r.done <- err
			continue
		}
		live = append(live, r)
	}

	for len(live) > 0 {
		failed, ferr := -1, error(nil)
		err := db.bolt.Update(func(tx *bbolt.Tx) error {
			for i, r := range live {
				if err := db.call(r.fn, tx); err != nil {
					failed, ferr = i, err
					return err
				}
			}
			return nil
		})
		if failed >= 0 {
			db.stats.retries.Add(1)
			live[failed].done <- ferr
			live = slices.Delete(live, failed, failed+1)
			continue
		}
		// Counted before anyone is answered, so that a caller who reads
		// Stats after its Update returned finds its write there.
		if err == nil {
			db.stats.commits.Add(1)
			db.stats.writes.Add(uint64(len(live)))
		} else {
			db.log.Error("commit failed", "writes", len(live), "err", err)
		}
		// The commit's own result (nil once durable) goes to every member.
		for _, r := range live {
			r.done <- err
		}
		return
	}
}

// call runs fn, turning a panic into an error for fn's caller alone. The
// stack goes to the log, not into the error, which may reach a client.
func (db *DB) call(fn func(*bbolt.Tx) error, tx *bbolt.Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			db.log.Error("update function panicked", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			err = fmt.Errorf("%w: %v", ErrPanicked, p)
		}
	}()
	return fn(tx)
}

// Stats counts the committer's work since Open.
type Stats struct {
	// Commits is the number of transactions committed by Update.
	Commits uint64
	// Writes is the number of Update functions those commits carried;
	// Writes/Commits is the mean batch size.
	Writes uint64
	// Retries is the number of transactions rolled back because one of
	// their functions failed, after which the rest of the batch re-ran.
	Retries uint64
}

// Stats returns the committer's counters, for metrics.
func (db *DB) Stats() Stats {
	return Stats{
		Commits: db.stats.commits.Load(),
		Writes:  db.stats.writes.Load(),
		Retries: db.stats.retries.Load(),
	}
}

type counters struct {
	commits, writes, retries atomic.Uint64
}
