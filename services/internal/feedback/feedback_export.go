package feedback

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strconv"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	"google.golang.org/genproto/googleapis/api/httpbody"
)

const (
	// exportChunk is the size of the HttpBody messages ExportFeedback
	// sends.
	exportChunk = 32 << 10
	// exportPage is how many records one read of the export takes: the
	// export never holds more than a page and a chunk in memory.
	exportPage     = 200
	csvContentType = "text/csv; charset=utf-8"
)

// exportHeader is the CSV's header row.
var exportHeader = []string{
	"name", "kind", "category", "state", "area", "rating", "sentiment_score", "sentiment_label",
	"text", "officer_badge", "incident_number", "incident_time", "latitude", "longitude",
	"anonymous", "submitter", "assignee", "create_time", "update_time",
}

// csvSafe neutralizes a cell that a spreadsheet would read as a formula
// (OWASP CSV injection): one starting with =, +, -, @, a tab or a carriage
// return gets a leading apostrophe.
func csvSafe(s string) string {
	if s != "" && bytes.IndexByte([]byte("=+-@\t\r"), s[0]) >= 0 {
		return "'" + s
	}
	return s
}

func exportRow(f Feedback) []string {
	row := []string{
		f.Name(), f.Kind.String(), csvSafe(f.Category), f.State.String(), csvSafe(f.Area), "",
		strconv.FormatFloat(f.Sentiment.Score, 'f', 4, 64), f.Sentiment.Label.String(),
		csvSafe(f.Text), csvSafe(f.OfficerBadge), csvSafe(f.IncidentNumber), formatTime(f.IncidentTime), "", "",
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
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	flush := func(final bool) error {
		w.Flush()
		if err := w.Error(); err != nil {
			return fmt.Errorf("export feedback: %w", err)
		}
		if buf.Len() == 0 || (!final && buf.Len() < exportChunk) {
			return nil
		}
		data := bytes.Clone(buf.Bytes())
		buf.Reset()
		return stream.Send(&httpbody.HttpBody{ContentType: csvContentType, Data: data})
	}
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
			if err := flush(false); err != nil {
				return err
			}
		}
		if next == nil {
			return flush(true)
		}
		page.After = next
	}
}
