package feedback

import (
	"time"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	"github.com/engagehq/engage/services/internal/sentiment"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// pbTime converts t, leaving the zero time unset.
func pbTime(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

// toneOf scores a text.
func (s *Service) toneOf(text string) TextSentiment {
	sc := s.sentiment.Score(text)
	label := feedbackv1.Sentiment_LABEL_NEUTRAL
	switch sc.Label {
	case sentiment.Positive:
		label = feedbackv1.Sentiment_LABEL_POSITIVE
	case sentiment.Negative:
		label = feedbackv1.Sentiment_LABEL_NEGATIVE
	}
	return TextSentiment{Score: sc.Compound, Label: label}
}

func sentimentProto(t TextSentiment) *feedbackv1.Sentiment {
	if t.Label == feedbackv1.Sentiment_LABEL_UNSPECIFIED {
		return nil
	}
	return &feedbackv1.Sentiment{Score: t.Score, Label: t.Label}
}

// view is who a feedback rendering is for.
type view int

const (
	// staffView: the agency's analysts see everything but the secrets.
	staffView view = iota
	// ownerView: the signed-in submitter of identified feedback sees the
	// public view and their own name.
	ownerView
	// publicView: whoever holds the tracking code and PIN sees the state,
	// the timeline and the conversation, without staff names, notes,
	// assignee or sentiment.
	publicView
)

// feedbackToProto renders f for v.
func feedbackToProto(f Feedback, v view) *feedbackv1.Feedback {
	out := &feedbackv1.Feedback{
		Name:           f.Name(),
		Kind:           f.Kind,
		Category:       f.Category,
		Text:           f.Text,
		Area:           f.Area,
		IncidentTime:   pbTime(f.IncidentTime),
		OfficerBadge:   f.OfficerBadge,
		IncidentNumber: f.IncidentNumber,
		Anonymous:      f.Anonymous,
		State:          f.State,
		CreateTime:     pbTime(f.CreateTime),
		UpdateTime:     pbTime(f.UpdateTime),
		Etag:           etagOf(f.Revision),
	}
	if f.Rating > 0 {
		r := f.Rating
		out.Rating = &r
	}
	if f.Location != nil {
		out.Location = &feedbackv1.Location{Latitude: f.Location.Latitude, Longitude: f.Location.Longitude}
	}
	staff := v == staffView
	if staff {
		out.Assignee = f.Assignee
		out.Sentiment = sentimentProto(f.Sentiment)
	}
	if staff || v == ownerView {
		out.Submitter = f.Submitter
	}
	for _, h := range f.History {
		c := &feedbackv1.Feedback_StateChange{State: h.State, ChangeTime: pbTime(h.Time)}
		if staff {
			c.Actor, c.Note = h.Actor, h.Note
		}
		out.History = append(out.History, c)
	}
	for _, r := range f.Replies {
		m := &feedbackv1.Feedback_Reply{Party: r.Party, Text: r.Text, CreateTime: pbTime(r.Time)}
		if staff {
			m.Author = r.Author
			m.Sentiment = sentimentProto(r.Sentiment)
		}
		out.Replies = append(out.Replies, m)
	}
	return out
}

func noteToProto(n Note) *feedbackv1.Note {
	return &feedbackv1.Note{Name: n.Name(), Text: n.Text, Author: n.Author, CreateTime: pbTime(n.CreateTime)}
}
