package gateway

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// startStream is a forward-response option that sends the status line and
// headers of a stream of messages as soon as the service has accepted it,
// instead of with the first message. A watch that waits minutes for its
// first event (WatchFeedback on a quiet evening) then answers at once, so
// neither the client nor a proxy in between takes it for a hung request;
// Server-Sent Events also start their keep-alives.
//
// grpc-gateway calls forward-response options once with a nil message when
// a server stream begins. Only a stream whose service sent the header
// `x-engage-stream: open` (after authorizing and validating the call) is
// started early; any other is answered at its first message, or like a
// unary call when it fails first.
// HttpBody streams (file downloads) are left alone: their content type is
// only known from the first chunk.
// The header a service sends when it has accepted a stream whose first
// message may be long in coming (the services' feedback watch sends it).
const (
	streamOpenKey = "x-engage-stream"
	streamOpen    = "open"
)

func startStream(ctx context.Context, w http.ResponseWriter, m proto.Message) error {
	if m != nil {
		return nil
	}
	// Only a service that says it accepted the stream gets it started: a
	// refusal may come with headers too (the request id), and its error
	// must be written like a unary call's, with its own status code.
	if md, ok := runtime.ServerMetadataFromContext(ctx); !ok || !slices.Contains(md.HeaderMD.Get(streamOpenKey), streamOpen) {
		return nil
	}
	method, ok := runtime.RPCMethod(ctx)
	if !ok || streamsFile(method) {
		return nil
	}
	w.Header().Set("Content-Type", ndjsonType)
	w.WriteHeader(http.StatusOK)
	return http.NewResponseController(w).Flush()
}

// streamsFile reports whether the full method
// ("/engage.feedback.v1.FeedbackService/ExportFeedback") answers with
// google.api.HttpBody messages. Unknown methods count as files, so that
// nothing is committed early for them.
func streamsFile(method string) bool {
	svc, name, ok := strings.Cut(strings.TrimPrefix(method, "/"), "/")
	if !ok {
		return true
	}
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(svc))
	if err != nil {
		return true
	}
	sd, ok := d.(protoreflect.ServiceDescriptor)
	if !ok {
		return true
	}
	md := sd.Methods().ByName(protoreflect.Name(name))
	return md == nil || md.Output().FullName() == "google.api.HttpBody"
}
