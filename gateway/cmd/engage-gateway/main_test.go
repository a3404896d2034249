package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	"google.golang.org/grpc/health/grpc_health_v1"
)

func TestParseConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		environ []string
		want    func(*config)
		wantErr string
	}{
		{name: "defaults", want: func(*config) {}},
		{
			name:    "environment",
			environ: []string{"ENGAGE_GATEWAY_ADDR=:9999", "ENGAGE_IDENTITY_ADDR=identity:9090", "ENGAGE_CORS_ORIGINS= https://a.example , ,https://b.example", "ENGAGE_MAX_CALL_DURATION=5s"},
			want: func(c *config) {
				c.Addr, c.IdentityAddr = ":9999", "identity:9090"
				c.CORSOrigins = []string{"https://a.example", "https://b.example"}
				c.MaxCallDuration = 5 * time.Second
			},
		},
		{
			name:    "flags win",
			environ: []string{"ENGAGE_GATEWAY_ADDR=:9999"},
			args:    []string{"--addr", ":7000", "--trusted-proxies", "1", "--cors-origins", "https://c.example"},
			want: func(c *config) {
				c.Addr, c.TrustedProxies, c.CORSOrigins = ":7000", 1, []string{"https://c.example"}
			},
		},
		{name: "bad duration", environ: []string{"ENGAGE_MAX_CALL_DURATION=soon"}, wantErr: "environment"},
		{name: "zero body limit", args: []string{"--max-body-bytes", "0"}, wantErr: "max-body-bytes"},
		{name: "bad log format", args: []string{"--log-format", "xml"}, wantErr: "log-format"},
		{name: "stray argument", args: []string{"serve"}, wantErr: "unexpected arguments"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseConfig(tc.args, tc.environ)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one about %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want, _ := parseConfig(nil, nil)
			tc.want(&want)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("config (-want +got):\n%s", diff)
			}
		})
	}
}

func TestServeAndShutDown(t *testing.T) {
	t.Parallel()
	backend, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	grpc_health_v1.RegisterHealthServer(srv, health.NewServer())
	go func() { _ = srv.Serve(backend) }()
	t.Cleanup(srv.Stop)

	cfg, err := parseConfig([]string{"--identity-addr", backend.Addr().String()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, slog.New(slog.DiscardHandler), ln) }()

	for _, path := range []string{"/healthz", "/readyz"} {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://"+ln.Addr().String()+path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s = %d %s", path, resp.StatusCode, b)
		}
	}
	stop()
	if err := <-done; err != nil {
		t.Errorf("serve after shutdown: %v", err)
	}
}
