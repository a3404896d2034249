package grpcserver

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"

	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/logging"
	"github.com/engagehq/engage/services/internal/requestid"
)

// seen is what a handler observed about its call.
type seen struct {
	id       string   // requestid.FromContext
	mdID     []string // x-request-id in the incoming metadata
	deadline time.Duration
	hasDL    bool
}

func observe(ctx context.Context) seen {
	md, _ := metadata.FromIncomingContext(ctx)
	s := seen{id: requestid.FromContext(ctx), mdID: md.Get(requestid.MetadataKey)}
	if dl, ok := ctx.Deadline(); ok {
		s.deadline, s.hasDL = time.Until(dl), true
	}
	return s
}

func TestRequestID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		sent     []string // x-request-id values the client sends
		fail     bool     // the handler returns an error
		wantEcho bool     // the sent id is used, else a UUID is generated
	}{
		{name: "echoed", sent: []string{"req-1.A_b"}, wantEcho: true},
		{name: "echoed on error", sent: []string{"req-2"}, fail: true, wantEcho: true},
		{name: "generated when absent"},
		{name: "generated when absent on error", fail: true},
		{name: "generated for a space", sent: []string{"a b"}},
		{name: "generated for a quote", sent: []string{`a" level=ERROR`}},
		{name: "generated when too long", sent: []string{strings.Repeat("a", 65)}},
		{name: "generated for two values", sent: []string{"one", "two"}},
		{name: "longest accepted", sent: []string{strings.Repeat("a", 64)}, wantEcho: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := make(chan seen, 1)
			ts := start(t, serverSetup{accounts: &accounts{create: func(ctx context.Context, _ *identityv1.CreateAccountRequest) (*identityv1.Account, error) {
				got <- observe(ctx)
				if tt.fail {
					return nil, errs.NotFound
				}
				return &identityv1.Account{}, nil
			}}})
			ctx := t.Context()
			for _, v := range tt.sent {
				ctx = metadata.AppendToOutgoingContext(ctx, requestid.MetadataKey, v)
			}
			var header metadata.MD
			_, err := ts.accounts().CreateAccount(ctx, validCreate(), grpc.Header(&header))
			if (err != nil) != tt.fail {
				t.Fatalf("CreateAccount error = %v, want failure %v", err, tt.fail)
			}
			h := <-got
			echoed := header.Get(requestid.MetadataKey)
			if len(echoed) != 1 {
				t.Fatalf("response x-request-id = %q, want one value", echoed)
			}
			if tt.wantEcho && echoed[0] != tt.sent[0] {
				t.Errorf("response x-request-id = %q, want the sent %q", echoed[0], tt.sent[0])
			}
			if !tt.wantEcho {
				if _, err := uuid.Parse(echoed[0]); err != nil {
					t.Errorf("response x-request-id = %q, want a generated UUID", echoed[0])
				}
			}
			want := seen{id: echoed[0], mdID: []string{echoed[0]}}
			if diff := cmp.Diff(want, seen{id: h.id, mdID: h.mdID}, cmp.AllowUnexported(seen{})); diff != "" {
				t.Errorf("handler saw (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRequestIDStream(t *testing.T) {
	t.Parallel()
	got := make(chan string, 1)
	ts := start(t, serverSetup{watch: func(ss grpc.ServerStream) error {
		got <- requestid.FromContext(ss.Context())
		return nil
	}})
	ctx := metadata.AppendToOutgoingContext(t.Context(), requestid.MetadataKey, "stream-1")
	cs := openWatch(t, ctx, ts.cc)
	if err := cs.RecvMsg(new(emptypb.Empty)); err == nil {
		t.Fatal("RecvMsg: want end of stream")
	}
	header, err := cs.Header()
	if err != nil {
		t.Fatalf("Header: %v", err)
	}
	if diff := cmp.Diff([]string{"stream-1"}, header.Get(requestid.MetadataKey)); diff != "" {
		t.Errorf("response x-request-id (-want +got):\n%s", diff)
	}
	if id := <-got; id != "stream-1" {
		t.Errorf("handler request id = %q, want stream-1", id)
	}
	// The access line is written once the handler has returned, which may
	// be after the client saw the end of the stream.
	if err := ts.shutdown(t.Context()); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	recs := ts.logs.records(t, "grpc stream")
	var logged bool
	for _, r := range recs {
		logged = logged || (r["method"] == watchMethod && r["request_id"] == "stream-1" && r["code"] == "OK")
	}
	if !logged {
		t.Errorf("no access log line for the stream; log:\n%s", ts.logs.String())
	}
}

func TestDeadlineCap(t *testing.T) {
	t.Parallel()
	const limit = time.Minute
	tests := []struct {
		name    string
		timeout time.Duration // the client's, 0 for none
		max     time.Duration // the deadline the handler may at most see
	}{
		{name: "no client deadline", max: limit},
		{name: "longer client deadline", timeout: time.Hour, max: limit},
		{name: "shorter client deadline", timeout: 20 * time.Second, max: 20 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := make(chan seen, 1)
			ts := start(t, serverSetup{
				accounts: &accounts{create: func(ctx context.Context, _ *identityv1.CreateAccountRequest) (*identityv1.Account, error) {
					got <- observe(ctx)
					return &identityv1.Account{}, nil
				}},
				opts: []Option{WithMaxCallDuration(limit)},
			})
			ctx := t.Context()
			if tt.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.timeout)
				defer cancel()
			}
			if _, err := ts.accounts().CreateAccount(ctx, validCreate()); err != nil {
				t.Fatalf("CreateAccount: %v", err)
			}
			h := <-got
			if !h.hasDL {
				t.Fatal("handler has no deadline")
			}
			if h.deadline > tt.max {
				t.Errorf("handler deadline in %v, want at most %v", h.deadline, tt.max)
			}
		})
	}
}

// TestChainOrder checks that the caller's interceptor runs after the
// request id and the access log, and before validation and the handler, and
// that its errors and validation's are translated outside it.
func TestChainOrder(t *testing.T) {
	t.Parallel()
	type ctxKey struct{}
	var (
		mu     sync.Mutex
		events []string
	)
	record := func(e string) {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, e)
	}
	unary := func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		record(fmt.Sprintf("extra: request id set %v", requestid.FromContext(ctx) != ""))
		logging.SetPrincipal(ctx, "account", "accounts/a1")
		resp, err := handler(context.WithValue(ctx, ctxKey{}, "from extra"), req)
		// Validation errors reach this interceptor untranslated.
		record(fmt.Sprintf("extra: handler returned invalid argument %v, a status %v",
			errors.Is(err, errs.InvalidArgument), isStatus(err)))
		return resp, err
	}
	ts := start(t, serverSetup{
		accounts: &accounts{create: func(ctx context.Context, _ *identityv1.CreateAccountRequest) (*identityv1.Account, error) {
			record(fmt.Sprintf("handler: %v", ctx.Value(ctxKey{})))
			return &identityv1.Account{}, nil
		}},
		opts: []Option{WithUnaryInterceptors(unary)},
	})

	if _, err := ts.accounts().CreateAccount(t.Context(), validCreate()); err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	bad := validCreate()
	bad.Account.Email = "nope"
	_, err := ts.accounts().CreateAccount(t.Context(), bad)
	checkDomainError(t, status.Convert(err), codes.InvalidArgument)

	want := []string{
		"extra: request id set true",
		"handler: from extra",
		"extra: handler returned invalid argument false, a status false",
		"extra: request id set true",
		"extra: handler returned invalid argument true, a status false",
	}
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff(want, events); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	// The access log, outside the caller's interceptor, got the principal.
	recs := ts.logs.records(t, "grpc call")
	if len(recs) != 2 {
		t.Fatalf("got %d access log records, want 2; log:\n%s", len(recs), ts.logs.String())
	}
	for _, r := range recs {
		if r["principal"] != "accounts/a1" || r["principal_kind"] != "account" {
			t.Errorf("access log record %v lacks the principal", r)
		}
	}
	if recs[1]["code"] != codes.InvalidArgument.String() {
		t.Errorf("access log code = %v, want %v", recs[1]["code"], codes.InvalidArgument)
	}
}

func isStatus(err error) bool {
	_, ok := status.FromError(err)
	return ok && err != nil
}

func TestChainOrderStream(t *testing.T) {
	t.Parallel()
	type ctxKey struct{}
	stream := func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		if info.FullMethod != watchMethod {
			return handler(srv, ss)
		}
		if requestid.FromContext(ss.Context()) == "" {
			return errors.New("extra ran before the request id")
		}
		return handler(srv, &serverStream{ServerStream: ss, ctx: context.WithValue(ss.Context(), ctxKey{}, "from extra")})
	}
	got := make(chan any, 1)
	ts := start(t, serverSetup{
		watch: func(ss grpc.ServerStream) error {
			got <- ss.Context().Value(ctxKey{})
			return fmt.Errorf("subscribe: %w", errs.PermissionDenied)
		},
		opts: []Option{WithStreamInterceptors(stream)},
	})
	cs := openWatch(t, t.Context(), ts.cc)
	err := cs.RecvMsg(new(emptypb.Empty))
	checkDomainError(t, status.Convert(err), codes.PermissionDenied)
	if v := <-got; v != "from extra" {
		t.Errorf("handler context value = %v, want the extra interceptor's", v)
	}
}
