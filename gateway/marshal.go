package gateway

import (
	"encoding/json"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// ndjsonType is the content type of server streams: newline-delimited JSON,
// one {"result": …} or {"error": …} object a line.
const ndjsonType = "application/x-ndjson"

// jsonMarshaler is runtime.JSONPb with the settings the API promises:
// default values are written (an unset message is not null, a zero is 0),
// unknown fields in a request are an error, not silently dropped. It differs
// from JSONPb in two ways: streams are labelled application/x-ndjson, which
// is how the Server-Sent Events adapter tells a stream from a unary
// response, and a stream's error chunk has the same shape as a unary error.
type jsonMarshaler struct {
	runtime.JSONPb
}

func newMarshaler() *jsonMarshaler {
	return &jsonMarshaler{JSONPb: runtime.JSONPb{
		MarshalOptions:   protojson.MarshalOptions{EmitDefaultValues: true},
		UnmarshalOptions: protojson.UnmarshalOptions{DiscardUnknown: false},
	}}
}

// StreamContentType implements runtime.StreamContentType.
func (m *jsonMarshaler) StreamContentType(any) string { return ndjsonType }

// Marshal implements runtime.Marshaler. grpc-gateway ends a failed stream
// with a chunk {"error": google.rpc.Status}; it is written as
// {"error": <the unary error body>} so that clients parse one error shape.
func (m *jsonMarshaler) Marshal(v any) ([]byte, error) {
	if chunk, ok := v.(map[string]proto.Message); ok && len(chunk) == 1 {
		if sp, ok := chunk["error"].(*spb.Status); ok {
			st := status.FromProto(sp)
			return json.Marshal(map[string]errorBody{"error": newErrorBody(httpStatus(st.Code()), st)})
		}
	}
	return m.JSONPb.Marshal(v)
}
