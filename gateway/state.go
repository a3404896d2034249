package gateway

import (
	"context"
	"net/http"
)

// requestState is what the outer middleware learns from the inner layers of
// one request: the route that matched (metrics and the access log are
// labelled by route, never by raw path), the request id, and whether a
// backend was called (an INVALID_ARGUMENT from before the call is the
// gateway's own decoding error). It is written and read on the request's
// goroutine only.
type requestState struct {
	requestID string
	route     string
	// query is the request's raw query string, for checkQuery.
	query   string
	rpc     string
	backend bool
	// fileStream is set once an HttpBody stream has begun (httpbody.go).
	fileStream bool
}

type stateKey struct{}

func withState(ctx context.Context, s *requestState) context.Context {
	return context.WithValue(ctx, stateKey{}, s)
}

// stateFrom returns the request's state, or nil outside the gateway chain.
func stateFrom(ctx context.Context) *requestState {
	s, _ := ctx.Value(stateKey{}).(*requestState)
	return s
}

// routed labels the requests h serves with route.
func routed(route string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s := stateFrom(r.Context()); s != nil {
			s.route = route
		}
		h.ServeHTTP(w, r)
	})
}
