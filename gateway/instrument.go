package gateway

import (
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// maxRequestIDLen is the longest X-Request-Id taken from a client; the
// services apply the same rule, so they keep the gateway's id.
const maxRequestIDLen = 64

// instrument is the outermost layer: it gives the request its id and state,
// and once the response is done records the metrics and the access log
// line. The log line has the method, route template, status, duration and
// request id, and never the client address, user agent, path, query string
// or body: some endpoints are anonymous.
func (g *gateway) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := ""
		if vals := r.Header.Values("X-Request-Id"); len(vals) == 1 && validRequestID(vals[0]) && hasCredentials(r) {
			id = vals[0]
		} else {
			id = uuid.NewString()
		}
		state := &requestState{requestID: id, route: "unmatched"}
		r = r.WithContext(withState(r.Context(), state))
		r.Header = r.Header.Clone()
		r.Header.Set("X-Request-Id", id)
		w.Header().Set("X-Request-Id", id)
		rec := &recorder{ResponseWriter: w, onHeader: func(h http.Header) {
			// A backend's own id (it echoes the gateway's when valid) is the
			// one in its logs, so it wins; the header carries one value.
			if vals := h.Values("X-Request-Id"); len(vals) > 1 {
				h.Set("X-Request-Id", vals[len(vals)-1])
			}
			state.requestID = h.Get("X-Request-Id")
		}}

		g.metrics.inflight.Inc()
		defer func() {
			g.metrics.inflight.Dec()
			g.observe(r, rec, state, time.Since(start))
		}()
		next.ServeHTTP(rec, r)
	})
}

// hasCredentials reports whether r carries a token or an API key. The
// client's own X-Request-Id is kept only then: a caller without
// credentials may be an anonymous submitter, and an id it chose could be
// one it is known by, which the access log would put beside the time of
// its call, even when the call fails before any service sees it.
func hasCredentials(r *http.Request) bool {
	return r.Header.Get("Authorization") != "" || r.Header.Get("X-Api-Key") != ""
}

func (g *gateway) observe(r *http.Request, rec *recorder, state *requestState, d time.Duration) {
	code := rec.status
	if code == 0 {
		code = http.StatusOK
	}
	method := methodLabel(r.Method)
	g.metrics.requests.WithLabelValues(method, state.route, strconv.Itoa(code)).Inc()
	g.metrics.duration.WithLabelValues(method, state.route).Observe(d.Seconds())

	level := slog.LevelInfo
	switch {
	case code >= 500:
		level = slog.LevelWarn
	case state.route == "/healthz" || state.route == "/readyz" || state.route == "/metrics":
		level = slog.LevelDebug
	}
	if !g.log.Enabled(r.Context(), level) {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", method),
		slog.String("route", state.route),
		slog.Int("status", code),
		slog.Duration("duration", d),
		slog.String("request_id", state.requestID),
		slog.Int64("bytes", rec.bytes),
	}
	if state.rpc != "" {
		attrs = append(attrs, slog.String("rpc", state.rpc))
	}
	g.log.LogAttrs(r.Context(), level, "http request", attrs...)
}

// methodLabel bounds the method label to the methods the API uses.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
		http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return m
	}
	return "OTHER"
}

// validRequestID reports whether a client's X-Request-Id may be used as it
// is: 1 to 64 characters of [A-Za-z0-9._-], so that it cannot forge or
// break log lines.
func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch c := id[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}
