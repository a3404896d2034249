package identity

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"time"

	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"github.com/engagehq/engage/services/internal/audit"
	"github.com/engagehq/engage/services/internal/auth"
	"google.golang.org/grpc"
)

// Defaults of Config.
const (
	DefaultRefreshTTL = 7 * 24 * time.Hour
	DefaultSessionTTL = 30 * 24 * time.Hour
)

// Config configures a Service. The zero value is usable.
type Config struct {
	// AccessTTL is the lifetime of access tokens: auth.DefaultTokenTTL
	// (10 minutes) when zero, at most auth.MaxTokenTTL (15 minutes).
	AccessTTL time.Duration
	// RefreshTTL is how long an unused refresh token stays valid
	// (DefaultRefreshTTL when zero): a session unused for longer ends.
	RefreshTTL time.Duration
	// SessionTTL bounds a session's whole life, however often it is
	// refreshed (DefaultSessionTTL when zero).
	SessionTTL time.Duration
	// Password sets the argon2id cost of new hashes; the zero value means
	// the OWASP recommendation (19 MiB, t=2, p=1). Tests lower it.
	Password PasswordParams
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Logger receives what the service does; nil discards it.
	Logger *slog.Logger
}

// Service implements the identity services. Create it with New.
type Service struct {
	store      Store
	now        func() time.Time
	log        *slog.Logger
	hasher     *hasher
	policy     *passwordPolicy
	refreshTTL time.Duration
	sessionTTL time.Duration
	// keys are the signing keys, newest first; the newest signs.
	keys   []SigningKey
	issuer *auth.Issuer
}

// The Service is the local credential source of the process it runs in,
// and the audit recorder of identity's own audited calls.
var (
	_ auth.KeySource      = (*Service)(nil)
	_ auth.APIKeyResolver = (*Service)(nil)
	_ audit.Recorder      = (*Service)(nil)
)

// New returns the identity service over store. On a store without signing
// keys it generates the first one and persists it.
func New(ctx context.Context, store Store, cfg Config) (*Service, error) {
	if store == nil {
		return nil, errors.New("identity: nil store")
	}
	if cfg.AccessTTL > auth.MaxTokenTTL {
		return nil, fmt.Errorf("identity: access token ttl %s exceeds %s", cfg.AccessTTL, auth.MaxTokenTTL)
	}
	if cfg.RefreshTTL <= 0 {
		cfg.RefreshTTL = DefaultRefreshTTL
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = DefaultSessionTTL
	}
	if cfg.Password == (PasswordParams{}) {
		// OWASP's argon2id recommendation: about as costly as a sign-in can
		// afford on a small server.
		cfg.Password = PasswordParams{Memory: 19 * 1024, Time: 2, Threads: 1}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h, err := newHasher(cfg.Password, 2*runtime.GOMAXPROCS(0))
	if err != nil {
		return nil, fmt.Errorf("identity: %w", err)
	}
	s := &Service{
		store:      store,
		now:        cfg.Now,
		log:        log,
		hasher:     h,
		policy:     newPasswordPolicy(),
		refreshTTL: cfg.RefreshTTL,
		sessionTTL: cfg.SessionTTL,
	}
	if err := s.loadKeys(ctx, cfg.AccessTTL); err != nil {
		return nil, err
	}
	return s, nil
}

// loadKeys reads the signing keys, generating the first one on a new store.
// Rotation (adding a newer key while older ones keep verifying) needs only
// a second stored key: the newest signs, all verify.
func (s *Service) loadKeys(ctx context.Context, ttl time.Duration) error {
	k, err := auth.GenerateSigningKey()
	if err != nil {
		return fmt.Errorf("identity: %w", err)
	}
	keys, err := s.store.InitSigningKeys(ctx, SigningKey{ID: k.ID, Private: k.Private, CreateTime: s.now()})
	if err != nil {
		return fmt.Errorf("identity: signing keys: %w", err)
	}
	if len(keys) == 0 {
		return errors.New("identity: store returned no signing key")
	}
	for _, k := range keys {
		if len(k.Private) != ed25519.PrivateKeySize {
			return fmt.Errorf("identity: signing key %q is malformed", k.ID)
		}
	}
	s.keys = keys
	s.issuer = auth.NewIssuer(auth.SigningKey{ID: keys[0].ID, Private: keys[0].Private}, ttl, s.now)
	if keys[0].ID == k.ID {
		s.log.Info("signing key generated", "kid", k.ID)
	}
	return nil
}

// Register registers the six identity services on g.
func (s *Service) Register(g grpc.ServiceRegistrar) {
	identityv1.RegisterAccountServiceServer(g, &accounts{Service: s})
	identityv1.RegisterSessionServiceServer(g, &sessions{Service: s})
	identityv1.RegisterAgencyServiceServer(g, &agencies{Service: s})
	identityv1.RegisterPartnerServiceServer(g, &partners{Service: s})
	identityv1.RegisterAuditServiceServer(g, &auditLog{Service: s})
	identityv1.RegisterCredentialServiceServer(g, &credentials{Service: s})
}

// The handler types, one per gRPC service; each embeds its Unimplemented
// server as protoc-gen-go-grpc requires, and implements every RPC.
type (
	accounts struct {
		identityv1.UnimplementedAccountServiceServer
		*Service
	}
	sessions struct {
		identityv1.UnimplementedSessionServiceServer
		*Service
	}
	agencies struct {
		identityv1.UnimplementedAgencyServiceServer
		*Service
	}
	partners struct {
		identityv1.UnimplementedPartnerServiceServer
		*Service
	}
	auditLog struct {
		identityv1.UnimplementedAuditServiceServer
		*Service
	}
	credentials struct {
		identityv1.UnimplementedCredentialServiceServer
		*Service
	}
)

var (
	_ identityv1.AccountServiceServer    = (*accounts)(nil)
	_ identityv1.SessionServiceServer    = (*sessions)(nil)
	_ identityv1.AgencyServiceServer     = (*agencies)(nil)
	_ identityv1.PartnerServiceServer    = (*partners)(nil)
	_ identityv1.AuditServiceServer      = (*auditLog)(nil)
	_ identityv1.CredentialServiceServer = (*credentials)(nil)
)
