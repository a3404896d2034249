package boltstore

import (
	"crypto/sha256"
	"encoding/binary"
	"time"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	"github.com/engagehq/engage/services/internal/boltdb"
	"github.com/engagehq/engage/services/internal/feedback"
)

// The buckets of surveys, answers, contact events and the Trust Index.
// Keys join their parts with 0x00 (written \0), which no id, area or
// account name contains; u64(x) is x big-endian, so byte order is numeric
// order, and ^x inverts it for newest-first listings.
//
//	surveys                  agency\0survey                → surveyRecord (JSON)
//	                         agency\0survey\0"answers"     → u64(number of answers)
//	surveys_by_time          agency\0 u64(^create) survey  → nil
//	survey_responses         agency\0survey\0response      → responseRecord (JSON)
//	survey_responses_by_time agency\0survey\0 u64(^hour) response → nil
//	survey_devices           HMAC-SHA256(device key, survey name\0device token) → nil
//	survey_secrets           "device_key"                  → 32 random bytes
//	survey_invitations       SHA-256(invitation token)     → invitationRecord (JSON)
//	survey_requests          SHA-256(caller\0request id)   → requestRecord (JSON)
//	survey_requests_by_time  u64(time) SHA-256(caller\0request id) → nil
//	contact_events           agency\0event                 → contactRecord (JSON)
//	contact_events_by_time   agency\0 u64(^create) event   → nil
//	trust_cells              agency\0area\0 interval u64(start) → 112-byte cell
//	trust_drops              agency\0area\0 interval u64(start) → trustNoticeRecord (JSON) while pending, empty once sent
//
// What keeps answers anonymous, bucket by bucket:
//
//   - An answer's id is 128 random bits and its time is rounded down to the
//     hour, so neither its key nor its record tells when within the hour it
//     came, nor in which order answers of one hour came.
//   - survey_devices refuses a device's second answer. It holds a keyed hash
//     of the survey and token and nothing else: no answer id, no time. The
//     key (created once, 32 random bytes, in survey_secrets) makes the hashes
//     of guessable or leaked tokens useless without the whole file, and
//     unlike those of other deployments; within the file it only lets one
//     who already holds a device's token test whether it answered, which is
//     exactly what refusing a second answer needs.
//   - survey_invitations holds, per SHA-256 of a token, the survey, the area,
//     the expiry and whether it was used. The token itself is never stored,
//     so the hash cannot be turned back into a working invitation. No
//     contact event names its invitation and no invitation names its
//     contact event or its answer; the expiry is rounded up to the hour, so
//     an invitation can be matched to the contacts of its survey and area
//     in that hour, never to one of them by its time.
//   - A contact event's retry record keeps its invitation token sealed
//     (AES-GCM) under a key derived from the request id, which is itself
//     kept only hashed, so the file alone cannot reveal the token; records
//     are forgotten after feedback.RetryLifetime.
//   - trust_cells hold only sums per period: no answer can be read back
//     from them.
var (
	bucketSurveys           = []byte("surveys")
	bucketSurveysByTime     = []byte("surveys_by_time")
	bucketResponses         = []byte("survey_responses")
	bucketResponsesByTime   = []byte("survey_responses_by_time")
	bucketDevices           = []byte("survey_devices")
	bucketSurveySecrets     = []byte("survey_secrets")
	bucketInvitations       = []byte("survey_invitations")
	bucketSurveyRequests    = []byte("survey_requests")
	bucketSurveyRequestsAge = []byte("survey_requests_by_time")
	bucketContacts          = []byte("contact_events")
	bucketContactsByTime    = []byte("contact_events_by_time")
	bucketTrustCells        = []byte("trust_cells")
	bucketTrustDrops        = []byte("trust_drops")
)

// deviceKeyName is the key of the device-token HMAC key in survey_secrets.
var deviceKeyName = []byte("device_key")

// surveyBuckets are the top-level buckets of surveys, answers, contact
// events and Trust-Index aggregates.
func surveyBuckets() [][]byte {
	return [][]byte{
		bucketSurveys, bucketSurveysByTime, bucketResponses, bucketResponsesByTime,
		bucketDevices, bucketSurveySecrets, bucketInvitations, bucketSurveyRequests,
		bucketSurveyRequestsAge, bucketContacts, bucketContactsByTime, bucketTrustCells,
		bucketTrustDrops,
	}
}

// svU64 appends n big-endian.
func svU64(b []byte, n uint64) []byte { return binary.BigEndian.AppendUint64(b, n) }

// svNanos is t in Unix nanoseconds, 0 for the zero time.
func svNanos(t time.Time) uint64 {
	if t.IsZero() {
		return 0
	}
	return uint64(t.UnixNano())
}

func surveyKey(k feedback.SurveyKey) []byte { return boltdb.Join(k.Agency, k.Survey) }

// responseCountKey is the key of a survey's number of answers, kept apart
// from its record so that an answer writes 8 bytes rather than the whole
// survey again.
func responseCountKey(k feedback.SurveyKey) []byte {
	return append(boltdb.Below(surveyKey(k)), "answers"...)
}

func surveyTimeKey(s feedback.Survey) []byte {
	b := svU64(boltdb.Below([]byte(s.Agency)), ^svNanos(s.CreateTime))
	return append(b, s.ID...)
}

func responseKey(k feedback.SurveyResponseKey) []byte {
	return boltdb.Join(k.Agency, k.Survey, k.Response)
}

func responseTimeKey(r feedback.SurveyResponse) []byte {
	b := svU64(boltdb.Below(surveyKey(feedback.SurveyKey{Agency: r.Agency, Survey: r.Survey})), ^svNanos(r.CreateTime))
	return append(b, r.ID...)
}

func contactKey(k feedback.ContactEventKey) []byte { return boltdb.Join(k.Agency, k.Event) }

func contactTimeKey(e feedback.ContactEvent) []byte {
	b := svU64(boltdb.Below([]byte(e.Agency)), ^svNanos(e.CreateTime))
	return append(b, e.ID...)
}

func invitationKey(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// retryKey hashes the caller and request id: the request id derives the
// key that seals a contact event's token, so it is never stored as is.
func retryKey(r feedback.Retry) []byte {
	h := sha256.Sum256(boltdb.Join(r.Caller, r.ID))
	return h[:]
}

// intervalByte is the interval's byte in trust keys.
func intervalByte(i feedbackv1.Interval) byte {
	if i == feedbackv1.Interval_INTERVAL_WEEK {
		return 'W'
	}
	return 'M'
}

func trustKey(k feedback.TrustCellKey) []byte {
	b := boltdb.Below(boltdb.Join(k.Agency, k.Area))
	b = append(b, intervalByte(k.Interval))
	return svU64(b, uint64(k.Start.Unix()))
}
