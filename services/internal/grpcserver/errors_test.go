package grpcserver

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"
	"google.golang.org/protobuf/testing/protocmp"

	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"github.com/engagehq/engage/services/internal/errs"
)

// wantStatus builds the status a test expects, details included.
func wantStatus(t *testing.T, code codes.Code, msg string, details ...protoadapt.MessageV1) *status.Status {
	t.Helper()
	st, err := status.New(code, msg).WithDetails(details...)
	if err != nil {
		t.Fatalf("WithDetails: %v", err)
	}
	return st
}

// translated is what the caller must see for a domain error: exactly what
// errs.ToStatus makes of it.
func translated(err error) *status.Status {
	st, _ := errs.ToStatus(err)
	return st
}

// checkDomainError checks the code and the AIP-193 ErrorInfo of st.
func checkDomainError(t *testing.T, st *status.Status, code codes.Code) {
	t.Helper()
	if st.Code() != code {
		t.Errorf("code = %v, want %v", st.Code(), code)
	}
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok && info.GetDomain() == errs.Domain && info.GetReason() != "" {
			return
		}
	}
	t.Errorf("status %v has no ErrorInfo of domain %q", st.Proto(), errs.Domain)
}

func TestErrorTranslation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		handler func(context.Context, *identityv1.CreateAccountRequest) (*identityv1.Account, error)
		// extra, when set, is installed as the caller's interceptor.
		extra grpc.UnaryServerInterceptor
		want  func(t *testing.T) *status.Status
		// wantCode, when set, is the code of a domain error, which must
		// come with an ErrorInfo of the Engage domain.
		wantCode  codes.Code
		wantInLog string // the detail the log must hold with the request id
	}{
		{
			name: "wrapped not found",
			handler: func(context.Context, *identityv1.CreateAccountRequest) (*identityv1.Account, error) {
				return nil, fmt.Errorf("get account %q: %w", "accounts/a1", errs.NotFound)
			},
			want: func(t *testing.T) *status.Status {
				return translated(fmt.Errorf("get account %q: %w", "accounts/a1", errs.NotFound))
			},
			wantCode: codes.NotFound,
		},
		{
			name: "reason and field from handler",
			handler: func(context.Context, *identityv1.CreateAccountRequest) (*identityv1.Account, error) {
				return nil, errs.WithReason(errs.Field("account.email", "is taken"), "EMAIL_TAKEN")
			},
			want: func(t *testing.T) *status.Status {
				return wantStatus(t, codes.InvalidArgument, "invalid account.email: is taken",
					&errdetails.ErrorInfo{Reason: "EMAIL_TAKEN", Domain: errs.Domain},
					&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{{Field: "account.email", Description: "is taken"}}})
			},
		},
		{
			name: "unmapped error",
			handler: func(context.Context, *identityv1.CreateAccountRequest) (*identityv1.Account, error) {
				return nil, fmt.Errorf("open store: %w", errors.New("disk on fire"))
			},
			want: func(t *testing.T) *status.Status {
				return wantStatus(t, codes.Internal, "internal error")
			},
			wantInLog: "open store: disk on fire",
		},
		{
			name: "handler panic",
			handler: func(context.Context, *identityv1.CreateAccountRequest) (*identityv1.Account, error) {
				panic("boom in handler")
			},
			want: func(t *testing.T) *status.Status {
				return wantStatus(t, codes.Internal, "internal error")
			},
			wantInLog: "boom in handler",
		},
		{
			name: "panic wrapping a sentinel stays internal",
			handler: func(context.Context, *identityv1.CreateAccountRequest) (*identityv1.Account, error) {
				panic(fmt.Errorf("lookup: %w", errs.NotFound))
			},
			want: func(t *testing.T) *status.Status {
				return wantStatus(t, codes.Internal, "internal error")
			},
			wantInLog: "lookup: not found",
		},
		{
			name: "caller interceptor panic",
			extra: func(context.Context, any, *grpc.UnaryServerInfo, grpc.UnaryHandler) (any, error) {
				panic("boom in interceptor")
			},
			want: func(t *testing.T) *status.Status {
				return wantStatus(t, codes.Internal, "internal error")
			},
			wantInLog: "boom in interceptor",
		},
		{
			name: "caller interceptor domain error",
			extra: func(context.Context, any, *grpc.UnaryServerInfo, grpc.UnaryHandler) (any, error) {
				return nil, fmt.Errorf("verify token: %w", errs.Unauthenticated)
			},
			want: func(t *testing.T) *status.Status {
				return translated(fmt.Errorf("verify token: %w", errs.Unauthenticated))
			},
			wantCode: codes.Unauthenticated,
		},
		{
			name: "downstream status passes through",
			handler: func(context.Context, *identityv1.CreateAccountRequest) (*identityv1.Account, error) {
				return nil, status.Error(codes.Unavailable, "identity is starting")
			},
			want: func(t *testing.T) *status.Status {
				return wantStatus(t, codes.Unavailable, "identity is starting")
			},
		},
		{
			name: "downstream internal status is hidden",
			handler: func(context.Context, *identityv1.CreateAccountRequest) (*identityv1.Account, error) {
				return nil, status.Error(codes.Internal, "secret stack of another service")
			},
			want: func(t *testing.T) *status.Status {
				return wantStatus(t, codes.Internal, "internal error")
			},
			wantInLog: "secret stack of another service",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			setup := serverSetup{accounts: &accounts{create: tt.handler}}
			if tt.extra != nil {
				setup.opts = append(setup.opts, WithUnaryInterceptors(tt.extra))
			}
			ts := start(t, setup)
			var header metadata.MD
			_, err := ts.accounts().CreateAccount(t.Context(), validCreate(), grpc.Header(&header))
			got := status.Convert(err)
			if diff := cmp.Diff(tt.want(t).Proto(), got.Proto(), protocmp.Transform()); diff != "" {
				t.Errorf("status (-want +got):\n%s", diff)
			}
			if tt.wantCode != codes.OK {
				checkDomainError(t, got, tt.wantCode)
			}
			if strings.Contains(got.Message(), "goroutine") || strings.Contains(got.Message(), "boom") {
				t.Errorf("status message %q leaks the panic", got.Message())
			}
			if tt.wantInLog == "" {
				return
			}
			id := header.Get("x-request-id")
			if len(id) != 1 {
				t.Fatalf("x-request-id header = %q, want one value", id)
			}
			var found bool
			for _, r := range append(ts.logs.records(t, "internal error"), ts.logs.records(t, "panic in grpc interceptor")...) {
				if strings.Contains(fmt.Sprint(r["error"]), tt.wantInLog) && r["request_id"] == id[0] {
					found = true
				}
			}
			if !found {
				t.Errorf("no internal error logged with %q and request id %q; log:\n%s", tt.wantInLog, id[0], ts.logs.String())
			}
		})
	}
}

func TestPanicLogHasStack(t *testing.T) {
	t.Parallel()
	ts := start(t, serverSetup{accounts: &accounts{create: func(context.Context, *identityv1.CreateAccountRequest) (*identityv1.Account, error) {
		panic("boom")
	}}})
	_, err := ts.accounts().CreateAccount(t.Context(), validCreate())
	if status.Code(err) != codes.Internal {
		t.Fatalf("code = %v, want Internal", status.Code(err))
	}
	recs := ts.logs.records(t, "internal error")
	if len(recs) != 1 {
		t.Fatalf("got %d internal error records, want 1; log:\n%s", len(recs), ts.logs.String())
	}
	if msg := fmt.Sprint(recs[0]["error"]); !strings.Contains(msg, "goroutine") || !strings.Contains(msg, "panic: boom") {
		t.Errorf("logged error %q lacks the panic and its stack", msg)
	}
}

// TestNotFoundSaysOnlyWhatWasAsked has a handler answer NOT_FOUND in two
// ways, as a store does for what does not exist and a visibility check for
// what the caller may not see: the caller gets the same status for both,
// naming the resource it asked for.
func TestNotFoundSaysOnlyWhatWasAsked(t *testing.T) {
	t.Parallel()
	ts := start(t, serverSetup{accounts: &accounts{
		get: func(_ context.Context, req *identityv1.GetAccountRequest) (*identityv1.Account, error) {
			if req.GetName() == "accounts/missing" {
				return nil, fmt.Errorf("get account: account %s in store: %w", req.GetName(), errs.NotFound)
			}
			return nil, fmt.Errorf("%s: %w", req.GetName(), errs.NotFound)
		},
	}})
	want := func(name string) *status.Status {
		return wantStatus(t, codes.NotFound, name+": not found", &errdetails.ErrorInfo{Reason: "NOT_FOUND", Domain: errs.Domain})
	}
	for _, name := range []string{"accounts/missing", "accounts/hidden"} {
		_, err := identityv1.NewAccountServiceClient(ts.cc).GetAccount(t.Context(), &identityv1.GetAccountRequest{Name: name})
		if diff := cmp.Diff(want(name).Proto(), status.Convert(err).Proto(), protocmp.Transform()); diff != "" {
			t.Errorf("GetAccount(%s) status (-want +got):\n%s", name, diff)
		}
	}
}

// TestNotFoundOfAParentIsNotNamed: a create names its parent, but what was
// not found may be something its body refers to, so the parent is not
// blamed; a request about one resource gets its name.
func TestNotFoundOfAParentIsNotNamed(t *testing.T) {
	t.Parallel()
	notFound := status.New(codes.NotFound, errs.NotFound.Error()).Err()
	create := &identityv1.CreateRoleBindingRequest{Parent: "agencies/metro", RoleBinding: &identityv1.RoleBinding{Member: "accounts/a1"}}
	if got := status.Convert(namedNotFound(notFound, create)).Message(); got != "not found" {
		t.Errorf("NOT_FOUND of a create = %q, want it unnamed", got)
	}
	get := &identityv1.GetRoleBindingRequest{Name: "agencies/metro/roleBindings/b1"}
	if got := status.Convert(namedNotFound(notFound, get)).Message(); got != "agencies/metro/roleBindings/b1: not found" {
		t.Errorf("NOT_FOUND of a get = %q, want it named", got)
	}
}
