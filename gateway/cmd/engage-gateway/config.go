package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
)

// errUsage is returned when the flags are wrong; flag has printed why.
var errUsage = errors.New("usage")

// config is every setting of the command: environment variables first
// (ENGAGE_…, the names the engage binary uses where they overlap), then
// flags, which win.
type config struct {
	// Addr is where the gateway listens.
	Addr string `env:"ENGAGE_GATEWAY_ADDR" envDefault:"127.0.0.1:8080"`
	// IdentityAddr is the identity service's gRPC address.
	IdentityAddr string `env:"ENGAGE_IDENTITY_ADDR" envDefault:"127.0.0.1:9090"`
	// ForumAddr is the forum service's gRPC address; empty serves no forum
	// routes.
	ForumAddr string `env:"ENGAGE_FORUM_ADDR"`
	// FeedbackAddr is the feedback service's gRPC address; empty serves no
	// feedback, survey or statistics routes.
	FeedbackAddr string `env:"ENGAGE_FEEDBACK_ADDR"`
	// TrainingAddr is the training service's gRPC address; empty serves no
	// training routes.
	TrainingAddr string `env:"ENGAGE_TRAINING_ADDR"`
	// AlertsAddr is the alerts service's gRPC address; empty serves no
	// alert or subscription routes.
	AlertsAddr string `env:"ENGAGE_ALERTS_ADDR"`
	// BackendCAFile, when set, makes the backend connections TLS, trusting
	// this PEM bundle; otherwise they are plaintext, for a trusted internal
	// network only.
	BackendCAFile string `env:"ENGAGE_BACKEND_CA_FILE"`
	// MaxBodyBytes caps request bodies (413 above it).
	MaxBodyBytes int64 `env:"ENGAGE_MAX_BODY_BYTES" envDefault:"1048576"`
	// MaxCallDuration caps every unary call's deadline.
	MaxCallDuration time.Duration `env:"ENGAGE_MAX_CALL_DURATION" envDefault:"30s"`
	// CORSOrigins are the browser origins allowed to call the API.
	CORSOrigins []string `env:"ENGAGE_CORS_ORIGINS" envSeparator:","`
	// AnonymousRate and AnonymousBurst limit requests without credentials
	// per client address; TrustedProxies says how many proxies in front
	// append to X-Forwarded-For.
	AnonymousRate  float64 `env:"ENGAGE_ANONYMOUS_RATE" envDefault:"10"`
	AnonymousBurst int     `env:"ENGAGE_ANONYMOUS_BURST" envDefault:"40"`
	TrustedProxies int     `env:"ENGAGE_TRUSTED_PROXIES" envDefault:"0"`
	// ShutdownTimeout bounds the drain of unary calls on shutdown.
	ShutdownTimeout time.Duration `env:"ENGAGE_SHUTDOWN_TIMEOUT" envDefault:"10s"`
	// LogLevel is debug, info, warn or error; LogFormat text or json.
	LogLevel  string `env:"ENGAGE_LOG_LEVEL" envDefault:"info"`
	LogFormat string `env:"ENGAGE_LOG_FORMAT" envDefault:"text"`
}

func parseConfig(args, environ []string) (config, error) {
	var c config
	if err := env.ParseWithOptions(&c, env.Options{Environment: env.ToMap(environ)}); err != nil {
		return config{}, fmt.Errorf("environment: %w", err)
	}
	c.CORSOrigins = splitList(strings.Join(c.CORSOrigins, ","))

	fs := flag.NewFlagSet("engage-gateway", flag.ContinueOnError)
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address (ENGAGE_GATEWAY_ADDR)")
	fs.StringVar(&c.IdentityAddr, "identity-addr", c.IdentityAddr, "identity service gRPC address (ENGAGE_IDENTITY_ADDR)")
	fs.StringVar(&c.ForumAddr, "forum-addr", c.ForumAddr, "forum service gRPC address; empty serves no forum routes (ENGAGE_FORUM_ADDR)")
	fs.StringVar(&c.FeedbackAddr, "feedback-addr", c.FeedbackAddr, "feedback service gRPC address; empty serves no feedback routes (ENGAGE_FEEDBACK_ADDR)")
	fs.StringVar(&c.TrainingAddr, "training-addr", c.TrainingAddr, "training service gRPC address; empty serves no training routes (ENGAGE_TRAINING_ADDR)")
	fs.StringVar(&c.AlertsAddr, "alerts-addr", c.AlertsAddr, "alerts service gRPC address; empty serves no alert routes (ENGAGE_ALERTS_ADDR)")
	fs.StringVar(&c.BackendCAFile, "backend-ca-file", c.BackendCAFile, "PEM CA bundle: dial backends with TLS (ENGAGE_BACKEND_CA_FILE)")
	fs.Int64Var(&c.MaxBodyBytes, "max-body-bytes", c.MaxBodyBytes, "largest request body (ENGAGE_MAX_BODY_BYTES)")
	fs.DurationVar(&c.MaxCallDuration, "max-call-duration", c.MaxCallDuration, "deadline cap of unary calls (ENGAGE_MAX_CALL_DURATION)")
	fs.Func("cors-origins", "comma-separated browser origins allowed to call the API (ENGAGE_CORS_ORIGINS)", func(s string) error {
		c.CORSOrigins = splitList(s)
		return nil
	})
	fs.Float64Var(&c.AnonymousRate, "anonymous-rate", c.AnonymousRate, "requests per second without credentials, per address (ENGAGE_ANONYMOUS_RATE)")
	fs.IntVar(&c.AnonymousBurst, "anonymous-burst", c.AnonymousBurst, "burst of requests without credentials, per address (ENGAGE_ANONYMOUS_BURST)")
	fs.IntVar(&c.TrustedProxies, "trusted-proxies", c.TrustedProxies, "reverse proxies in front that append X-Forwarded-For (ENGAGE_TRUSTED_PROXIES)")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", c.ShutdownTimeout, "graceful shutdown bound (ENGAGE_SHUTDOWN_TIMEOUT)")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error (ENGAGE_LOG_LEVEL)")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "text or json (ENGAGE_LOG_FORMAT)")
	if err := fs.Parse(args); err != nil {
		return config{}, fmt.Errorf("%w: %w", errUsage, err)
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	return c, c.validate()
}

func (c config) validate() error {
	var problems []error
	if c.Addr == "" {
		problems = append(problems, errors.New("addr is empty"))
	}
	if c.IdentityAddr == "" {
		problems = append(problems, errors.New("identity-addr is empty"))
	}
	if c.MaxBodyBytes <= 0 {
		problems = append(problems, errors.New("max-body-bytes must be positive"))
	}
	if c.MaxCallDuration <= 0 {
		problems = append(problems, errors.New("max-call-duration must be positive"))
	}
	if c.AnonymousRate <= 0 || c.AnonymousBurst <= 0 {
		problems = append(problems, errors.New("anonymous-rate and anonymous-burst must be positive"))
	}
	if c.TrustedProxies < 0 {
		problems = append(problems, errors.New("trusted-proxies must not be negative"))
	}
	if c.ShutdownTimeout <= 0 {
		problems = append(problems, errors.New("shutdown-timeout must be positive"))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		problems = append(problems, fmt.Errorf("log-format %q: want text or json", c.LogFormat))
	}
	var l slog.Level
	if err := l.UnmarshalText([]byte(c.LogLevel)); err != nil {
		problems = append(problems, fmt.Errorf("log-level %q: %w", c.LogLevel, err))
	}
	return errors.Join(problems...)
}

func (c config) logger(w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return nil, err
	}
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return slog.New(slog.NewTextHandler(w, opts)), nil
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
