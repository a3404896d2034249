package grpcserver

import (
	"context"
	"net"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"

	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
)

// BenchmarkUnary measures what the interceptor chain costs per call against
// a bare grpc.Server, both over bufconn in the same run (absolute numbers
// drift between runs on shared machines). The Engage server logs nowhere,
// so the figure excludes the log handler's own cost.
func BenchmarkUnary(b *testing.B) {
	for _, bc := range []struct {
		name   string
		server func(*testing.B) *grpc.Server
	}{
		{name: "bare", server: func(*testing.B) *grpc.Server { return grpc.NewServer() }},
		{name: "engage", server: func(b *testing.B) *grpc.Server {
			s, err := New(WithRegisterer(prometheus.NewRegistry()))
			if err != nil {
				b.Fatalf("New: %v", err)
			}
			return s.GRPC()
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			srv := bc.server(b)
			identityv1.RegisterAccountServiceServer(srv, &accounts{})
			lis := bufconn.Listen(1 << 20)
			served := make(chan struct{})
			go func() {
				defer close(served)
				_ = srv.Serve(lis)
			}()
			cc, err := grpc.NewClient("passthrough:///bufnet",
				grpc.WithTransportCredentials(insecure.NewCredentials()),
				grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }))
			if err != nil {
				b.Fatalf("NewClient: %v", err)
			}
			b.Cleanup(func() {
				cc.Close()
				srv.Stop()
				<-served
			})
			client := identityv1.NewAccountServiceClient(cc)
			req := validCreate()
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := client.CreateAccount(context.Background(), req); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
