package requestid_test

import (
	"context"
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/test/bufconn"

	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"github.com/engagehq/engage/services/internal/requestid"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestValid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		id   string
		want bool
	}{
		{name: "uuid", id: uuid.NewString(), want: true},
		{name: "all allowed characters", id: "azAZ09-_.", want: true},
		{name: "64 characters", id: strings.Repeat("x", 64), want: true},
		{name: "65 characters", id: strings.Repeat("x", 65)},
		{name: "empty"},
		{name: "space", id: "a b"},
		{name: "quote", id: `a"b`},
		{name: "equals", id: "level=ERROR"},
		{name: "slash", id: "a/b"},
		{name: "non-ASCII", id: "é"},
		{name: "newline", id: "a\nb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := requestid.Valid(tt.id); got != tt.want {
				t.Errorf("Valid(%q) = %v, want %v", tt.id, got, tt.want)
			}
		})
	}
}

func TestNewIsValid(t *testing.T) {
	t.Parallel()
	if id := requestid.New(); !requestid.Valid(id) {
		t.Errorf("New() = %q, which Valid rejects", id)
	}
}

// accounts answers GetAccount with the request ids it saw: in the context
// (Name) and in the incoming metadata (DisplayName).
type accounts struct {
	identityv1.UnimplementedAccountServiceServer
}

func (accounts) GetAccount(ctx context.Context, _ *identityv1.GetAccountRequest) (*identityv1.Account, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	return &identityv1.Account{
		Name:        requestid.FromContext(ctx),
		DisplayName: strings.Join(md.Get(requestid.MetadataKey), ","),
	}, nil
}

func dial(t *testing.T, opts ...grpc.DialOption) identityv1.AccountServiceClient {
	t.Helper()
	return dialFresh(t, nil, opts...)
}

// dialFresh is dial with the server's FreshFunc.
func dialFresh(t *testing.T, fresh requestid.FreshFunc, opts ...grpc.DialOption) identityv1.AccountServiceClient {
	t.Helper()
	srv := grpc.NewServer(grpc.ChainUnaryInterceptor(requestid.UnaryServerInterceptor(fresh)))
	identityv1.RegisterAccountServiceServer(srv, accounts{})
	lis := bufconn.Listen(1 << 16)
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(lis)
	}()
	opts = append([]grpc.DialOption{
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
	}, opts...)
	cc, err := grpc.NewClient("passthrough:///bufnet", opts...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(func() {
		cc.Close()
		srv.Stop()
		<-served
	})
	return identityv1.NewAccountServiceClient(cc)
}

func TestServerInterceptor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		sent     []string
		wantEcho bool
	}{
		{name: "valid id kept", sent: []string{"abc-123"}, wantEcho: true},
		{name: "none sent"},
		{name: "invalid replaced", sent: []string{"a;b"}},
		{name: "two values replaced", sent: []string{"a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			client := dial(t)
			ctx := t.Context()
			for _, v := range tt.sent {
				ctx = metadata.AppendToOutgoingContext(ctx, requestid.MetadataKey, v)
			}
			var header metadata.MD
			got, err := client.GetAccount(ctx, &identityv1.GetAccountRequest{}, grpc.Header(&header))
			if err != nil {
				t.Fatalf("GetAccount: %v", err)
			}
			echoed := header.Get(requestid.MetadataKey)
			if len(echoed) != 1 {
				t.Fatalf("response header = %q, want one id", echoed)
			}
			if tt.wantEcho && echoed[0] != tt.sent[0] {
				t.Errorf("response header = %q, want %q", echoed[0], tt.sent[0])
			}
			if !tt.wantEcho && !requestid.Valid(echoed[0]) {
				t.Errorf("generated id %q is not valid", echoed[0])
			}
			want := []string{echoed[0], echoed[0]}
			if diff := cmp.Diff(want, []string{got.GetName(), got.GetDisplayName()}); diff != "" {
				t.Errorf("handler saw [context, metadata] (-want +got):\n%s", diff)
			}
		})
	}
}

// TestFreshForAnonymousMethods checks that a method promising anonymity
// never keeps the id its caller chose, while others do.
func TestFreshForAnonymousMethods(t *testing.T) {
	t.Parallel()
	for _, anonymous := range []bool{false, true} {
		client := dialFresh(t, func(method string) bool {
			return anonymous && method == identityv1.AccountService_GetAccount_FullMethodName
		})
		ctx := metadata.AppendToOutgoingContext(t.Context(), requestid.MetadataKey, "device-4711")
		var header metadata.MD
		got, err := client.GetAccount(ctx, &identityv1.GetAccountRequest{}, grpc.Header(&header))
		if err != nil {
			t.Fatalf("GetAccount: %v", err)
		}
		kept := got.GetName() == "device-4711" || got.GetDisplayName() == "device-4711" || slices.Contains(header.Get(requestid.MetadataKey), "device-4711")
		if kept == anonymous || !requestid.Valid(got.GetName()) || got.GetName() != got.GetDisplayName() {
			t.Errorf("anonymous %v: handler saw %q / %q, header %q", anonymous, got.GetName(), got.GetDisplayName(), header.Get(requestid.MetadataKey))
		}
	}
}

func TestClientInterceptor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		ctxID    string // requestid.NewContext
		outgoing string // already in the outgoing metadata
		want     string
	}{
		{name: "forwards the context's id", ctxID: "from-ctx", want: "from-ctx"},
		{name: "keeps an explicit id", ctxID: "from-ctx", outgoing: "explicit", want: "explicit"},
		{name: "nothing to forward"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			client := dial(t, grpc.WithChainUnaryInterceptor(requestid.UnaryClientInterceptor()))
			ctx := t.Context()
			if tt.ctxID != "" {
				ctx = requestid.NewContext(ctx, tt.ctxID)
			}
			if tt.outgoing != "" {
				ctx = metadata.AppendToOutgoingContext(ctx, requestid.MetadataKey, tt.outgoing)
			}
			got, err := client.GetAccount(ctx, &identityv1.GetAccountRequest{})
			if err != nil {
				t.Fatalf("GetAccount: %v", err)
			}
			if tt.want == "" {
				if _, err := uuid.Parse(got.GetName()); err != nil {
					t.Errorf("server id = %q, want a generated UUID", got.GetName())
				}
				return
			}
			if got.GetName() != tt.want {
				t.Errorf("server id = %q, want %q", got.GetName(), tt.want)
			}
		})
	}
}
