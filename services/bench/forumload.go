package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
	"github.com/google/uuid"
	"google.golang.org/grpc/metadata"
)

// searchMaxP99 is the target for search over 100,000 posts.
const searchMaxP99 = 20 * time.Millisecond

// postProtocols are the forum suite's write paths with the issue's
// targets: CreatePost over gRPC and REST, worker w posting into
// spread[w mod len(spread)], and again with every worker posting into the
// one hot thread.
func postProtocols(spread []string, hot string) []protocol {
	threads := fmt.Sprintf("%d threads", len(spread))
	return []protocol{
		{name: "gRPC CreatePost, " + threads, file: "grpc-posts", target: 0.3, dial: dialPostGRPC(spread)},
		{name: "gRPC CreatePost, 1 thread", file: "grpc-posts-hot", target: 0.3, dial: dialPostGRPC([]string{hot})},
		{name: "REST POST posts, " + threads, file: "rest-posts", target: 0.5, dial: dialPostREST(spread)},
		{name: "REST POST posts, 1 thread", file: "rest-posts-hot", target: 0.5, dial: dialPostREST([]string{hot})},
	}
}

// searchProtocols are the forum suite's search paths, measured on Engage
// alone against the absolute target: SearchThreads in the agency over gRPC
// and REST, worker w starting at its own place in queries.
func searchProtocols(agency string, queries []string, inFlight int) []protocol {
	return []protocol{
		{name: "gRPC SearchThreads", file: "grpc-search", maxP99: searchMaxP99, inFlight: inFlight, dial: dialSearchGRPC(agency, queries)},
		{name: "REST threads:search", file: "rest-search", maxP99: searchMaxP99, inFlight: inFlight, dial: dialSearchREST(agency, queries)},
	}
}

// postBodies hands out post bodies that are all different, in every run:
// realistic replies, each tagged with the run and a counter.
type postBodies struct {
	run string
	n   atomic.Int64
}

func newPostBodies() *postBodies {
	return &postBodies{run: strconv.FormatInt(time.Now().UnixNano(), 36)}
}

func (b *postBodies) next() string {
	replies := [...]string{
		"Thanks for the update. The streetlight at Elm and 5th is still out and the crosswalk is hard to see after dark.",
		"Cars keep speeding down Maple between 7:30 and 8:15, right when the kids walk to school. Could patrol stop by?",
		"The noise from the lot behind the pharmacy went on past midnight again on Saturday; two of us called it in.",
		"Someone tried the doors of three parked cars on Birch Lane last night. Our camera caught it; how do we share the footage?",
		"Glad to see the extra patrols downtown. The benches by the library feel a lot safer in the evening now.",
	}
	n := b.n.Add(1)
	return replies[n%int64(len(replies))] + " (ref " + b.run + "-" + strconv.FormatInt(n, 10) + ")"
}

// dialPostGRPC creates posts over o.conns connections.
func dialPostGRPC(threads []string) func(context.Context, addrs, []string, options) (loadClient, error) {
	return func(ctx context.Context, a addrs, tokens []string, o options) (loadClient, error) {
		conns, closeAll, err := dialConns(a.GRPC, o)
		if err != nil {
			return loadClient{}, err
		}
		bodies := newPostBodies()
		return loadClient{
			ctx: ctx,
			newCaller: func(w int) caller {
				client := forumv1.NewPostServiceClient(conns[w%len(conns)])
				md := metadata.Pairs("authorization", "Bearer "+tokens[w%len(tokens)])
				parent := threads[w%len(threads)]
				return func(ctx context.Context) error {
					p, err := client.CreatePost(metadata.NewOutgoingContext(ctx, md), &forumv1.CreatePostRequest{
						Parent: parent, Post: &forumv1.Post{Body: bodies.next()}, RequestId: uuid.NewString(),
					})
					if err != nil {
						return err
					}
					if !strings.HasPrefix(p.GetName(), parent+"/posts/") {
						return fmt.Errorf("created %q, not a post of %s", p.GetName(), parent)
					}
					return nil
				}
			},
			close: closeAll,
		}, nil
	}
}

// dialPostREST creates posts with POST /v1/{thread}/posts?requestId=….
func dialPostREST(threads []string) func(context.Context, addrs, []string, options) (loadClient, error) {
	return func(ctx context.Context, a addrs, tokens []string, o options) (loadClient, error) {
		client, tr := newHTTPClient(o.concurrency)
		bodies := newPostBodies()
		return loadClient{
			ctx: ctx,
			newCaller: func(w int) caller {
				endpoint := "http://" + a.HTTP + "/v1/" + threads[w%len(threads)] + "/posts?requestId="
				auth := "Bearer " + tokens[w%len(tokens)]
				return func(ctx context.Context) error {
					body, err := json.Marshal(struct {
						Body string `json:"body"`
					}{bodies.next()})
					if err != nil {
						return err
					}
					return doOK(ctx, client, http.MethodPost, endpoint+uuid.NewString(), auth, body)
				}
			},
			close: tr.CloseIdleConnections,
		}, nil
	}
}

// queryCursor walks a worker through the queries from its own start.
func queryCursor(queries []string, w, workers int) func() string {
	i := w * len(queries) / max(workers, 1)
	return func() string {
		q := queries[i%len(queries)]
		i++
		return q
	}
}

// dialSearchGRPC searches with the first token over o.conns connections.
func dialSearchGRPC(agency string, queries []string) func(context.Context, addrs, []string, options) (loadClient, error) {
	return func(ctx context.Context, a addrs, tokens []string, o options) (loadClient, error) {
		conns, closeAll, err := dialConns(a.GRPC, o)
		if err != nil {
			return loadClient{}, err
		}
		return loadClient{
			ctx: metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+tokens[0]),
			newCaller: func(w int) caller {
				client := forumv1.NewThreadServiceClient(conns[w%len(conns)])
				next := queryCursor(queries, w, o.searchConcurrency)
				return func(ctx context.Context) error {
					_, err := client.SearchThreads(ctx, &forumv1.SearchThreadsRequest{Parent: agency, Query: next()})
					return err
				}
			},
			close: closeAll,
		}, nil
	}
}

// dialSearchREST searches with GET /v1/{agency}/threads:search?query=….
func dialSearchREST(agency string, queries []string) func(context.Context, addrs, []string, options) (loadClient, error) {
	return func(ctx context.Context, a addrs, tokens []string, o options) (loadClient, error) {
		client, tr := newHTTPClient(o.searchConcurrency)
		urls := make([]string, len(queries))
		for i, q := range queries {
			urls[i] = "http://" + a.HTTP + "/v1/" + agency + "/threads:search?query=" + url.QueryEscape(q)
		}
		auth := "Bearer " + tokens[0]
		return loadClient{
			ctx: ctx,
			newCaller: func(w int) caller {
				next := queryCursor(urls, w, o.searchConcurrency)
				return func(ctx context.Context) error { return getOK(ctx, client, next(), auth) }
			},
			close: tr.CloseIdleConnections,
		}, nil
	}
}
