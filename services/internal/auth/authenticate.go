package auth

import (
	"context"
	"errors"
	"strings"

	"github.com/engagehq/engage/services/internal/errs"
	"google.golang.org/grpc/metadata"
)

var (
	errAmbiguous       = errs.Public(errs.Unauthenticated, "present exactly one credential")
	errBadScheme       = errs.Public(errs.Unauthenticated, "unsupported authorization scheme")
	errBadService      = errs.Public(errs.Unauthenticated, "invalid service credential")
	errAuthUnavailable = errs.Public(errs.Unavailable, "authentication is unavailable, retry later")
)

// authenticate establishes the caller from the incoming metadata:
// `authorization: Bearer <jwt>`, `authorization: ApiKey <key>` or
// `x-api-key: <key>`, or `authorization: Service <secret>` with
// `x-engage-service: <name>`. No credentials make an anonymous caller;
// credentials that do not check out are an error, never anonymity. Errors
// wrap errs.Unauthenticated, or errs.Unavailable when the answer depends on
// identity and identity cannot be reached; their messages are generic.
func (in *Interceptor) authenticate(ctx context.Context, method string) (Principal, error) {
	// The two keys alone, not a copy of all the metadata.
	authz := metadata.ValueFromIncomingContext(ctx, authorizationKey)
	keys := metadata.ValueFromIncomingContext(ctx, apiKeyKey)
	switch {
	case len(authz)+len(keys) == 0:
		return Principal{}, nil
	case len(authz)+len(keys) > 1:
		return Principal{}, errAmbiguous
	case len(keys) == 1:
		return in.resolveAPIKey(ctx, method, keys[0])
	}
	scheme, value, _ := strings.Cut(strings.TrimSpace(authz[0]), " ")
	value = strings.TrimSpace(value)
	switch strings.ToLower(scheme) {
	case schemeBearer:
		return in.verifyToken(ctx, method, value)
	case schemeAPIKey:
		return in.resolveAPIKey(ctx, method, value)
	case schemeService:
		return in.checkService(metadata.ValueFromIncomingContext(ctx, serviceNameKey), value)
	default:
		return Principal{}, errBadScheme
	}
}

func (in *Interceptor) verifyToken(ctx context.Context, method, token string) (Principal, error) {
	if in.cfg.Verifier == nil || token == "" {
		return Principal{}, errBadToken
	}
	p, err := in.cfg.Verifier.Verify(ctx, token)
	switch {
	case err == nil:
		return p, nil
	case errors.Is(err, errs.Unavailable):
		in.log.WarnContext(ctx, "cannot verify access token", "method", method, "error", err)
		return Principal{}, errAuthUnavailable
	default:
		return Principal{}, errBadToken
	}
}

func (in *Interceptor) resolveAPIKey(ctx context.Context, method, key string) (Principal, error) {
	if in.cfg.APIKeys == nil || key == "" {
		return Principal{}, errBadAPIKey
	}
	p, err := in.cfg.APIKeys.ResolveAPIKey(ctx, key)
	switch {
	case err == nil:
	case errors.Is(err, errs.Unavailable):
		in.log.WarnContext(ctx, "cannot resolve api key", "method", method, "error", err)
		return Principal{}, errAuthUnavailable
	default:
		return Principal{}, errBadAPIKey
	}
	if p.Kind != Partner || p.Name == "" {
		in.log.ErrorContext(ctx, "api key resolver returned a non-partner principal", "method", method, "kind", p.Kind.String())
		return Principal{}, errBadAPIKey
	}
	return p, nil
}

func (in *Interceptor) checkService(names []string, secret string) (Principal, error) {
	if in.cfg.ServiceSecret == "" || len(names) != 1 || !validServiceName(names[0]) {
		return Principal{}, errBadService
	}
	if !secretsEqual(secret, in.cfg.ServiceSecret) {
		return Principal{}, errBadService
	}
	return Principal{Kind: Service, Name: "services/" + names[0]}, nil
}
