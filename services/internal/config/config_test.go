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
