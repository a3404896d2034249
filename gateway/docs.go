package gateway

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/engagehq/engage/api/openapi"
	"github.com/swaggest/swgui"
	"github.com/swaggest/swgui/v5emb"
)

// openAPIHandler serves the generated OpenAPI document (Swagger 2.0 JSON)
// with an ETag, so the docs page revalidates instead of downloading it.
func openAPIHandler() http.Handler {
	sum := sha256.Sum256(openapi.Document)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("ETag", etag)
		w.Header().Set("Cache-Control", "no-cache")
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(openapi.Document))
	})
}

// newDocs returns the API docs page: Swagger UI with its assets embedded in
// the binary (no CDN), reading /openapi.json. The page has inline scripts
// and a style block; rather than allowing any inline code, the Content
// Security Policy lists the hashes of exactly those, computed from the page
// itself so that a swgui upgrade cannot silently break it.
func newDocs() (http.Handler, error) {
	ui := v5emb.NewHandlerWithConfig(swgui.Config{
		Title:       "Engage API",
		SwaggerJSON: "/openapi.json",
		BasePath:    "/docs/",
	})
	page := httptest.NewRecorder()
	ui.ServeHTTP(page, httptest.NewRequest(http.MethodGet, "/docs/", nil))
	if page.Code != http.StatusOK {
		return nil, fmt.Errorf("docs page: status %d", page.Code)
	}
	csp := docsCSP(page.Body.String())
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", csp)
		ui.ServeHTTP(w, r)
	}), nil
}

// docsCSP allows the page's own assets, its inline blocks by hash, the
// data: images Swagger UI's stylesheet uses, and requests to this origin
// only (the document and "try it out").
func docsCSP(page string) string {
	scripts := inlineHashes(page, "<script>", "</script>")
	styles := inlineHashes(page, "<style>", "</style>")
	return strings.Join([]string{
		"default-src 'none'",
		"script-src 'self' " + strings.Join(scripts, " "),
		"style-src 'self' " + strings.Join(styles, " "),
		"img-src 'self' data:",
		"font-src 'self' data:",
		"connect-src 'self'",
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors 'none'",
	}, "; ")
}

// inlineHashes returns the CSP source expressions ('sha256-…') of every
// block between open and end in page.
func inlineHashes(page, open, end string) []string {
	var out []string
	for {
		_, rest, ok := strings.Cut(page, open)
		if !ok {
			return out
		}
		body, after, ok := strings.Cut(rest, end)
		if !ok {
			return out
		}
		sum := sha256.Sum256([]byte(body))
		out = append(out, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'")
		page = after
	}
}
