package gateway

import (
	"net/http"
)

// recorder remembers the status and size of a response, and runs onHeader
// just before the status line goes out, when headers can still change.
type recorder struct {
	http.ResponseWriter
	status   int
	bytes    int64
	onHeader func(http.Header)
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 && code >= 200 {
		r.status = code
		if r.onHeader != nil {
			r.onHeader(r.Header())
		}
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.WriteHeader(http.StatusOK)
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

// Flush implements http.Flusher; flushing sends the headers.
func (r *recorder) Flush() {
	if r.status == 0 {
		r.WriteHeader(http.StatusOK)
	}
	_ = http.NewResponseController(r.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// wroteHeader reports whether the status line has gone out.
func (r *recorder) wroteHeader() bool { return r.status != 0 }
