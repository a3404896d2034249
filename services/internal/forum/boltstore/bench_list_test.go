package boltstore_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
	"github.com/engagehq/engage/services/internal/forum"
	"github.com/engagehq/engage/services/internal/forum/boltstore"
)

// The list benchmark's page and threads.
const (
	listPageSize = 50
	// listMaxScan is the bound the service passes with every page.
	listMaxScan = 10 * listPageSize
	listSmall   = 1000
	listBig     = 1_000_000
	// listBigShort is the big thread's size under -short.
	listBigShort = 20_000
	// listVoteEvery: one post in this many gets a vote, so that the order
	// by votes has voted posts first and the rest after them.
	listVoteEvery = 100
	// listWriters is how many CreatePost calls are in flight while the
	// threads are built: enough to fill every group commit.
	listWriters = 512
)

// listThread is a thread of the list benchmark with its cursors.
type listThread struct {
	key   forum.ThreadKey
	posts int
	// middle is the cursor after the first half of the posts.
	middle []byte
}

// BenchmarkListPosts pages a thread of 1,000 posts and one of 1,000,000
// (FORUM_BENCH_BIG_THREAD changes the size, -short makes it 20,000) the
// way ListPosts in the service does: the thread, a page of 50 posts with
// the visibility filter and the scan bound, and the caller's votes on
// them. Each thread is paged from its start, from its middle (with the
// cursor a previous page returned) and by votes. Both threads are built
// once per run, through the public Store API: CreatePost from 512
// goroutines, so that group commit packs many posts into each
// transaction; building the big thread takes about 30 s here (-v logs it).
//
// Every sub-benchmark reports ns/page, its thread's time per page. The big
// thread's also report x-small, the ratio of their ns/page to the small
// thread's: each of their iterations reads the same kind of page in the
// small thread too, timed apart, so that the ratio compares pages read in
// the same moments on a machine whose speed drifts (their ns/op therefore
// covers two pages). The contract: x-small at most 1.5, since a page costs
// a seek and the page, whatever the thread's size. Run it alone (the
// pattern would also match BenchmarkListPostsPage without the $):
//
//	go test -run '^$' -bench 'BenchmarkListPosts$' -count 3 ./services/internal/forum/boltstore/
func BenchmarkListPosts(b *testing.B) {
	big := listBig
	if testing.Short() {
		big = listBigShort
	}
	if v := os.Getenv("FORUM_BENCH_BIG_THREAD"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < listSmall {
			b.Fatalf("FORUM_BENCH_BIG_THREAD=%q: want a number of posts of at least %d", v, listSmall)
		}
		big = n
	}
	s, err := boltstore.Open(filepath.Join(b.TempDir(), "forum.db"), boltstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := s.Close(); err != nil {
			b.Error(err)
		}
	})
	ctx := context.Background()
	fk := forum.ForumKey{Agency: "metro", Forum: "district-3"}
	if _, err := s.CreateForum(ctx, forum.Forum{Agency: fk.Agency, ID: fk.Forum, DisplayName: "District 3",
		Visibility: forumv1.Visibility_VISIBILITY_PUBLIC, CreateTime: time.Now()}, forum.Request{}); err != nil {
		b.Fatal(err)
	}
	var threads []listThread
	for _, n := range []int{listSmall, big} {
		start := time.Now()
		th, err := buildListThread(ctx, s, fk, n)
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("built a thread of %d posts (one in %d voted for) through CreatePost in %s", n, listVoteEvery, time.Since(start).Round(time.Millisecond))
		threads = append(threads, th)
	}

	pages := []struct {
		name  string
		order forum.PostOrder
		after func(listThread) []byte
	}{
		{"start", forum.PostsByCreateTime, func(listThread) []byte { return nil }},
		{"middle", forum.PostsByCreateTime, func(t listThread) []byte { return t.middle }},
		{"votes", forum.PostsByVotes, func(listThread) []byte { return nil }},
	}
	for _, pg := range pages {
		for i, th := range threads {
			b.Run(fmt.Sprintf("thread=%s/%s", count(th.posts), pg.name), func(b *testing.B) {
				page := forum.Page{After: pg.after(th), Size: listPageSize, MaxScan: listMaxScan}
				smallThread := threads[0]
				smallPage := forum.Page{After: pg.after(smallThread), Size: listPageSize, MaxScan: listMaxScan}
				// The garbage of building the threads, or of the previous
				// sub-benchmark, is not this one's to collect.
				runtime.GC()
				var own, small time.Duration
				n := 0
				for b.Loop() {
					t0 := time.Now()
					if err := listPage(ctx, s, th.key, pg.order, page); err != nil {
						b.Fatal(err)
					}
					own += time.Since(t0)
					n++
					if i == 0 {
						continue
					}
					t1 := time.Now()
					if err := listPage(ctx, s, smallThread.key, pg.order, smallPage); err != nil {
						b.Fatal(err)
					}
					small += time.Since(t1)
				}
				b.ReportMetric(float64(own.Nanoseconds())/float64(n), "ns/page")
				if small > 0 {
					b.ReportMetric(float64(own)/float64(small), "x-small")
				}
			})
		}
	}
}

// listPage reads one page as the service's ListPosts does.
func listPage(ctx context.Context, s *boltstore.Store, k forum.ThreadKey, order forum.PostOrder, page forum.Page) error {
	if _, err := s.Thread(ctx, k); err != nil {
		return err
	}
	posts, next, err := s.ListPosts(ctx, k, order, page, func(p forum.Post) bool {
		return p.State == forumv1.ContentState_CONTENT_STATE_VISIBLE
	})
	if err != nil {
		return err
	}
	if len(posts) != page.Size || next == nil {
		return fmt.Errorf("a page of %d posts, next %x: want a full page and more", len(posts), next)
	}
	targets := make([]forum.Target, len(posts))
	for i, p := range posts {
		targets[i] = forum.Target{ThreadKey: k, Post: p.ID}
	}
	_, err = s.Voted(ctx, "accounts/viewer", targets)
	return err
}

// buildListThread creates a thread with n posts through CreatePost, from
// listWriters goroutines, votes for one post in listVoteEvery, and finds
// the cursor of its middle by listing its first half.
func buildListThread(ctx context.Context, s *boltstore.Store, fk forum.ForumKey, n int) (listThread, error) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	accept := func(forum.Forum, forum.Thread) error { return nil }
	th, err := s.CreateThread(ctx, forum.Thread{
		Agency: fk.Agency, Forum: fk.Forum, Kind: forumv1.ThreadKind_THREAD_KIND_DISCUSSION,
		Title: fmt.Sprintf("A thread of %d posts", n), Body: "The light on Elm Street", Author: "accounts/author",
		State: forumv1.ContentState_CONTENT_STATE_VISIBLE, CreateTime: start,
	}, forum.Request{}, func(forum.Forum) error { return nil })
	if err != nil {
		return listThread{}, err
	}
	k := th.Key()
	ids := make([]string, n)
	err = inParallel(n, func(i int) error {
		p, err := s.CreatePost(ctx, forum.Post{
			Agency: k.Agency, Forum: k.Forum, Thread: k.Thread,
			Body:   fmt.Sprintf("Reply number %d: the light on Elm Street is still out tonight.", i),
			Author: "accounts/a" + strconv.Itoa(i%5000), AuthorDisplayName: "Resident",
			State: forumv1.ContentState_CONTENT_STATE_VISIBLE, CreateTime: start.Add(time.Duration(i) * time.Second),
		}, forum.Request{}, accept)
		ids[i] = p.ID
		return err
	})
	if err != nil {
		return listThread{}, err
	}
	err = inParallel(n/listVoteEvery, func(i int) error {
		_, err := s.Vote(ctx, forum.Target{ThreadKey: k, Post: ids[i*listVoteEvery]}, "accounts/v"+strconv.Itoa(i%500), true,
			func(forum.Content) error { return nil })
		return err
	})
	if err != nil {
		return listThread{}, err
	}
	_, middle, err := s.ListPosts(ctx, k, forum.PostsByCreateTime, forum.Page{Size: n / 2}, nil)
	if err != nil {
		return listThread{}, err
	}
	return listThread{key: k, posts: n, middle: middle}, nil
}

// inParallel calls fn for every i in [0, n) from listWriters goroutines
// and returns the first error.
func inParallel(n int, fn func(i int) error) error {
	var next atomic.Int64
	var first error
	var once sync.Once
	var wg sync.WaitGroup
	for range min(listWriters, n) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				if err := fn(i); err != nil {
					once.Do(func() { first = err })
					return
				}
			}
		})
	}
	wg.Wait()
	return first
}

// count names a number of posts: 1k, 1M, 20k, 1500.
func count(n int) string {
	switch {
	case n%1_000_000 == 0:
		return strconv.Itoa(n/1_000_000) + "M"
	case n%1000 == 0:
		return strconv.Itoa(n/1000) + "k"
	}
	return strconv.Itoa(n)
}
