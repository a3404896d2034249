package textindex

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestPutReplacesAndDeleteRemoves(t *testing.T) {
	t.Parallel()
	type step struct {
		put    *doc   // when set, Put it
		delete string // else Delete this id
	}
	put := func(id, group, body string) step { return step{put: &doc{id: id, group: group, body: body}} }
	del := func(id string) step { return step{delete: id} }
	tests := []struct {
		name    string
		steps   []step
		query   string
		want    []Hit // scores are not compared
		wantLen int
	}{
		{
			name:    "replace drops the old text",
			steps:   []step{put("d1", "g1", "broken streetlight"), put("d1", "g1", "fixed now")},
			query:   "streetlight",
			wantLen: 1,
		},
		{
			name:    "replace indexes the new text",
			steps:   []step{put("d1", "g1", "broken streetlight"), put("d1", "g1", "fixed now")},
			query:   "fixed",
			want:    []Hit{{DocID: "d1", Group: "g1"}},
			wantLen: 1,
		},
		{
			name:    "replace can move a document to another group",
			steps:   []step{put("d1", "g1", "graffiti"), put("d1", "g2", "graffiti")},
			query:   "graffiti",
			want:    []Hit{{DocID: "d1", Group: "g2"}},
			wantLen: 1,
		},
		{
			name:    "delete removes",
			steps:   []step{put("d1", "g1", "graffiti"), put("d2", "g2", "graffiti wall"), del("d1")},
			query:   "graffiti",
			want:    []Hit{{DocID: "d2", Group: "g2"}},
			wantLen: 1,
		},
		{
			name:    "deleting an absent id does nothing",
			steps:   []step{put("d1", "g1", "graffiti"), del("nope"), del("d1"), del("d1")},
			query:   "graffiti",
			wantLen: 0,
		},
		{
			name:    "a deleted word no longer expands a prefix",
			steps:   []step{put("d1", "g1", "zebra crossing"), put("d2", "g2", "zero crossing"), del("d1")},
			query:   "crossing ze",
			want:    []Hit{{DocID: "d2", Group: "g2"}},
			wantLen: 1,
		},
		{
			name:    "put again after delete",
			steps:   []step{put("d1", "g1", "graffiti"), del("d1"), put("d1", "g1", "graffiti")},
			query:   "graffiti",
			want:    []Hit{{DocID: "d1", Group: "g1"}},
			wantLen: 1,
		},
		{
			name:    "a document without words counts but never matches",
			steps:   []step{put("d1", "g1", "... !!!")},
			query:   "d1",
			wantLen: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ix := New()
			for _, s := range tt.steps {
				if s.put != nil {
					ix.Put(s.put.id, s.put.group, Field{Text: s.put.body})
				} else {
					ix.Delete(s.delete)
				}
			}
			hits, _ := ix.Search(tt.query, Query{})
			if diff := cmp.Diff(tt.want, hits, cmpopts.IgnoreFields(Hit{}, "Score"), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Search(%q) mismatch (-want +got):\n%s", tt.query, diff)
			}
			if got := ix.Len(); got != tt.wantLen {
				t.Errorf("Len() = %d, want %d", got, tt.wantLen)
			}
		})
	}
}

func TestDeleteKeepsDocumentFrequencyExact(t *testing.T) {
	t.Parallel()
	ix := build(doc{"d1", "g", "", "flood"}, doc{"d2", "g", "", "flood flood"}, doc{"d3", "g", "", "fire"})
	ix.Delete("d1")
	ix.Put("d2", "g", Field{Text: "fire"})
	if df := ix.terms[ix.dict["flood"]].df; df != 0 {
		t.Errorf("df(flood) = %d, want 0", df)
	}
	if df := ix.terms[ix.dict["fire"]].df; df != 2 {
		t.Errorf("df(fire) = %d, want 2", df)
	}
}

// corpusWords is a small vocabulary whose words share prefixes, so prefix
// queries expand to several terms.
var corpusWords = strings.Fields(`police policy polite patrol park parking parked car cars
	cart bike biker bikes bicycle stolen stole street streets light lights noise noisy
	night nights fire fires flood flooding water main mains road roads café cafe`)

// randomText returns n words of corpusWords.
func randomText(r *rand.Rand, n int) string {
	words := make([]string, n)
	for i := range words {
		words[i] = corpusWords[r.IntN(len(corpusWords))]
	}
	return strings.Join(words, " ")
}

// TestCompactionMatchesRebuild applies random puts and deletes to indexes
// that compact often and never, and checks that both answer every query
// like an index built afresh from the documents left.
func TestCompactionMatchesRebuild(t *testing.T) {
	t.Parallel()
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			t.Parallel()
			r := rand.New(rand.NewPCG(seed, 0))
			often, never := New(), New()
			often.compactAt, often.mergeAt = 4, 3
			never.compactAt = 1 << 30

			type entry struct{ group, title, body string }
			live := map[string]entry{}
			var order []string // ids by last put, like the ordinals of a compacted index
			for range 600 {
				id := fmt.Sprintf("d%02d", r.IntN(60))
				if r.IntN(3) == 0 {
					often.Delete(id)
					never.Delete(id)
					delete(live, id)
					order = slices.DeleteFunc(order, func(s string) bool { return s == id })
					continue
				}
				// A rare word now and then keeps new terms coming between compactions.
				body := fmt.Sprintf("%s rare%d", randomText(r, r.IntN(12)), r.IntN(300))
				e := entry{fmt.Sprintf("g%d", r.IntN(8)), randomText(r, 1+r.IntN(3)), body}
				fields := []Field{{Text: e.title, Weight: 2}, {Text: e.body}}
				often.Put(id, e.group, fields...)
				never.Put(id, e.group, fields...)
				live[id] = e
				order = slices.DeleteFunc(order, func(s string) bool { return s == id })
				order = append(order, id)
			}
			fresh := New()
			for _, id := range order {
				e := live[id]
				fresh.Put(id, e.group, Field{Text: e.title, Weight: 2}, Field{Text: e.body})
			}
			if len(often.stats) == len(never.stats) {
				t.Fatalf("the compacting index never compacted (%d ordinals)", len(often.stats))
			}
			if often.Len() != len(live) || never.Len() != len(live) {
				t.Fatalf("Len() = %d and %d, want %d", often.Len(), never.Len(), len(live))
			}

			queries := []string{"pol", "p", "rare1", "rare2", "rare", "police car", "bike", "bikes stol", "street night", "cafe", "fire flood", "noise n", "water mains"}
			for range 30 {
				queries = append(queries, randomText(r, 1+r.IntN(2)))
			}
			approx := cmpopts.EquateApprox(0, 1e-9)
			for _, q := range queries {
				want, wantTotal := fresh.Search(q, Query{})
				for name, ix := range map[string]*Index{"compacting": often, "tombstoned": never} {
					got, total := ix.Search(q, Query{})
					if diff := cmp.Diff(want, got, approx, cmpopts.EquateEmpty()); diff != "" || total != wantTotal {
						t.Errorf("%s Search(%q) differs from a rebuild (total %d, want %d) (-want +got):\n%s", name, q, total, wantTotal, diff)
					}
				}
			}
		})
	}
}

func TestFieldWeights(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		weight float64
		want   float32
	}{
		{"positive kept", 2.5, 2.5},
		{"zero counts as one", 0, 1},
		{"negative counts as one", -3, 1},
		{"infinity counts as one", math.Inf(1), 1},
		{"NaN counts as one", math.NaN(), 1},
		{"too large for float32 counts as one", 1e300, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ix := New()
			ix.Put("d", "g", Field{Text: "word", Weight: tt.weight})
			if got := ix.terms[ix.dict["word"]].post[0].tf; got != tt.want {
				t.Errorf("tf = %v, want %v", got, tt.want)
			}
			if got := ix.stats[0].length; got != tt.want {
				t.Errorf("length = %v, want %v", got, tt.want)
			}
		})
	}
}
