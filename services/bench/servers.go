package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"github.com/engagehq/engage/services/internal/app"
	"github.com/engagehq/engage/services/internal/config"
	"github.com/engagehq/engage/services/internal/gctune"
	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// The roles of the child processes.
const (
	roleBare   = "bare"
	roleEngage = "engage"
)

// Settings of the Engage child that change what is measured; the report
// prints them.
const (
	// engageLogLevel drops the info access log line written per call.
	engageLogLevel = "warn"
	// engageTokenTTL is the longest access token Engage issues, so that one
	// sign-in covers several rounds.
	engageTokenTTL = 15 * time.Minute
	adminEmail     = "admin@bench.example"
	adminPassword  = "bench administrator passphrase"
)

// addrs is what a child prints, as one JSON line, once it serves.
type addrs struct {
	GRPC string `json:"grpc"`
	HTTP string `json:"http"`
	// Startup is how long the server took to start in the child, from
	// opening its stores to serving (app.Start for Engage).
	Startup time.Duration `json:"startup"`
}

// server is a started child server.
type server struct {
	addrs addrs
	stop  func(context.Context) error
}

// serveChild runs one role until stdin closes (the parent stops it or dies)
// or a signal arrives. Meanwhile it answers the parent's commands (see
// control), one line on stdin each, with one line on stdout: "ok",
// "ok VALUE" or "error: …".
func serveChild(ctx context.Context, o options, stdin io.Reader, stdout, stderr io.Writer) (err error) {
	var s server
	start := time.Now()
	switch o.role {
	case roleBare:
		s, err = startBare(o.suite)
	case roleEngage:
		s, err = startEngage(ctx, o.dataDir, stderr)
		// The parent removes the directory too, after this process ends;
		// removing it here as well leaves nothing behind when the parent
		// was killed. -keep-data leaves it to the Engage started next on
		// the same data.
		if !o.keepData {
			defer os.RemoveAll(o.dataDir)
		}
	}
	if err != nil {
		return err
	}
	s.addrs.Startup = time.Since(start)
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if serr := s.stop(sctx); serr != nil {
			err = errors.Join(err, fmt.Errorf("stop: %w", serr))
		}
	}()
	line, err := json.Marshal(s.addrs)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(stdout, "%s\n", line); err != nil {
		return err
	}

	cmds := make(chan string)
	go func() {
		defer close(cmds)
		sc := bufio.NewScanner(stdin)
		for sc.Scan() {
			cmds <- sc.Text()
		}
	}()
	var ctl control
	defer ctl.stopProfile()
	for {
		select {
		case <-ctx.Done():
			return nil
		case cmd, ok := <-cmds:
			if !ok {
				return nil
			}
			reply, err := ctl.do(cmd)
			if err != nil {
				reply = "error: " + err.Error()
			} else {
				reply = strings.TrimSpace("ok " + reply)
			}
			fmt.Fprintln(stdout, reply)
		}
	}
}

// echo is the bare AccountService: GetAccount answers a fixed account of
// the same shape as Engage's answer for a resident, without any work.
type echo struct {
	identityv1.UnimplementedAccountServiceServer
	account *identityv1.Account
}

var _ identityv1.AccountServiceServer = (*echo)(nil)

func (e *echo) GetAccount(context.Context, *identityv1.GetAccountRequest) (*identityv1.Account, error) {
	return e.account, nil
}

// postEcho is the bare PostService: CreatePost answers the post it was
// sent, named under its parent, with the fields Engage fills for a staff
// reply, without storing anything.
type postEcho struct {
	forumv1.UnimplementedPostServiceServer
}

var _ forumv1.PostServiceServer = (*postEcho)(nil)

func (postEcho) CreatePost(_ context.Context, req *forumv1.CreatePostRequest) (*forumv1.Post, error) {
	return &forumv1.Post{
		Name:              req.GetParent() + "/posts/019a0000-0000-7000-8000-000000000000",
		Body:              req.GetPost().GetBody(),
		Author:            "accounts/019a0000-0000-7000-8000-000000000001",
		AuthorDisplayName: "Bench Officer 1",
		Official:          true,
		State:             forumv1.ContentState_CONTENT_STATE_VISIBLE,
		CreateTime:        timestamppb.Now(),
		Etag:              `"1"`,
	}, nil
}

// startBare serves the suite's baseline: a grpc.NewServer with no options
// and a runtime.NewServeMux with no options in front of it, over a loopback
// client connection, both on 127.0.0.1.
func startBare(suite string) (server, error) {
	switch suite {
	case suiteIdentity:
		return serveBare(func(g *grpc.Server) {
			identityv1.RegisterAccountServiceServer(g, &echo{account: &identityv1.Account{
				Name:        "accounts/019a0000-0000-7000-8000-000000000000",
				Email:       "resident@bench.example",
				DisplayName: "Bench Resident",
				CreateTime:  timestamppb.Now(),
			}})
		}, func(ctx context.Context, mux *runtime.ServeMux, conn *grpc.ClientConn) error {
			return identityv1.RegisterAccountServiceHandlerClient(ctx, mux, identityv1.NewAccountServiceClient(conn))
		})
	case suiteForum:
		return serveBare(func(g *grpc.Server) {
			forumv1.RegisterPostServiceServer(g, &postEcho{})
		}, func(ctx context.Context, mux *runtime.ServeMux, conn *grpc.ClientConn) error {
			return forumv1.RegisterPostServiceHandlerClient(ctx, mux, forumv1.NewPostServiceClient(conn))
		})
	case suiteFeedback:
		return serveBare(registerFeedbackEcho, handleFeedbackEcho)
	case suiteAlerts:
		return startAlertsBare()
	default:
		return server{}, fmt.Errorf("no bare server for suite %q", suite)
	}
}

// serveBare starts a bare gRPC server with the services register adds, and
// a bare gateway whose handlers handle adds reach it over a loopback
// connection.
func serveBare(register func(*grpc.Server), handle func(context.Context, *runtime.ServeMux, *grpc.ClientConn) error) (server, error) {
	glis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return server{}, err
	}
	gsrv := grpc.NewServer()
	register(gsrv)
	go func() { _ = gsrv.Serve(glis) }()

	conn, err := grpc.NewClient(glis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		gsrv.Stop()
		return server{}, err
	}
	mux := runtime.NewServeMux()
	if err := handle(context.Background(), mux, conn); err != nil {
		conn.Close()
		gsrv.Stop()
		return server{}, err
	}
	hlis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		conn.Close()
		gsrv.Stop()
		return server{}, err
	}
	hsrv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hsrv.Serve(hlis) }()

	stop := func(ctx context.Context) error {
		err := hsrv.Shutdown(ctx)
		conn.Close()
		gsrv.Stop()
		return err
	}
	return server{addrs: addrs{GRPC: glis.Addr().String(), HTTP: hlis.Addr().String()}, stop: stop}, nil
}

// startEngage serves the whole platform as `engage serve` does, on dataDir,
// with the settings the report states: no per-caller rate limits, warn logs.
func startEngage(ctx context.Context, dataDir string, stderr io.Writer) (server, error) {
	if dataDir == "" {
		return server{}, errors.New("the engage role needs -data-dir")
	}
	// Defaults, not the environment: the figures should not depend on the
	// ENGAGE_… variables of whoever runs the benchmark.
	cfg, err := config.FromEnv(nil)
	if err != nil {
		return server{}, err
	}
	cfg.DataDir = dataDir
	cfg.GRPCAddr = "127.0.0.1:0"
	cfg.HTTPAddr = "127.0.0.1:0"
	cfg.AdminEmail = adminEmail
	cfg.AdminPassword = adminPassword
	cfg.RateLimit = 0
	cfg.AnonymousRateLimit = 0
	cfg.LogLevel = engageLogLevel
	cfg.AccessTokenTTL = engageTokenTTL
	cfg.ShutdownTimeout = 5 * time.Second
	level, err := cfg.Level()
	if err != nil {
		return server{}, err
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	// The collector as engage serve runs it when the environment sets no
	// GOGC.
	gc := gctune.Start(nil, gctune.DefaultHeadroom)
	p, err := app.Start(ctx, app.Options{Config: cfg, Logger: logger, Out: io.Discard})
	if err != nil {
		gc.Stop()
		return server{}, err
	}
	stop := func(ctx context.Context) error {
		defer gc.Stop()
		return p.Shutdown(ctx)
	}
	return server{addrs: addrs{GRPC: p.GRPCAddr.String(), HTTP: p.HTTPAddr.String()}, stop: stop}, nil
}
