package gateway

import (
	"net/http"
	"slices"

	"google.golang.org/grpc/codes"
)

// CORS settings for allowed origins. Credentials (cookies) are never
// allowed: the API authenticates with headers.
const (
	corsMethods = "GET, POST, PUT, PATCH, DELETE"
	corsHeaders = "Authorization, Content-Type, Accept, Accept-Language, X-Api-Key, X-Request-Id, Last-Event-Id, Grpc-Timeout"
	corsExpose  = "X-Request-Id, Retry-After, WWW-Authenticate"
	corsMaxAge  = "600"
)

// cors answers preflight requests and labels responses for the allowed
// browser origins. With no origins configured it does nothing: browsers
// then refuse cross-origin calls, the safe default.
func cors(origins []string, g *gateway, next http.Handler) http.Handler {
	if len(origins) == 0 {
		return next
	}
	anyOrigin := slices.Contains(origins, "*")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin == "" {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Add("Vary", "Origin")
		preflight := r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != ""
		if preflight {
			if s := stateFrom(r.Context()); s != nil {
				s.route = "preflight"
			}
		}
		if !anyOrigin && !slices.Contains(origins, origin) {
			if preflight {
				g.writeStatus(w, r, http.StatusForbidden,
					gatewayStatus(codes.PermissionDenied, "CORS_ORIGIN_NOT_ALLOWED", "this origin may not call the API"))
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		if anyOrigin {
			h.Set("Access-Control-Allow-Origin", "*")
		} else {
			h.Set("Access-Control-Allow-Origin", origin)
		}
		if preflight {
			h.Add("Vary", "Access-Control-Request-Method")
			h.Add("Vary", "Access-Control-Request-Headers")
			h.Set("Access-Control-Allow-Methods", corsMethods)
			h.Set("Access-Control-Allow-Headers", corsHeaders)
			h.Set("Access-Control-Max-Age", corsMaxAge)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h.Set("Access-Control-Expose-Headers", corsExpose)
		next.ServeHTTP(w, r)
	})
}
