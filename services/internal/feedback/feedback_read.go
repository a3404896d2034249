package feedback

import (
	"context"
	"fmt"
	"strings"
	"time"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	"github.com/engagehq/engage/services/internal/auth"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/filter"
	"github.com/engagehq/engage/services/internal/pagetoken"
)

// Page sizes of ListFeedback and ListNotes, and how many rows a page may
// examine as a multiple of its size: a filter that skips most rows returns
// a short page and a token instead of reading on.
const (
	defaultFeedbackPage = 50
	maxFeedbackPage     = 200
	feedbackScanFactor  = 10
)

// GetFeedback returns feedback to the agency's analysts, and identified
// feedback to the account that submitted it; anyone else is told it does
// not exist.
func (s *feedbackServer) GetFeedback(ctx context.Context, req *feedbackv1.GetFeedbackRequest) (*feedbackv1.Feedback, error) {
	agency, id, err := parseFeedbackName("name", req.GetName())
	if err != nil {
		return nil, err
	}
	f, err := s.store.Feedback(ctx, agency, id)
	if err != nil {
		return nil, fmt.Errorf("get feedback: %w", err)
	}
	p := auth.FromContext(ctx)
	switch {
	case isAnalyst(p, agency):
		return feedbackToProto(f, staffView), nil
	case isOwner(p, f):
		return feedbackToProto(f, ownerView), nil
	}
	return nil, feedbackNotFound(req.GetName())
}

// feedbackFilter is the schema of ListFeedback's and ExportFeedback's
// filter.
var feedbackFilter = filter.Schema{
	"state":           {Kind: filter.Enum, Values: enumNames(feedbackv1.Feedback_State_name), Prefix: "STATE_"},
	"kind":            {Kind: filter.Enum, Values: enumNames(feedbackv1.FeedbackKind_name), Prefix: "FEEDBACK_KIND_"},
	"category":        {Kind: filter.String},
	"area":            {Kind: filter.String},
	"assignee":        {Kind: filter.String},
	"rating":          {Kind: filter.Int},
	"sentiment.label": {Kind: filter.Enum, Values: enumNames(feedbackv1.Sentiment_Label_name), Prefix: "LABEL_"},
	"create_time":     {Kind: filter.Time},
}

func enumNames(m map[int32]string) []string {
	out := make([]string, 0, len(m))
	for _, n := range m {
		out = append(out, n)
	}
	return out
}

// feedbackMatch returns the filter of conds over the fields v shows: a
// caller cannot select by what they may not see.
func feedbackMatch(conds []filter.Condition, v view) func(Feedback) bool {
	return func(f Feedback) bool {
		for _, c := range conds {
			var val any
			switch c.Field {
			case "state":
				val = f.State.String()
			case "kind":
				val = f.Kind.String()
			case "category":
				val = f.Category
			case "area":
				val = f.Area
			case "assignee":
				if v == staffView {
					val = f.Assignee
				} else {
					val = ""
				}
			case "rating":
				val = int64(f.Rating)
			case "sentiment.label":
				l := f.Sentiment.Label
				if v != staffView {
					l = feedbackv1.Sentiment_LABEL_UNSPECIFIED
				}
				val = l.String()
			case "create_time":
				val = f.CreateTime
			}
			if !c.Match(val) {
				return false
			}
		}
		return true
	}
}

// parseFeedbackOrder parses order_by.
func parseFeedbackOrder(orderBy string) (FeedbackOrder, error) {
	switch strings.Join(strings.Fields(orderBy), " ") {
	case "", "create_time desc":
		return FeedbackNewestFirst, nil
	case "create_time", "create_time asc":
		return FeedbackOldestFirst, nil
	case "update_time desc":
		return FeedbackRecentlyUpdatedFirst, nil
	case "update_time", "update_time asc":
		return FeedbackLeastRecentlyUpdatedFirst, nil
	}
	return 0, errs.Field("order_by", "must be create_time desc, create_time, update_time desc or update_time")
}

// feedbackListing is a parsed list or export request: what to read and
// how the caller sees it.
type feedbackListing struct {
	query FeedbackQuery
	view  view
	keep  func(Feedback) bool
	scope string
}

// listing resolves the caller, filter and order of a list or export.
// Analysts list all of the agency's feedback; a signed-in resident only
// their own identified feedback.
func listing(ctx context.Context, parent, filterExpr, orderBy string, staffOnly bool) (feedbackListing, error) {
	agency, err := parseFeedbackParent("parent", parent)
	if err != nil {
		return feedbackListing{}, err
	}
	order, err := parseFeedbackOrder(orderBy)
	if err != nil {
		return feedbackListing{}, err
	}
	conds, err := filter.Parse(filterExpr, feedbackFilter)
	if err != nil {
		return feedbackListing{}, err
	}
	p := auth.FromContext(ctx)
	l := feedbackListing{query: FeedbackQuery{Agency: agency, Order: order}, view: staffView}
	switch {
	case isAnalyst(p, agency):
	case !staffOnly && p.Kind == auth.Account:
		l.query.Submitter, l.view = p.Name, ownerView
	default:
		return feedbackListing{}, feedbackNotFound(parent)
	}
	l.keep = feedbackMatch(conds, l.view)
	l.scope = strings.Join([]string{parent, filterExpr, orderBy, l.query.Submitter}, "\x00")
	return l, nil
}

// ListFeedback lists feedback, newest first by default.
func (s *feedbackServer) ListFeedback(ctx context.Context, req *feedbackv1.ListFeedbackRequest) (*feedbackv1.ListFeedbackResponse, error) {
	l, err := listing(ctx, req.GetParent(), req.GetFilter(), req.GetOrderBy(), false)
	if err != nil {
		return nil, err
	}
	size := pagetoken.Size(req.GetPageSize(), defaultFeedbackPage, maxFeedbackPage)
	after, err := pagetoken.Decode(req.GetPageToken(), l.scope)
	if err != nil {
		return nil, err
	}
	page := FeedbackPage{After: after, Size: size, MaxScan: feedbackScanFactor * size}
	items, next, err := s.store.ListFeedback(ctx, l.query, page, l.keep)
	if err != nil {
		return nil, fmt.Errorf("list feedback: %w", err)
	}
	out := &feedbackv1.ListFeedbackResponse{}
	for _, f := range items {
		out.Feedback = append(out.Feedback, feedbackToProto(f, l.view))
	}
	if next != nil {
		out.NextPageToken = pagetoken.Encode(l.scope, next)
	}
	return out, nil
}

// formatTime renders a time for CSV, empty for the zero time.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
