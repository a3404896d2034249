package feedback_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"testing"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	"google.golang.org/grpc/codes"
)

func TestExportCSV(t *testing.T) {
	t.Parallel()
	e := newFBEnv(t)
	ana := e.analyst("ana", "metro")
	e.submit(t, t.Context(), complaint(`=HYPERLINK("http://evil.example","click")`))
	long := complaint(string(bytes.Repeat([]byte("long text, with \"quotes\" and, commas "), 120)) + "end")
	const n = 30 // enough rows for several 32 KiB chunks
	for range n {
		e.submit(t, t.Context(), long)
	}
	stream, err := e.feedback.ExportFeedback(ana.ctx(t), &feedbackv1.ExportFeedbackRequest{Parent: "agencies/metro", OrderBy: "create_time"})
	must(t, "export", err)
	var body bytes.Buffer
	chunks := 0
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		must(t, "receive", err)
		if msg.GetContentType() != "text/csv; charset=utf-8" {
			t.Fatalf("content type %q", msg.GetContentType())
		}
		chunks++
		body.Write(msg.GetData())
	}
	if chunks < 2 {
		t.Fatalf("the export came in %d chunk(s)", chunks)
	}
	rows, err := csv.NewReader(&body).ReadAll()
	must(t, "parse the CSV", err)
	if len(rows) != n+2 || rows[0][0] != "name" || rows[0][8] != "text" {
		t.Fatalf("%d rows, header %v", len(rows), rows[0])
	}
	// Anonymous feedback of one hour lists in id order: find the rows.
	formulas, longs := 0, 0
	for _, row := range rows[1:] {
		switch row[8] {
		case `'=HYPERLINK("http://evil.example","click")`:
			formulas++
		case long.GetText():
			longs++
		default:
			t.Fatalf("unexpected text cell %q", row[8])
		}
	}
	if formulas != 1 || longs != n {
		t.Fatalf("%d neutralized formulas and %d long texts", formulas, longs)
	}

	stream, err = e.feedback.ExportFeedback(e.resident("r").ctx(t), &feedbackv1.ExportFeedbackRequest{Parent: "agencies/metro"})
	must(t, "export as a resident", err)
	_, err = stream.Recv()
	wantCode(t, "a resident exports", err, codes.PermissionDenied)
}
