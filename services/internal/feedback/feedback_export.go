package feedback

import (
	"fmt"
	"strconv"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	"github.com/engagehq/engage/services/internal/csvstream"
)

// exportPage is how many records one read of the export takes: the export
// never holds more than a page and a chunk in memory.
const exportPage = 200

// exportHeader is the CSV's header row.
var exportHeader = []string{
	"name", "kind", "category", "state", "area", "rating", "sentiment_score", "sentiment_label",
	"text", "officer_badge", "incident_number", "incident_time", "latitude", "longitude",
	"anonymous", "submitter", "assignee", "create_time", "update_time",
}

func exportRow(f Feedback) []string {
	row := []string{
		f.Name(), f.Kind.String(), csvstream.Safe(f.Category), f.State.String(), csvstream.Safe(f.Area), "",
		strconv.FormatFloat(f.Sentiment.Score, 'f', 4, 64), f.Sentiment.Label.String(),
		csvstream.Safe(f.Text), csvstream.Safe(f.OfficerBadge), csvstream.Safe(f.IncidentNumber), formatTime(f.IncidentTime), "", "",
		strconv.FormatBool(f.Anonymous), f.Submitter, f.Assignee, formatTime(f.CreateTime), formatTime(f.UpdateTime),
	}
	if f.Rating > 0 {
		row[5] = strconv.Itoa(int(f.Rating))
	}
	if f.Location != nil {
		row[12] = strconv.FormatFloat(f.Location.Latitude, 'f', -1, 64)
		row[13] = strconv.FormatFloat(f.Location.Longitude, 'f', -1, 64)
	}
	return row
}

// ExportFeedback writes the feedback that the filter selects as CSV (RFC
// 4180, one header row) to the agency's analysts, reading the store a page
// at a time and sending chunks of about 32 KiB as they fill.
func (s *feedbackServer) ExportFeedback(req *feedbackv1.ExportFeedbackRequest, stream feedbackv1.FeedbackService_ExportFeedbackServer) error {
	ctx := stream.Context()
	l, err := listing(ctx, req.GetParent(), req.GetFilter(), req.GetOrderBy(), true)
	if err != nil {
		return err
	}
	w := csvstream.NewWriter(stream.Send)
	if err := w.Write(exportHeader); err != nil {
		return fmt.Errorf("export feedback: %w", err)
	}
	page := FeedbackPage{Size: exportPage, MaxScan: exportPage}
	for {
		items, next, err := s.store.ListFeedback(ctx, l.query, page, l.keep)
		if err != nil {
			return fmt.Errorf("export feedback: %w", err)
		}
		for _, f := range items {
			if err := w.Write(exportRow(f)); err != nil {
				return fmt.Errorf("export feedback: %w", err)
			}
		}
		if next == nil {
			if err := w.Close(); err != nil {
				return fmt.Errorf("export feedback: %w", err)
			}
			return nil
		}
		page.After = next
	}
}
