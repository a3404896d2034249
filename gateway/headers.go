package gateway

import (
	"net/http"
	"net/textproto"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// incomingHeader is the allow-list of HTTP request headers forwarded to the
// backend as gRPC metadata. Everything else stays at the edge: cookies, the
// user agent, X-Forwarded-*, and Grpc-Metadata-* (client-chosen metadata
// could impersonate what an interceptor trusts). Authorization is not listed
// because grpc-gateway always forwards it itself; listing it would send it
// twice.
func incomingHeader(key string) (string, bool) {
	switch textproto.CanonicalMIMEHeaderKey(key) {
	case "X-Api-Key", "X-Request-Id", "Accept-Language", "Last-Event-Id":
		return strings.ToLower(key), true
	}
	return "", false
}

// forwardedMetadata reports whether a gRPC metadata key may reach a backend:
// the keys incomingHeader produces plus authorization.
func forwardedMetadata(key string) bool {
	switch key {
	case "authorization", "x-api-key", "x-request-id", "accept-language", "last-event-id":
		return true
	}
	return false
}

// outgoingHeader is the allow-list of backend response metadata sent to the
// client as HTTP headers: only the request id. Internal metadata stays
// inside.
func outgoingHeader(key string) (string, bool) {
	if key == "x-request-id" {
		return "X-Request-Id", true
	}
	return "", false
}

// noTrailers drops every gRPC trailer.
func noTrailers(string) (string, bool) { return "", false }

// rejectServiceCredentials answers 401 to a request presenting the
// credential one Engage service presents to another (Authorization:
// Service …): it is never valid from outside, and refusing it here keeps the
// internal secret from being guessed through the public edge.
func (g *gateway) rejectServiceCredentials(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, v := range r.Header.Values("Authorization") {
			scheme, _, _ := strings.Cut(strings.TrimSpace(v), " ")
			if strings.EqualFold(scheme, "service") {
				g.writeStatus(w, r, http.StatusUnauthorized,
					status.New(codes.Unauthenticated, "unsupported authorization scheme"))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
