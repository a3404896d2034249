// Package errs holds the domain errors every Engage service wraps and the one
// function that translates them into gRPC status (STYLE rule 6: wrap low,
// translate once).
//
// Code deep in a service wraps a sentinel with context:
//
//	return fmt.Errorf("get post %q: %w", id, errs.NotFound)
//
// and handlers return it unchanged. The gRPC server's interceptor calls
// ToStatus once; anything that wraps no sentinel becomes INTERNAL with a
// generic message, and the detail goes only to the log.
package errs

import (
	"errors"
	"fmt"
	"time"
)

// Domain is the ErrorInfo domain of every Engage error (AIP-193).
const Domain = "engage.dev"

// Sentinel errors; wrap them with %w. Each maps to one gRPC code.
var (
	// InvalidArgument: the request is malformed. Prefer Field, which names the field.
	InvalidArgument = errors.New("invalid argument")
	// NotFound: the resource does not exist or the caller may not see it.
	// The caller is told no more than "not found", whatever the wrapping
	// says, so that the two cases cannot be told apart.
	NotFound = errors.New("not found")
	// AlreadyExists: a resource with that id exists.
	AlreadyExists = errors.New("already exists")
	// FailedPrecondition: the etag does not match, or the resource is not in a
	// state that allows the call (HTTP 412).
	FailedPrecondition = errors.New("failed precondition")
	// Aborted: a concurrent change conflicted; retrying may succeed (HTTP 409).
	Aborted = errors.New("aborted")
	// Unauthenticated: no valid credentials (HTTP 401).
	Unauthenticated = errors.New("unauthenticated")
	// PermissionDenied: authenticated but not allowed (HTTP 403).
	PermissionDenied = errors.New("permission denied")
	// ResourceExhausted: a rate or size limit was hit (HTTP 429). Prefer Throttled.
	ResourceExhausted = errors.New("resource exhausted")
	// Unavailable: a dependency is down; retry later (HTTP 503).
	Unavailable = errors.New("unavailable")
)

// FieldViolation is one bad field of a request.
type FieldViolation struct {
	// Field is the path of the field, e.g. "post.body" (AIP-193 style).
	Field string
	// Description says what is wrong, for the person who sent it.
	Description string
}

// BadRequestError names one or more invalid fields. It wraps InvalidArgument.
type BadRequestError struct {
	Violations []FieldViolation
}

func (e *BadRequestError) Error() string {
	if len(e.Violations) == 1 {
		return fmt.Sprintf("invalid %s: %s", e.Violations[0].Field, e.Violations[0].Description)
	}
	msg := "invalid request:"
	for i, v := range e.Violations {
		if i > 0 {
			msg += ";"
		}
		msg += " " + v.Field + ": " + v.Description
	}
	return msg
}

// Unwrap makes errors.Is(err, InvalidArgument) true.
func (e *BadRequestError) Unwrap() error { return InvalidArgument }

// Field reports one invalid field.
func Field(field, format string, args ...any) error {
	return &BadRequestError{Violations: []FieldViolation{{Field: field, Description: fmt.Sprintf(format, args...)}}}
}

// ThrottledError is a rate limit hit; it wraps ResourceExhausted and tells
// the caller when to retry.
type ThrottledError struct {
	RetryAfter time.Duration
	Reason     string
}

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("%s; retry in %s", e.Reason, e.RetryAfter.Round(time.Second))
}

// Unwrap makes errors.Is(err, ResourceExhausted) true.
func (e *ThrottledError) Unwrap() error { return ResourceExhausted }

// Throttled reports a rate limit with the time after which a retry may work.
func Throttled(retryAfter time.Duration, reason string) error {
	if retryAfter < time.Second {
		retryAfter = time.Second
	}
	return &ThrottledError{RetryAfter: retryAfter, Reason: reason}
}

// ReasonError attaches a machine-readable AIP-193 reason (UPPER_SNAKE_CASE)
// to an error, e.g. ETAG_MISMATCH or TOTP_REQUIRED.
type ReasonError struct {
	Reason string
	Err    error
}

func (e *ReasonError) Error() string { return e.Err.Error() }

// Unwrap returns the wrapped error.
func (e *ReasonError) Unwrap() error { return e.Err }

// WithReason attaches an ErrorInfo reason to err.
func WithReason(err error, reason string) error {
	return &ReasonError{Reason: reason, Err: err}
}

// Public is an error whose message is safe to show the caller as it is.
// Messages of errors wrapped with %w around a sentinel are shown too; Public
// exists for composing a caller-facing message that differs from the
// internal chain.
type publicError struct {
	msg string
	err error
}

func (e *publicError) Error() string { return e.msg }
func (e *publicError) Unwrap() error { return e.err }

// Public returns an error that shows msg to the caller and wraps sentinel.
func Public(sentinel error, format string, args ...any) error {
	return &publicError{msg: fmt.Sprintf(format, args...), err: sentinel}
}
