package auth

import (
	"context"
	"testing"

	"google.golang.org/grpc/metadata"
)

func TestAnonymousMethodsSeeNoIdentifyingMetadata(t *testing.T) {
	t.Parallel()
	identifying := []string{
		"x-forwarded-for", "x-real-ip", "forwarded", "x-forwarded-host", "user-agent",
		"grpcgateway-user-agent", "cookie", "grpcgateway-cookie", "grpcgateway-referer",
	}
	tests := []struct {
		name          string
		method        string
		cred          cred
		wantStripped  bool
		wantAuthKept  bool
		wantPrincipal string
	}{
		{name: "anonymous method, anonymous caller", method: "Submit", cred: noCred, wantStripped: true},
		{name: "anonymous method, signed-in caller", method: "Submit", cred: bearer(resident), wantStripped: true, wantAuthKept: true, wantPrincipal: "accounts/r1"},
		{name: "other method keeps metadata", method: "Mine", cred: bearer(resident), wantAuthKept: true, wantPrincipal: "accounts/r1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil)
			ctx := metadata.AppendToOutgoingContext(context.Background(),
				"x-forwarded-for", "203.0.113.7", "x-real-ip", "203.0.113.7", "forwarded", "for=203.0.113.7",
				"x-forwarded-host", "example.org", "grpcgateway-user-agent", "Mozilla/5.0",
				"cookie", "session=abc", "grpcgateway-cookie", "session=abc", "grpcgateway-referer", "https://example.org/",
				"x-request-id", "req-9")
			if _, err := invoke(tt.cred(t, e, ctx), e.conn, tt.method, "agencies/metro/things/1"); err != nil {
				t.Fatal(err)
			}
			calls := e.test.seen(tt.method)
			if len(calls) != 1 {
				t.Fatalf("%d calls seen, want 1", len(calls))
			}
			got := calls[0]
			for _, k := range identifying {
				if mdHas(got.md, k) == tt.wantStripped {
					t.Errorf("metadata %q present = %v, want %v", k, mdHas(got.md, k), !tt.wantStripped)
				}
			}
			if (got.peer == "hidden") != tt.wantStripped {
				t.Errorf("peer = %q, want hidden = %v", got.peer, tt.wantStripped)
			}
			if !mdHas(got.md, "x-request-id") {
				t.Error("x-request-id was removed")
			}
			if mdHas(got.md, "authorization") != tt.wantAuthKept {
				t.Errorf("authorization present = %v, want %v", mdHas(got.md, "authorization"), tt.wantAuthKept)
			}
			if got.principal.Name != tt.wantPrincipal {
				t.Errorf("principal = %q, want %q", got.principal.Name, tt.wantPrincipal)
			}
		})
	}
}
