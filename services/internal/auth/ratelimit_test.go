package auth

import (
	"context"
	"net"
	"net/netip"
	"testing"
	"time"

	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"golang.org/x/time/rate"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

// retryDelay returns the RetryInfo delay of a RESOURCE_EXHAUSTED error.
func retryDelay(t *testing.T, err error) time.Duration {
	t.Helper()
	st := status.Convert(err)
	if st.Code() != codes.ResourceExhausted {
		t.Fatalf("code = %v (%v), want ResourceExhausted", st.Code(), err)
	}
	for _, d := range st.Details() {
		if ri, ok := d.(*errdetails.RetryInfo); ok {
			return ri.GetRetryDelay().AsDuration()
		}
	}
	t.Fatalf("no RetryInfo in %v", st.Details())
	return 0
}

func TestRateLimits(t *testing.T) {
	t.Parallel()
	type step struct {
		cred     cred
		advance  time.Duration
		wantCode codes.Code
	}
	getAgency := func(ctx context.Context, e *env) error {
		_, err := e.agencies().GetAgency(ctx, &identityv1.GetAgencyRequest{Name: "agencies/metro"})
		return err
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{
			name: "per principal",
			steps: []step{
				{cred: bearer(resident)},
				{cred: bearer(resident)},
				{cred: bearer(resident), wantCode: codes.ResourceExhausted},
				{cred: bearer(metroAdmin)},
				{cred: bearer(resident), advance: time.Second},
				{cred: bearer(resident), wantCode: codes.ResourceExhausted},
			},
		},
		{
			name: "partners too",
			steps: []step{
				{cred: partnerKey},
				{cred: partnerKey},
				{cred: partnerKey, wantCode: codes.ResourceExhausted},
			},
		},
		{
			name: "anonymous",
			steps: []step{
				{cred: noCred},
				{cred: noCred, wantCode: codes.ResourceExhausted},
				{cred: bearer(resident)},
				{cred: noCred, advance: time.Second},
			},
		},
		{
			name: "failed credentials count as anonymous",
			steps: []step{
				{cred: header("authorization", "Bearer bad"), wantCode: codes.Unauthenticated},
				{cred: header("authorization", "Bearer bad"), wantCode: codes.ResourceExhausted},
				{cred: noCred, wantCode: codes.ResourceExhausted},
			},
		},
		{
			name: "services are not limited",
			steps: []step{
				{cred: service("forum", testSecret)},
				{cred: service("forum", testSecret)},
				{cred: service("forum", testSecret)},
				{cred: service("forum", testSecret)},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, func(c *Config) {
				c.Limits = Limits{Principal: RateLimit{Rate: 1, Burst: 2}, Anonymous: RateLimit{Rate: 1, Burst: 1}}
			})
			for i, s := range tt.steps {
				e.clock.Add(s.advance)
				err := getAgency(s.cred(t, e, context.Background()), e)
				if code := status.Code(err); code != s.wantCode {
					t.Fatalf("step %d: code = %v (%v), want %v", i, code, err, s.wantCode)
				}
				if s.wantCode == codes.ResourceExhausted {
					if d := retryDelay(t, err); d < time.Second {
						t.Errorf("step %d: retry delay %v, want at least 1s", i, d)
					}
				}
			}
		})
	}
}

func TestRateLimitsCanBeTurnedOff(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) {
		c.Limits = Limits{Principal: RateLimit{Rate: rate.Inf}, Anonymous: RateLimit{Rate: rate.Inf}}
	})
	for i := range 100 {
		for _, cr := range []cred{noCred, bearer(resident)} {
			if _, err := e.agencies().GetAgency(cr(t, e, context.Background()), &identityv1.GetAgencyRequest{Name: "agencies/metro"}); err != nil {
				t.Fatalf("call %d: %v", i, err)
			}
		}
	}
}

func TestThrottledCallsAreNotAudited(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.Limits.Principal = RateLimit{Rate: 1, Burst: 1} })
	ctx := bearer(metroAdmin)(t, e, context.Background())
	for range 3 {
		_, _ = e.agencies().CreateRoleBinding(ctx, &identityv1.CreateRoleBindingRequest{Parent: "agencies/metro"})
	}
	if got := len(e.recorder.take()); got != 1 {
		t.Errorf("%d events, want 1 (the admitted call)", got)
	}
}

// TestProxyPeers runs over loopback TCP, where the peer has an address.
func TestProxyPeers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		proxies []netip.Prefix
		want    []codes.Code
	}{
		{name: "direct clients are limited", want: []codes.Code{codes.OK, codes.ResourceExhausted, codes.ResourceExhausted}},
		{name: "the gateway is not", proxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")},
			want: []codes.Code{codes.OK, codes.OK, codes.OK}},
		{name: "other proxies do not count", proxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")},
			want: []codes.Code{codes.OK, codes.ResourceExhausted, codes.ResourceExhausted}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in, err := NewInterceptor(Config{
				Service: "testsvc",
				Limits:  Limits{Anonymous: RateLimit{Rate: 1, Burst: 1}, ProxyPeers: tt.proxies},
				Now:     newClock().Now,
			})
			if err != nil {
				t.Fatal(err)
			}
			s := grpc.NewServer(grpc.ChainUnaryInterceptor(translate, in.Unary()))
			identityv1.RegisterAgencyServiceServer(s, fakeIdentity{})
			lis, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			go func() { _ = s.Serve(lis) }()
			conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				_ = conn.Close()
				s.Stop()
			})
			client := identityv1.NewAgencyServiceClient(conn)
			for i, want := range tt.want {
				_, err := client.GetAgency(context.Background(), &identityv1.GetAgencyRequest{Name: "agencies/metro"})
				if code := status.Code(err); code != want {
					t.Errorf("call %d: code = %v (%v), want %v", i, code, err, want)
				}
			}
		})
	}
}

func TestLimiterEviction(t *testing.T) {
	t.Parallel()
	l := newLimiter(RateLimit{Rate: 1, Burst: 1}, 4)
	t0 := newClock().Now()
	if _, ok := l.allow("a", t0); !ok {
		t.Fatal("first call refused")
	}
	wait, ok := l.allow("a", t0)
	if ok || wait != time.Second {
		t.Fatalf("second call = %v, %v; want refused for 1s", wait, ok)
	}
	t1 := t0.Add(500 * time.Millisecond)
	for _, k := range []string{"b", "c", "d"} {
		l.allow(k, t1)
	}
	// "a" has been idle 1s at t2 and would have refilled: evicting it loses
	// nothing, while the busy keys stay.
	t2 := t0.Add(time.Second)
	l.allow("e", t2)
	if n := l.size(); n != 4 {
		t.Errorf("size = %d, want 4", n)
	}
	if _, ok := l.allow("b", t2); ok {
		t.Error(`"b" was forgotten: its bucket should still be empty`)
	}
	for i := range 100 {
		l.allow(string(rune('A'+i)), t2)
		if n := l.size(); n > 4 {
			t.Fatalf("size = %d, want at most 4", n)
		}
	}
}
