package gateway

import (
	"log/slog"
	"net/http"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestHTTPStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code codes.Code
		want int
	}{
		{codes.OK, 200},
		{codes.InvalidArgument, 400},
		{codes.OutOfRange, 400},
		{codes.Unauthenticated, 401},
		{codes.PermissionDenied, 403},
		{codes.NotFound, 404},
		{codes.AlreadyExists, 409},
		{codes.Aborted, 409},
		{codes.FailedPrecondition, 412},
		{codes.ResourceExhausted, 429},
		{codes.Canceled, 499},
		{codes.Internal, 500},
		{codes.Unknown, 500},
		{codes.DataLoss, 500},
		{codes.Unimplemented, 501},
		{codes.Unavailable, 503},
		{codes.DeadlineExceeded, 504},
		{codes.Code(99), 500},
	}
	for _, tc := range tests {
		t.Run(tc.code.String(), func(t *testing.T) {
			t.Parallel()
			if got := httpStatus(tc.code); got != tc.want {
				t.Errorf("httpStatus(%v) = %d, want %d", tc.code, got, tc.want)
			}
		})
	}
}

func TestRequestErrorStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		raw        string
		wantField  string
		wantReason string
	}{
		{"unknown field", "proto: (line 1:2): unknown field \"nope\"", "nope", "INVALID_REQUEST"},
		{"no-break space after proto:", "proto:\u00a0(line 1:2): unknown field \"nope\"", "nope", "INVALID_REQUEST"},
		{"wrong type", "proto: (line 1:10): invalid value for string field email: 5", "email", "INVALID_REQUEST"},
		{"bad enum", "proto: (line 1:27): invalid value for enum field roles: \"NOPE\"", "roles", "INVALID_REQUEST"},
		{"duplicate", "proto: (line 1:14): duplicate field \"email\"", "email", "INVALID_REQUEST"},
		{"bad timestamp", "proto: (line 1:15): invalid google.protobuf.Timestamp value \"x\"", "", "INVALID_REQUEST"},
		{"not JSON", "invalid character 'b' looking for beginning of object key string", "", "MALFORMED_JSON"},
		{"truncated", "unexpected EOF", "", "MALFORMED_JSON"},
		{"not an object", "proto: syntax error (line 1:1): unexpected token [", "", "MALFORMED_JSON"},
		{"query", "parsing field \"page_size\": strconv.ParseInt: parsing \"x\": invalid syntax", "page_size", "INVALID_REQUEST"},
		{"repeated query", "too many values for field \"filter\": a, b", "filter", "INVALID_REQUEST"},
		{"path", "type mismatch, parameter: name, error: bad", "name", "INVALID_REQUEST"},
		{"missing path", "missing parameter name", "name", "INVALID_REQUEST"},
		{"timeout header", "invalid grpc-timeout: soon", "", "INVALID_REQUEST"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := requestErrorStatus(tc.raw)
			if st.Code() != codes.InvalidArgument {
				t.Errorf("code = %v", st.Code())
			}
			var field, reason string
			for _, d := range st.Details() {
				switch d := d.(type) {
				case *errdetails.BadRequest:
					field = d.GetFieldViolations()[0].GetField()
				case *errdetails.ErrorInfo:
					reason = d.GetReason()
				}
			}
			if field != tc.wantField || reason != tc.wantReason {
				t.Errorf("field, reason = %q, %q; want %q, %q (message %q)", field, reason, tc.wantField, tc.wantReason, st.Message())
			}
		})
	}
}

func TestPublicStatus(t *testing.T) {
	t.Parallel()
	g := &gateway{log: slog.New(slog.DiscardHandler)}
	secret, _ := status.New(codes.NotFound, "no such account").WithDetails(
		&errdetails.ErrorInfo{Reason: "NOT_FOUND"},
		&errdetails.DebugInfo{Detail: "stack"},
		&errdetails.RequestInfo{ServingData: "node-7"},
		&errdetails.BadRequest{},
	)
	tests := []struct {
		name      string
		in        *status.Status
		wantMsg   string
		wantTypes []string
	}{
		{
			name: "client details kept, debug details dropped", in: secret,
			wantMsg: "no such account", wantTypes: []string{"google.rpc.ErrorInfo", "google.rpc.BadRequest"},
		},
		{name: "internal", in: status.New(codes.Internal, "pq: relation"), wantMsg: "internal error"},
		{name: "unknown", in: status.New(codes.Unknown, "oops"), wantMsg: "internal error"},
		{name: "data loss", in: status.New(codes.DataLoss, "torn page"), wantMsg: "internal error"},
		{name: "unavailable", in: status.New(codes.Unavailable, "dial 10.1.1.1"), wantMsg: "the service is unavailable, retry later"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := g.public(t.Context(), tc.in)
			if got.Code() != tc.in.Code() || got.Message() != tc.wantMsg {
				t.Errorf("public = %v %q, want %v %q", got.Code(), got.Message(), tc.in.Code(), tc.wantMsg)
			}
			var types []string
			for _, d := range got.Proto().GetDetails() {
				types = append(types, string(d.MessageName()))
			}
			if len(types) != len(tc.wantTypes) {
				t.Fatalf("details %v, want %v", types, tc.wantTypes)
			}
			for i := range types {
				if types[i] != tc.wantTypes[i] {
					t.Errorf("details %v, want %v", types, tc.wantTypes)
				}
			}
		})
	}
}

func TestErrorBodyName(t *testing.T) {
	t.Parallel()
	if got := newErrorBody(http.StatusTeapot, status.New(codes.Code(99), "x")).Status; got != "UNKNOWN" {
		t.Errorf("status of an unknown code = %q", got)
	}
	if got := newErrorBody(499, status.New(codes.Canceled, "x")).Status; got != "CANCELLED" {
		t.Errorf("status of Canceled = %q, want the google.rpc.Code name", got)
	}
}
