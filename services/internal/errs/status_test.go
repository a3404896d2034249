package errs

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/durationpb"
)

func TestToStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		err          error
		wantCode     codes.Code
		wantMsg      string
		wantInternal bool
		wantDetails  []any
	}{
		{
			name:        "wrapped not found",
			err:         fmt.Errorf("get post %q: %w", "p1", NotFound),
			wantCode:    codes.NotFound,
			wantMsg:     "not found",
			wantDetails: []any{&errdetails.ErrorInfo{Reason: "NOT_FOUND", Domain: Domain}},
		},
		{
			name:        "public not found",
			err:         fmt.Errorf("lookup: %w", Public(NotFound, "no feedback matches this code")),
			wantCode:    codes.NotFound,
			wantMsg:     "no feedback matches this code",
			wantDetails: []any{&errdetails.ErrorInfo{Reason: "NOT_FOUND", Domain: Domain}},
		},
		{
			name:     "field violation",
			err:      fmt.Errorf("create: %w", Field("post.body", "must be at most %d characters", 10)),
			wantCode: codes.InvalidArgument,
			wantMsg:  "create: invalid post.body: must be at most 10 characters",
			wantDetails: []any{
				&errdetails.ErrorInfo{Reason: "INVALID_ARGUMENT", Domain: Domain},
				&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{{Field: "post.body", Description: "must be at most 10 characters"}}},
			},
		},
		{
			name:     "throttled",
			err:      Throttled(3*time.Second, "too many attempts"),
			wantCode: codes.ResourceExhausted,
			wantMsg:  "too many attempts; retry in 3s",
			wantDetails: []any{
				&errdetails.ErrorInfo{Reason: "RESOURCE_EXHAUSTED", Domain: Domain, Metadata: map[string]string{"retry_after_seconds": "3"}},
				&errdetails.RetryInfo{RetryDelay: durationpb.New(3 * time.Second)},
			},
		},
		{
			name:        "reason",
			err:         WithReason(fmt.Errorf("etag %q is stale: %w", "3", FailedPrecondition), "ETAG_MISMATCH"),
			wantCode:    codes.FailedPrecondition,
			wantMsg:     `etag "3" is stale: failed precondition`,
			wantDetails: []any{&errdetails.ErrorInfo{Reason: "ETAG_MISMATCH", Domain: Domain}},
		},
		{
			name:         "unmapped is internal",
			err:          fmt.Errorf("open /var/secret/file: permission denied"),
			wantCode:     codes.Internal,
			wantMsg:      "internal error",
			wantInternal: true,
		},
		{
			name:         "downstream internal status hidden",
			err:          status.Error(codes.Internal, "db path /x"),
			wantCode:     codes.Internal,
			wantMsg:      "internal error",
			wantInternal: true,
		},
		{
			name:     "downstream status kept",
			err:      status.Error(codes.Unavailable, "feedback is down"),
			wantCode: codes.Unavailable,
			wantMsg:  "feedback is down",
		},
		{
			name:        "deadline",
			err:         fmt.Errorf("list: %w", context.DeadlineExceeded),
			wantCode:    codes.DeadlineExceeded,
			wantMsg:     "list: context deadline exceeded",
			wantDetails: []any{&errdetails.ErrorInfo{Reason: "DEADLINE_EXCEEDED", Domain: Domain}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st, internal := ToStatus(tt.err)
			if st.Code() != tt.wantCode || st.Message() != tt.wantMsg || internal != tt.wantInternal {
				t.Errorf("ToStatus = (%v, %q, %v), want (%v, %q, %v)", st.Code(), st.Message(), internal, tt.wantCode, tt.wantMsg, tt.wantInternal)
			}
			if diff := cmp.Diff(tt.wantDetails, st.Details(), protocmp.Transform(), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("details (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCodeName(t *testing.T) {
	t.Parallel()
	for c, want := range map[codes.Code]string{
		codes.OK: "OK", codes.NotFound: "NOT_FOUND", codes.InvalidArgument: "INVALID_ARGUMENT",
		codes.FailedPrecondition: "FAILED_PRECONDITION", codes.DataLoss: "DATA_LOSS", codes.Unauthenticated: "UNAUTHENTICATED",
	} {
		if got := CodeName(c); got != want {
			t.Errorf("CodeName(%v) = %q, want %q", c, got, want)
		}
	}
}
