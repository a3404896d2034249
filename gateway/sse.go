package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"
)

// maxStreamLine bounds one stream message buffered while converting it.
const maxStreamLine = 16 << 20

// ticker starts a ticker and returns its channel and stop function; tests
// replace it to send keep-alives on demand.
type ticker func() (<-chan time.Time, func())

func newTicker(d time.Duration) ticker {
	return func() (<-chan time.Time, func()) {
		t := time.NewTicker(d)
		return t.C, t.Stop
	}
}

// serverSentEvents serves server streams as Server-Sent Events to clients
// that ask for text/event-stream. It works on any handler that streams
// newline-delimited JSON labelled application/x-ndjson, knowing nothing of
// the messages' types:
//
//	{"result": {...}}  ->  id: <result.cursor>\ndata: {...}\n\n
//	{"error": {...}}   ->  event: error\ndata: {...}\n\n
//
// The id line is sent when the result has a non-empty "cursor" field; a
// browser's EventSource sends it back as Last-Event-ID when it reconnects,
// and the gateway forwards that header as the last-event-id metadata, so
// the service can resume after it. While the stream is idle a comment line
// is sent every keep-alive interval. Anything that is not an NDJSON stream
// (a unary response, an error before the stream started) passes unchanged.
func serverSentEvents(next http.Handler, tick ticker) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !acceptsEventStream(r) {
			next.ServeHTTP(w, r)
			return
		}
		sw := &sseWriter{w: w, tick: tick}
		defer sw.finish()
		next.ServeHTTP(sw, r)
	})
}

// acceptsEventStream reports whether the Accept header lists
// text/event-stream.
func acceptsEventStream(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept") {
		for _, part := range strings.Split(v, ",") {
			if mt, _, err := mime.ParseMediaType(part); err == nil && mt == "text/event-stream" {
				return true
			}
		}
	}
	return false
}

type sseMode int

const (
	sseUndecided sseMode = iota
	ssePassThrough
	sseConverting
)

// sseWriter converts what the wrapped handler writes. Its mutex serializes
// the handler's writes with the keep-alive goroutine's.
type sseWriter struct {
	w    http.ResponseWriter
	tick ticker

	mu      sync.Mutex
	mode    sseMode
	partial []byte
	err     error
	stop    chan struct{}
	done    chan struct{}
}

func (s *sseWriter) Header() http.Header { return s.w.Header() }

func (s *sseWriter) WriteHeader(code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.decide(code)
}

func (s *sseWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.decide(http.StatusOK)
	if s.mode == ssePassThrough {
		return s.w.Write(p)
	}
	if s.err != nil {
		return 0, s.err
	}
	s.partial = append(s.partial, p...)
	for {
		i := bytes.IndexByte(s.partial, '\n')
		if i < 0 {
			break
		}
		line := s.partial[:i]
		if err := s.event(line); err != nil {
			s.err = err
			return 0, err
		}
		s.partial = s.partial[i+1:]
	}
	if len(s.partial) > maxStreamLine {
		s.err = errors.New("stream message too large")
		return 0, s.err
	}
	// Keep the unconsumed tail at the front of its own array.
	s.partial = append([]byte(nil), s.partial...)
	return len(p), nil
}

// Flush implements http.Flusher.
func (s *sseWriter) Flush() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.decide(http.StatusOK)
	_ = http.NewResponseController(s.w).Flush()
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (s *sseWriter) Unwrap() http.ResponseWriter { return s.w }

// decide picks the mode when the status goes out: convert a successful
// NDJSON stream, pass anything else through. Called with mu held.
func (s *sseWriter) decide(code int) {
	if s.mode != sseUndecided {
		return
	}
	h := s.w.Header()
	mt, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	if code != http.StatusOK || mt != ndjsonType {
		s.mode = ssePassThrough
		s.w.WriteHeader(code)
		return
	}
	s.mode = sseConverting
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	h.Del("Content-Length")
	h.Del("Transfer-Encoding")
	s.w.WriteHeader(code)

	s.stop, s.done = make(chan struct{}), make(chan struct{})
	ticks, stopTicks := s.tick()
	go s.keepAlive(ticks, stopTicks)
}

func (s *sseWriter) keepAlive(ticks <-chan time.Time, stopTicks func()) {
	defer close(s.done)
	defer stopTicks()
	for {
		select {
		case <-s.stop:
			return
		case <-ticks:
			s.mu.Lock()
			if s.err == nil {
				if _, err := s.w.Write([]byte(": keep-alive\n\n")); err != nil {
					s.err = err
				} else {
					_ = http.NewResponseController(s.w).Flush()
				}
			}
			s.mu.Unlock()
		}
	}
}

// finish converts a last line that had no newline and stops the
// keep-alives; it runs when the wrapped handler returns.
func (s *sseWriter) finish() {
	s.mu.Lock()
	if s.mode == sseConverting && s.err == nil && len(bytes.TrimSpace(s.partial)) > 0 {
		s.err = s.event(s.partial)
		s.partial = nil
		_ = http.NewResponseController(s.w).Flush()
	}
	stop, done := s.stop, s.done
	s.mu.Unlock()
	if stop != nil {
		close(stop)
		<-done
	}
}

// event writes one NDJSON line as an event. Called with mu held.
func (s *sseWriter) event(line []byte) error {
	line = bytes.TrimSpace(line)
	if len(line) == 0 {
		return nil
	}
	var chunk struct {
		Result json.RawMessage `json:"result"`
		Error  json.RawMessage `json:"error"`
	}
	var buf bytes.Buffer
	switch err := json.Unmarshal(line, &chunk); {
	case err == nil && chunk.Error != nil:
		buf.WriteString("event: error\n")
		writeData(&buf, chunk.Error)
	case err == nil && chunk.Result != nil:
		if id := cursorOf(chunk.Result); id != "" {
			buf.WriteString("id: " + id + "\n")
		}
		writeData(&buf, chunk.Result)
	default:
		// Not a gateway chunk: pass the line on as the data.
		writeData(&buf, line)
	}
	_, err := s.w.Write(buf.Bytes())
	return err
}

// writeData writes a data field and ends the event. JSON from one NDJSON
// line has no raw newline, but a line break would end the field early, so
// any is split into further data lines as the format requires.
func writeData(buf *bytes.Buffer, data []byte) {
	for _, l := range bytes.Split(data, []byte("\n")) {
		buf.WriteString("data: ")
		buf.Write(bytes.TrimSuffix(l, []byte("\r")))
		buf.WriteByte('\n')
	}
	buf.WriteByte('\n')
}

// cursorOf returns the result's "cursor" field as an event id: a string or
// a number, without characters that would break the id line.
func cursorOf(result json.RawMessage) string {
	var fields map[string]json.RawMessage
	if json.Unmarshal(result, &fields) != nil {
		return ""
	}
	raw, ok := fields["cursor"]
	if !ok {
		return ""
	}
	var id string
	if err := json.Unmarshal(raw, &id); err != nil {
		var n json.Number
		if json.Unmarshal(raw, &n) != nil {
			return ""
		}
		id = n.String()
	}
	if strings.ContainsAny(id, "\r\n\x00") {
		return ""
	}
	return id
}
