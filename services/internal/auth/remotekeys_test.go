package auth

import (
	"context"
	"crypto/ed25519"
	"errors"
	"sync"
	"testing"
	"time"

	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"github.com/engagehq/engage/services/internal/errs"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// fakeCredentials is a stand-in for identity's CredentialService: it
// publishes a settable key set and answers API key introspection from a
// table keyed by the key's hash.
type fakeCredentials struct {
	identityv1.UnimplementedCredentialServiceServer

	mu         sync.Mutex
	keys       []SigningKey
	down       bool
	fetches    int
	partners   map[string]*identityv1.IntrospectApiKeyResponse // by string(HashAPIKey(key))
	introspect int
}

func (f *fakeCredentials) GetSigningKeys(context.Context, *identityv1.GetSigningKeysRequest) (*identityv1.SigningKeys, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fetches++
	if f.down {
		return nil, status.Error(codes.Unavailable, "down")
	}
	resp := &identityv1.SigningKeys{}
	for _, k := range f.keys {
		resp.Keys = append(resp.Keys, &identityv1.SigningKey{KeyId: k.ID, Algorithm: "EdDSA", PublicKey: k.Public()})
	}
	return resp, nil
}

func (f *fakeCredentials) IntrospectApiKey(_ context.Context, req *identityv1.IntrospectApiKeyRequest) (*identityv1.IntrospectApiKeyResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.introspect++
	if f.down {
		return nil, status.Error(codes.Unavailable, "down")
	}
	if r, ok := f.partners[string(HashAPIKey(req.GetApiKey()))]; ok {
		return r, nil
	}
	return &identityv1.IntrospectApiKeyResponse{}, nil
}

func (f *fakeCredentials) set(fn func(f *fakeCredentials)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

func (f *fakeCredentials) counts() (fetches, introspect int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.fetches, f.introspect
}

func credentialClient(t *testing.T, f *fakeCredentials) identityv1.CredentialServiceClient {
	t.Helper()
	s := grpc.NewServer()
	identityv1.RegisterCredentialServiceServer(s, f)
	return identityv1.NewCredentialServiceClient(serve(t, s))
}

func TestRemoteKeys(t *testing.T) {
	t.Parallel()
	k1, k2, k3 := testKey(t), testKey(t), testKey(t)
	type step struct {
		name        string
		advance     time.Duration
		change      func(f *fakeCredentials)
		kid         string
		want        ed25519.PublicKey
		wantErr     error
		wantFetches int
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{
			name: "fetches once and caches",
			steps: []step{
				{name: "first lookup fetches", kid: k1.ID, want: k1.Public(), wantFetches: 1},
				{name: "second lookup is cached", kid: k1.ID, want: k1.Public(), wantFetches: 1},
				{name: "other known key is cached", advance: time.Minute, kid: k2.ID, want: k2.Public(), wantFetches: 1},
			},
		},
		{
			name: "unknown kid refetches at most once per interval",
			steps: []step{
				{name: "warm", kid: k1.ID, want: k1.Public(), wantFetches: 1},
				{name: "unknown kid right after a fetch", kid: "garbage", wantErr: errs.Unauthenticated, wantFetches: 1},
				{name: "interval over: refetch", advance: 10 * time.Second, kid: "garbage", wantErr: errs.Unauthenticated, wantFetches: 2},
				{name: "flood of kids is not fetched", advance: time.Second, kid: "garbage2", wantErr: errs.Unauthenticated, wantFetches: 2},
				{name: "rotated key appears", change: func(f *fakeCredentials) { f.keys = append(f.keys, k3) }, kid: k3.ID, wantErr: errs.Unauthenticated, wantFetches: 2},
				{name: "and is found after the interval", advance: 10 * time.Second, kid: k3.ID, want: k3.Public(), wantFetches: 3},
			},
		},
		{
			name: "old set is refreshed and retired keys stop working",
			steps: []step{
				{name: "warm", kid: k1.ID, want: k1.Public(), wantFetches: 1},
				{name: "retire k1", change: func(f *fakeCredentials) { f.keys = []SigningKey{k2} }, kid: k1.ID, want: k1.Public(), wantFetches: 1},
				{name: "after max age k1 is gone", advance: 10 * time.Minute, kid: k1.ID, wantErr: errs.Unauthenticated, wantFetches: 2},
			},
		},
		{
			name: "identity down",
			steps: []step{
				{name: "nothing cached", change: func(f *fakeCredentials) { f.down = true }, kid: k1.ID, wantErr: errs.Unavailable, wantFetches: 1},
				{name: "no hammering", advance: time.Second, kid: k1.ID, wantErr: errs.Unavailable, wantFetches: 1},
				{name: "back up", advance: 10 * time.Second, change: func(f *fakeCredentials) { f.down = false }, kid: k1.ID, want: k1.Public(), wantFetches: 2},
				{name: "down again with a stale set", advance: 11 * time.Minute, change: func(f *fakeCredentials) { f.down = true }, kid: k1.ID, want: k1.Public(), wantFetches: 3},
				{name: "stale set still serves", advance: time.Second, kid: k2.ID, want: k2.Public(), wantFetches: 3},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := &fakeCredentials{keys: []SigningKey{k1, k2}}
			clock := newClock()
			r := NewRemoteKeys(credentialClient(t, f), RemoteKeysOptions{Now: clock.Now})
			for _, s := range tt.steps {
				clock.Add(s.advance)
				if s.change != nil {
					f.set(s.change)
				}
				got, err := r.PublicKey(context.Background(), s.kid)
				if s.wantErr != nil {
					if !errors.Is(err, s.wantErr) {
						t.Errorf("%s: err = %v, want %v", s.name, err, s.wantErr)
					}
				} else if err != nil || !got.Equal(s.want) {
					t.Errorf("%s: got %x, %v; want %x", s.name, got, err, s.want)
				}
				if fetches, _ := f.counts(); fetches != s.wantFetches {
					t.Errorf("%s: %d fetches, want %d", s.name, fetches, s.wantFetches)
				}
			}
		})
	}
}

func TestRemoteKeysVerifyTokens(t *testing.T) {
	t.Parallel()
	key := testKey(t)
	f := &fakeCredentials{keys: []SigningKey{key}}
	v := NewVerifier(NewRemoteKeys(credentialClient(t, f), RemoteKeysOptions{}), nil)
	token, _, err := NewIssuer(key, 0, nil).Issue(TokenClaims{Account: "a1", SessionID: "s1"})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if p, err := v.Verify(context.Background(), token); err != nil || p.Name != "accounts/a1" {
				t.Errorf("Verify = %+v, %v", p, err)
			}
		})
	}
	wg.Wait()
	if fetches, _ := f.counts(); fetches != 1 {
		t.Errorf("%d fetches for concurrent verifications, want 1", fetches)
	}
}
