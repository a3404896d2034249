package boltstore

import (
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
	"github.com/engagehq/engage/services/internal/forum"
	"github.com/engagehq/engage/services/internal/ids"
	"go.etcd.io/bbolt"
)

// seedBatch is how many posts one seeding transaction writes.
const seedBatch = 50_000

// seedThread creates a thread with n posts, written straight into the
// buckets in large transactions (creating a million posts one request at a
// time would take minutes), with the same keys and records CreatePost
// writes. It returns the thread's key and the ids of its posts, oldest
// first.
func seedThread(b *testing.B, s *Store, fk forum.ForumKey, title string, n int) (forum.ThreadKey, []string) {
	b.Helper()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	th, err := s.CreateThread(b.Context(), forum.Thread{
		Agency: fk.Agency, Forum: fk.Forum, Kind: forumv1.ThreadKind_THREAD_KIND_DISCUSSION, Title: title,
		Body: "A busy thread", Author: "accounts/author", State: visible, CreateTime: start,
	}, forum.Request{}, func(forum.Forum) error { return nil })
	if err != nil {
		b.Fatal(err)
	}
	postIDs := make([]string, 0, n)
	for done := 0; done < n; {
		m := min(seedBatch, n-done)
		err := s.db.Bolt().Update(func(tx *bbolt.Tx) error {
			tx.Bucket(bucketPosts).FillPercent = 1 // appending in key order
			for i := range m {
				p := forum.Post{
					Agency: fk.Agency, Forum: fk.Forum, Thread: th.ID, ID: ids.New(),
					Body:   fmt.Sprintf("Reply number %d: the light on Elm Street is still out tonight.", done+i),
					Author: "accounts/a" + strconv.Itoa((done+i)%5000), AuthorDisplayName: "Resident",
					State: visible, CreateTime: start.Add(time.Duration(done+i) * time.Second), Revision: 1,
				}
				if err := putPost(tx, p); err != nil {
					return err
				}
				if err := putPostVotes(tx, p); err != nil {
					return err
				}
				postIDs = append(postIDs, p.ID)
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		done += m
	}
	return th.Key(), postIDs
}

// BenchmarkListPostsPage measures the cost of a page of 50 posts, with the
// caller's votes, in a thread of 1,000 posts and in a thread of 1,000,000
// (FORUM_BENCH_BIG_THREAD changes the size), alternating between the two
// in one loop, and reports the ratio of the big thread's cost to the small
// one's. Pages start at cursors spread over each thread. The contract: the
// ratio stays at or below 1.5, since a page costs a seek and the page,
// whatever the thread's size.
func BenchmarkListPostsPage(b *testing.B) {
	big := 1_000_000
	if v := os.Getenv("FORUM_BENCH_BIG_THREAD"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1000 {
			b.Fatalf("FORUM_BENCH_BIG_THREAD=%q: want a number of posts of at least 1000", v)
		}
		big = n
	}
	s := open(b)
	fk := forum.ForumKey{Agency: "metro", Forum: "district-3"}
	if _, err := s.CreateForum(b.Context(), forum.Forum{Agency: fk.Agency, ID: fk.Forum, DisplayName: "District 3",
		Visibility: forumv1.Visibility_VISIBILITY_PUBLIC}, forum.Request{}); err != nil {
		b.Fatal(err)
	}
	seedStart := time.Now()
	smallKey, smallIDs := seedThread(b, s, fk, "Small thread", 1000)
	bigKey, bigIDs := seedThread(b, s, fk, "Big thread", big)
	b.Logf("seeded %d posts in %s", 1000+big, time.Since(seedStart).Round(time.Millisecond))

	const pageSize, cursors = 50, 64
	// Cursors at evenly spread posts, each leaving a full page after it.
	cursorsOf := func(postIDs []string) [][]byte {
		out := make([][]byte, cursors)
		for i := range out {
			out[i] = []byte(postIDs[i*(len(postIDs)-pageSize-1)/cursors])
		}
		return out
	}
	smallCursors, bigCursors := cursorsOf(smallIDs), cursorsOf(bigIDs)
	page := func(b *testing.B, k forum.ThreadKey, after []byte) {
		posts, next, err := s.ListPosts(b.Context(), k, forum.PostsByCreateTime, forum.Page{After: after, Size: pageSize, MaxScan: 10 * pageSize}, nil)
		if err != nil || len(posts) != pageSize || next == nil {
			b.Fatalf("page: %d posts, next %x, %v", len(posts), next, err)
		}
		targets := make([]forum.Target, len(posts))
		for i, p := range posts {
			targets[i] = forum.Target{ThreadKey: k, Post: p.ID}
		}
		if _, err := s.Voted(b.Context(), "accounts/viewer", targets); err != nil {
			b.Fatal(err)
		}
	}
	var smallTime, bigTime time.Duration
	i := 0
	b.ResetTimer()
	for b.Loop() {
		c := i % cursors
		t0 := time.Now()
		page(b, smallKey, smallCursors[c])
		t1 := time.Now()
		page(b, bigKey, bigCursors[c])
		bigTime += time.Since(t1)
		smallTime += t1.Sub(t0)
		i++
	}
	b.ReportMetric(float64(smallTime.Nanoseconds())/float64(i), "ns/page-1k")
	b.ReportMetric(float64(bigTime.Nanoseconds())/float64(i), "ns/page-big")
	b.ReportMetric(float64(bigTime)/float64(smallTime), "big/small")
}
