// Package config is the one configuration struct of the engage binary. It is
// read once at start: environment variables first (ENGAGE_…), then flags,
// which win. Nothing else reads the environment.
package config

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
)

// Config is every setting of every command.
type Config struct {
	// DataDir holds one bbolt file per service.
	DataDir string `env:"ENGAGE_DATA_DIR" envDefault:"./data"`
	// HTTPAddr is where the REST gateway listens.
	HTTPAddr string `env:"ENGAGE_HTTP_ADDR" envDefault:"127.0.0.1:8080"`
	// GRPCAddr is where the gRPC services listen.
	GRPCAddr string `env:"ENGAGE_GRPC_ADDR" envDefault:"127.0.0.1:9090"`
	// AdminEmail and AdminPassword create the first platform administrator
	// on a fresh data directory; an empty password is generated and printed once.
	AdminEmail    string `env:"ENGAGE_ADMIN_EMAIL" envDefault:"admin@engage.local"`
	AdminPassword string `env:"ENGAGE_ADMIN_PASSWORD"`
	// Demo seeds a demo agency with staff, residents and content on a fresh
	// data directory.
	Demo bool `env:"ENGAGE_DEMO"`
	// InternalSecret authenticates the services to each other. Generated per
	// process when every service runs in one process; required otherwise.
	InternalSecret string `env:"ENGAGE_INTERNAL_SECRET"`
	// ForumAddr is the forum service's gRPC address, for the gateway in
	// split mode (empty serves no forum routes), and for the alerts
	// service in split mode, which opens alerts' Q&A threads in Forum.
	ForumAddr string `env:"ENGAGE_FORUM_ADDR"`
	// FeedbackAddr is the feedback service's gRPC address, for the gateway
	// in split mode (empty serves no feedback, survey or statistics
	// routes), and for the training service in split mode, which asks
	// Feedback for complaint counts.
	FeedbackAddr string `env:"ENGAGE_FEEDBACK_ADDR"`
	// SurveyURL is the base of the links in post-contact survey
	// invitations (the token is appended as the `token` query parameter).
	SurveyURL string `env:"ENGAGE_SURVEY_URL" envDefault:"http://127.0.0.1:8080/survey"`
	// TrainingAddr is the training service's gRPC address, for the gateway
	// in split mode; empty serves no training routes.
	TrainingAddr string `env:"ENGAGE_TRAINING_ADDR"`
	// AlertsAddr is the alerts service's gRPC address, for the gateway in
	// split mode (empty serves no alert or subscription routes), and for
	// the feedback service in split mode, which raises its staff notices
	// of Trust Index drops through Alerts (empty: they go to the audit
	// log instead).
	AlertsAddr string `env:"ENGAGE_ALERTS_ADDR"`
	// PublicURL is the platform's public base URL. Training's xAPI
	// statements name their actors' accounts and objects under it, so a
	// learning record store can tell which platform they come from; the
	// Alerts service's CAP documents and Atom feed link under it, and its
	// host names the CAP sender of every alert (`{agency}@{host}`).
	PublicURL string `env:"ENGAGE_PUBLIC_URL" envDefault:"http://127.0.0.1:8080"`
	// SummaryTimeout bounds Training's call to Feedback for the complaint
	// counts behind recommendations: past it, recommendations are
	// UNAVAILABLE rather than held until the caller's own deadline.
	SummaryTimeout time.Duration `env:"ENGAGE_SUMMARY_TIMEOUT" envDefault:"3s"`
	// ForumTimeout bounds the Alerts service's call to Forum that opens an
	// alert's Q&A thread: past it, the call is UNAVAILABLE and the author
	// may try again.
	ForumTimeout time.Duration `env:"ENGAGE_FORUM_TIMEOUT" envDefault:"5s"`
	// MinCellSize is k: published statistics drawn from fewer than k
	// submissions or respondents are suppressed.
	MinCellSize int `env:"ENGAGE_MIN_CELL_SIZE" envDefault:"10"`
	// TrustDropPoints is how far an area's Trust Index must fall from one
	// period to the next for a staff-only notice.
	TrustDropPoints float64 `env:"ENGAGE_TRUST_DROP_POINTS" envDefault:"10"`
	// MetricsAddr, when set, serves Prometheus /metrics of a service
	// running alone (in one process, and for the gateway, /metrics is on
	// the REST listener).
	MetricsAddr string `env:"ENGAGE_METRICS_ADDR"`
	// IdentityAddr is the identity service's gRPC address, for services and
	// the gateway running as separate processes.
	IdentityAddr string `env:"ENGAGE_IDENTITY_ADDR"`
	// TrustedProxies are the networks the REST gateway calls the services
	// from. Anonymous calls from them are rate-limited by the gateway, per
	// client, instead of all together by the gateway's address.
	TrustedProxies []string `env:"ENGAGE_TRUSTED_PROXIES" envSeparator:"," envDefault:"127.0.0.0/8,::1/128"`
	// RateLimit and RateBurst limit each signed-in account or partner, per
	// service process (requests per second, and the burst allowed).
	RateLimit float64 `env:"ENGAGE_RATE_LIMIT" envDefault:"20"`
	RateBurst int     `env:"ENGAGE_RATE_BURST" envDefault:"40"`
	// AnonymousRateLimit and AnonymousRateBurst limit each client without
	// credentials, keyed by a hash of its address that lives only in memory.
	AnonymousRateLimit float64 `env:"ENGAGE_ANONYMOUS_RATE_LIMIT" envDefault:"10"`
	AnonymousRateBurst int     `env:"ENGAGE_ANONYMOUS_RATE_BURST" envDefault:"40"`
	// LogLevel is debug, info, warn or error; LogFormat text or json.
	LogLevel  string `env:"ENGAGE_LOG_LEVEL" envDefault:"info"`
	LogFormat string `env:"ENGAGE_LOG_FORMAT" envDefault:"text"`
	// MaxBodyBytes caps REST request bodies (413 above it).
	MaxBodyBytes int64 `env:"ENGAGE_MAX_BODY_BYTES" envDefault:"1048576"`
	// MaxCallDuration caps every unary call's deadline, whatever the client asks.
	MaxCallDuration time.Duration `env:"ENGAGE_MAX_CALL_DURATION" envDefault:"30s"`
	// CORSOrigins are the browser origins allowed to call the REST API.
	CORSOrigins []string `env:"ENGAGE_CORS_ORIGINS" envSeparator:","`
	// ShutdownTimeout bounds the graceful drain of calls and streams.
	ShutdownTimeout time.Duration `env:"ENGAGE_SHUTDOWN_TIMEOUT" envDefault:"10s"`
	// AccessTokenTTL is the lifetime of access tokens (at most 15 minutes).
	AccessTokenTTL time.Duration `env:"ENGAGE_ACCESS_TOKEN_TTL" envDefault:"10m"`
}

// FromEnv returns the configuration from environ (os.Environ() outside
// tests) and defaults.
func FromEnv(environ []string) (Config, error) {
	var c Config
	if err := env.ParseWithOptions(&c, env.Options{Environment: env.ToMap(environ)}); err != nil {
		return Config{}, fmt.Errorf("environment: %w", err)
	}
	c.CORSOrigins = splitList(strings.Join(c.CORSOrigins, ","))
	c.TrustedProxies = splitList(strings.Join(c.TrustedProxies, ","))
	return c, nil
}

// ServeFlags registers the flags of `engage serve` on fs, defaulting to the
// values already in c (from the environment).
func (c *Config) ServeFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "directory of the bbolt files (ENGAGE_DATA_DIR)")
	fs.StringVar(&c.HTTPAddr, "http-addr", c.HTTPAddr, "REST gateway listen address (ENGAGE_HTTP_ADDR)")
	fs.StringVar(&c.GRPCAddr, "grpc-addr", c.GRPCAddr, "gRPC listen address (ENGAGE_GRPC_ADDR)")
	fs.StringVar(&c.AdminEmail, "admin-email", c.AdminEmail, "first platform admin's email (ENGAGE_ADMIN_EMAIL)")
	fs.StringVar(&c.AdminPassword, "admin-password", c.AdminPassword, "first platform admin's password; generated when empty (ENGAGE_ADMIN_PASSWORD)")
	fs.BoolVar(&c.Demo, "demo", c.Demo, "seed a demo agency on a fresh data directory (ENGAGE_DEMO)")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", c.MetricsAddr, "address for /metrics of a service running alone (ENGAGE_METRICS_ADDR)")
	fs.StringVar(&c.ForumAddr, "forum-addr", c.ForumAddr, "forum service address for the gateway and alerts in split mode (ENGAGE_FORUM_ADDR)")
	fs.StringVar(&c.FeedbackAddr, "feedback-addr", c.FeedbackAddr, "feedback service address for the gateway in split mode (ENGAGE_FEEDBACK_ADDR)")
	fs.StringVar(&c.TrainingAddr, "training-addr", c.TrainingAddr, "training service address for the gateway in split mode (ENGAGE_TRAINING_ADDR)")
	fs.StringVar(&c.AlertsAddr, "alerts-addr", c.AlertsAddr, "alerts service address for the gateway and for feedback's notices in split mode (ENGAGE_ALERTS_ADDR)")
	fs.StringVar(&c.PublicURL, "public-url", c.PublicURL, "the platform's public base URL, naming xAPI statement accounts and rooting CAP and Atom links (ENGAGE_PUBLIC_URL)")
	fs.DurationVar(&c.SummaryTimeout, "summary-timeout", c.SummaryTimeout, "bound on Training's call to Feedback for recommendations (ENGAGE_SUMMARY_TIMEOUT)")
	fs.DurationVar(&c.ForumTimeout, "forum-timeout", c.ForumTimeout, "bound on Alerts' call to Forum opening an alert's Q&A thread (ENGAGE_FORUM_TIMEOUT)")
	fs.StringVar(&c.SurveyURL, "survey-url", c.SurveyURL, "base of post-contact survey links; the token is added as ?token= (ENGAGE_SURVEY_URL)")
	fs.IntVar(&c.MinCellSize, "min-cell-size", c.MinCellSize, "k: public statistics of fewer submissions or respondents are suppressed (ENGAGE_MIN_CELL_SIZE)")
	fs.Float64Var(&c.TrustDropPoints, "trust-drop-points", c.TrustDropPoints, "Trust Index fall between periods that notifies staff (ENGAGE_TRUST_DROP_POINTS)")
	fs.StringVar(&c.IdentityAddr, "identity-addr", c.IdentityAddr, "identity service address in split mode (ENGAGE_IDENTITY_ADDR)")
	fs.Func("trusted-proxies", "comma-separated networks of the gateway, as seen by the services (ENGAGE_TRUSTED_PROXIES)", func(s string) error {
		c.TrustedProxies = splitList(s)
		return nil
	})
	fs.Float64Var(&c.RateLimit, "rate-limit", c.RateLimit, "requests per second per signed-in caller; 0 disables (ENGAGE_RATE_LIMIT)")
	fs.IntVar(&c.RateBurst, "rate-burst", c.RateBurst, "burst per signed-in caller (ENGAGE_RATE_BURST)")
	fs.Float64Var(&c.AnonymousRateLimit, "anonymous-rate-limit", c.AnonymousRateLimit, "requests per second per anonymous client; 0 disables (ENGAGE_ANONYMOUS_RATE_LIMIT)")
	fs.IntVar(&c.AnonymousRateBurst, "anonymous-rate-burst", c.AnonymousRateBurst, "burst per anonymous client (ENGAGE_ANONYMOUS_RATE_BURST)")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error (ENGAGE_LOG_LEVEL)")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "text or json (ENGAGE_LOG_FORMAT)")
	fs.Int64Var(&c.MaxBodyBytes, "max-body-bytes", c.MaxBodyBytes, "largest REST request body (ENGAGE_MAX_BODY_BYTES)")
	fs.DurationVar(&c.MaxCallDuration, "max-call-duration", c.MaxCallDuration, "deadline cap for every call (ENGAGE_MAX_CALL_DURATION)")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", c.ShutdownTimeout, "graceful shutdown bound (ENGAGE_SHUTDOWN_TIMEOUT)")
	fs.DurationVar(&c.AccessTokenTTL, "access-token-ttl", c.AccessTokenTTL, "access token lifetime, at most 15m (ENGAGE_ACCESS_TOKEN_TTL)")
	fs.Func("cors-origins", "comma-separated browser origins allowed to call the API (ENGAGE_CORS_ORIGINS)", func(s string) error {
		c.CORSOrigins = splitList(s)
		return nil
	})
}

// Validate reports settings that cannot work.
func (c Config) Validate() error {
	var problems []error
	if c.DataDir == "" {
		problems = append(problems, errors.New("data-dir is empty"))
	}
	if c.AccessTokenTTL <= 0 || c.AccessTokenTTL > 15*time.Minute {
		problems = append(problems, fmt.Errorf("access-token-ttl %s: must be within (0, 15m]", c.AccessTokenTTL))
	}
	if c.MaxBodyBytes <= 0 {
		problems = append(problems, errors.New("max-body-bytes must be positive"))
	}
	if c.MaxCallDuration <= 0 {
		problems = append(problems, errors.New("max-call-duration must be positive"))
	}
	if c.RateLimit < 0 || c.AnonymousRateLimit < 0 || c.RateBurst < 1 || c.AnonymousRateBurst < 1 {
		problems = append(problems, errors.New("rate limits must be ≥ 0 and bursts ≥ 1"))
	}
	if c.MinCellSize < 1 || c.TrustDropPoints <= 0 {
		problems = append(problems, errors.New("min-cell-size must be ≥ 1 and trust-drop-points positive"))
	}
	if u, err := url.Parse(c.SurveyURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		problems = append(problems, fmt.Errorf("survey-url %q: want an absolute http(s) URL", c.SurveyURL))
	}
	if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		problems = append(problems, fmt.Errorf("public-url %q: want an absolute http(s) URL", c.PublicURL))
	}
	if c.SummaryTimeout <= 0 {
		problems = append(problems, errors.New("summary-timeout must be positive"))
	}
	if c.ForumTimeout <= 0 {
		problems = append(problems, errors.New("forum-timeout must be positive"))
	}
	if _, err := c.Level(); err != nil {
		problems = append(problems, err)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		problems = append(problems, fmt.Errorf("log-format %q: want text or json", c.LogFormat))
	}
	return errors.Join(problems...)
}

// Level parses LogLevel.
func (c Config) Level() (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return 0, fmt.Errorf("log-level %q: %w", c.LogLevel, err)
	}
	return l, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
