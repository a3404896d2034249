package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"slices"

	"github.com/engagehq/engage/services/internal/app"
	"github.com/engagehq/engage/services/internal/config"
	"github.com/engagehq/engage/services/internal/gctune"
)

func serve(ctx context.Context, args, environ []string, stdout, stderr io.Writer) error {
	cfg, err := config.FromEnv(environ)
	if err != nil {
		return err
	}
	component := ""
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		component, args = args[0], args[1:]
		if component != "all" && !slices.Contains(app.Components, component) {
			return fmt.Errorf("serve: unknown component %q (want one of %v)", component, app.Components)
		}
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.ServeFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("serve: unexpected arguments %v", fs.Args())
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	logger := newLogger(cfg, stderr)
	defer gctune.Start(environ, gctune.DefaultHeadroom).Stop()
	return app.Run(ctx, app.Options{Config: cfg, Component: component, Logger: logger, Out: stdout})
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	level, _ := cfg.Level()
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
