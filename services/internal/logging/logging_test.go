package logging_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"

	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/logging"
	"github.com/engagehq/engage/services/internal/requestid"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// accounts treats CreateAccount as the anonymous method of the test.
type accounts struct {
	identityv1.UnimplementedAccountServiceServer
}

func (accounts) CreateAccount(context.Context, *identityv1.CreateAccountRequest) (*identityv1.Account, error) {
	return &identityv1.Account{}, nil
}

func (accounts) GetAccount(context.Context, *identityv1.GetAccountRequest) (*identityv1.Account, error) {
	return nil, errs.NotFound
}

func (accounts) ListAccounts(context.Context, *identityv1.ListAccountsRequest) (*identityv1.ListAccountsResponse, error) {
	return nil, status.Error(codes.Internal, "internal error")
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// serve runs the access log, an interceptor reporting a principal, and the
// accounts service; it returns a client and the log.
func serve(t *testing.T) (identityv1.AccountServiceClient, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, nil))
	anonymous := func(m string) bool { return m == identityv1.AccountService_CreateAccount_FullMethodName }
	srv := grpc.NewServer(grpc.ChainUnaryInterceptor(
		requestid.UnaryServerInterceptor(nil),
		logging.UnaryServerInterceptor(logger, anonymous),
		func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
			logging.SetPrincipal(ctx, "account", "accounts/a1")
			return h(ctx, req)
		},
	))
	identityv1.RegisterAccountServiceServer(srv, accounts{})
	lis := bufconn.Listen(1 << 16)
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(lis)
	}()
	cc, err := grpc.NewClient("passthrough:///bufnet",
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }))
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(func() {
		cc.Close()
		srv.Stop()
		<-served
	})
	return identityv1.NewAccountServiceClient(cc), logs
}

func TestAccessLog(t *testing.T) {
	t.Parallel()
	const secret = "secret-token-123"
	tests := []struct {
		name string
		call func(context.Context, identityv1.AccountServiceClient) error
		want map[string]any // the record, without time and duration
	}{
		{
			name: "named caller",
			call: func(ctx context.Context, c identityv1.AccountServiceClient) error {
				_, err := c.GetAccount(ctx, &identityv1.GetAccountRequest{Name: "accounts/" + secret})
				return err
			},
			want: map[string]any{
				"level":          "INFO",
				"msg":            "grpc call",
				"method":         identityv1.AccountService_GetAccount_FullMethodName,
				"code":           "NotFound",
				"request_id":     "r-1",
				"peer":           "bufconn",
				"principal_kind": "account",
				"principal":      "accounts/a1",
			},
		},
		{
			name: "anonymous method",
			call: func(ctx context.Context, c identityv1.AccountServiceClient) error {
				_, err := c.CreateAccount(ctx, &identityv1.CreateAccountRequest{Account: &identityv1.Account{Email: secret}})
				return err
			},
			want: map[string]any{
				"level":      "INFO",
				"msg":        "grpc call",
				"method":     identityv1.AccountService_CreateAccount_FullMethodName,
				"code":       "OK",
				"request_id": "r-1",
			},
		},
		{
			name: "server failure",
			call: func(ctx context.Context, c identityv1.AccountServiceClient) error {
				_, err := c.ListAccounts(ctx, &identityv1.ListAccountsRequest{})
				return err
			},
			want: map[string]any{
				"level":          "ERROR",
				"msg":            "grpc call",
				"method":         identityv1.AccountService_ListAccounts_FullMethodName,
				"code":           "Internal",
				"request_id":     "r-1",
				"peer":           "bufconn",
				"principal_kind": "account",
				"principal":      "accounts/a1",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			client, logs := serve(t)
			ctx := metadata.AppendToOutgoingContext(t.Context(),
				requestid.MetadataKey, "r-1",
				"authorization", "Bearer "+secret,
				"x-forwarded-for", "203.0.113.9")
			_ = tt.call(ctx, client)

			out := logs.String()
			for _, leak := range []string{secret, "203.0.113.9", "authorization"} {
				if strings.Contains(out, leak) {
					t.Errorf("log contains %q:\n%s", leak, out)
				}
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) != 1 {
				t.Fatalf("got %d log lines, want 1:\n%s", len(lines), out)
			}
			var got map[string]any
			if err := json.Unmarshal([]byte(lines[0]), &got); err != nil {
				t.Fatalf("decode %q: %v", lines[0], err)
			}
			if _, ok := got["duration"]; !ok {
				t.Error("record has no duration")
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreMapEntries(func(k string, _ any) bool {
				return k == "time" || k == "duration"
			})); diff != "" {
				t.Errorf("record (-want +got):\n%s", diff)
			}
		})
	}
}
