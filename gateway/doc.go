// Package gateway serves the Engage REST API. It translates HTTP/JSON into
// gRPC calls made over client connections to the services (never by calling
// a service's code directly, so every request meets the same interceptors as
// a partner's gRPC call), and adds what only the HTTP edge can do: body size
// limits, deadline caps, request ids, a rate limit for anonymous clients,
// Server-Sent Events for server streams, JSON errors with HTTP status codes,
// health and readiness endpoints, Prometheus metrics, the OpenAPI document
// and a docs page.
//
// Anonymous endpoints promise not to see who is calling: the gateway forwards
// only an allow-list of headers as gRPC metadata, never the client address,
// user agent or cookies, and it never logs them. The rate limiter keys its
// in-memory buckets by a keyed hash of the address, with a key made per
// process, so nothing about an address is stored or logged.
//
// The package imports only the api module and third-party libraries, so the
// gateway runs in the all-in-one process and as its own container alike.
package gateway
