package grpcserver

import (
	"context"

	"buf.build/gen/go/bufbuild/protovalidate/protocolbuffers/go/buf/validate"
	"buf.build/go/protovalidate"
	pvmw "github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/protovalidate"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/engagehq/engage/services/internal/errs"
)

// validation returns interceptors that check every request message against
// its protovalidate rules before the handler sees it.
//
// The middleware reports a failure as INVALID_ARGUMENT carrying a
// buf.validate.Violations detail, which REST clients and AIP-193 tooling do
// not understand; the interceptors convert it into an errs.BadRequestError,
// which the translation turns into google.rpc.BadRequest field violations
// named by field path (e.g. "account.email").
func validation(v protovalidate.Validator) (grpc.UnaryServerInterceptor, grpc.StreamServerInterceptor) {
	unary := pvmw.UnaryServerInterceptor(v)
	stream := pvmw.StreamServerInterceptor(offStack{v})
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
			resp, err := unary(ctx, req, info, handler)
			return resp, fieldViolations(err)
		}, func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
			return fieldViolations(stream(srv, ss, info, handler))
		}
}

// fieldViolations converts a status carrying protovalidate violations into
// an errs.BadRequestError and returns any other error unchanged.
func fieldViolations(err error) error {
	if err == nil {
		return nil
	}
	st, ok := status.FromError(err)
	if !ok || st.Code() != codes.InvalidArgument {
		return err
	}
	var br errs.BadRequestError
	for _, d := range st.Details() {
		vs, ok := d.(*validate.Violations)
		if !ok {
			continue
		}
		for _, v := range vs.GetViolations() {
			br.Violations = append(br.Violations, errs.FieldViolation{
				Field:       protovalidate.FieldPathString(v.GetField()),
				Description: v.GetMessage(),
			})
		}
	}
	if len(br.Violations) == 0 {
		return err
	}
	return &br
}

// offStack validates on a goroutine of its own. A streaming call's
// handler goroutine lives as long as the stream, and a goroutine's stack
// never shrinks below four times what it holds while waiting (the whole
// interceptor chain, about 5 KiB): evaluating the request's rules (CEL
// and regular expressions) on it would grow it from 8 to 16 KiB for good,
// which at 10,000 alert streams is 80 MB. The extra goroutine costs a
// microsecond once per stream. A panic there, outside the recovery
// interceptor's reach, becomes INTERNAL as it would have.
type offStack struct{ protovalidate.Validator }

// Validate implements protovalidate.Validator.
func (o offStack) Validate(msg proto.Message, opts ...protovalidate.ValidationOption) error {
	done := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- status.Errorf(codes.Internal, "validating the request failed: %v", r)
			}
		}()
		done <- o.Validator.Validate(msg, opts...)
	}()
	return <-done
}
