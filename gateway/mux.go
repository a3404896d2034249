package gateway

import (
	"net/http"
	"sync/atomic"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
)

// muxOptions configures the grpc-gateway mux: one JSON marshaler for every
// content type, allow-listed headers both ways, the gateway's error
// handlers, and route labelling.
func (g *gateway) muxOptions() []runtime.ServeMuxOption {
	m := newMarshaler()
	return []runtime.ServeMuxOption{
		runtime.WithMarshalerOption(runtime.MIMEWildcard, m),
		runtime.WithMarshalerOption("application/json", m),
		runtime.WithMarshalerOption(ndjsonType, m),
		runtime.WithIncomingHeaderMatcher(incomingHeader),
		runtime.WithOutgoingHeaderMatcher(outgoingHeader),
		runtime.WithOutgoingTrailerMatcher(noTrailers),
		runtime.WithErrorHandler(g.handleError),
		runtime.WithStreamErrorHandler(g.handleStreamError),
		runtime.WithRoutingErrorHandler(g.handleRoutingError),
		runtime.WithMiddlewares(labelRoute),
		runtime.WithForwardResponseOption(markFileStream),
		runtime.WithForwardResponseOption(startStream),
		// A form-encoded POST must not turn into another method or into a
		// GET with its parameters in the body: one request, one meaning.
		runtime.WithDisableHTTPMethodOverride(),
		runtime.WithDisablePathLengthFallback(),
	}
}

// labelRoute records the matched path template (e.g. /v1/{name=accounts/*})
// as the request's route. The mux wraps each route's handler on its own, so
// the template is written out once per route, at its first request.
func labelRoute(next runtime.HandlerFunc) runtime.HandlerFunc {
	var route atomic.Pointer[string]
	return func(w http.ResponseWriter, r *http.Request, params map[string]string) {
		if s := stateFrom(r.Context()); s != nil {
			s.query = r.URL.RawQuery
			if name := route.Load(); name != nil {
				s.route = *name
			} else if p, ok := runtime.HTTPPattern(r.Context()); ok {
				name := p.String()
				route.Store(&name)
				s.route = name
			}
		}
		next(w, r, params)
	}
}
