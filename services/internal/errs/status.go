package errs

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"
	"google.golang.org/protobuf/types/known/durationpb"
)

var sentinels = []struct {
	err  error
	code codes.Code
}{
	{InvalidArgument, codes.InvalidArgument},
	{NotFound, codes.NotFound},
	{AlreadyExists, codes.AlreadyExists},
	{FailedPrecondition, codes.FailedPrecondition},
	{Aborted, codes.Aborted},
	{Unauthenticated, codes.Unauthenticated},
	{PermissionDenied, codes.PermissionDenied},
	{ResourceExhausted, codes.ResourceExhausted},
	{Unavailable, codes.Unavailable},
	{context.DeadlineExceeded, codes.DeadlineExceeded},
	{context.Canceled, codes.Canceled},
}

// Code returns the gRPC code err maps to: the code of the sentinel it wraps,
// the code of a gRPC status it already is, or codes.Internal.
func Code(err error) codes.Code {
	if err == nil {
		return codes.OK
	}
	if s, ok := status.FromError(err); ok {
		return s.Code()
	}
	for _, s := range sentinels {
		if errors.Is(err, s.err) {
			return s.code
		}
	}
	return codes.Internal
}

// ToStatus translates err into the gRPC status the caller sees, with
// AIP-193 details: ErrorInfo always, BadRequest for field violations and
// RetryInfo for throttling. A NOT_FOUND status says only "not found" (see
// NotFound), or the message of a Public error. internal is true when err maps to no sentinel:
// the caller then sees only "internal error" and the caller of ToStatus
// should log err.
func ToStatus(err error) (st *status.Status, internal bool) {
	if err == nil {
		return status.New(codes.OK, ""), false
	}
	// Already a status (e.g. from a downstream gRPC call or a library).
	if s, ok := status.FromError(err); ok {
		if s.Code() == codes.Unknown || s.Code() == codes.Internal {
			return status.New(codes.Internal, "internal error"), true
		}
		return s, false
	}
	code := Code(err)
	if code == codes.Internal {
		return status.New(codes.Internal, "internal error"), true
	}
	reason := CodeName(code)
	var re *ReasonError
	if errors.As(err, &re) {
		reason = re.Reason
	}
	info := &errdetails.ErrorInfo{Reason: reason, Domain: Domain}
	details := []protoadapt.MessageV1{info}
	var br *BadRequestError
	if errors.As(err, &br) {
		fv := make([]*errdetails.BadRequest_FieldViolation, 0, len(br.Violations))
		for _, v := range br.Violations {
			fv = append(fv, &errdetails.BadRequest_FieldViolation{Field: v.Field, Description: v.Description})
		}
		details = append(details, &errdetails.BadRequest{FieldViolations: fv})
	}
	var te *ThrottledError
	if errors.As(err, &te) {
		info.Metadata = map[string]string{"retry_after_seconds": strconv.Itoa(int(te.RetryAfter / time.Second))}
		details = append(details, &errdetails.RetryInfo{RetryDelay: durationpb.New(te.RetryAfter)})
	}
	msg := err.Error()
	if code == codes.NotFound {
		// The same words for what does not exist and for what the caller
		// may not see, whichever layer said it: a message that told them
		// apart would give away what NOT_FOUND hides. A Public message is
		// written for the caller and kept.
		msg = NotFound.Error()
		var pe *publicError
		if errors.As(err, &pe) {
			msg = pe.msg
		}
	}
	s := status.New(code, msg)
	if withDetails, derr := s.WithDetails(details...); derr == nil {
		s = withDetails
	}
	return s, false
}

// CodeName returns the canonical UPPER_SNAKE_CASE name of a gRPC code, as
// google.rpc.Code spells it (NOT_FOUND, INVALID_ARGUMENT …); also the
// default ErrorInfo reason.
func CodeName(c codes.Code) string {
	camel := c.String() // "NotFound", "OK", "Code(42)"
	if camel == "OK" {
		return camel
	}
	var b strings.Builder
	for i, r := range camel {
		if i > 0 && r >= 'A' && r <= 'Z' {
			b.WriteByte('_')
		}
		b.WriteRune(r)
	}
	return strings.ToUpper(b.String())
}
