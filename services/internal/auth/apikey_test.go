package auth

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/google/go-cmp/cmp"
)

func TestNewAPIKey(t *testing.T) {
	t.Parallel()
	key, id, hash, prefix := NewAPIKey()
	if !strings.HasPrefix(key, prefix+"_") || prefix != "eng_"+id {
		t.Errorf("key %q, prefix %q, id %q do not fit together", key, prefix, id)
	}
	if got, ok := ParseAPIKey(key); !ok || got != id {
		t.Errorf("ParseAPIKey = %q, %v; want %q", got, ok, id)
	}
	if !VerifyAPIKey(key, hash) {
		t.Error("VerifyAPIKey(key, its hash) = false")
	}
	other, otherID, otherHash, _ := NewAPIKey()
	if other == key || otherID == id || string(otherHash) == string(hash) {
		t.Error("two keys are alike")
	}
	if VerifyAPIKey(other, hash) || VerifyAPIKey(key, otherHash) {
		t.Error("a key verified against another key's hash")
	}
}

func TestParseAPIKeyRejects(t *testing.T) {
	t.Parallel()
	key, id, hash, _ := NewAPIKey()
	secret := key[len("eng_")+len(id)+1:]
	tests := []struct {
		name string
		key  string
	}{
		{name: "empty", key: ""},
		{name: "prefix only", key: "eng_"},
		{name: "wrong prefix", key: "xyz_" + id + "_" + secret},
		{name: "uppercase id", key: "eng_" + strings.ToUpper(id) + "_" + secret},
		{name: "short id", key: "eng_" + id[1:] + "_" + secret},
		{name: "short secret", key: "eng_" + id + "_" + secret[1:]},
		{name: "long secret", key: key + "A"},
		{name: "secret not base64url", key: "eng_" + id + "_" + strings.Repeat("+", len(secret))},
		// Not id+secret+"A": a secret starting with "_" (1 in 64) would
		// put a separator back in place.
		{name: "no separator", key: "eng_" + id + "A" + secret},
		{name: "whitespace", key: " " + key},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got, ok := ParseAPIKey(tt.key); ok {
				t.Errorf("ParseAPIKey(%q) = %q, true; want false", tt.key, got)
			}
			if VerifyAPIKey(tt.key, hash) {
				t.Errorf("VerifyAPIKey(%q) = true", tt.key)
			}
		})
	}
	tampered := []byte(key)
	tampered[len(tampered)-2] ^= 1
	if _, ok := ParseAPIKey(string(tampered)); ok && VerifyAPIKey(string(tampered), hash) {
		t.Error("a tampered key verified")
	}
}

func TestRemoteAPIKeys(t *testing.T) {
	t.Parallel()
	live, _, _, _ := NewAPIKey()
	revoked, _, _, _ := NewAPIKey()
	unknown, _, _, _ := NewAPIKey()
	livePartner := &identityv1.IntrospectApiKeyResponse{
		Active:  true,
		Partner: "agencies/metro/partners/transit",
		AgencyRoles: []*identityv1.AgencyRoles{
			{Agency: "agencies/metro", Roles: []accessv1.Role{accessv1.Role_ROLE_CONTACT_REPORTER}},
			{Agency: "agencies/north", Roles: []accessv1.Role{accessv1.Role_ROLE_ALERT_AUTHOR, accessv1.Role_ROLE_UNSPECIFIED}},
		},
	}
	wantPartner := Principal{Kind: Partner, Name: "agencies/metro/partners/transit", Roles: map[string][]accessv1.Role{
		"metro": {accessv1.Role_ROLE_CONTACT_REPORTER},
		"north": {accessv1.Role_ROLE_ALERT_AUTHOR},
	}}
	type step struct {
		name      string
		advance   time.Duration
		change    func(f *fakeCredentials)
		key       string
		want      Principal
		wantErr   error
		wantCalls int
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{
			name: "live key cached for the ttl",
			steps: []step{
				{name: "first", key: live, want: wantPartner, wantCalls: 1},
				{name: "cached", advance: 29 * time.Second, key: live, want: wantPartner, wantCalls: 1},
				{name: "revoked meanwhile, still cached", change: func(f *fakeCredentials) { f.partners = nil }, key: live, want: wantPartner, wantCalls: 1},
				{name: "expired: asks again and sees the revocation", advance: time.Second, key: live, wantErr: errs.Unauthenticated, wantCalls: 2},
			},
		},
		{
			name: "bad keys cached briefly",
			steps: []step{
				{name: "revoked", key: revoked, wantErr: errs.Unauthenticated, wantCalls: 1},
				{name: "unknown", key: unknown, wantErr: errs.Unauthenticated, wantCalls: 2},
				{name: "revoked cached", advance: 4 * time.Second, key: revoked, wantErr: errs.Unauthenticated, wantCalls: 2},
				{name: "revoked asked again", advance: time.Second, key: revoked, wantErr: errs.Unauthenticated, wantCalls: 3},
			},
		},
		{
			name: "malformed keys never reach identity",
			steps: []step{
				{name: "garbage", key: "garbage", wantErr: errs.Unauthenticated, wantCalls: 0},
				{name: "truncated", key: live[:len(live)-1], wantErr: errs.Unauthenticated, wantCalls: 0},
			},
		},
		{
			name: "identity down is not cached",
			steps: []step{
				{name: "down", change: func(f *fakeCredentials) { f.down = true }, key: live, wantErr: errs.Unavailable, wantCalls: 1},
				{name: "up", change: func(f *fakeCredentials) { f.down = false }, key: live, want: wantPartner, wantCalls: 2},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := &fakeCredentials{partners: map[string]*identityv1.IntrospectApiKeyResponse{
				string(HashAPIKey(live)):    livePartner,
				string(HashAPIKey(revoked)): {Active: false, Partner: "agencies/metro/partners/old"},
			}}
			clock := newClock()
			r := NewRemoteAPIKeys(credentialClient(t, f), RemoteAPIKeysOptions{Now: clock.Now})
			for _, s := range tt.steps {
				clock.Add(s.advance)
				if s.change != nil {
					f.set(s.change)
				}
				got, err := r.ResolveAPIKey(context.Background(), s.key)
				if s.wantErr != nil {
					if !errors.Is(err, s.wantErr) {
						t.Errorf("%s: err = %v, want %v", s.name, err, s.wantErr)
					}
				} else if err != nil {
					t.Errorf("%s: %v", s.name, err)
				} else if diff := cmp.Diff(s.want, got); diff != "" {
					t.Errorf("%s: principal (-want +got):\n%s", s.name, diff)
				}
				if _, calls := f.counts(); calls != s.wantCalls {
					t.Errorf("%s: %d introspections, want %d", s.name, calls, s.wantCalls)
				}
			}
		})
	}
}

func TestRemoteAPIKeysBounded(t *testing.T) {
	t.Parallel()
	f := &fakeCredentials{}
	r := NewRemoteAPIKeys(credentialClient(t, f), RemoteAPIKeysOptions{MaxEntries: 8})
	for range 50 {
		key, _, _, _ := NewAPIKey()
		if _, err := r.ResolveAPIKey(context.Background(), key); !errors.Is(err, errs.Unauthenticated) {
			t.Fatalf("ResolveAPIKey = %v, want Unauthenticated", err)
		}
	}
	r.mu.Lock()
	n := len(r.entries)
	r.mu.Unlock()
	if n > 8 {
		t.Errorf("cache holds %d entries, want at most 8", n)
	}
}

func TestRemoteAPIKeysCopiesRoles(t *testing.T) {
	t.Parallel()
	key, _, _, _ := NewAPIKey()
	f := &fakeCredentials{partners: map[string]*identityv1.IntrospectApiKeyResponse{
		string(HashAPIKey(key)): {Active: true, Partner: "agencies/metro/partners/p", AgencyRoles: []*identityv1.AgencyRoles{
			{Agency: "agencies/metro", Roles: []accessv1.Role{accessv1.Role_ROLE_ANALYST}},
		}},
	}}
	r := NewRemoteAPIKeys(credentialClient(t, f), RemoteAPIKeysOptions{})
	p, err := r.ResolveAPIKey(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	p.Roles["metro"][0] = accessv1.Role_ROLE_AGENCY_ADMIN
	p.Roles["other"] = []accessv1.Role{accessv1.Role_ROLE_AGENCY_ADMIN}
	again, err := r.ResolveAPIKey(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string][]accessv1.Role{"metro": {accessv1.Role_ROLE_ANALYST}}, again.Roles); diff != "" {
		t.Errorf("cached roles changed by a caller (-want +got):\n%s", diff)
	}
}
