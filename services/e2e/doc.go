// Package e2e holds the end-to-end tests: they start the real composition
// (the same wiring `engage serve` uses, or the built binary itself) on
// loopback ports and a temporary data directory, and drive it the way its
// users do — REST through the gateway, gRPC as partners do.
package e2e
