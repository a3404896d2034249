package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
)

// protocol is one measured path: how to load a server over it.
type protocol struct {
	name string
	// file names the protocol's CPU profile (-cpuprofile).
	file string
	// target is the least Engage/bare throughput ratio hoped for; 0 for a
	// path measured on Engage alone.
	target float64
	// maxP99 is the 99th-percentile latency to stay under, for a path
	// measured on Engage alone.
	maxP99 time.Duration
	// inFlight is the number of closed-loop workers; 0 means -concurrency.
	inFlight int
	// dial returns the clients of one run; worker w sends tokens[w mod
	// len(tokens)].
	dial func(ctx context.Context, a addrs, tokens []string, o options) (loadClient, error)
}

// workers is how many requests the protocol keeps in flight.
func (p protocol) workers(o options) int {
	if p.inFlight > 0 {
		return p.inFlight
	}
	return o.concurrency
}

// loadClient is a protocol's client side for one server and one round.
type loadClient struct {
	// ctx is the context to run the load with (gRPC: it carries the
	// authorization metadata, built once rather than per call).
	ctx       context.Context
	newCaller func(worker int) caller
	close     func()
}

// identityProtocols are the identity suite's paths, in the order they
// run, with the targets of the foundation.
func identityProtocols() []protocol {
	return []protocol{
		{name: "gRPC GetAccount", file: "grpc", target: 0.5, dial: dialGRPC},
		{name: "REST /me", file: "rest", target: 0.7, dial: dialREST},
	}
}

// dialConns opens o.conns plain client connections to addr; worker w uses
// connection w mod o.conns. The function returned closes them all.
func dialConns(addr string, o options) ([]*grpc.ClientConn, func(), error) {
	conns := make([]*grpc.ClientConn, 0, o.conns)
	closeAll := func() {
		for _, c := range conns {
			c.Close()
		}
	}
	for range o.conns {
		c, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			closeAll()
			return nil, nil, err
		}
		conns = append(conns, c)
	}
	return conns, closeAll, nil
}

// dialGRPC calls GetAccount with the first token on o.conns connections.
func dialGRPC(ctx context.Context, a addrs, tokens []string, o options) (loadClient, error) {
	conns, closeAll, err := dialConns(a.GRPC, o)
	if err != nil {
		return loadClient{}, err
	}
	req := &identityv1.GetAccountRequest{Name: "accounts/me"}
	return loadClient{
		ctx: metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+tokens[0]),
		newCaller: func(w int) caller {
			client := identityv1.NewAccountServiceClient(conns[w%len(conns)])
			return func(ctx context.Context) error {
				_, err := client.GetAccount(ctx, req)
				return err
			}
		},
		close: closeAll,
	}, nil
}

// newHTTPClient returns one http.Client that keeps a connection per worker.
func newHTTPClient(workers int) (*http.Client, *http.Transport) {
	tr := &http.Transport{
		MaxIdleConns:        workers,
		MaxIdleConnsPerHost: workers,
		IdleConnTimeout:     time.Minute,
	}
	return &http.Client{Transport: tr}, tr
}

// dialREST sends GET /v1/accounts/me with the first token.
func dialREST(ctx context.Context, a addrs, tokens []string, o options) (loadClient, error) {
	client, tr := newHTTPClient(o.concurrency)
	url := "http://" + a.HTTP + "/v1/accounts/me"
	auth := "Bearer " + tokens[0]
	return loadClient{
		ctx: ctx,
		newCaller: func(int) caller {
			return func(ctx context.Context) error { return getOK(ctx, client, url, auth) }
		},
		close: tr.CloseIdleConnections,
	}, nil
}

// getOK sends GET url and reads the whole answer, which must be 200 OK.
func getOK(ctx context.Context, client *http.Client, url, auth string) error {
	return doOK(ctx, client, http.MethodGet, url, auth, nil)
}

// doOK sends a request with a JSON body (none when nil) and reads the
// whole answer, which must be 200 OK.
func doOK(ctx context.Context, client *http.Client, method, url, auth string, body []byte) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", auth)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("%s %s: %s %s", method, url, resp.Status, bytes.TrimSpace(msg))
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

// resident is the account the load signs in as, on Engage over REST.
type resident struct {
	client          *http.Client
	base            string
	email, password string
	token           string
	expires         time.Time
}

func newResident(httpAddr string) *resident {
	return &resident{
		client:   &http.Client{Timeout: 30 * time.Second},
		base:     "http://" + httpAddr,
		email:    "resident@bench.example",
		password: "bench resident passphrase",
	}
}

// signUp creates the account (POST /v1/accounts).
func (r *resident) signUp(ctx context.Context) error {
	body := map[string]string{"email": r.email, "displayName": "Bench Resident", "password": r.password}
	return r.post(ctx, "/v1/accounts", body, nil)
}

// tokens implements signedIn: the resident's one token.
func (r *resident) tokens(ctx context.Context, need time.Duration) ([]string, error) {
	t, err := r.accessToken(ctx, need)
	if err != nil {
		return nil, err
	}
	return []string{t}, nil
}

// accessToken returns a token valid for at least need, signing in again
// (POST /v1/sessions) when the last one would expire sooner.
func (r *resident) accessToken(ctx context.Context, need time.Duration) (string, error) {
	if r.token != "" && time.Until(r.expires) > need {
		return r.token, nil
	}
	var s struct {
		AccessToken           string    `json:"accessToken"`
		AccessTokenExpireTime time.Time `json:"accessTokenExpireTime"`
	}
	if err := r.post(ctx, "/v1/sessions", map[string]string{"email": r.email, "password": r.password}, &s); err != nil {
		return "", err
	}
	if s.AccessToken == "" || time.Until(s.AccessTokenExpireTime) <= need {
		return "", fmt.Errorf("sign-in gave a token expiring at %s, need one valid for %s", s.AccessTokenExpireTime, need)
	}
	r.token, r.expires = s.AccessToken, s.AccessTokenExpireTime
	return r.token, nil
}

func (r *resident) post(ctx context.Context, path string, body, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.base+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := r.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	rb, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST %s: %s %s", path, resp.Status, bytes.TrimSpace(rb))
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(rb, out)
}
