package gateway

import (
	"fmt"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the gateway's own: requests by method, route template and
// status (never by raw path, which would make one series per resource),
// latency, requests in flight, and anonymous requests turned away.
type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inflight prometheus.Gauge
	limited  prometheus.Counter
}

func newMetrics(reg *prometheus.Registry) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "engage_gateway_http_requests_total",
			Help: "HTTP requests served by the REST gateway, by method, route template and status code.",
		}, []string{"method", "route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "engage_gateway_http_request_duration_seconds",
			Help:    "Time to serve an HTTP request (for streams, the stream's life), by method and route template.",
			Buckets: prometheus.DefBuckets,
		}, []string{"method", "route"}),
		inflight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "engage_gateway_http_requests_in_flight",
			Help: "HTTP requests being served, streams included.",
		}),
		limited: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "engage_gateway_rate_limited_total",
			Help: "Anonymous requests answered 429 by the per-address limit.",
		}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration, m.inflight, m.limited} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register gateway metrics: %w", err)
		}
	}
	return m, nil
}

// newRegistry is the registry of a gateway given none: its metrics plus
// the Go runtime's and the process's.
func newRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

func (g *gateway) metricsHandler() http.Handler {
	return promhttp.HandlerFor(g.cfg.Registry, promhttp.HandlerOpts{})
}
