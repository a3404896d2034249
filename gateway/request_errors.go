package gateway

import (
	"strings"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// requestErrorStatus turns grpc-gateway's message for a request it could not
// decode (body, path or query parameter, Grpc-Timeout) into an
// INVALID_ARGUMENT that names the field, with a BadRequest detail, whenever
// the message names one. grpc-gateway flattens the decoder's error into the
// message, so the message is all there is to read.
func requestErrorStatus(raw string) *status.Status {
	clean := cleanDecodeMessage(raw)
	reason, msg := "INVALID_REQUEST", "invalid request: "+clean
	if isJSONSyntaxError(clean) {
		reason, msg = "MALFORMED_JSON", "malformed JSON in the request body: "+clean
	}
	field := fieldOf(clean)
	if field == "" {
		return gatewayStatus(codes.InvalidArgument, reason, msg)
	}
	return gatewayStatus(codes.InvalidArgument, reason, msg, &errdetails.BadRequest{
		FieldViolations: []*errdetails.BadRequest_FieldViolation{{Field: field, Description: clean}},
	})
}

// cleanDecodeMessage drops the "proto:" prefix protobuf-go puts on its
// errors (followed by a space or, deliberately at random, a no-break space)
// and a leading "(line L:C): " position.
func cleanDecodeMessage(msg string) string {
	msg = strings.TrimSpace(msg)
	if rest, ok := strings.CutPrefix(msg, "proto:"); ok {
		msg = strings.TrimLeft(rest, " \u00a0")
	}
	if strings.HasPrefix(msg, "(line ") {
		if i := strings.Index(msg, "): "); i >= 0 {
			msg = msg[i+len("): "):]
		}
	}
	return msg
}

// isJSONSyntaxError reports whether msg is encoding/json's or protojson's
// error for text that is not JSON at all.
func isJSONSyntaxError(msg string) bool {
	return strings.HasPrefix(msg, "syntax error") ||
		strings.HasPrefix(msg, "invalid character") ||
		strings.HasPrefix(msg, "unexpected EOF") ||
		strings.HasPrefix(msg, "unexpected end of JSON input")
}

// fieldOf returns the field a decoding message names, or "". The markers
// are those of protojson (body) and grpc-gateway's runtime (path and query).
func fieldOf(msg string) string {
	for _, marker := range []string{
		`unknown field "`, `duplicate field "`, `parsing field "`, `parsing list "`, `query parameter "`,
		`too many values for field "`, `field already set for oneof "`,
	} {
		if _, rest, ok := strings.Cut(msg, marker); ok {
			if name, _, ok := strings.Cut(rest, `"`); ok {
				return name
			}
		}
	}
	// "invalid value for string field email: 5", "… enum field roles: …"
	if _, rest, ok := strings.Cut(msg, "invalid value for "); ok {
		if _, rest, ok := strings.Cut(rest, " field "); ok {
			if name, _, ok := strings.Cut(rest, ":"); ok {
				return strings.TrimSpace(name)
			}
		}
	}
	// "type mismatch, parameter: name, error: …"
	if _, rest, ok := strings.Cut(msg, "parameter: "); ok {
		if name, _, ok := strings.Cut(rest, ","); ok {
			return strings.TrimSpace(name)
		}
	}
	if _, rest, ok := strings.Cut(msg, "missing parameter "); ok {
		return strings.TrimSpace(rest)
	}
	return ""
}
