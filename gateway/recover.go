package gateway

import (
	"fmt"
	"net/http"
	"runtime/debug"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// recoverPanics turns a panic into a 500 JSON error, with the stack in the
// log and never in the response. When the response has already started it
// aborts the connection instead, so the client cannot take a truncated
// response for a whole one.
func (g *gateway) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler { //nolint:errorlint // the sentinel is panicked as is
				panic(v)
			}
			attrs := []any{"panic", fmt.Sprint(v), "stack", string(debug.Stack())}
			if s := stateFrom(r.Context()); s != nil {
				attrs = append(attrs, "request_id", s.requestID, "route", s.route)
			}
			g.log.ErrorContext(r.Context(), "panic serving request", attrs...)
			if rec, ok := w.(*recorder); ok && rec.wroteHeader() {
				panic(http.ErrAbortHandler)
			}
			g.writeError(w, r, http.StatusInternalServerError, status.New(codes.Internal, "internal error"))
		}()
		next.ServeHTTP(w, r)
	})
}
