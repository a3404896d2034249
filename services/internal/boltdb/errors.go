package boltdb

import "errors"

var (
	// ErrClosed is returned by Update and View after Close has been called.
	ErrClosed = errors.New("boltdb: database is closed")
	// ErrInUse is returned by Open when another process (or another Open in
	// this process) holds the file's lock for longer than Options.Timeout.
	ErrInUse = errors.New("boltdb: database file is in use by another process")
	// ErrSchemaTooNew is returned by Open when the file was written by a
	// newer binary that knows more migrations than the caller passed.
	ErrSchemaTooNew = errors.New("boltdb: schema version is newer than this binary supports")
	// ErrPanicked wraps the value of a panic raised by a function passed to
	// Update; only that function's caller receives it.
	ErrPanicked = errors.New("boltdb: update function panicked")
)
