package identity_test

import (
	"crypto/ed25519"
	"errors"
	"testing"

	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"github.com/engagehq/engage/services/internal/auth"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/identity"
)

func TestSigningKeys(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	keys, err := e.creds.GetSigningKeys(t.Context(), &identityv1.GetSigningKeysRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(keys.GetKeys()) != 1 {
		t.Fatalf("%d keys, want 1", len(keys.GetKeys()))
	}
	k := keys.GetKeys()[0]
	if k.GetAlgorithm() != "EdDSA" || len(k.GetPublicKey()) != ed25519.PublicKeySize || k.GetKeyId() == "" {
		t.Fatalf("key %v", k)
	}
	// Another service verifies tokens with nothing but the published key.
	s := e.signIn(t, e.signUp(t, "someone@example.org"))
	remote := auth.NewVerifier(auth.StaticKeys{k.GetKeyId(): ed25519.PublicKey(k.GetPublicKey())}, e.clock.Now)
	if _, err := remote.Verify(t.Context(), s.GetAccessToken()); err != nil {
		t.Fatalf("verify with the published key: %v", err)
	}
	if _, err := e.svc.PublicKey(t.Context(), "unknown"); !errors.Is(err, errs.Unauthenticated) {
		t.Fatalf("unknown kid: %v", err)
	}

	// The key is persisted: a restarted service signs with the same key,
	// so tokens it issued before keep working.
	again, err := identity.New(t.Context(), e.store, identity.Config{Now: e.clock.Now, Password: identity.PasswordParams{Memory: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	pub, err := again.PublicKey(t.Context(), k.GetKeyId())
	if err != nil || !pub.Equal(ed25519.PublicKey(k.GetPublicKey())) {
		t.Fatalf("restarted service has another key: %v", err)
	}
	if _, err := auth.NewVerifier(again, e.clock.Now).Verify(t.Context(), s.GetAccessToken()); err != nil {
		t.Fatalf("token from before the restart: %v", err)
	}
}

func TestPasswordRehash(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const email, password = "root@example.org", "a sturdy admin passphrase"
	if _, _, err := e.svc.Bootstrap(t.Context(), email, password); err != nil {
		t.Fatal(err)
	}
	before, _ := e.store.AccountByEmail(t.Context(), email)

	// A deployment with raised parameters replaces the hash at sign-in.
	raised, err := identity.New(t.Context(), e.store, identity.Config{Now: e.clock.Now, Password: identity.PasswordParams{Memory: 128, Time: 2, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	sessions := identityv1.NewSessionServiceClient(bareConn(t, raised, auth.Principal{}))
	if _, err := sessions.CreateSession(t.Context(), &identityv1.CreateSessionRequest{Email: email, Password: password}); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	after, _ := e.store.AccountByEmail(t.Context(), email)
	const want = "$argon2id$v=19$m=128,t=2,p=1$"
	if after.PasswordHash == before.PasswordHash || after.PasswordHash[:len(want)] != want {
		t.Fatalf("hash after sign-in %q, want one starting %q", after.PasswordHash, want)
	}
	// The old deployment still verifies the new hash.
	e.signIn(t, &user{email: email, password: password})
}
