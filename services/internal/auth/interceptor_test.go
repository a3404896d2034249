package auth

import (
	"context"
	"strings"
	"testing"
	"time"

	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

func TestInterceptorAuthorizes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	expired := func(t *testing.T, e *env, ctx context.Context) context.Context {
		old := NewIssuer(SigningKey{ID: e.issuer.KeyID(), Private: e.issuer.key.Private}, 0, func() time.Time { return e.clock.Now().Add(-time.Hour) })
		tok, _, err := old.Issue(resident)
		if err != nil {
			t.Fatal(err)
		}
		return header("authorization", "Bearer "+tok)(t, e, ctx)
	}
	getAgency := func(ctx context.Context, e *env) (string, error) {
		a, err := e.agencies().GetAgency(ctx, &identityv1.GetAgencyRequest{Name: "agencies/metro"})
		return a.GetName(), err
	}
	getAccount := func(ctx context.Context, e *env) (string, error) {
		a, err := e.accounts().GetAccount(ctx, &identityv1.GetAccountRequest{Name: "accounts/me"})
		return a.GetName(), err
	}
	listBindings := func(parent string) func(ctx context.Context, e *env) (string, error) {
		return func(ctx context.Context, e *env) (string, error) {
			_, err := e.agencies().ListRoleBindings(ctx, &identityv1.ListRoleBindingsRequest{Parent: parent})
			return "", err
		}
	}
	createAgency := func(ctx context.Context, e *env) (string, error) {
		a, err := e.agencies().CreateAgency(ctx, &identityv1.CreateAgencyRequest{AgencyId: "new"})
		return a.GetName(), err
	}
	introspect := func(ctx context.Context, e *env) (string, error) {
		r, err := e.credentials().IntrospectApiKey(ctx, &identityv1.IntrospectApiKeyRequest{ApiKey: "k"})
		return r.GetPartner(), err
	}
	testMethod := func(method, name string) func(ctx context.Context, e *env) (string, error) {
		return func(ctx context.Context, e *env) (string, error) { return invoke(ctx, e.conn, method, name) }
	}
	healthCheck := func(ctx context.Context, e *env) (string, error) {
		_, err := healthpb.NewHealthClient(e.conn).Check(ctx, &healthpb.HealthCheckRequest{})
		return "", err
	}

	tests := []struct {
		name     string
		cred     cred
		call     func(ctx context.Context, e *env) (string, error)
		wantCode codes.Code
		wantName string
	}{
		{name: "public, anonymous", cred: noCred, call: getAgency, wantName: "agencies/metro"},
		{name: "public, signed in", cred: bearer(resident), call: getAgency, wantName: "agencies/metro"},
		{name: "public, bad token is an error", cred: header("authorization", "Bearer nonsense"), call: getAgency, wantCode: codes.Unauthenticated},
		{name: "public, expired token is an error", cred: expired, call: getAgency, wantCode: codes.Unauthenticated},
		{name: "public, empty bearer", cred: header("authorization", "Bearer "), call: getAgency, wantCode: codes.Unauthenticated},
		{name: "unsupported scheme", cred: header("authorization", "Basic dXNlcjpwYXNz"), call: getAgency, wantCode: codes.Unauthenticated},
		{name: "two credentials", cred: both(bearer(resident), partnerKey), call: getAgency, wantCode: codes.Unauthenticated},
		{name: "two authorization values", cred: both(bearer(resident), bearer(metroAdmin)), call: getAgency, wantCode: codes.Unauthenticated},
		{name: "unknown api key", cred: header("x-api-key", "eng_nope"), call: getAgency, wantCode: codes.Unauthenticated},
		{name: "health is open to all", cred: noCred, call: healthCheck},

		{name: "account, anonymous", cred: noCred, call: getAccount, wantCode: codes.Unauthenticated},
		{name: "account, resident", cred: bearer(resident), call: getAccount, wantName: "accounts/r1"},
		{name: "account, partner", cred: partnerKey, call: getAccount, wantCode: codes.PermissionDenied},
		{name: "account, service", cred: service("forum", testSecret), call: getAccount, wantCode: codes.PermissionDenied},

		{name: "agency role, admin of the agency", cred: bearer(metroAdmin), call: listBindings("agencies/metro")},
		{name: "agency role, admin of another agency", cred: bearer(metroAdmin), call: listBindings("agencies/north"), wantCode: codes.PermissionDenied},
		{name: "agency role, without the role", cred: bearer(metroAnalyst), call: listBindings("agencies/metro"), wantCode: codes.PermissionDenied},
		{name: "agency role, platform admin where agency admin qualifies", cred: bearer(platformAdmin), call: listBindings("agencies/north")},
		{name: "agency role, platform chain for platform admin", cred: bearer(platformAdmin), call: listBindings("agencies/-")},
		{name: "agency role, resident", cred: bearer(resident), call: listBindings("agencies/metro"), wantCode: codes.PermissionDenied},
		{name: "agency role, anonymous", cred: noCred, call: listBindings("agencies/metro"), wantCode: codes.Unauthenticated},
		{name: "agency role, service", cred: service("forum", testSecret), call: listBindings("agencies/metro"), wantCode: codes.PermissionDenied},
		{name: "agency role, partner without the role", cred: partnerKey, call: listBindings("agencies/metro"), wantCode: codes.PermissionDenied},
		{name: "agency role, no agency in the request", cred: bearer(metroAdmin), call: listBindings(""), wantCode: codes.InvalidArgument},
		{name: "agency role, partner with the role", cred: partnerKey, call: testMethod("Mine", "agencies/metro/things/1"), wantName: "agencies/metro/things/1"},
		{name: "agency role, partner key in authorization", cred: partnerKeyScheme, call: testMethod("Mine", "agencies/metro/things/1"), wantName: "agencies/metro/things/1"},
		{name: "agency role, partner on another agency", cred: partnerKey, call: testMethod("Mine", "agencies/north/things/1"), wantCode: codes.PermissionDenied},
		{name: "agency role with self, any account", cred: bearer(resident), call: testMethod("Mine", "agencies/north/things/1"), wantName: "agencies/north/things/1"},
		{name: "agency role with self, anonymous", cred: noCred, call: testMethod("Mine", "agencies/north/things/1"), wantCode: codes.Unauthenticated},

		{name: "agency role with services, service", cred: service("training", testSecret), call: testMethod("Summary", "agencies/metro"), wantName: "agencies/metro"},
		{name: "agency role with services, wrong secret", cred: service("training", strings.Repeat("x", 40)), call: testMethod("Summary", "agencies/metro"), wantCode: codes.Unauthenticated},
		{name: "agency role with services, resident", cred: bearer(resident), call: testMethod("Summary", "agencies/metro"), wantCode: codes.PermissionDenied},
		{name: "agency role with services, partner without the role", cred: partnerKey, call: testMethod("Summary", "agencies/metro"), wantCode: codes.PermissionDenied},

		{name: "platform admin, admin", cred: bearer(platformAdmin), call: createAgency, wantName: "agencies/new"},
		{name: "platform admin, agency admin", cred: bearer(metroAdmin), call: createAgency, wantCode: codes.PermissionDenied},
		{name: "platform admin, anonymous", cred: noCred, call: createAgency, wantCode: codes.Unauthenticated},

		{name: "service, service", cred: service("forum", testSecret), call: introspect, wantName: "services/forum"},
		{name: "service, wrong secret", cred: service("forum", strings.Repeat("x", 40)), call: introspect, wantCode: codes.Unauthenticated},
		{name: "service, no name", cred: header("authorization", "Service "+testSecret), call: introspect, wantCode: codes.Unauthenticated},
		{name: "service, bad name", cred: service("Forum/../x", testSecret), call: introspect, wantCode: codes.Unauthenticated},
		{name: "service, platform admin", cred: bearer(platformAdmin), call: introspect, wantCode: codes.PermissionDenied},
		{name: "service, anonymous", cred: noCred, call: introspect, wantCode: codes.Unauthenticated},

		{name: "no policy, platform admin", cred: bearer(platformAdmin), call: testMethod("NoPolicy", "agencies/metro"), wantCode: codes.PermissionDenied},
		{name: "no policy, service", cred: service("forum", testSecret), call: testMethod("NoPolicy", "agencies/metro"), wantCode: codes.PermissionDenied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tt.call(tt.cred(t, e, context.Background()), e)
			if code := status.Code(err); code != tt.wantCode {
				t.Fatalf("code = %v (%v), want %v", code, err, tt.wantCode)
			}
			if got != tt.wantName {
				t.Errorf("name = %q, want %q", got, tt.wantName)
			}
		})
	}
}

func TestServiceWithoutSecretRefusesServices(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.ServiceSecret = "" })
	ctx := service("forum", testSecret)(t, e, context.Background())
	_, err := e.credentials().IntrospectApiKey(ctx, &identityv1.IntrospectApiKeyRequest{ApiKey: "k"})
	if status.Code(err) != codes.Unauthenticated {
		t.Errorf("IntrospectApiKey = %v, want Unauthenticated", err)
	}
}

func TestNewInterceptorChecksConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{name: "minimal", cfg: Config{Service: "forum"}, ok: true},
		{name: "no service name", cfg: Config{}},
		{name: "bad service name", cfg: Config{Service: "Forum"}},
		{name: "short secret", cfg: Config{Service: "forum", ServiceSecret: "short"}},
		{name: "long secret", cfg: Config{Service: "forum", ServiceSecret: testSecret}, ok: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewInterceptor(tt.cfg)
			if (err == nil) != tt.ok {
				t.Errorf("NewInterceptor = %v, want ok %v", err, tt.ok)
			}
		})
	}
}
