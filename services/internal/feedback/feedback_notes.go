package feedback

import (
	"context"
	"fmt"
	"strings"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	"github.com/engagehq/engage/services/internal/pagetoken"
)

// CreateNote adds an internal note to feedback, for the agency's analysts.
// Notes never appear in what submitters or the public see.
func (s *feedbackServer) CreateNote(ctx context.Context, req *feedbackv1.CreateNoteRequest) (*feedbackv1.Note, error) {
	agency, id, err := parseFeedbackName("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	text, err := cleanFeedbackText("note.text", req.GetNote().GetText())
	if err != nil {
		return nil, err
	}
	p, err := requireAnalyst(ctx, agency, req.GetParent())
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	var request FeedbackRequest
	if rid := req.GetRequestId(); rid != "" {
		request = FeedbackRequest{
			Key: requestKey("note", agency, p.Name, rid), Time: hourOf(now),
			Fingerprint: requestFingerprint("note", rid, &feedbackv1.CreateNoteRequest{Parent: req.GetParent(), Note: &feedbackv1.Note{Text: text}}),
		}
	}
	n := Note{Agency: agency, Feedback: id, Text: text, Author: p.Name, CreateTime: now}
	n, err = s.store.CreateNote(ctx, n, request, func(Feedback) error { return nil })
	if err != nil {
		return nil, fmt.Errorf("create note: %w", err)
	}
	return noteToProto(n), nil
}

// GetNote returns an internal note to the agency's analysts.
func (s *feedbackServer) GetNote(ctx context.Context, req *feedbackv1.GetNoteRequest) (*feedbackv1.Note, error) {
	agency, fb, id, err := parseNoteName("name", req.GetName())
	if err != nil {
		return nil, err
	}
	if _, err := requireAnalyst(ctx, agency, req.GetName()); err != nil {
		return nil, err
	}
	n, err := s.store.Note(ctx, agency, fb, id)
	if err != nil {
		return nil, fmt.Errorf("get note: %w", err)
	}
	return noteToProto(n), nil
}

// ListNotes lists the internal notes of feedback, oldest first, to the
// agency's analysts.
func (s *feedbackServer) ListNotes(ctx context.Context, req *feedbackv1.ListNotesRequest) (*feedbackv1.ListNotesResponse, error) {
	agency, id, err := parseFeedbackName("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	if _, err := requireAnalyst(ctx, agency, req.GetParent()); err != nil {
		return nil, err
	}
	scope := strings.Join([]string{"notes", req.GetParent()}, "\x00")
	after, err := pagetoken.Decode(req.GetPageToken(), scope)
	if err != nil {
		return nil, err
	}
	size := pagetoken.Size(req.GetPageSize(), defaultFeedbackPage, maxFeedbackPage)
	notes, next, err := s.store.ListNotes(ctx, agency, id, FeedbackPage{After: after, Size: size})
	if err != nil {
		return nil, fmt.Errorf("list notes: %w", err)
	}
	out := &feedbackv1.ListNotesResponse{}
	for _, n := range notes {
		out.Notes = append(out.Notes, noteToProto(n))
	}
	if next != nil {
		out.NextPageToken = pagetoken.Encode(scope, next)
	}
	return out, nil
}
