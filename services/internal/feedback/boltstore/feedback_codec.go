package boltstore

import (
	"errors"
	"fmt"
	"math"
	"time"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	"github.com/engagehq/engage/services/internal/feedback"
	"google.golang.org/protobuf/encoding/protowire"
)

// The stored forms of feedback, notes, requests and cells, in protobuf
// wire format written field by field. Field numbers never change meaning;
// a new field gets a new number, and decoders skip numbers they do not
// know, so records written by a newer binary still decode. Times are Unix
// nanoseconds (0 for the zero time), doubles their IEEE bits.

// Field numbers of a feedback record.
const (
	fAgency = iota + 1
	fID
	fKind
	fCategory
	fText
	fRating
	fArea
	fLatitude
	fLongitude
	fIncidentTime
	fOfficerBadge
	fIncidentNumber
	fAnonymous
	fSubmitter
	fState
	fAssignee
	fSentimentScore
	fSentimentLabel
	fHistory
	fReply
	fSecretHash
	fWeek
	fMonth
	fDay
	fCreateTime
	fUpdateTime
	fRevision
	fHasLocation
	fSubmissionHash
)

// Field numbers of the nested state change, reply, note, request and
// cell records.
const (
	scState = iota + 1
	scTime
	scActor
	scNote
)

const (
	rpParty = iota + 1
	rpText
	rpScore
	rpLabel
	rpAuthor
	rpTime
	rpRequestKey
)

const (
	ntAgency = iota + 1
	ntFeedback
	ntID
	ntText
	ntAuthor
	ntCreateTime
)

const (
	rqName = iota + 1
	_      // 2 held the sealed code and PIN of anonymous feedback; no longer written
	rqTime
	rqFingerprint
)

const (
	clCount = iota + 1
	clRated
	clRatingSum
	clSentimentSum
)

var errFBCorrupt = errors.New("corrupt record")

// fbEnc appends fields to a record, leaving zero values out.
type fbEnc struct{ b []byte }

func (e *fbEnc) str(num protowire.Number, s string) {
	if s != "" {
		e.b = protowire.AppendTag(e.b, num, protowire.BytesType)
		e.b = protowire.AppendString(e.b, s)
	}
}

func (e *fbEnc) bytes(num protowire.Number, v []byte) {
	if len(v) > 0 {
		e.b = protowire.AppendTag(e.b, num, protowire.BytesType)
		e.b = protowire.AppendBytes(e.b, v)
	}
}

func (e *fbEnc) int(num protowire.Number, v int64) {
	if v != 0 {
		e.b = protowire.AppendTag(e.b, num, protowire.VarintType)
		e.b = protowire.AppendVarint(e.b, uint64(v))
	}
}

func (e *fbEnc) bool(num protowire.Number, v bool) {
	if v {
		e.int(num, 1)
	}
}

func (e *fbEnc) double(num protowire.Number, v float64) {
	if v != 0 {
		e.b = protowire.AppendTag(e.b, num, protowire.Fixed64Type)
		e.b = protowire.AppendFixed64(e.b, math.Float64bits(v))
	}
}

func (e *fbEnc) time(num protowire.Number, t time.Time) {
	if !t.IsZero() {
		e.int(num, t.UnixNano())
	}
}

// fbField is one decoded field: a varint, fixed64 or bytes value.
type fbField struct {
	num protowire.Number
	u   uint64
	b   []byte
}

func (f fbField) str() string     { return string(f.b) }
func (f fbField) int() int64      { return int64(f.u) }
func (f fbField) double() float64 { return math.Float64frombits(f.u) }
func (f fbField) bytes() []byte   { return append([]byte(nil), f.b...) }
func (f fbField) time() time.Time { return time.Unix(0, int64(f.u)).UTC() }
func (f fbField) enum() int32     { return int32(f.u) }
func (f fbField) boolean() bool   { return f.u != 0 }
func (f fbField) timeOrZero() (t time.Time) {
	if f.u != 0 {
		t = f.time()
	}
	return t
}

// fbDecode calls visit for every field of raw. Bytes values alias raw:
// visit must copy what it keeps (str and bytes do).
func fbDecode(raw []byte, visit func(fbField) error) error {
	for len(raw) > 0 {
		num, typ, n := protowire.ConsumeTag(raw)
		if n < 0 {
			return fmt.Errorf("%w: %v", errFBCorrupt, protowire.ParseError(n))
		}
		raw = raw[n:]
		f := fbField{num: num}
		switch typ {
		case protowire.VarintType:
			f.u, n = protowire.ConsumeVarint(raw)
		case protowire.Fixed64Type:
			f.u, n = protowire.ConsumeFixed64(raw)
		case protowire.BytesType:
			f.b, n = protowire.ConsumeBytes(raw)
		default:
			n = protowire.ConsumeFieldValue(num, typ, raw)
			if n >= 0 {
				raw = raw[n:]
				continue
			}
		}
		if n < 0 {
			return fmt.Errorf("%w: %v", errFBCorrupt, protowire.ParseError(n))
		}
		raw = raw[n:]
		if err := visit(f); err != nil {
			return err
		}
	}
	return nil
}

func encodeFeedback(f feedback.Feedback) []byte {
	e := &fbEnc{b: make([]byte, 0, 256+len(f.Text))}
	e.str(fAgency, f.Agency)
	e.str(fID, f.ID)
	e.int(fKind, int64(f.Kind))
	e.str(fCategory, f.Category)
	e.str(fText, f.Text)
	e.int(fRating, int64(f.Rating))
	e.str(fArea, f.Area)
	if f.Location != nil {
		e.bool(fHasLocation, true)
		e.double(fLatitude, f.Location.Latitude)
		e.double(fLongitude, f.Location.Longitude)
	}
	e.time(fIncidentTime, f.IncidentTime)
	e.str(fOfficerBadge, f.OfficerBadge)
	e.str(fIncidentNumber, f.IncidentNumber)
	e.bool(fAnonymous, f.Anonymous)
	e.str(fSubmitter, f.Submitter)
	e.int(fState, int64(f.State))
	e.str(fAssignee, f.Assignee)
	e.double(fSentimentScore, f.Sentiment.Score)
	e.int(fSentimentLabel, int64(f.Sentiment.Label))
	for _, h := range f.History {
		s := &fbEnc{}
		s.int(scState, int64(h.State))
		s.time(scTime, h.Time)
		s.str(scActor, h.Actor)
		s.str(scNote, h.Note)
		e.b = protowire.AppendTag(e.b, fHistory, protowire.BytesType)
		e.b = protowire.AppendBytes(e.b, s.b)
	}
	for _, r := range f.Replies {
		s := &fbEnc{}
		s.int(rpParty, int64(r.Party))
		s.str(rpText, r.Text)
		s.double(rpScore, r.Sentiment.Score)
		s.int(rpLabel, int64(r.Sentiment.Label))
		s.str(rpAuthor, r.Author)
		s.time(rpTime, r.Time)
		s.bytes(rpRequestKey, r.RequestKey)
		e.b = protowire.AppendTag(e.b, fReply, protowire.BytesType)
		e.b = protowire.AppendBytes(e.b, s.b)
	}
	e.bytes(fSecretHash, f.SecretHash)
	e.bytes(fSubmissionHash, f.SubmissionHash)
	e.time(fWeek, f.Periods.Week)
	e.time(fMonth, f.Periods.Month)
	e.time(fDay, f.Periods.Day)
	e.time(fCreateTime, f.CreateTime)
	e.time(fUpdateTime, f.UpdateTime)
	e.int(fRevision, f.Revision)
	return e.b
}

func decodeFeedback(raw []byte) (feedback.Feedback, error) {
	var f feedback.Feedback
	var loc feedback.FeedbackLocation
	hasLoc := false
	err := fbDecode(raw, func(x fbField) error {
		switch x.num {
		case fAgency:
			f.Agency = x.str()
		case fID:
			f.ID = x.str()
		case fKind:
			f.Kind = feedbackv1.FeedbackKind(x.enum())
		case fCategory:
			f.Category = x.str()
		case fText:
			f.Text = x.str()
		case fRating:
			f.Rating = int32(x.int())
		case fArea:
			f.Area = x.str()
		case fHasLocation:
			hasLoc = x.boolean()
		case fLatitude:
			loc.Latitude = x.double()
		case fLongitude:
			loc.Longitude = x.double()
		case fIncidentTime:
			f.IncidentTime = x.timeOrZero()
		case fOfficerBadge:
			f.OfficerBadge = x.str()
		case fIncidentNumber:
			f.IncidentNumber = x.str()
		case fAnonymous:
			f.Anonymous = x.boolean()
		case fSubmitter:
			f.Submitter = x.str()
		case fState:
			f.State = feedbackv1.Feedback_State(x.enum())
		case fAssignee:
			f.Assignee = x.str()
		case fSentimentScore:
			f.Sentiment.Score = x.double()
		case fSentimentLabel:
			f.Sentiment.Label = feedbackv1.Sentiment_Label(x.enum())
		case fHistory:
			var h feedback.StateChange
			if err := fbDecode(x.b, func(y fbField) error {
				switch y.num {
				case scState:
					h.State = feedbackv1.Feedback_State(y.enum())
				case scTime:
					h.Time = y.timeOrZero()
				case scActor:
					h.Actor = y.str()
				case scNote:
					h.Note = y.str()
				}
				return nil
			}); err != nil {
				return err
			}
			f.History = append(f.History, h)
		case fReply:
			var r feedback.FeedbackReply
			if err := fbDecode(x.b, func(y fbField) error {
				switch y.num {
				case rpParty:
					r.Party = feedbackv1.Feedback_Party(y.enum())
				case rpText:
					r.Text = y.str()
				case rpScore:
					r.Sentiment.Score = y.double()
				case rpLabel:
					r.Sentiment.Label = feedbackv1.Sentiment_Label(y.enum())
				case rpAuthor:
					r.Author = y.str()
				case rpTime:
					r.Time = y.timeOrZero()
				case rpRequestKey:
					r.RequestKey = y.bytes()
				}
				return nil
			}); err != nil {
				return err
			}
			f.Replies = append(f.Replies, r)
		case fSecretHash:
			f.SecretHash = x.bytes()
		case fSubmissionHash:
			f.SubmissionHash = x.bytes()
		case fWeek:
			f.Periods.Week = x.timeOrZero()
		case fMonth:
			f.Periods.Month = x.timeOrZero()
		case fDay:
			f.Periods.Day = x.timeOrZero()
		case fCreateTime:
			f.CreateTime = x.timeOrZero()
		case fUpdateTime:
			f.UpdateTime = x.timeOrZero()
		case fRevision:
			f.Revision = x.int()
		}
		return nil
	})
	if err != nil {
		return feedback.Feedback{}, fmt.Errorf("decode feedback: %w", err)
	}
	if hasLoc {
		f.Location = &loc
	}
	return f, nil
}

func encodeNote(n feedback.Note) []byte {
	e := &fbEnc{}
	e.str(ntAgency, n.Agency)
	e.str(ntFeedback, n.Feedback)
	e.str(ntID, n.ID)
	e.str(ntText, n.Text)
	e.str(ntAuthor, n.Author)
	e.time(ntCreateTime, n.CreateTime)
	return e.b
}

func decodeNote(raw []byte) (feedback.Note, error) {
	var n feedback.Note
	err := fbDecode(raw, func(x fbField) error {
		switch x.num {
		case ntAgency:
			n.Agency = x.str()
		case ntFeedback:
			n.Feedback = x.str()
		case ntID:
			n.ID = x.str()
		case ntText:
			n.Text = x.str()
		case ntAuthor:
			n.Author = x.str()
		case ntCreateTime:
			n.CreateTime = x.timeOrZero()
		}
		return nil
	})
	if err != nil {
		return feedback.Note{}, fmt.Errorf("decode note: %w", err)
	}
	return n, nil
}

func encodeRequest(r feedback.FeedbackRequest) []byte {
	e := &fbEnc{}
	e.str(rqName, r.Name)
	e.time(rqTime, r.Time)
	e.bytes(rqFingerprint, r.Fingerprint)
	return e.b
}

func decodeRequest(key, raw []byte) (feedback.FeedbackRequest, error) {
	r := feedback.FeedbackRequest{Key: append([]byte(nil), key...)}
	err := fbDecode(raw, func(x fbField) error {
		switch x.num {
		case rqName:
			r.Name = x.str()
		case rqTime:
			r.Time = x.timeOrZero()
		case rqFingerprint:
			r.Fingerprint = x.bytes()
		}
		return nil
	})
	if err != nil {
		return feedback.FeedbackRequest{}, fmt.Errorf("decode request: %w", err)
	}
	return r, nil
}

// fbCell is the stored form of a statistics cell's figures.
type fbCell struct {
	count, rated, ratingSum int64
	sentimentSum            float64
}

func (c fbCell) encode() []byte {
	e := &fbEnc{}
	e.int(clCount, c.count)
	e.int(clRated, c.rated)
	e.int(clRatingSum, c.ratingSum)
	e.double(clSentimentSum, c.sentimentSum)
	return e.b
}

func decodeFBCell(raw []byte) (fbCell, error) {
	var c fbCell
	err := fbDecode(raw, func(x fbField) error {
		switch x.num {
		case clCount:
			c.count = x.int()
		case clRated:
			c.rated = x.int()
		case clRatingSum:
			c.ratingSum = x.int()
		case clSentimentSum:
			c.sentimentSum = x.double()
		}
		return nil
	})
	if err != nil {
		return fbCell{}, fmt.Errorf("decode fbCell: %w", err)
	}
	return c, nil
}
