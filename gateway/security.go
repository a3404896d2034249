package gateway

import (
	"net/http"
	"strings"
)

// apiCSP is the Content-Security-Policy of everything but the docs page:
// JSON never needs to load anything or be framed.
const apiCSP = "default-src 'none'; frame-ancestors 'none'"

// securityHeaders sets the headers every response carries. API responses
// are personal and must not be stored by any cache; the docs assets may be
// cached but revalidated. The docs page replaces the CSP with its own.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", apiCSP)
		if r.URL.Path == "/docs" || strings.HasPrefix(r.URL.Path, "/docs/") {
			h.Set("Cache-Control", "no-cache")
		} else {
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}
