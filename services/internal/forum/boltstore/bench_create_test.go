package boltstore

import (
	"fmt"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
	"github.com/engagehq/engage/services/internal/forum"
	"github.com/google/uuid"
)

// BenchmarkStoreCreatePost creates posts through the Store alone, from 64
// concurrent writers spread over 64 threads of one forum, each with a
// fresh random request id as clients send them: the committer's share of
// services/bench's post creation, without the network. Run it with
//
//	go test -run x -bench StoreCreatePost ./internal/forum/boltstore
func BenchmarkStoreCreatePost(b *testing.B) {
	const writers, threads = 64, 64
	s := open(b)
	fk := forum.ForumKey{Agency: "metro", Forum: "district-3"}
	if _, err := s.CreateForum(b.Context(), forum.Forum{Agency: fk.Agency, ID: fk.Forum, DisplayName: "District 3",
		Visibility: forumv1.Visibility_VISIBILITY_PUBLIC}, forum.Request{}); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	keys := make([]forum.ThreadKey, threads)
	for i := range keys {
		th, err := s.CreateThread(b.Context(), forum.Thread{
			Agency: fk.Agency, Forum: fk.Forum, Kind: forumv1.ThreadKind_THREAD_KIND_DISCUSSION,
			Title: fmt.Sprintf("Block %d", i), Body: "Parking", Author: "accounts/author", State: visible, CreateTime: start,
		}, forum.Request{}, func(forum.Forum) error { return nil })
		if err != nil {
			b.Fatal(err)
		}
		keys[i] = th.Key()
	}
	before, bolt0 := s.DB().Stats(), s.DB().Bolt().Stats()
	var worker, n atomic.Int64
	b.SetParallelism(max(1, writers/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		w := int(worker.Add(1))
		tk := keys[w%threads]
		caller := "accounts/staff-" + strconv.Itoa(w%8)
		for pb.Next() {
			i := n.Add(1)
			now := time.Now()
			_, err := s.CreatePost(b.Context(), forum.Post{
				Agency: tk.Agency, Forum: tk.Forum, Thread: tk.Thread,
				Body:   "Cars keep speeding down Maple between 7:30 and 8:15, right when the kids walk to school. (ref " + strconv.FormatInt(i, 10) + ")",
				Author: caller, AuthorDisplayName: "Officer", Official: true, State: visible, CreateTime: now,
			}, forum.Request{Caller: caller, ID: uuid.NewString(), Time: now}, func(forum.Forum, forum.Thread) error { return nil })
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "posts/s")
	if st := s.DB().Stats(); st.Commits > before.Commits {
		b.ReportMetric(float64(st.Writes-before.Writes)/float64(st.Commits-before.Commits), "writes/commit")
		bolt1 := s.DB().Bolt().Stats()
		d := bolt1.Sub(&bolt0)
		b.ReportMetric(float64(d.TxStats.GetWrite())/float64(b.N), "pages/post")
	}
}
