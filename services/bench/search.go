package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"text/tabwriter"
	"time"

	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

const (
	// searchVocabulary is how many distinct words the search posts use.
	searchVocabulary = 4000
	// searchQueries is how many different queries the load cycles through.
	searchQueries = 512
	// compareQueries are the queries answered before and after the
	// restart, which must give the same results.
	compareQueries = 32
	// setupTokenLife is how long a token used for setting up must last.
	setupTokenLife = 10 * time.Minute
)

// searchForums are the visibilities of the search agency's forums: most
// public, one for signed-in residents and one for staff, which the
// resident searching may not read and whose threads search must leave out.
func searchForums() []forumv1.Visibility {
	v := make([]forumv1.Visibility, 10)
	for i := range v {
		v[i] = forumv1.Visibility_VISIBILITY_PUBLIC
	}
	v[8] = forumv1.Visibility_VISIBILITY_RESIDENTS
	v[9] = forumv1.Visibility_VISIBILITY_STAFF
	return v
}

// searchReport is what the search measurement found.
type searchReport struct {
	posts, threads, forums int
	seedTook               time.Duration
	// withResults is how many of the queries find something.
	withResults int
	paths       []aloneSummary
	// empty and full are the Engage starts on an empty data directory and
	// on the seeded one.
	empty, full startup
	// differing is how many of the compared queries answered differently
	// after the restart.
	differing int
}

// startup is how long an Engage child took to serve.
type startup struct {
	// ready is from starting the process to its first line, as the parent
	// saw it; appStart is app.Start alone, as the child timed it.
	ready, appStart time.Duration
}

// forumSearch writes -search-posts posts through the API into a fresh
// Engage, measures SearchThreads over gRPC and REST, then restarts Engage
// on the same data and measures how long it takes to serve again.
func (r *runner) forumSearch(ctx context.Context) (err error) {
	o := r.o
	dataDir, err := os.MkdirTemp("", "engage-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dataDir)

	engage, ready, err := r.startEngage(ctx, dataDir, true)
	if err != nil {
		return err
	}
	running := engage
	defer func() {
		if running != nil {
			err = errors.Join(err, running.stop())
		}
	}()
	rep := searchReport{posts: o.searchPosts, threads: o.searchThreads, forums: len(searchForums()),
		empty: startup{ready: ready, appStart: engage.addrs.Startup}}

	conn, err := grpc.NewClient(engage.addrs.GRPC, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	team, err := setUpAgency(ctx, conn, benchAgency[len("agencies/"):])
	if err != nil {
		return fmt.Errorf("set up the agency: %w", err)
	}
	gen := newTextGen(1, searchVocabulary)
	seedStart := time.Now()
	if err := seedSearch(ctx, conn, team, gen, o); err != nil {
		return err
	}
	rep.seedTook = time.Since(seedStart)

	reader := newResident(engage.addrs.HTTP)
	if err := reader.signUp(ctx); err != nil {
		return fmt.Errorf("sign up on Engage: %w", err)
	}
	queries := make([]string, searchQueries)
	for i := range queries {
		queries[i] = gen.query()
	}
	before, err := searchAll(ctx, conn, reader, queries)
	if err != nil {
		return err
	}
	for _, res := range before {
		if len(res) > 0 {
			rep.withResults++
		}
	}

	printHeader(r.stdout, o, header{
		title:       fmt.Sprintf("Engage alone: SearchThreads over %d posts in %d threads, p99 target < %s", o.searchPosts, o.searchThreads, searchMaxP99),
		engage:      engage.addrs,
		concurrency: o.searchConcurrency,
		notes: []string{
			fmt.Sprintf("%d threads in %d forums (8 PUBLIC, 1 RESIDENTS, 1 STAFF) and %d posts of 20-80 words, each in a random thread,", o.searchThreads, rep.forums, o.searchPosts),
			fmt.Sprintf("written through the gRPC API by agency staff in %s (%.0f posts/s); words drawn by Zipf (s %.1f) from", rep.seedTook.Round(time.Millisecond), float64(o.searchPosts)/rep.seedTook.Seconds(), zipfS),
			fmt.Sprintf("%d: function words, everyday and public-safety words (patrol, speeding, crosswalk, noise, break-in, …), made-up words", searchVocabulary),
			fmt.Sprintf("a signed-in resident searches the agency with %d queries of 1-3 words (half public-safety words, a quarter cut", searchQueries),
			fmt.Sprintf("short as while typing), default page size; %d of them find something", rep.withResults),
		},
	})
	for _, p := range searchProtocols(benchAgency, queries, o.searchConcurrency) {
		s, err := measureAlone(ctx, p, engage, reader, o, r.stdout)
		if err != nil {
			return err
		}
		rep.paths = append(rep.paths, s)
	}

	running = nil
	if err := engage.stop(); err != nil {
		return err
	}
	restarted, ready, err := r.startEngage(ctx, dataDir, false)
	if err != nil {
		return fmt.Errorf("restart: %w", err)
	}
	running = restarted
	rep.full = startup{ready: ready, appStart: restarted.addrs.Startup}
	conn2, err := grpc.NewClient(restarted.addrs.GRPC, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn2.Close()
	after, err := searchAll(ctx, conn2, newResident(restarted.addrs.HTTP), queries[:compareQueries])
	if err != nil {
		return fmt.Errorf("after the restart: %w", err)
	}
	for i, res := range after {
		if !slices.Equal(res, before[i]) {
			rep.differing++
		}
	}
	printSearch(r.stdout, rep)
	return nil
}

// seedSearch writes the search agency's forums, threads and posts through
// the API, as staff, o.concurrency posts at a time.
func seedSearch(ctx context.Context, conn *grpc.ClientConn, team *staffTeam, gen *textGen, o options) error {
	forums, err := createForums(ctx, conn, team, searchForums())
	if err != nil {
		return err
	}
	threads, err := createThreads(ctx, conn, team, forums, o.searchThreads, func(int) (string, string) {
		return gen.text(4, 10), gen.text(20, 60)
	})
	if err != nil {
		return err
	}
	parents, bodies := make([]string, o.searchPosts), make([]string, o.searchPosts)
	for i := range parents {
		parents[i], bodies[i] = threads[gen.r.IntN(len(threads))], gen.text(20, 80)
	}
	tokens, err := team.tokens(ctx, setupTokenLife)
	if err != nil {
		return err
	}
	client := forumv1.NewPostServiceClient(conn)
	return parallel(ctx, o.searchPosts, o.concurrency, func(ctx context.Context, i int) error {
		_, err := client.CreatePost(bearer(ctx, tokens[i%len(tokens)]), &forumv1.CreatePostRequest{
			Parent: parents[i], Post: &forumv1.Post{Body: bodies[i]},
		})
		if err != nil {
			return fmt.Errorf("seed post %d: %w", i, err)
		}
		return nil
	})
}

// searchAll answers each query once, as reader, and returns each one's
// results as thread and post names.
func searchAll(ctx context.Context, conn *grpc.ClientConn, reader *resident, queries []string) ([][]string, error) {
	token, err := reader.accessToken(ctx, time.Minute)
	if err != nil {
		return nil, fmt.Errorf("sign in on Engage: %w", err)
	}
	client := forumv1.NewThreadServiceClient(conn)
	out := make([][]string, len(queries))
	for i, q := range queries {
		resp, err := client.SearchThreads(bearer(ctx, token), &forumv1.SearchThreadsRequest{Parent: benchAgency, Query: q})
		if err != nil {
			return nil, fmt.Errorf("search %q: %w", q, err)
		}
		for _, res := range resp.GetResults() {
			out[i] = append(out[i], res.GetThread().GetName()+" "+res.GetPost())
		}
	}
	return out, nil
}

// aloneSummary is a path measured on Engage alone: latency percentiles
// over every call of every round.
type aloneSummary struct {
	p        protocol
	rate     float64 // median over rounds
	p50, p99 time.Duration
	cpu      time.Duration // median over rounds
	calls    int
	failed   int
	profile  string
}

func (s aloneSummary) pass() bool { return s.p99 < s.p.maxP99 }

// measureAlone runs the rounds of a path on one server, under a CPU
// profile when asked.
func measureAlone(ctx context.Context, p protocol, c *child, who signedIn, o options, stdout io.Writer) (aloneSummary, error) {
	var profile string
	if o.cpuprofile != "" {
		profile = fmt.Sprintf("%s-%s-%s.pprof", o.cpuprofile, roleEngage, p.file)
		if _, err := c.send(ctx, "profile "+profile); err != nil {
			return aloneSummary{}, err
		}
	}
	need := o.warmup + o.duration + callGrace
	var runs []loadResult
	for r := 1; r <= o.rounds; r++ {
		tokens, err := who.tokens(ctx, need)
		if err != nil {
			return aloneSummary{}, fmt.Errorf("sign in on Engage: %w", err)
		}
		res, err := runSide(ctx, p, c, tokens, o)
		if err != nil {
			return aloneSummary{}, fmt.Errorf("%s, round %d: %w", p.name, r, err)
		}
		printRun(stdout, p, r, roleEngage, res)
		runs = append(runs, res)
	}
	if profile != "" {
		if _, err := c.send(ctx, "stop"); err != nil {
			return aloneSummary{}, err
		}
	}
	return summarizeAlone(p, runs, profile), nil
}

// summarizeAlone pools the latencies of every run: the target is a
// percentile of all calls, not a median of percentiles.
func summarizeAlone(p protocol, runs []loadResult, profile string) aloneSummary {
	s := aloneSummary{p: p, profile: profile}
	var all []time.Duration
	var rates []float64
	var cpu []time.Duration
	for _, r := range runs {
		all = append(all, r.latencies...)
		rates = append(rates, r.rate())
		cpu = append(cpu, r.cpuPerCall())
		s.calls += r.ok + r.failed
		s.failed += r.failed
	}
	slices.Sort(all)
	s.p50, s.p99 = percentile(all, 50), percentile(all, 99)
	s.rate, s.cpu = median(rates), median(cpu)
	return s
}

func printSearch(w io.Writer, rep searchReport) {
	fmt.Fprintf(w, "\nsearch over %d posts: p50 and p99 over every call of every round, req/s and CPU/call medians over rounds\n", rep.posts)
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	fmt.Fprintln(tw, "path\treq/s\tp50\tp99\ttarget\tCPU/call\tcalls\terrors")
	for _, s := range rep.paths {
		verdict := "PASS"
		if !s.pass() {
			verdict = "BELOW"
		}
		fmt.Fprintf(tw, "%s\t%.0f\t%s\t%s %s\tp99 < %s\t%s\t%d\t%d\n",
			s.p.name, s.rate, ms(s.p50), ms(s.p99), verdict, ms(s.p.maxP99), us(s.cpu), s.calls, s.failed)
	}
	tw.Flush()
	fmt.Fprintf(w, "startup, empty data dir           ready after %s (app.Start %s)\n", sec(rep.empty.ready), sec(rep.empty.appStart))
	fmt.Fprintf(w, "startup, %d posts in %d threads  ready after %s (app.Start %s): opening the stores and rebuilding the search index\n",
		rep.posts, rep.threads, sec(rep.full.ready), sec(rep.full.appStart))
	same := "the same results"
	if rep.differing > 0 {
		same = fmt.Sprintf("DIFFERENT results for %d of them", rep.differing)
	}
	fmt.Fprintf(w, "after the restart, %d queries gave %s as before it\n", compareQueries, same)
	for _, s := range rep.paths {
		if s.profile != "" {
			fmt.Fprintf(w, "CPU profile of the %s rounds: %s (go tool pprof -top FILE)\n", s.p.name, s.profile)
		}
	}
}

// sec formats a start-up time in seconds.
func sec(d time.Duration) string {
	return fmt.Sprintf("%.2fs", d.Seconds())
}
