package identity

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"

	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"github.com/engagehq/engage/services/internal/auth"
	"github.com/engagehq/engage/services/internal/errs"
)

var errBadAPIKey = errs.Public(errs.Unauthenticated, "invalid API key")

// PublicKey returns the public half of the signing key kid (auth.KeySource
// for the process that runs identity); errs.Unauthenticated when unknown.
func (s *Service) PublicKey(_ context.Context, kid string) (ed25519.PublicKey, error) {
	for _, k := range s.keys {
		if k.ID == kid {
			pub, _ := k.Private.Public().(ed25519.PublicKey)
			return pub, nil
		}
	}
	return nil, fmt.Errorf("signing key %q: %w", kid, errs.Unauthenticated)
}

// ResolveAPIKey returns the partner an API key belongs to, with its roles
// per agency (auth.APIKeyResolver). Malformed, unknown and revoked keys
// wrap errs.Unauthenticated; a revoked key fails from the moment the
// revocation is stored.
func (s *Service) ResolveAPIKey(ctx context.Context, key string) (auth.Principal, error) {
	id, ok := auth.ParseAPIKey(key)
	if !ok {
		return auth.Principal{}, errBadAPIKey
	}
	p, err := s.store.PartnerByKeyID(ctx, id)
	if errors.Is(err, errs.NotFound) {
		return auth.Principal{}, errBadAPIKey
	}
	if err != nil {
		return auth.Principal{}, fmt.Errorf("resolve api key: %w", err)
	}
	if !auth.VerifyAPIKey(key, p.KeyHash) || p.State != PartnerActive {
		return auth.Principal{}, errBadAPIKey
	}
	roles, err := s.store.MemberRoles(ctx, p.Name())
	if err != nil {
		return auth.Principal{}, fmt.Errorf("resolve api key: %w", err)
	}
	return auth.Principal{Kind: auth.Partner, Name: p.Name(), Roles: roles}, nil
}

// GetSigningKeys publishes the public keys that verify access tokens,
// newest first.
func (s *credentials) GetSigningKeys(context.Context, *identityv1.GetSigningKeysRequest) (*identityv1.SigningKeys, error) {
	out := &identityv1.SigningKeys{}
	for _, k := range s.keys {
		pub, _ := k.Private.Public().(ed25519.PublicKey)
		out.Keys = append(out.Keys, &identityv1.SigningKey{KeyId: k.ID, Algorithm: "EdDSA", PublicKey: pub})
	}
	return out, nil
}

// IntrospectApiKey tells another service whether an API key is live and
// whose it is. A key that does not work is an answer (active false), not
// an error.
func (s *credentials) IntrospectApiKey(ctx context.Context, req *identityv1.IntrospectApiKeyRequest) (*identityv1.IntrospectApiKeyResponse, error) {
	if p := auth.FromContext(ctx); p.Kind != auth.Service {
		return nil, errs.Public(errs.PermissionDenied, "only Engage services may introspect API keys")
	}
	p, err := s.ResolveAPIKey(ctx, req.GetApiKey())
	if errors.Is(err, errs.Unauthenticated) {
		return &identityv1.IntrospectApiKeyResponse{}, nil
	}
	if err != nil {
		return nil, err
	}
	return &identityv1.IntrospectApiKeyResponse{Active: true, Partner: p.Name, AgencyRoles: agencyRoles(p.Roles)}, nil
}
