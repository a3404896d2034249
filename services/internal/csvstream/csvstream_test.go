package csvstream_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"strings"
	"testing"

	"github.com/engagehq/engage/services/internal/csvstream"
	"google.golang.org/genproto/googleapis/api/httpbody"
)

func TestSafe(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "", ""},
		{"plain", "courtesy", "courtesy"},
		{"formula", `=HYPERLINK("x")`, `'=HYPERLINK("x")`},
		{"plus", "+1", "'+1"},
		{"minus", "-2+3", "'-2+3"},
		{"at", "@SUM(A1)", "'@SUM(A1)"},
		{"tab", "\tx", "'\tx"},
		{"carriage return", "\rx", "'\rx"},
		{"inner equals", "a=b", "a=b"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := csvstream.Safe(tc.in); got != tc.want {
				t.Fatalf("Safe(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// recorder collects the chunks a stream would send.
type recorder struct {
	chunks []*httpbody.HttpBody
	fail   error
}

func (r *recorder) send(b *httpbody.HttpBody) error {
	if r.fail != nil {
		return r.fail
	}
	r.chunks = append(r.chunks, b)
	return nil
}

func TestWriterChunks(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		rows       int
		wantChunks int
	}{
		{"nothing", 0, 0},
		{"one small chunk", 3, 1},
		{"several chunks", 400, 5}, // about 131 KiB
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var r recorder
			w := csvstream.NewWriter(r.send)
			cell := strings.Repeat("text, with \"quotes\" ", 15) // 300 bytes, about 330 once quoted
			for i := range tc.rows {
				if err := w.Write([]string{string(rune('a' + i%26)), cell}); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if len(r.chunks) != tc.wantChunks {
				t.Fatalf("%d chunks, want %d", len(r.chunks), tc.wantChunks)
			}
			var body bytes.Buffer
			for i, c := range r.chunks {
				if c.GetContentType() != csvstream.ContentType {
					t.Fatalf("chunk %d: content type %q", i, c.GetContentType())
				}
				if i < len(r.chunks)-1 && len(c.GetData()) < csvstream.ChunkSize {
					t.Fatalf("chunk %d of %d has %d bytes", i, len(r.chunks), len(c.GetData()))
				}
				body.Write(c.GetData())
			}
			rows, err := csv.NewReader(&body).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != tc.rows {
				t.Fatalf("%d rows, want %d", len(rows), tc.rows)
			}
			for _, row := range rows {
				if row[1] != cell {
					t.Fatalf("cell %q", row[1])
				}
			}
		})
	}
}

func TestChunksSendError(t *testing.T) {
	t.Parallel()
	broken := errors.New("stream broken")
	r := recorder{fail: broken}
	c := csvstream.NewChunks("application/json", r.send)
	if _, err := c.Write(make([]byte, csvstream.ChunkSize)); !errors.Is(err, broken) {
		t.Fatalf("write: %v, want %v", err, broken)
	}
	if _, err := c.Write([]byte("x")); !errors.Is(err, broken) {
		t.Fatalf("write after a failure: %v", err)
	}
	if err := c.Close(); !errors.Is(err, broken) {
		t.Fatalf("close after a failure: %v", err)
	}
}
