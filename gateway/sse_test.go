package gateway

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// ndjsonProducer stands in for a grpc-gateway stream handler: it labels
// the response as NDJSON and writes chunks, flushing after each, the way
// runtime.ForwardResponseStream does (a message and its newline may arrive
// in separate writes).
func ndjsonProducer(chunks ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", ndjsonType)
		for _, c := range chunks {
			_, _ = io.WriteString(w, c)
			w.(http.Flusher).Flush()
		}
	})
}

// noTicks is a ticker that never ticks.
func noTicks() (<-chan time.Time, func()) { return nil, func() {} }

func TestServerSentEvents(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		accept   string
		producer http.Handler
		wantType string
		wantBody string
	}{
		{
			name:   "results, ids from cursors, and an error",
			accept: "text/event-stream",
			producer: ndjsonProducer(
				`{"result":{"cursor":"c1","headline":"Road closed"}}`, "\n",
				`{"result":{"cursor":42}}`+"\n"+`{"result":{"headline":"no cursor"}}`+"\n",
				`{"result":{"cursor":"bad\nid"}}`+"\n",
				`{"error":{"code":503,"status":"UNAVAILABLE"}}`+"\n",
			),
			wantType: "text/event-stream",
			wantBody: "id: c1\ndata: {\"cursor\":\"c1\",\"headline\":\"Road closed\"}\n\n" +
				"id: 42\ndata: {\"cursor\":42}\n\n" +
				"data: {\"headline\":\"no cursor\"}\n\n" +
				"data: {\"cursor\":\"bad\\nid\"}\n\n" +
				"event: error\ndata: {\"code\":503,\"status\":\"UNAVAILABLE\"}\n\n",
		},
		{
			name:     "a last line without newline is sent",
			accept:   "application/json, text/event-stream;q=0.9",
			producer: ndjsonProducer(`{"result":{"n":1}}`),
			wantType: "text/event-stream",
			wantBody: "data: {\"n\":1}\n\n",
		},
		{
			name:     "a line that is not a chunk is passed as data",
			accept:   "text/event-stream",
			producer: ndjsonProducer("[1,2]\n\n"),
			wantType: "text/event-stream",
			wantBody: "data: [1,2]\n\n",
		},
		{
			name:     "without Accept the stream stays NDJSON",
			accept:   "",
			producer: ndjsonProducer(`{"result":{"n":1}}`, "\n"),
			wantType: ndjsonType,
			wantBody: `{"result":{"n":1}}` + "\n",
		},
		{
			name:   "a unary response passes through",
			accept: "text/event-stream",
			producer: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, "{\"n\":1}\n")
			}),
			wantType: "application/json",
			wantBody: "{\"n\":1}\n",
		},
		{
			name:   "an error before the stream passes through",
			accept: "text/event-stream",
			producer: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", ndjsonType)
				w.WriteHeader(http.StatusForbidden)
				_, _ = io.WriteString(w, "{\"error\":{}}\n")
			}),
			wantType: ndjsonType,
			wantBody: "{\"error\":{}}\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequest(http.MethodGet, "/v1/stream", nil)
			if tc.accept != "" {
				req.Header.Set("Accept", tc.accept)
			}
			rec := httptest.NewRecorder()
			serverSentEvents(tc.producer, noTicks).ServeHTTP(rec, req)
			if got := rec.Header().Get("Content-Type"); got != tc.wantType {
				t.Errorf("Content-Type = %q, want %q", got, tc.wantType)
			}
			if diff := cmp.Diff(tc.wantBody, rec.Body.String()); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}

func TestServerSentEventsKeepAlive(t *testing.T) {
	t.Parallel()
	ticks := make(chan time.Time) // unbuffered: a send returns once received
	stopped := make(chan struct{})
	tick := func() (<-chan time.Time, func()) { return ticks, func() { close(stopped) } }
	proceed := make(chan struct{})
	producer := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", ndjsonType)
		_, _ = io.WriteString(w, "{\"result\":{\"n\":1}}\n")
		w.(http.Flusher).Flush()
		<-proceed
	})
	req := httptest.NewRequest(http.MethodGet, "/v1/stream", nil)
	req.Header.Set("Accept", "text/event-stream")
	rec := httptest.NewRecorder()
	done := make(chan struct{})
	go func() {
		defer close(done)
		serverSentEvents(producer, tick).ServeHTTP(rec, req)
	}()
	// The second send is taken only once the first keep-alive is written,
	// and the one it triggers is written before the writer can stop.
	ticks <- time.Time{}
	ticks <- time.Time{}
	close(proceed)
	<-done
	<-stopped

	want := "data: {\"n\":1}\n\n: keep-alive\n\n: keep-alive\n\n"
	if diff := cmp.Diff(want, rec.Body.String()); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
}

func TestCursorOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, result, want string
	}{
		{"string", `{"cursor":"abc"}`, "abc"},
		{"number", `{"cursor":17}`, "17"},
		{"absent", `{"other":1}`, ""},
		{"empty", `{"cursor":""}`, ""},
		{"newline would break the id line", `{"cursor":"a\nb"}`, ""},
		{"object", `{"cursor":{"a":1}}`, ""},
		{"not an object", `[1]`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := cursorOf([]byte(tc.result)); got != tc.want {
				t.Errorf("cursorOf(%s) = %q, want %q", tc.result, got, tc.want)
			}
		})
	}
}

func TestAcceptsEventStream(t *testing.T) {
	t.Parallel()
	tests := []struct {
		accept []string
		want   bool
	}{
		{nil, false},
		{[]string{"application/json"}, false},
		{[]string{"text/event-stream"}, true},
		{[]string{"application/json", "text/event-stream; q=0.5"}, true},
		{[]string{"text/*"}, false},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.accept, "|"), func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			for _, a := range tc.accept {
				r.Header.Add("Accept", a)
			}
			if got := acceptsEventStream(r); got != tc.want {
				t.Errorf("acceptsEventStream(%q) = %v, want %v", tc.accept, got, tc.want)
			}
		})
	}
}
