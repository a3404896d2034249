package gateway

import (
	"context"
	"net/http"

	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// A server stream of google.api.HttpBody, such as a CSV export, is served
// as the file itself: its first chunk's content type, then each chunk's
// bytes as they are (see jsonMarshaler's StreamContentType and Delimiter).
// A file has no room for an {"error": …} line, so a stream that fails after
// its first chunk aborts the connection instead: the client sees a
// truncated transfer, never a damaged file it could take for a whole one.

// markFileStream is a forward-response option: it notes in the request
// state that the response is an HttpBody stream, before its first chunk is
// written.
func markFileStream(ctx context.Context, _ http.ResponseWriter, m proto.Message) error {
	if _, ok := m.(*httpbody.HttpBody); ok {
		if s := stateFrom(ctx); s != nil {
			s.fileStream = true
		}
	}
	return nil
}

// abortFileStream ends the response of a failed HttpBody stream by
// aborting its connection, after logging why. It returns when the
// response is not a file stream.
func (g *gateway) abortFileStream(ctx context.Context, st *status.Status) {
	s := stateFrom(ctx)
	if s == nil || !s.fileStream {
		return
	}
	g.log.WarnContext(ctx, "file stream failed after its first chunk; aborting the response",
		"request_id", s.requestID, "rpc", s.rpc, "code", st.Code().String())
	panic(http.ErrAbortHandler)
}
