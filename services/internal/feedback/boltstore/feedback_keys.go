package boltstore

// The feedback half of the file. Records are protobuf wire format written
// by hand (feedback_codec.go): compact, fast to decode, and tolerant of
// fields added later. Keys are ids joined by a 0x00 byte (␀ below), which
// no id, account name, area or category contains; times in keys are Unix
// nanoseconds, 8 bytes big-endian, so that byte order is time order. The
// bucket tree:
//
//	feedback/                   {agency}␀{id} → feedback record
//	feedback_by_create/         {agency}␀{create time}{id} → ""
//	feedback_by_update/         {agency}␀{update time}{id} → "" (once updated)
//	feedback_by_submitter/      {agency}␀{account}␀{create time}{id} → ""
//	feedback_notes/             {agency}␀{feedback}␀{note id} → note record
//	feedback_requests/          {hour}{request key} → request record
//	feedback_stats/             {agency}␀{'w'|'m'}{period start}{area}␀{kind}{category} → cell
//	feedback_complaint_days/    {agency}␀{UTC day}{area|'*'}␀{category} → count
//	feedback_secrets/           "codes" → 32 random bytes (Store.CodeSecret)
//
// New feedback is indexed in feedback_by_create alone; its first update
// adds it to feedback_by_update, so a list by update time merges the two
// (feedback_records.go), taking feedback that was never updated (Revision
// 1, update time = create time) from feedback_by_create.
//
// Anonymous feedback stores only hour-rounded times of what its submitter
// did, so the index keys built from them carry no precise time either;
// ids are 128 bits, random or (for anonymous feedback) of a hash of its
// tracking code, and tell nothing of when or by whom. The tracking code
// is stored only in that hash, and request keys are hashes made by the
// service.
//
// Statistics are written in the transaction that stores or recategorizes
// the feedback they count: feedback_stats holds one cell per period
// (week and month in the agency's time zone), area, kind and category, so
// a query reads the cells of each period it covers, whatever the number of
// submissions. feedback_complaint_days counts complaints per UTC day,
// category and area, and once more under the area '*' for the whole
// agency. Note ids are UUIDv7, so a feedback's notes list oldest first.

import (
	"encoding/binary"
	"time"

	"github.com/engagehq/engage/services/internal/boltdb"
)

// Top-level buckets of the feedback half.
var (
	bucketFeedback            = []byte("feedback")
	bucketFeedbackByCreate    = []byte("feedback_by_create")
	bucketFeedbackByUpdate    = []byte("feedback_by_update")
	bucketFeedbackBySubmitter = []byte("feedback_by_submitter")
	bucketFeedbackNotes       = []byte("feedback_notes")
	bucketFeedbackRequests    = []byte("feedback_requests")
	bucketFeedbackStats       = []byte("feedback_stats")
	bucketComplaintDays       = []byte("feedback_complaint_days")
	bucketFeedbackSecrets     = []byte("feedback_secrets")
)

// feedbackBuckets are the top-level buckets of feedback, notes and
// statistics.
func feedbackBuckets() [][]byte {
	return [][]byte{
		bucketFeedback, bucketFeedbackByCreate, bucketFeedbackByUpdate, bucketFeedbackBySubmitter,
		bucketFeedbackNotes, bucketFeedbackRequests,
		bucketFeedbackStats, bucketComplaintDays,
	}
}

// fbSep separates the parts of composite keys (boltdb.Join).
const fbSep = boltdb.KeySep

// fbTime appends t as Unix nanoseconds, 8 bytes big-endian (0 for the
// zero time).
func fbTime(b []byte, t time.Time) []byte {
	var n uint64
	if !t.IsZero() {
		n = uint64(t.UnixNano())
	}
	return binary.BigEndian.AppendUint64(b, n)
}

// Interval bytes of feedback_stats keys.
const (
	intervalWeek  byte = 'w'
	intervalMonth byte = 'm'
)

// wholeAgency is the area under which feedback_complaint_days counts every
// complaint of an agency; no area is spelt so.
const wholeAgency = "*"
