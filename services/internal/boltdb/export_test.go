package boltdb

// QueueLen reports how many Updates wait for the committer, so tests can
// line up a batch deterministically instead of sleeping.
func (db *DB) QueueLen() int {
	db.mu.Lock()
	defer db.mu.Unlock()
	return len(db.queue)
}

// Closing reports whether Close has begun.
func (db *DB) Closing() bool { return db.closed.Load() }
