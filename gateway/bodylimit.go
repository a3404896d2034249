package gateway

import (
	"errors"
	"io"
	"net/http"
	"strconv"

	"google.golang.org/grpc/codes"
)

// limitedBody is a request body cut off after the limit. It remembers
// hitting the limit because grpc-gateway flattens the read error into an
// INVALID_ARGUMENT message; the error handler asks it to answer 413.
type limitedBody struct {
	io.ReadCloser
	hit bool
}

func (b *limitedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		b.hit = true
	}
	return n, err
}

// limitBody answers 413 at once to a request that declares a body over the
// limit and cuts off one that turns out to be.
func (g *gateway) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > g.cfg.MaxBodyBytes {
			g.writeTooLarge(w, r)
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			r = r.WithContext(r.Context())
			r.Body = &limitedBody{ReadCloser: http.MaxBytesReader(w, r.Body, g.cfg.MaxBodyBytes)}
		}
		next.ServeHTTP(w, r)
	})
}

// bodyTooLarge reports whether reading r's body hit the limit.
func bodyTooLarge(r *http.Request) bool {
	b, ok := r.Body.(*limitedBody)
	return ok && b.hit
}

func (g *gateway) writeTooLarge(w http.ResponseWriter, r *http.Request) {
	limit := strconv.FormatInt(g.cfg.MaxBodyBytes, 10)
	g.writeStatus(w, r, http.StatusRequestEntityTooLarge, gatewayStatusMeta(
		codes.InvalidArgument, "BODY_TOO_LARGE", map[string]string{"max_bytes": limit},
		"the request body is larger than "+limit+" bytes"))
}
