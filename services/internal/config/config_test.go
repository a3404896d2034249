package config

import (
	"flag"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestEnvThenFlags(t *testing.T) {
	t.Parallel()
	c, err := FromEnv([]string{"ENGAGE_DATA_DIR=/srv/engage", "ENGAGE_HTTP_ADDR=:8081", "ENGAGE_CORS_ORIGINS=https://a.example, https://b.example"})
	if err != nil {
		t.Fatal(err)
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	c.ServeFlags(fs)
	if err := fs.Parse([]string{"--http-addr", ":9000", "--demo"}); err != nil {
		t.Fatal(err)
	}
	if c.DataDir != "/srv/engage" || c.HTTPAddr != ":9000" || !c.Demo || c.GRPCAddr != "127.0.0.1:9090" {
		t.Errorf("config = %+v", c)
	}
	if diff := cmp.Diff([]string{"https://a.example", "https://b.example"}, c.CORSOrigins); diff != "" {
		t.Errorf("cors origins (-want +got):\n%s", diff)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	base, err := FromEnv(nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		mutate func(*Config)
	}{
		{"token ttl over 15m", func(c *Config) { c.AccessTokenTTL = 16 * time.Minute }},
		{"bad log level", func(c *Config) { c.LogLevel = "loud" }},
		{"bad log format", func(c *Config) { c.LogFormat = "xml" }},
		{"empty data dir", func(c *Config) { c.DataDir = "" }},
		{"zero body limit", func(c *Config) { c.MaxBodyBytes = 0 }},
		{"zero cell size", func(c *Config) { c.MinCellSize = 0 }},
		{"negative trust drop", func(c *Config) { c.TrustDropPoints = -1 }},
		{"relative survey url", func(c *Config) { c.SurveyURL = "/survey" }},
		{"relative public url", func(c *Config) { c.PublicURL = "engage.example.org" }},
		{"public url not http", func(c *Config) { c.PublicURL = "ftp://engage.example.org" }},
		{"zero summary timeout", func(c *Config) { c.SummaryTimeout = 0 }},
		{"negative forum timeout", func(c *Config) { c.ForumTimeout = -time.Second }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := base
			tt.mutate(&c)
			if c.Validate() == nil {
				t.Error("Validate() = nil, want an error")
			}
		})
	}
	if err := base.Validate(); err != nil {
		t.Errorf("defaults invalid: %v", err)
	}
}

func TestTrainingSettings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		environ []string
		args    []string
		want    Config
	}{
		{
			name: "defaults",
			want: Config{PublicURL: "http://127.0.0.1:8080", SummaryTimeout: 3 * time.Second},
		},
		{
			name:    "environment",
			environ: []string{"ENGAGE_TRAINING_ADDR=training:9090", "ENGAGE_PUBLIC_URL=https://engage.example.org", "ENGAGE_SUMMARY_TIMEOUT=1500ms"},
			want:    Config{TrainingAddr: "training:9090", PublicURL: "https://engage.example.org", SummaryTimeout: 1500 * time.Millisecond},
		},
		{
			name:    "flags win",
			environ: []string{"ENGAGE_TRAINING_ADDR=training:9090", "ENGAGE_SUMMARY_TIMEOUT=1s"},
			args:    []string{"--training-addr", "10.0.0.7:9090", "--public-url", "https://a.example", "--summary-timeout", "5s"},
			want:    Config{TrainingAddr: "10.0.0.7:9090", PublicURL: "https://a.example", SummaryTimeout: 5 * time.Second},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := FromEnv(tt.environ)
			if err != nil {
				t.Fatal(err)
			}
			fs := flag.NewFlagSet("serve", flag.ContinueOnError)
			c.ServeFlags(fs)
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			got := Config{TrainingAddr: c.TrainingAddr, PublicURL: c.PublicURL, SummaryTimeout: c.SummaryTimeout}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("training settings (-want +got):\n%s", diff)
			}
			if err := c.Validate(); err != nil {
				t.Errorf("Validate: %v", err)
			}
		})
	}
}

func TestAlertsSettings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		environ []string
		args    []string
		want    Config
	}{
		{
			name: "defaults",
			want: Config{PublicURL: "http://127.0.0.1:8080", ForumTimeout: 5 * time.Second},
		},
		{
			name:    "environment",
			environ: []string{"ENGAGE_ALERTS_ADDR=alerts:9090", "ENGAGE_FORUM_ADDR=forum:9090", "ENGAGE_PUBLIC_URL=https://engage.example.org", "ENGAGE_FORUM_TIMEOUT=2s"},
			want:    Config{AlertsAddr: "alerts:9090", ForumAddr: "forum:9090", PublicURL: "https://engage.example.org", ForumTimeout: 2 * time.Second},
		},
		{
			name:    "flags win",
			environ: []string{"ENGAGE_ALERTS_ADDR=alerts:9090", "ENGAGE_FORUM_TIMEOUT=2s"},
			args:    []string{"--alerts-addr", "10.0.0.8:9090", "--forum-timeout", "750ms"},
			want:    Config{AlertsAddr: "10.0.0.8:9090", PublicURL: "http://127.0.0.1:8080", ForumTimeout: 750 * time.Millisecond},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := FromEnv(tt.environ)
			if err != nil {
				t.Fatal(err)
			}
			fs := flag.NewFlagSet("serve", flag.ContinueOnError)
			c.ServeFlags(fs)
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			got := Config{AlertsAddr: c.AlertsAddr, ForumAddr: c.ForumAddr, PublicURL: c.PublicURL, ForumTimeout: c.ForumTimeout}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("alerts settings (-want +got):\n%s", diff)
			}
			if err := c.Validate(); err != nil {
				t.Errorf("Validate: %v", err)
			}
		})
	}
}
