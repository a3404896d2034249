package textindex

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestConcurrentWritesAndSearches runs writers and searchers at once (run
// with -race) and then checks that the index answers like a rebuild of
// what the writers left.
func TestConcurrentWritesAndSearches(t *testing.T) {
	t.Parallel()
	ix := New()
	ix.compactAt, ix.mergeAt = 8, 4 // compact and merge often, under load

	const writers, searchers, ops = 4, 4, 400
	type entry struct{ group, text string }
	finals := make([]map[string]entry, writers)

	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 1))
			live := map[string]entry{}
			for range ops {
				id := fmt.Sprintf("w%d-d%02d", w, r.IntN(40)) // each writer owns its ids
				if r.IntN(4) == 0 {
					ix.Delete(id)
					delete(live, id)
					continue
				}
				e := entry{fmt.Sprintf("g%d", r.IntN(10)), randomText(r, 1+r.IntN(10))}
				ix.Put(id, e.group, Field{Text: e.text})
				live[id] = e
			}
			finals[w] = live
		}()
	}
	errs := make(chan error, searchers)
	for s := range searchers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(s), 2))
			for range ops {
				q := randomText(r, 1+r.IntN(2))
				hits, total := ix.Search(q, Query{Limit: 5, AllowGroup: func(group string) bool { return len(group) > 0 }})
				if len(hits) > total {
					errs <- fmt.Errorf("Search(%q): %d hits but total %d", q, len(hits), total)
					return
				}
				seen := map[string]bool{}
				for i, h := range hits {
					if seen[h.Group] {
						errs <- fmt.Errorf("Search(%q): group %s twice", q, h.Group)
						return
					}
					seen[h.Group] = true
					if i > 0 && h.Score > hits[i-1].Score {
						errs <- fmt.Errorf("Search(%q): scores out of order: %v", q, hits)
						return
					}
				}
				_ = ix.Len()
				Snippet(q+" "+q, q, 10)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	want := 0
	for _, live := range finals {
		want += len(live)
	}
	if got := ix.Len(); got != want {
		t.Errorf("Len() = %d, want %d", got, want)
	}
	// Ordinals of a rebuild differ, but scores and order do not depend on them.
	fresh := New()
	for _, live := range finals {
		for id, e := range live {
			fresh.Put(id, e.group, Field{Text: e.text})
		}
	}
	for _, q := range append([]string{"p", "police", "bike s", "night", "ca"}, corpusWords...) {
		wantHits, wantTotal := fresh.Search(q, Query{})
		got, total := ix.Search(q, Query{})
		if diff := cmp.Diff(wantHits, got, cmpopts.EquateApprox(0, 1e-9), cmpopts.EquateEmpty()); diff != "" || total != wantTotal {
			t.Errorf("Search(%q) differs from a rebuild (total %d, want %d) (-want +got):\n%s", q, total, wantTotal, diff)
		}
	}
}
