// Package boltdb is the bbolt runtime every Engage service shares: it opens
// the service's one data file with a lock timeout, brings its schema up to
// date with ordered migrations, funnels all writes through a group-commit
// committer, and takes hot backups.
//
// # Group commit
//
// A bbolt commit costs two fsyncs, so one transaction per write caps a
// service at a couple of thousand writes a second no matter how many
// requests arrive. Update therefore does not open its own transaction: it
// queues fn and waits. One committer goroutine per DB takes everything that
// is queued (at most Options.MaxBatch functions), runs the functions one
// after another in a single read-write transaction and commits it. Under
// load, every commit carries many writes; when idle, a lone write is
// committed at once, with no added delay. With Options.Linger, a committer
// whose last commit carried several writes holds the next batch open for
// as long as more keep arriving (bounded by Linger), so that writers
// answered together commit together instead of taking turns.
//
// Failures are isolated the way bbolt's own DB.Batch isolates them. When a
// function returns an error or panics, the transaction is rolled back, that
// function's caller gets the error (a panic becomes an error wrapping
// ErrPanicked), and the remaining functions of the batch are run again, in
// the same order, in a fresh transaction. A function may therefore run more
// than once: it must only read and write through the transaction it is
// given, and keep no other side effects, so that a run that was rolled back
// leaves no trace. The last run is the one that counts.
//
// # Durability
//
// Update returns nil only after the commit that included fn has returned,
// and bbolt fsyncs the data file before Commit returns (this package never
// sets NoSync). A nil error is therefore an acknowledgement that the write
// survives a crash or power loss; an error means fn's writes were not
// committed. A write is never acknowledged before its commit is durable.
//
// Cancellation is honoured up to the moment fn starts: a context cancelled
// while fn is still queued makes Update return ctx.Err() and fn never runs.
// Once fn has run in a transaction, Update reports that transaction's
// outcome, even if the context is cancelled in the meantime, so a caller
// never hears "cancelled" for a write that was in fact committed.
//
// Close stops accepting writes (Update then returns ErrClosed), lets the
// committer finish everything queued before it, and then closes the file.
//
// # Schema versions
//
// The bucket "_meta" holds the key "schema_version", a big-endian uint64.
// Open applies every Migration newer than the stored version, each in its
// own transaction that also records its version, so a failed migration
// leaves the file at the previous version. A file whose version is newer
// than the newest migration this binary knows is refused (ErrSchemaTooNew):
// an older binary must not write to data laid out by a newer one.
//
// # Reads
//
// View runs a plain bbolt read transaction. Byte slices returned by bbolt
// point into the memory map and are valid only until the transaction ends:
// copy (or decode) them before returning from the function.
package boltdb
