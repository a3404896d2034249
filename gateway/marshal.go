package gateway

import (
	"encoding/json"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/genproto/googleapis/api/httpbody"
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

// StreamContentType implements runtime.StreamContentType. A stream of
// google.api.HttpBody (a file download, such as a CSV export) is the file
// itself, of the type its first chunk names; every other stream is NDJSON.
func (m *jsonMarshaler) StreamContentType(v any) string {
	if b, ok := v.(*httpbody.HttpBody); ok && b.GetContentType() != "" {
		return b.GetContentType()
	}
	return ndjsonType
}

// ContentType implements runtime.Marshaler. A unary google.api.HttpBody
// response (an alert's CAP document, an Atom feed) is the document itself,
// of the type it names; everything else is JSON.
func (m *jsonMarshaler) ContentType(v any) string {
	if b, ok := v.(*httpbody.HttpBody); ok && b.GetContentType() != "" {
		return b.GetContentType()
	}
	return m.JSONPb.ContentType(v)
}

// Delimiter implements runtime.Delimited. grpc-gateway writes the
// delimiter after every chunk of a stream, the raw chunks of an HttpBody
// stream included, where a newline would corrupt the file; so the
// delimiter is empty and Marshal ends each JSON chunk with its newline.
func (m *jsonMarshaler) Delimiter() []byte { return []byte{} }

// Marshal implements runtime.Marshaler. grpc-gateway ends a failed stream
// with a chunk {"error": google.rpc.Status}; it is written as
// {"error": <the unary error body>} so that clients parse one error shape.
// Stream chunks, {"result": …} and {"error": …}, end with a newline (see
// Delimiter); unary bodies are written as they are, and a unary HttpBody
// as its data.
func (m *jsonMarshaler) Marshal(v any) ([]byte, error) {
	switch chunk := v.(type) {
	case *httpbody.HttpBody:
		// A unary HttpBody response: its bytes, as ContentType labels them.
		return chunk.GetData(), nil
	case map[string]proto.Message:
		if sp, ok := chunk["error"].(*spb.Status); ok && len(chunk) == 1 {
			st := status.FromProto(sp)
			b, err := json.Marshal(map[string]errorBody{"error": newErrorBody(httpStatus(st.Code()), st)})
			return append(b, '\n'), err
		}
	case map[string]any:
		if _, ok := chunk["result"]; ok && len(chunk) == 1 {
			b, err := m.JSONPb.Marshal(v)
			return append(b, '\n'), err
		}
	}
	return m.JSONPb.Marshal(v)
}
