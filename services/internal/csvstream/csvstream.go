// Package csvstream writes files, CSV exports above all, to a server
// stream of google.api.HttpBody in chunks of about ChunkSize, so that an
// export never holds more than a chunk in memory, and neutralizes the CSV
// cells a spreadsheet would run as formulas.
//
// The gateway serves such a stream as the file itself, of the content type
// its first chunk names; every chunk carries it.
package csvstream

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strings"

	"google.golang.org/genproto/googleapis/api/httpbody"
)

const (
	// ChunkSize is about how many bytes each HttpBody message carries: a
	// chunk is sent once it has at least this many.
	ChunkSize = 32 << 10
	// ContentType is the content type of a CSV file.
	ContentType = "text/csv; charset=utf-8"
)

// Chunks is an io.Writer that sends what is written to it as HttpBody
// messages of contentType, each of at least ChunkSize bytes except the
// last, which Close sends. It is not safe for concurrent use.
type Chunks struct {
	contentType string
	send        func(*httpbody.HttpBody) error
	buf         bytes.Buffer
	err         error
}

// NewChunks returns a Chunks sending with send, typically a server
// stream's Send method.
func NewChunks(contentType string, send func(*httpbody.HttpBody) error) *Chunks {
	return &Chunks{contentType: contentType, send: send}
}

// Write buffers p and sends a chunk when the buffer reaches ChunkSize. After
// a failed send every call returns that send's error.
func (c *Chunks) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	c.buf.Write(p)
	if c.buf.Len() >= ChunkSize {
		if err := c.flush(); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// Close sends what is buffered, if anything. It sends nothing for a file
// that was never written to: an empty stream.
func (c *Chunks) Close() error {
	if c.err != nil {
		return c.err
	}
	if c.buf.Len() == 0 {
		return nil
	}
	return c.flush()
}

// flush sends the buffer as one chunk. The chunk owns a copy, since the
// stream may hold it after Send returns.
func (c *Chunks) flush() error {
	data := bytes.Clone(c.buf.Bytes())
	c.buf.Reset()
	if err := c.send(&httpbody.HttpBody{ContentType: c.contentType, Data: data}); err != nil {
		c.err = err
		return err
	}
	return nil
}

// Writer writes CSV records (RFC 4180) to a stream of ContentType chunks.
type Writer struct {
	chunks *Chunks
	csv    *csv.Writer
}

// NewWriter returns a Writer sending with send.
func NewWriter(send func(*httpbody.HttpBody) error) *Writer {
	c := NewChunks(ContentType, send)
	return &Writer{chunks: c, csv: csv.NewWriter(c)}
}

// Write writes one record. Cells are written as they are: pass the ones
// that hold text from users through Safe.
func (w *Writer) Write(record []string) error {
	if err := w.csv.Write(record); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

// Close writes what is buffered and sends the last chunk.
func (w *Writer) Close() error {
	w.csv.Flush()
	if err := w.csv.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return w.chunks.Close()
}

// formulaStarts are the first characters that make a spreadsheet read a
// cell as a formula.
const formulaStarts = "=+-@\t\r"

// Safe neutralizes a cell that a spreadsheet would read as a formula (OWASP
// CSV injection): one starting with =, +, -, @, a tab or a carriage return
// gets a leading apostrophe. Numbers the export writes itself, such as a
// negative score, need not pass through it.
func Safe(s string) string {
	if s != "" && strings.IndexByte(formulaStarts, s[0]) >= 0 {
		return "'" + s
	}
	return s
}
