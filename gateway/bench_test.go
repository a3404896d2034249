package gateway_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"github.com/engagehq/engage/gateway"
	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"
)

// BenchmarkGetAccount measures what the gateway's layers cost on a unary
// call, against a bare grpc-gateway mux on the same backend connection,
// alternating in one run because absolute figures drift on these machines.
//
//	go test -run '^$' -bench GetAccount -count 6 ./gateway
func BenchmarkGetAccount(b *testing.B) {
	srv := grpc.NewServer()
	fake := &fakeIdentity{}
	identityv1.RegisterAccountServiceServer(srv, fake)
	conn := serveLoopback(b, srv)

	full, err := gateway.New(context.Background(), gateway.Config{Identity: conn, AnonymousLimit: gateway.RateLimit{Disabled: true}})
	if err != nil {
		b.Fatal(err)
	}
	bare := runtime.NewServeMux()
	if err := identityv1.RegisterAccountServiceHandlerClient(context.Background(), bare, identityv1.NewAccountServiceClient(conn)); err != nil {
		b.Fatal(err)
	}
	for _, h := range []struct {
		name string
		h    http.Handler
	}{{"bare", bare}, {"gateway", full}} {
		b.Run(h.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, "/v1/accounts/me", nil)
				req.Header.Set("Authorization", "Bearer t")
				rec := httptest.NewRecorder()
				h.h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d", rec.Code)
				}
			}
		})
	}
}
