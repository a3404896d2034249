package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/engagehq/engage/services/internal/app"
	"github.com/engagehq/engage/services/internal/config"
	"github.com/engagehq/engage/services/internal/grpcserver"
	"github.com/pquerna/otp/totp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

const (
	adminEmail    = "admin@e2e.example"
	adminPassword = "an admin passphrase for tests"
)

// platform is a running all-in-one Engage on loopback ports.
type platform struct {
	t       *testing.T
	base    string // http://127.0.0.1:port
	conn    *grpc.ClientConn
	dataDir string
	logs    *logBuffer
	app     *app.Platform // nil for a platform of separate processes
}

func startPlatform(t *testing.T, mutate ...func(*config.Config)) *platform {
	t.Helper()
	cfg, err := config.FromEnv(nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DataDir = t.TempDir()
	cfg.HTTPAddr = "127.0.0.1:0"
	cfg.GRPCAddr = "127.0.0.1:0"
	cfg.AdminEmail = adminEmail
	cfg.AdminPassword = adminPassword
	for _, m := range mutate {
		m(&cfg)
	}
	logs := &logBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	p, err := app.Start(t.Context(), app.Options{Config: cfg, Logger: logger})
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	pl := &platform{t: t, base: "http://" + p.HTTPAddr.String(), dataDir: cfg.DataDir, logs: logs, app: p}
	t.Cleanup(pl.stop)
	conn, err := grpcserver.Dial(p.GRPCAddr.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	pl.conn = conn
	return pl
}

// stop shuts the platform down; once stopped, its stores are closed and
// its files may be read. Stopping again does nothing.
func (p *platform) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.app.Shutdown(ctx); err != nil {
		p.t.Errorf("shutdown: %v", err)
	}
}

// response is a REST answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
	return m
}

// do sends a REST request; body is JSON-encoded unless it is a string or []byte.
func (p *platform) do(method, path, token string, body any) response {
	p.t.Helper()
	h := http.Header{}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	return p.doWith(method, path, h, body)
}

// doWith sends a REST request with the given headers.
func (p *platform) doWith(method, path string, header http.Header, body any) response {
	p.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		enc, err := json.Marshal(b)
		if err != nil {
			p.t.Fatal(err)
		}
		rd = bytes.NewReader(enc)
	}
	req, err := http.NewRequestWithContext(p.t.Context(), method, p.base+path, rd)
	if err != nil {
		p.t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	if rd != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		p.t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// must sends a request that must answer want.
func (p *platform) must(want int, method, path, token string, body any) map[string]any {
	p.t.Helper()
	r := p.do(method, path, token, body)
	if r.status != want {
		p.t.Fatalf("%s %s = %d %s, want %d", method, path, r.status, r.body, want)
	}
	if len(r.body) == 0 {
		return nil
	}
	return r.json(p.t)
}

// signUp creates a resident account over REST and returns its name.
func (p *platform) signUp(email, password string) string {
	p.t.Helper()
	a := p.must(200, "POST", "/v1/accounts", "", map[string]any{"email": email, "displayName": "Test " + email, "password": password})
	return a["name"].(string)
}

// signIn returns the session of a password (and optional code) sign-in.
func (p *platform) signIn(email, password, code string) map[string]any {
	p.t.Helper()
	body := map[string]any{"email": email, "password": password}
	if code != "" {
		body["totpCode"] = code
	}
	return p.must(200, "POST", "/v1/sessions", "", body)
}

// enrollTOTP enrolls and verifies a second factor for the holder of token
// and returns the secret.
func (p *platform) enrollTOTP(token, password string) string {
	p.t.Helper()
	enr := p.must(200, "POST", "/v1/accounts/me/totp:enroll", token, map[string]any{"password": password})
	secret := enr["secret"].(string)
	p.must(200, "POST", "/v1/accounts/me/totp:verify", token, map[string]any{"code": code(p.t, secret, time.Now())})
	return secret
}

// staffSignIn signs in with a password, enrolls TOTP if secret is empty,
// and signs in again with a code; it returns the MFA access token.
func (p *platform) staffSignIn(email, password string) (token, secret string) {
	p.t.Helper()
	first := p.signIn(email, password, "")
	secret = p.enrollTOTP(first["accessToken"].(string), password)
	// The verified step may not be reused; the next one is within the skew.
	s := p.signIn(email, password, code(p.t, secret, time.Now().Add(30*time.Second)))
	return s["accessToken"].(string), secret
}

func code(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func withToken(ctx context.Context, token string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
}

func withAPIKey(ctx context.Context, key string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "x-api-key", key)
}
