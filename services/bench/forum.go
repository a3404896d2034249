package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"

	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

const (
	// benchAgency is the agency every forum measurement writes to.
	benchAgency = "agencies/bench-pd"
	// postThreads is how many threads the post workers spread over.
	postThreads = 64
	// setupWorkers is how many setup calls run at once.
	setupWorkers = 16
)

// runForum measures post creation against the bare echo, then search on a
// fresh Engage holding -search-posts posts.
func runForum(ctx context.Context, r *runner) error {
	if err := r.forumPosts(ctx); err != nil {
		return err
	}
	fmt.Fprintln(r.stdout)
	return r.forumSearch(ctx)
}

// forumPosts compares durable post creation on Engage with the bare echo
// of CreatePost, over gRPC and REST, spread over threads and into one.
func (r *runner) forumPosts(ctx context.Context) (err error) {
	dataDir, err := os.MkdirTemp("", "engage-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dataDir)

	bare, err := r.startBare(ctx, suiteForum)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, bare.stop()) }()
	engage, _, err := r.startEngage(ctx, dataDir, false)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, engage.stop()) }()

	conn, err := grpc.NewClient(engage.addrs.GRPC, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	team, err := setUpAgency(ctx, conn, benchAgency[len("agencies/"):])
	if err != nil {
		return fmt.Errorf("set up the agency: %w", err)
	}
	forums, err := createForums(ctx, conn, team, []forumv1.Visibility{forumv1.Visibility_VISIBILITY_PUBLIC})
	if err != nil {
		return err
	}
	threads, err := createThreads(ctx, conn, team, forums, postThreads+1, func(i int) (string, string) {
		return fmt.Sprintf("Traffic and parking on block %d", i+1), "What residents see on this block, and what the district is doing about it."
	})
	if err != nil {
		return err
	}

	printHeader(r.stdout, r.o, header{
		title:  "Engage vs bare: creating posts, POST /v1/{thread}/posts and PostService/CreatePost, durable and acknowledged",
		bare:   bare.addrs,
		engage: engage.addrs,
		notes: []string{
			fmt.Sprintf("posts are written by %d members of agency staff (signed in with TOTP; worker w is member w mod %d), because staff", staffMembers, staffMembers),
			"are exempt from new accounts' posting limits, which would otherwise be what is measured; every body is unique and",
			"every request carries a fresh request_id; bare answers each with a post of the same shape and stores nothing",
			fmt.Sprintf("first rows: worker w posts into thread w mod %d of one PUBLIC forum; \"1 thread\" rows: every worker into one thread", postThreads),
		},
	})
	sides := []side{{roleBare, bare}, {roleEngage, engage}}
	var summaries []summary
	for _, p := range postProtocols(threads[:postThreads], threads[postThreads]) {
		s, err := measureProtocol(ctx, p, sides, team, r.o, r.stdout)
		if err != nil {
			return err
		}
		summaries = append(summaries, s)
	}
	printSummary(r.stdout, summaries)
	return nil
}

// createForums creates a forum of each visibility in the bench agency, as
// its administrator (the team's first member), and returns their names.
func createForums(ctx context.Context, conn *grpc.ClientConn, team *staffTeam, visibilities []forumv1.Visibility) ([]string, error) {
	tokens, err := team.tokens(ctx, setupTokenLife)
	if err != nil {
		return nil, err
	}
	admin := bearer(ctx, tokens[0])
	client := forumv1.NewForumServiceClient(conn)
	names := make([]string, len(visibilities))
	for i, v := range visibilities {
		f, err := client.CreateForum(admin, &forumv1.CreateForumRequest{
			Parent:  benchAgency,
			ForumId: fmt.Sprintf("board-%d", i+1),
			Forum:   &forumv1.Forum{DisplayName: fmt.Sprintf("Board %d", i+1), Visibility: v, DisplayOrder: int32(i)},
		})
		if err != nil {
			return nil, fmt.Errorf("create forum: %w", err)
		}
		names[i] = f.GetName()
	}
	return names, nil
}

// createThreads creates n discussion threads, thread i in forums[i mod
// len(forums)] by staff member i mod staffMembers, with content(i) as title
// and body, and returns their names in order.
func createThreads(ctx context.Context, conn *grpc.ClientConn, team *staffTeam, forums []string, n int, content func(i int) (title, body string)) ([]string, error) {
	tokens, err := team.tokens(ctx, setupTokenLife)
	if err != nil {
		return nil, err
	}
	titles, bodies := make([]string, n), make([]string, n)
	for i := range n {
		titles[i], bodies[i] = content(i)
	}
	client := forumv1.NewThreadServiceClient(conn)
	names := make([]string, n)
	err = parallel(ctx, n, setupWorkers, func(ctx context.Context, i int) error {
		t, err := client.CreateThread(bearer(ctx, tokens[i%len(tokens)]), &forumv1.CreateThreadRequest{
			Parent: forums[i%len(forums)],
			Thread: &forumv1.Thread{Kind: forumv1.ThreadKind_THREAD_KIND_DISCUSSION, Title: titles[i], Body: bodies[i]},
		})
		if err != nil {
			return fmt.Errorf("create thread %d: %w", i, err)
		}
		names[i] = t.GetName()
		return nil
	})
	return names, err
}

// parallel calls fn for every i in [0, n) from up to workers goroutines
// and returns the first error, after which no new call starts.
func parallel(ctx context.Context, n, workers int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := fn(ctx, i); err != nil {
					cancel(err)
					return
				}
			}
		})
	}
	wg.Wait()
	return context.Cause(ctx)
}
