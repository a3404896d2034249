package training

import (
	"context"
	"time"

	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
	"github.com/engagehq/engage/services/internal/idempotent"
)

// Store keeps the training service's data: the course catalogue, the
// roster, enrollments with their attempts, certifications, external
// training, the agency's settings, and the indexes compliance reports and
// xAPI exports read. Every write is durable when the method returns nil,
// and a method that returns an error has changed nothing. Errors wrap the
// errs sentinels named in each method's doc; anything else is a storage
// failure.
//
// Records are the generated messages. Names are full resource names
// (`agencies/{agency}/courses/{course}`); the handler sets every field a
// record stores, including names, times and defaults, and the store keeps
// them as given, except Etag, which the store replaces on every write with
// a new value (a quoted revision). Fields the contract computes on read
// (Enrollment.overdue, Certification.state) are not stored.
//
// Functions passed as mutate run inside a transaction, possibly more than
// once (a group commit may be retried), each time with fresh copies of the
// stored values. They must only read their arguments and change the
// values they are given; when one returns an error, nothing is stored and
// the method returns that error unchanged.
//
// List methods return at most Page.Size records after Page.After, and the
// cursor of the next page: nil when the list is exhausted.
type Store interface {
	// CreateCourse stores a new course: errs.AlreadyExists when its name
	// is taken. A retry returns what its first call created, or
	// ErrRetryReused.
	CreateCourse(ctx context.Context, c *trainingv1.Course, retry Retry) (*trainingv1.Course, error)
	// Course returns a course, retired or not, or errs.NotFound.
	Course(ctx context.Context, name string) (*trainingv1.Course, error)
	// ListCourses lists an agency's courses by title (case-folded), then
	// name, skipping those keep refuses.
	ListCourses(ctx context.Context, agency string, page Page, keep func(*trainingv1.Course) bool) ([]*trainingv1.Course, []byte, error)
	// Courses returns every course of an agency, retired ones included, in
	// no particular order.
	Courses(ctx context.Context, agency string) ([]*trainingv1.Course, error)
	// UpdateCourse changes a course with mutate; errs.NotFound when it does
	// not exist. When mutate sets DeleteTime on a course that had none
	// (retiring it), the course's open enrollments are cancelled in the
	// same transaction with CancelReason "course retired".
	UpdateCourse(ctx context.Context, name string, mutate func(*trainingv1.Course) error) (*trainingv1.Course, error)

	// CreateOfficer stores a new officer: errs.AlreadyExists when its name
	// is taken, when an active officer of the agency has its badge
	// (errs.Field "officer.badge") or when its account is linked to
	// another active officer of the agency (errs.Field "officer.account").
	// A retry returns what its first call created, or ErrRetryReused.
	CreateOfficer(ctx context.Context, o *trainingv1.Officer, retry Retry) (*trainingv1.Officer, error)
	// Officer returns an officer, active or not, or errs.NotFound.
	Officer(ctx context.Context, name string) (*trainingv1.Officer, error)
	// OfficerByAccount returns the active officer of agency linked to
	// account (`accounts/{account}`), or errs.NotFound.
	OfficerByAccount(ctx context.Context, agency, account string) (*trainingv1.Officer, error)
	// ListOfficers lists an agency's officers by badge, then name,
	// skipping those keep refuses.
	ListOfficers(ctx context.Context, agency string, page Page, keep func(*trainingv1.Officer) bool) ([]*trainingv1.Officer, []byte, error)
	// UpdateOfficer changes an officer with mutate, under the same
	// uniqueness rules as CreateOfficer (checked on the result, for active
	// officers); errs.NotFound when it does not exist.
	UpdateOfficer(ctx context.Context, name string, mutate func(*trainingv1.Officer) error) (*trainingv1.Officer, error)
	// ImportOfficers applies a roster to an agency in one transaction:
	// each row (Badge, DisplayName, Unit, Account set) updates the active
	// officer with its badge, or creates one named by newName when there
	// is none, with CreateTime and UpdateTime now. A row that changes
	// nothing leaves its officer untouched. The result must satisfy
	// CreateOfficer's uniqueness rules, else the error is errs.Field
	// naming the row ("csv_content", "row 7: …") and nothing is stored.
	// With validateOnly nothing is stored either way. A retry returns the
	// first call's result, or ErrRetryReused.
	ImportOfficers(ctx context.Context, agency string, rows []*trainingv1.Officer, opts ImportOptions) (ImportResult, error)

	// CreateEnrollments stores enrollments (their Course and parent
	// officer set; each for a different officer, or one) in one
	// transaction, skipping officers that already have an open (ASSIGNED
	// or IN_PROGRESS) enrollment in the course: their officer names are
	// returned as skipped. errs.NotFound when an officer does not exist or
	// is not active ("officer …") or the course does not exist or is
	// retired. A retry returns what its first call created, or
	// ErrRetryReused.
	CreateEnrollments(ctx context.Context, es []*trainingv1.Enrollment, retry Retry) (created []*trainingv1.Enrollment, skipped []string, err error)
	// Enrollment returns an enrollment, or errs.NotFound.
	Enrollment(ctx context.Context, name string) (*trainingv1.Enrollment, error)
	// ListEnrollments lists the enrollments of an officer (`…/officers/{o}`)
	// or, for `agencies/{a}/officers/-`, of every officer of the agency,
	// by due date, then name, skipping those keep refuses.
	ListEnrollments(ctx context.Context, parent string, page Page, keep func(*trainingv1.Enrollment) bool) ([]*trainingv1.Enrollment, []byte, error)
	// UpdateEnrollment changes an enrollment with mutate (progress,
	// cancellation); errs.NotFound when it does not exist.
	UpdateEnrollment(ctx context.Context, name string, mutate func(*trainingv1.Enrollment) error) (*trainingv1.Enrollment, error)
	// CompleteEnrollment records a scored attempt in one transaction: it
	// reads the enrollment and its course, lets score change the
	// enrollment and decide the certification it issues (nil for a failed
	// attempt), and stores the enrollment, the attempt as a Completion
	// and the certification. errs.NotFound when the enrollment does not
	// exist. A retry returns the enrollment as its first call left it, or
	// ErrRetryReused.
	CompleteEnrollment(ctx context.Context, name string, retry Retry, score func(e *trainingv1.Enrollment, c *trainingv1.Course) (*Completion, *trainingv1.Certification, error)) (*trainingv1.Enrollment, error)

	// Certification returns a certification, or errs.NotFound.
	Certification(ctx context.Context, name string) (*trainingv1.Certification, error)
	// ListCertifications lists the certifications of an officer or, for
	// `officers/-`, of the agency, newest CreateTime first, skipping those
	// keep refuses.
	ListCertifications(ctx context.Context, parent string, page Page, keep func(*trainingv1.Certification) bool) ([]*trainingv1.Certification, []byte, error)

	// CreateExternalTraining stores external training: errs.NotFound when
	// its officer does not exist, errs.AlreadyExists when its name is
	// taken. A retry returns what its first call created, or
	// ErrRetryReused.
	CreateExternalTraining(ctx context.Context, x *trainingv1.ExternalTraining, retry Retry) (*trainingv1.ExternalTraining, error)
	// ExternalTraining returns external training, or errs.NotFound.
	ExternalTraining(ctx context.Context, name string) (*trainingv1.ExternalTraining, error)
	// ListExternalTrainings lists the external training of an officer or,
	// for `officers/-`, of the agency, newest first, skipping those keep
	// refuses.
	ListExternalTrainings(ctx context.Context, parent string, page Page, keep func(*trainingv1.ExternalTraining) bool) ([]*trainingv1.ExternalTraining, []byte, error)
	// ReviewExternalTraining approves or rejects external training in one
	// transaction: review changes it, given its course (nil when it names
	// none or the course is gone), and returns the Completion to record
	// and the certification to issue when approving (both nil when
	// rejecting). errs.NotFound when it does not exist.
	ReviewExternalTraining(ctx context.Context, name string, review func(x *trainingv1.ExternalTraining, c *trainingv1.Course) (*Completion, *trainingv1.Certification, error)) (*trainingv1.ExternalTraining, error)

	// Settings returns an agency's settings, or nil when none were ever
	// stored.
	Settings(ctx context.Context, agency string) (*trainingv1.TrainingSettings, error)
	// UpdateSettings changes an agency's settings with mutate, which gets
	// base (a copy) when none are stored.
	UpdateSettings(ctx context.Context, agency string, base *trainingv1.TrainingSettings, mutate func(*trainingv1.TrainingSettings) error) (*trainingv1.TrainingSettings, error)

	// Standings returns, in one read, what a compliance report needs of
	// each active officer of an agency (of unit, when not empty), by badge
	// (badges of active officers are unique), and the revision of the
	// store it read: two reads at the same revision read the same data,
	// and a write makes the revision grow. The result may be shared with
	// other callers: it must not be changed.
	Standings(ctx context.Context, agency, unit string) ([]Standing, uint64, error)
	// Completions calls fn for each completion of an agency recorded in
	// [start, end) (a zero bound is open), oldest first, stopping at fn's
	// first error and returning it.
	Completions(ctx context.Context, agency string, start, end time.Time, fn func(Completion) error) error

	// PurgeRequests forgets the retries recorded before the given time
	// and returns how many it forgot.
	PurgeRequests(ctx context.Context, before time.Time) (int, error)
}

// ErrRetryReused is what a Store returns, wrapped, and what the handlers
// return when a caller repeats a request id with a different request: a
// retry must repeat the request it retries.
var ErrRetryReused = idempotent.ErrReused

// RetryLifetime is how long a request id is remembered: a retry later than
// this creates anew.
const RetryLifetime = 24 * time.Hour

// Retry makes a write idempotent: the first write by Caller with ID is
// recorded with Fingerprint, and later ones within RetryLifetime return its
// result when they carry the same Fingerprint, or ErrRetryReused when they
// do not. An empty ID makes none. Stores keep only a hash of Caller and ID.
type Retry = idempotent.Request

// Page selects a page of a list: at most Size records after the cursor
// After (nil for the first page).
type Page struct {
	Size  int
	After []byte
}

// ImportOptions are ImportOfficers' options.
type ImportOptions struct {
	// NewName names a new officer.
	NewName func() string
	// Now is the time of the import.
	Now          time.Time
	ValidateOnly bool
	Retry        Retry
}

// ImportResult counts what an import did (or would do).
type ImportResult struct {
	Created, Updated, Unchanged int
}

// Completion is one recorded completion: a scored attempt at an
// enrollment, or approved external training. It is what xAPI statements
// are made of and what counts toward credit hours.
type Completion struct {
	// ID is unique within the agency and stable; xAPI statement ids derive
	// from it.
	ID string
	// Officer is the officer's name; Account the linked account at the
	// time, if any.
	Officer, Account string
	// Course is the course's name (empty for external training that names
	// none) and Title what was completed.
	Course, Title string
	// Source is the enrollment or external training.
	Source string
	// Score is 0–100, or -1 when there is none (external training).
	Score int32
	// PassMark is the course's pass mark when scored.
	PassMark int32
	// Passed tells whether it passed (external training that was approved
	// always does).
	Passed bool
	// CreditHours earned: the course's when passed, the claimed ones for
	// external training, 0 when failed.
	CreditHours float64
	// Date is the day completed, `YYYY-MM-DD` in the agency's time zone.
	Date string
	// Time is when it was recorded.
	Time time.Time
}

// Standing is what a compliance report needs of one active officer.
type Standing struct {
	Officer *trainingv1.Officer
	// Certifications are the officer's certifications per course name,
	// each list by completion date, oldest first.
	Certifications map[string][]CertificationDates
	// Assignments are the officer's latest enrollment per course name that
	// was not cancelled.
	Assignments map[string]Assignment
	// Credits are the officer's credited completions, in no particular
	// order.
	Credits []Credit
}

// CertificationDates are a certification's days, `YYYY-MM-DD`.
type CertificationDates struct {
	Completion string
	// Expire is the last valid day; empty when it never expires.
	Expire string
}

// Assignment is an enrollment as compliance sees it.
type Assignment struct {
	// DueDate is `YYYY-MM-DD` in the agency's time zone.
	DueDate string
	// AssignTime is when the enrollment was created.
	AssignTime time.Time
	// Open is true for ASSIGNED and IN_PROGRESS enrollments.
	Open bool
}

// Credit is credit hours earned on a day (`YYYY-MM-DD`).
type Credit struct {
	Date  string
	Hours float64
}
