package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"

	"google.golang.org/grpc/credentials"
)

// Metadata keys and schemes of the credentials the interceptor accepts.
const (
	authorizationKey = "authorization"
	apiKeyKey        = "x-api-key"
	serviceNameKey   = "x-engage-service"
	schemeBearer     = "bearer"
	schemeAPIKey     = "apikey"
	schemeService    = "service"
)

// ServiceCredentials returns the per-call credentials one Engage service
// presents to another: the shared internal secret and its own name. They
// do not require transport security, so the secret crosses the network as
// written: the internal network between services must be trusted (one
// host, a private container network) or the connection must use TLS.
func ServiceCredentials(service, secret string) credentials.PerRPCCredentials {
	return serviceCredentials{service: service, secret: secret}
}

type serviceCredentials struct {
	service string
	secret  string
}

func (c serviceCredentials) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{
		authorizationKey: "Service " + c.secret,
		serviceNameKey:   c.service,
	}, nil
}

func (c serviceCredentials) RequireTransportSecurity() bool { return false }

// secretsEqual compares two secrets in constant time; hashing first keeps
// the comparison independent of their lengths.
func secretsEqual(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}

// validServiceName reports whether name is a plausible service name:
// 1 to 63 characters of [a-z0-9-].
func validServiceName(name string) bool {
	if name == "" || len(name) > 63 {
		return false
	}
	for _, c := range name {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}
