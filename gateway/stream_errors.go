package gateway

import (
	"bytes"
	"encoding/json"
	"net/http"
)

// maxErrorBody bounds an error response held back by streamFailuresAsUnary.
const maxErrorBody = 1 << 20

// streamFailuresAsUnary makes a server stream that fails before its first
// message answer exactly like a failed unary call. grpc-gateway answers
// such a stream with its own status mapping (FAILED_PRECONDITION as 400,
// not 412) and a body wrapped as {"error": …}; this holds back any error
// response, and when it is such a chunk, writes the unwrapped body with the
// status it carries. Successful responses and streams pass untouched.
func streamFailuresAsUnary(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ew := &errorWriter{w: w}
		next.ServeHTTP(ew, r)
		ew.finish()
	})
}

// errorWriter holds back the body of a response whose status is an error.
type errorWriter struct {
	w       http.ResponseWriter
	status  int
	holding bool
	body    bytes.Buffer
}

func (e *errorWriter) Header() http.Header { return e.w.Header() }

func (e *errorWriter) WriteHeader(code int) {
	if e.status != 0 || code < 200 {
		return
	}
	e.status = code
	if code >= 400 {
		e.holding = true
		return
	}
	e.w.WriteHeader(code)
}

func (e *errorWriter) Write(p []byte) (int, error) {
	if e.status == 0 {
		e.WriteHeader(http.StatusOK)
	}
	if !e.holding {
		return e.w.Write(p)
	}
	if e.body.Len()+len(p) > maxErrorBody {
		// Not an error chunk: let it go as it is.
		e.release()
		return e.w.Write(p)
	}
	return e.body.Write(p)
}

// Flush implements http.Flusher; a held-back error waits for finish.
func (e *errorWriter) Flush() {
	if e.holding {
		return
	}
	if e.status == 0 {
		e.WriteHeader(http.StatusOK)
	}
	_ = http.NewResponseController(e.w).Flush()
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (e *errorWriter) Unwrap() http.ResponseWriter { return e.w }

// release writes what was held back, unchanged.
func (e *errorWriter) release() {
	e.holding = false
	e.w.WriteHeader(e.status)
	_, _ = e.w.Write(e.body.Bytes())
	e.body.Reset()
}

// finish writes a held-back error: unwrapped when it is a stream's error
// chunk, as it is otherwise.
func (e *errorWriter) finish() {
	if !e.holding {
		return
	}
	var chunk map[string]json.RawMessage
	var inner struct {
		Code int `json:"code"`
	}
	if json.Unmarshal(e.body.Bytes(), &chunk) != nil || len(chunk) != 1 || chunk["error"] == nil ||
		json.Unmarshal(chunk["error"], &inner) != nil || inner.Code < 400 {
		e.release()
		return
	}
	h := e.w.Header()
	h.Del("Transfer-Encoding")
	h.Del("Content-Length")
	h.Set("Content-Type", "application/json")
	e.holding = false
	e.w.WriteHeader(inner.Code)
	_, _ = e.w.Write(append(chunk["error"], '\n'))
}
