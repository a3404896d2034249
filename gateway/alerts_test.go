package gateway_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	alertsv1 "github.com/engagehq/engage/api/gen/engage/alerts/v1"
	"github.com/engagehq/engage/gateway"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// fakeAlerts answers an alert's CAP document, the Atom feed and a stream
// of two events after the cursor it is given (the cursor field, or the
// last-event-id metadata the gateway forwards from Last-Event-ID).
type fakeAlerts struct {
	alertsv1.UnimplementedAlertServiceServer

	mu      sync.Mutex
	cursors []string // the resume points the streams were asked for
}

const (
	capDoc  = `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>x</identifier></alert>`
	atomDoc = `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<feed xmlns="http://www.w3.org/2005/Atom"><title>Alerts</title></feed>`
)

func (*fakeAlerts) GetAlertCap(_ context.Context, req *alertsv1.GetAlertCapRequest) (*httpbody.HttpBody, error) {
	if strings.HasSuffix(req.GetName(), "/draft") {
		return nil, status.Error(codes.NotFound, "no such alert")
	}
	return &httpbody.HttpBody{ContentType: "application/cap+xml", Data: []byte(capDoc)}, nil
}

func (*fakeAlerts) ExportAtomFeed(context.Context, *alertsv1.ExportAtomFeedRequest) (*httpbody.HttpBody, error) {
	return &httpbody.HttpBody{ContentType: "application/atom+xml; charset=utf-8", Data: []byte(atomDoc)}, nil
}

func (f *fakeAlerts) StreamAlerts(req *alertsv1.StreamAlertsRequest, stream grpc.ServerStreamingServer[alertsv1.StreamAlertsResponse]) error {
	cursor := req.GetCursor()
	if md, ok := metadata.FromIncomingContext(stream.Context()); ok && cursor == "" {
		if v := md.Get("last-event-id"); len(v) == 1 {
			cursor = v[0]
		}
	}
	f.mu.Lock()
	f.cursors = append(f.cursors, cursor)
	f.mu.Unlock()
	if err := stream.SendHeader(metadata.Pairs("x-engage-stream", "open")); err != nil {
		return err
	}
	for _, c := range []string{"8", "9"} {
		if err := stream.Send(&alertsv1.StreamAlertsResponse{
			Cursor:    c,
			EventType: alertsv1.StreamAlertsResponse_EVENT_TYPE_PUBLISHED,
			Alert:     &alertsv1.Alert{Name: req.GetParent() + "/alerts/a" + c},
		}); err != nil {
			return err
		}
	}
	return nil
}

func (f *fakeAlerts) resumedFrom() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.cursors...)
}

// alertsEnv serves a gateway in front of fakeAlerts over real HTTP.
func alertsEnv(t *testing.T) (string, *fakeAlerts) {
	t.Helper()
	fake := &fakeAlerts{}
	srv := grpc.NewServer()
	alertsv1.RegisterAlertServiceServer(srv, fake)
	conn := serveLoopback(t, srv)
	h, err := gateway.New(t.Context(), gateway.Config{
		Alerts:         conn,
		AnonymousLimit: gateway.RateLimit{Disabled: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	return hs.URL, fake
}

// TestAlertDocuments: an alert's CAP document and the Atom feed are served
// as the documents themselves, of the type the service names, whatever
// the client accepts; a refusal is the usual JSON error.
func TestAlertDocuments(t *testing.T) {
	t.Parallel()
	base, _ := alertsEnv(t)
	tests := []struct {
		name, path, wantType, wantBody string
	}{
		{"cap", "/v1/agencies/a/alerts/x/cap", "application/cap+xml", capDoc},
		{"atom", "/v1/agencies/a/alerts:atom", "application/atom+xml; charset=utf-8", atomDoc},
	}
	for _, tt := range tests {
		for _, accept := range []string{"", "application/json", "application/xml"} {
			t.Run(tt.name+"/accept="+accept, func(t *testing.T) {
				t.Parallel()
				h := http.Header{}
				if accept != "" {
					h.Set("Accept", accept)
				}
				resp := get(t, base+tt.path, h)
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("status = %d", resp.StatusCode)
				}
				if ct := resp.Header.Get("Content-Type"); ct != tt.wantType {
					t.Errorf("Content-Type = %q, want %q", ct, tt.wantType)
				}
				body, err := io.ReadAll(resp.Body)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tt.wantBody, string(body)); diff != "" {
					t.Errorf("body (-want +got):\n%s", diff)
				}
			})
		}
	}

	resp := get(t, base+"/v1/agencies/a/alerts/draft/cap", http.Header{})
	if got := decodeError(t, resp); resp.StatusCode != http.StatusNotFound || got.Status != "NOT_FOUND" {
		t.Errorf("refused document: %d %+v, want 404 NOT_FOUND", resp.StatusCode, got)
	}
}

// TestAlertStream: the alert stream is NDJSON, or Server-Sent Events whose
// ids are the events' cursors; an EventSource's Last-Event-ID reaches the
// service, which resumes after it.
func TestAlertStream(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, query string
		header      http.Header
		wantType    string
		wantLines   []string
		wantCursor  string
	}{
		{
			name:     "ndjson with a cursor",
			query:    "?cursor=7",
			header:   http.Header{},
			wantType: "application/x-ndjson",
			wantLines: []string{
				`{"result":{"cursor":"8","eventType":"EVENT_TYPE_PUBLISHED","alert":{"name":"agencies/a/alerts/a8"`,
				`{"result":{"cursor":"9","eventType":"EVENT_TYPE_PUBLISHED","alert":{"name":"agencies/a/alerts/a9"`,
			},
			wantCursor: "7",
		},
		{
			name:     "sse resuming after Last-Event-ID",
			header:   http.Header{"Accept": {"text/event-stream"}, "Last-Event-Id": {"7"}},
			wantType: "text/event-stream",
			wantLines: []string{
				"id: 8",
				`data: {"cursor":"8","eventType":"EVENT_TYPE_PUBLISHED","alert":{"name":"agencies/a/alerts/a8"`,
				"id: 9",
				`data: {"cursor":"9","eventType":"EVENT_TYPE_PUBLISHED","alert":{"name":"agencies/a/alerts/a9"`,
			},
			wantCursor: "7",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			base, fake := alertsEnv(t)
			resp := get(t, base+"/v1/agencies/a/alerts:stream"+tt.query, tt.header)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status = %d", resp.StatusCode)
			}
			if ct := resp.Header.Get("Content-Type"); ct != tt.wantType {
				t.Errorf("Content-Type = %q, want %q", ct, tt.wantType)
			}
			var got []string
			sc := bufio.NewScanner(resp.Body)
			for sc.Scan() {
				if l := normalizeJSONSpaces(sc.Text()); l != "" && !strings.HasPrefix(l, ":") {
					got = append(got, l)
				}
			}
			if len(got) != len(tt.wantLines) {
				t.Fatalf("lines = %q, want %d", got, len(tt.wantLines))
			}
			for i, want := range tt.wantLines {
				if !strings.HasPrefix(got[i], want) {
					t.Errorf("line %d = %q, want it to start with %q", i, got[i], want)
				}
			}
			if diff := cmp.Diff([]string{tt.wantCursor}, fake.resumedFrom()); diff != "" {
				t.Errorf("resumed from (-want +got):\n%s", diff)
			}
		})
	}
}
