package forum_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
	"github.com/engagehq/engage/services/internal/forum"
)

// BenchmarkCreatePost creates posts over gRPC through the whole server
// stack (bufconn, interceptors, validation, the abuse guard, the durable
// group commit, the search index) from 64 concurrent callers, each post
// acknowledged only once its commit is on disk. Comparing the rate with a
// bare gRPC echo, and over REST, is the job of services/bench.
func BenchmarkCreatePost(b *testing.B) {
	e := newEnv(b)
	mod := e.staff("mod", "metro", moderatorRole)
	alice := e.resident("alice")
	f, err := e.forums.CreateForum(mod.ctx(b), &forumv1.CreateForumRequest{Parent: "agencies/metro", ForumId: "bench", Forum: &forumv1.Forum{DisplayName: "Bench", Visibility: public}})
	if err != nil {
		b.Fatal(err)
	}
	th, err := e.threads.CreateThread(mod.ctx(b), &forumv1.CreateThreadRequest{Parent: f.GetName(), Thread: &forumv1.Thread{Kind: discussion, Title: "Busy", Body: "Busy"}})
	if err != nil {
		b.Fatal(err)
	}
	ctx := alice.ctx(b) // one token: the clock does not move
	var n atomic.Int64
	b.SetParallelism(max(1, 64/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			_, err := e.posts.CreatePost(ctx, &forumv1.CreatePostRequest{Parent: th.GetName(), Post: &forumv1.Post{Body: fmt.Sprintf("Reply %d about the Elm Street light", i)}})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "posts/s")
	if st := e.store.DB().Stats(); st.Commits > 0 {
		b.ReportMetric(float64(st.Writes)/float64(st.Commits), "writes/commit")
	}
}

// BenchmarkSearchThreads answers searches over gRPC, through the whole
// server stack, in an agency with 100,000 posts in 1,000 threads of 10
// forums (FORUM_BENCH_SEARCH_POSTS changes the number of posts), and
// reports the latency percentiles. Words come from a Zipf-distributed
// vocabulary of made-up words, like natural language; queries have one to
// three words, the last often cut short as by someone still typing. The
// contract: p99 under 20 ms.
func BenchmarkSearchThreads(b *testing.B) {
	posts := 100_000
	if v := os.Getenv("FORUM_BENCH_SEARCH_POSTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			b.Fatalf("FORUM_BENCH_SEARCH_POSTS=%q: want a number of posts", v)
		}
		posts = n
	}
	const threads, forums, vocabulary = 1000, 10, 5000
	seeded := newEnv(b)
	mod := seeded.staff("mod", "metro", moderatorRole)
	r := rand.New(rand.NewPCG(1, 2))
	words := benchVocabulary(r, vocabulary)
	zipf := rand.NewZipf(r, 1.1, 2, vocabulary-1)
	text := func(n int) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = words[zipf.Uint64()]
		}
		return strings.Join(parts, " ")
	}
	// Threads through the API; posts straight into the store by 64
	// writers, then a new service over the store builds its index, as a
	// restart does.
	var threadKeys []forum.ThreadKey
	for i := range forums {
		f := seeded.mustForum(b, mod, "metro", fmt.Sprintf("forum-%d", i), public)
		for range threads / forums {
			th, err := seeded.threads.CreateThread(mod.ctx(b), &forumv1.CreateThreadRequest{Parent: f.GetName(),
				Thread: &forumv1.Thread{Kind: question, Title: text(4 + r.IntN(8)), Body: text(20 + r.IntN(60))}})
			if err != nil {
				b.Fatal(err)
			}
			k := strings.Split(th.GetName(), "/")
			threadKeys = append(threadKeys, forum.ThreadKey{Agency: k[1], Forum: k[3], Thread: k[5]})
		}
	}
	bodies := make([]string, posts)
	for i := range bodies {
		bodies[i] = text(20 + r.IntN(60))
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < posts; i = int(next.Add(1)) - 1 {
				tk := threadKeys[i%len(threadKeys)]
				_, err := seeded.store.CreatePost(b.Context(), forum.Post{Agency: tk.Agency, Forum: tk.Forum, Thread: tk.Thread,
					Body: bodies[i], Author: "accounts/a" + strconv.Itoa(i%5000), State: visible, CreateTime: start},
					forum.Request{}, func(forum.Forum, forum.Thread) error { return nil })
				if err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	built := time.Now()
	e := newEnvOn(b, seeded.store, seeded.clock, forumConfig())
	b.Logf("index of %d threads and %d posts built in %s", threads, posts, time.Since(built).Round(time.Millisecond))

	queries := make([]string, 512)
	for i := range queries {
		q := strings.Fields(text(1 + r.IntN(3)))
		if last := q[len(q)-1]; r.IntN(2) == 0 && len(last) > 3 {
			q[len(q)-1] = last[:3]
		}
		queries[i] = strings.Join(q, " ")
	}
	ctx := e.resident("reader").ctx(b)
	var latencies []time.Duration
	results := 0
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		t0 := time.Now()
		resp, err := e.threads.SearchThreads(ctx, &forumv1.SearchThreadsRequest{Parent: "agencies/metro", Query: queries[i%len(queries)]})
		latencies = append(latencies, time.Since(t0))
		if err != nil {
			b.Fatal(err)
		}
		results += len(resp.GetResults())
	}
	slices.Sort(latencies)
	at := func(q float64) float64 {
		return float64(latencies[min(len(latencies)-1, int(q*float64(len(latencies))))].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.5), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
	b.ReportMetric(float64(results)/float64(len(latencies)), "results/op")
}

// benchVocabulary makes n distinct pronounceable made-up words.
func benchVocabulary(r *rand.Rand, n int) []string {
	const cons, vows = "bcdfghklmnprstvz", "aeiou"
	seen := map[string]bool{}
	var out []string
	for len(out) < n {
		var sb strings.Builder
		for i := range 3 + r.IntN(8) {
			if i%2 == 0 {
				sb.WriteByte(cons[r.IntN(len(cons))])
			} else {
				sb.WriteByte(vows[r.IntN(len(vows))])
			}
		}
		if w := sb.String(); !seen[w] && !strings.HasSuffix(w, "s") {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}
