package textindex

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// doc is a test document: a title (weight 2) and a body (weight 1).
type doc struct {
	id, group, title, body string
}

func build(docs ...doc) *Index {
	ix := New()
	for _, d := range docs {
		ix.Put(d.id, d.group, Field{Text: d.title, Weight: 2}, Field{Text: d.body, Weight: 1})
	}
	return ix
}

func docIDs(hits []Hit) []string {
	ids := make([]string, 0, len(hits))
	for _, h := range hits {
		ids = append(ids, h.DocID)
	}
	return ids
}

func TestSearchMatching(t *testing.T) {
	t.Parallel()
	ix := build(
		doc{"d1", "g1", "", "red car parked downtown"},
		doc{"d2", "g2", "", "red bike stolen near the police station"},
		doc{"d3", "g3", "", "blue car towed"},
		doc{"d4", "g4", "", "Bicycle stolen from the Café"},
		doc{"d5", "g5", "", "new policy on cars"},
	)
	tests := []struct {
		name  string
		query string
		want  []string
	}{
		{"one word", "towed", []string{"d3"}},
		{"every word must match", "red car", []string{"d1"}},
		{"no document has every word", "red truck", nil},
		{"last word is a prefix", "stolen bi", []string{"d2", "d4"}},
		{"prefix of one word", "polic", []string{"d2", "d5"}},
		{"earlier words are not prefixes", "bi stolen", nil},
		{"plural meets singular", "cars", []string{"d1", "d3", "d5"}},
		{"accents ignored", "cafe", []string{"d4"}},
		{"case ignored", "BLUE", []string{"d3"}},
		{"stop words ignored", "the blue the car", []string{"d3"}},
		{"only stop words", "the of", nil},
		{"empty", "", nil},
		{"unknown word", "helicopter", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hits, total := ix.Search(tt.query, Query{})
			got := docIDs(hits)
			if diff := cmp.Diff(tt.want, got, cmpopts.SortSlices(func(a, b string) bool { return a < b }), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Search(%q) mismatch (-want +got):\n%s", tt.query, diff)
			}
			if total != len(tt.want) {
				t.Errorf("Search(%q) total = %d, want %d", tt.query, total, len(tt.want))
			}
		})
	}
}

func TestSearchRanking(t *testing.T) {
	t.Parallel()
	// Filler makes "night" common and "graffiti" rare.
	filler := make([]doc, 0, 20)
	for i := range 20 {
		filler = append(filler, doc{fmt.Sprintf("f%02d", i), fmt.Sprintf("f%02d", i), "", "quiet night on patrol"})
	}
	tests := []struct {
		name  string
		docs  []doc
		query string
		want  []string // best first
	}{
		{
			name: "title outweighs body",
			docs: []doc{
				{"body", "g1", "lost dog", "bike near park"},
				{"title", "g2", "lost bike", "dog near park"},
			},
			query: "bike",
			want:  []string{"title", "body"},
		},
		{
			name: "more occurrences rank higher",
			docs: []doc{
				{"once", "g1", "", "bike car stolen lot"},
				{"thrice", "g2", "", "bike bike bike stolen"},
			},
			query: "stolen bike",
			want:  []string{"thrice", "once"},
		},
		{
			name: "shorter document ranks higher",
			docs: []doc{
				{"long", "g1", "", "bike stolen from the garage behind the old market hall downtown"},
				{"short", "g2", "", "bike stolen"},
			},
			query: "bike",
			want:  []string{"short", "long"},
		},
		{
			name: "rarer word weighs more",
			docs: append([]doc{
				{"common", "g1", "", "night night graffiti wall"},
				{"rare", "g2", "", "night graffiti graffiti wall"},
			}, filler...),
			query: "graffiti night",
			want:  []string{"rare", "common"},
		},
		{
			name: "the word itself beats words it starts",
			docs: []doc{
				{"biker", "g1", "", "biker seen"},
				{"bike", "g2", "", "bike seen"},
			},
			query: "bike",
			want:  []string{"bike", "biker"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hits, _ := build(tt.docs...).Search(tt.query, Query{})
			if diff := cmp.Diff(tt.want, docIDs(hits)); diff != "" {
				t.Errorf("Search(%q) order mismatch (-want +got):\n%s\nhits: %v", tt.query, diff, hits)
			}
			for i := 1; i < len(hits); i++ {
				if !(hits[i-1].Score > hits[i].Score) {
					t.Errorf("scores not strictly decreasing: %v", hits)
				}
			}
		})
	}
}

func TestSearchGroupsAndAllowGroup(t *testing.T) {
	t.Parallel()
	ix := build(
		doc{"threads/a", "threads/a", "Noise complaint", "loud music every night"},
		doc{"threads/a/posts/1", "threads/a", "", "the noise started at midnight, noise noise"},
		doc{"threads/a/posts/2", "threads/a", "", "I heard no noise at all from the building across the road last week"},
		doc{"threads/b", "threads/b", "Parking", "cars parked on the sidewalk"},
		doc{"threads/b/posts/1", "threads/b", "", "noise from the parking garage"},
		doc{"threads/c", "threads/c", "Hidden", "noise noise noise noise"},
	)
	tests := []struct {
		name      string
		allow     func(group string) bool
		wantDocs  []string
		wantGroup []string
	}{
		{
			name:      "best document per group",
			wantDocs:  []string{"threads/c", "threads/a/posts/1", "threads/b/posts/1"},
			wantGroup: []string{"threads/c", "threads/a", "threads/b"},
		},
		{
			name:      "a refused group is gone with its documents",
			allow:     func(group string) bool { return group != "threads/c" },
			wantDocs:  []string{"threads/a/posts/1", "threads/b/posts/1"},
			wantGroup: []string{"threads/a", "threads/b"},
		},
		{
			name:  "all refused",
			allow: func(string) bool { return false },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hits, total := ix.Search("noise", Query{AllowGroup: tt.allow})
			if diff := cmp.Diff(tt.wantDocs, docIDs(hits), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("documents mismatch (-want +got):\n%s\nhits: %v", diff, hits)
			}
			groups := make([]string, 0, len(hits))
			for _, h := range hits {
				groups = append(groups, h.Group)
			}
			if diff := cmp.Diff(tt.wantGroup, groups, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("groups mismatch (-want +got):\n%s", diff)
			}
			if total != len(tt.wantGroup) {
				t.Errorf("total = %d, want %d", total, len(tt.wantGroup))
			}
		})
	}
}

// floodDocs are three groups of flood reports, with one fire among them.
func floodDocs() []doc {
	return []doc{
		{"p1", "t1", "", "flood warning for the river district tonight"},
		{"p2", "t1", "", "flood flood"},
		{"p3", "t2", "", "flood"},
		{"p4", "t2", "", "fire"},
		{"p5", "t3", "", "flood"},
		{"p6", "t3", "", "flood again near the bridge"},
	}
}

func TestSearchAllowGroup(t *testing.T) {
	t.Parallel()
	ix := build(append(floodDocs(), doc{"p7", "t4", "", "fire"})...)
	asked := map[string]int{}
	hits, total := ix.Search("flood", Query{
		AllowGroup: func(group string) bool { asked[group]++; return group != "t1" },
	})
	// t1 is gone whole; the shorter "flood" stands for t3.
	if diff := cmp.Diff([]string{"p3", "p5"}, docIDs(hits), cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" || total != 2 {
		t.Errorf("Search total %d, want 2 (-want +got):\n%s", total, diff)
	}
	// Each group with a match once; t4 has none.
	if diff := cmp.Diff(map[string]int{"t1": 1, "t2": 1, "t3": 1}, asked); diff != "" {
		t.Errorf("AllowGroup asked (-want +got):\n%s", diff)
	}
}

// TestSearchMatchesScoreThenGroup checks Search against a plain reference:
// score every document alone, keep the best of each allowed group, order
// by score then group. A document's own score comes from a twin index of
// the same documents, each in a group of its own: grouping does not enter
// the scores.
func TestSearchMatchesScoreThenGroup(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(11, 11))
	ix, alone := New(), New()
	groupOf := map[string]string{}
	var ids []string
	for i := range 150 {
		id := fmt.Sprintf("d%03d", i)
		ids = append(ids, id)
		groupOf[id] = fmt.Sprintf("g%02d", r.IntN(25))
		fields := []Field{{Text: randomText(r, 1+r.IntN(3)), Weight: 2}, {Text: randomText(r, r.IntN(15))}}
		ix.Put(id, groupOf[id], fields...)
		alone.Put(id, id, fields...)
	}
	allows := map[string]func(group string) bool{
		"every group":         nil,
		"some groups refused": func(group string) bool { return group[len(group)-1] != '3' && group != "g10" },
		"most groups refused": func(group string) bool { return group == "g07" || group == "g01" },
	}
	for name, allow := range allows {
		for _, q := range []string{"p", "police", "car st", "bike", "night fire", "wat", "cafe"} {
			own, _ := alone.Search(q, Query{})
			bestOf := map[string]Hit{}
			for _, h := range own {
				g := groupOf[h.DocID]
				if allow != nil && !allow(g) {
					continue
				}
				if b, ok := bestOf[g]; !ok || h.Score > b.Score || h.Score == b.Score && h.DocID < b.DocID {
					bestOf[g] = Hit{DocID: h.DocID, Group: g, Score: h.Score}
				}
			}
			var want []Hit
			for _, h := range bestOf {
				want = append(want, h)
			}
			slices.SortFunc(want, func(a, b Hit) int {
				switch {
				case a.Score > b.Score:
					return -1
				case a.Score < b.Score:
					return 1
				}
				return strings.Compare(a.Group, b.Group)
			})
			got, total := ix.Search(q, Query{AllowGroup: allow})
			if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" || total != len(want) {
				t.Errorf("%s: Search(%q) total %d, want %d (-want +got):\n%s", name, q, total, len(want), diff)
			}
			if len(own) == 0 {
				t.Errorf("Search(%q) matched nothing: the reference checks nothing", q)
			}
		}
	}
}

func TestSearchPaging(t *testing.T) {
	t.Parallel()
	// Equal scores everywhere, so only the group order decides.
	var docs []doc
	for i := range 23 {
		g := fmt.Sprintf("g%02d", (i*7)%23) // put out of order
		docs = append(docs, doc{"d-" + g, g, "", "pothole on main street"})
	}
	// One group scores higher and comes first.
	docs = append(docs, doc{"best", "zz", "pothole", "pothole"})
	ix := build(docs...)

	all, total := ix.Search("pothole", Query{})
	if total != 24 || len(all) != 24 {
		t.Fatalf("Search all: %d hits, total %d; want 24, 24", len(all), total)
	}
	if all[0].Group != "zz" {
		t.Errorf("first group = %q, want the best-scoring zz", all[0].Group)
	}
	for i := 2; i < len(all); i++ {
		if all[i-1].Group >= all[i].Group {
			t.Errorf("equal scores not ordered by group: %q before %q", all[i-1].Group, all[i].Group)
		}
	}

	tests := []struct {
		name          string
		offset, limit int
		want          []Hit
	}{
		{"first page", 0, 5, all[:5]},
		{"middle page", 5, 5, all[5:10]},
		{"last partial page", 20, 5, all[20:]},
		{"past the end", 24, 5, nil},
		{"far past the end", 100, 5, nil},
		{"no limit from offset", 3, 0, all[3:]},
		{"negative offset is zero", -3, 2, all[:2]},
		{"limit beyond total", 0, 100, all},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hits, total := ix.Search("pothole", Query{Offset: tt.offset, Limit: tt.limit})
			if diff := cmp.Diff(tt.want, hits); diff != "" {
				t.Errorf("page mismatch (-want +got):\n%s", diff)
			}
			if total != 24 {
				t.Errorf("total = %d, want 24", total)
			}
		})
	}

	t.Run("pages after the last hit put together are the whole", func(t *testing.T) {
		t.Parallel()
		for _, size := range []int{1, 3, 7, 24} {
			var got []Hit
			var after *Hit
			for {
				page, rest := ix.Search("pothole", Query{After: after, Limit: size})
				got = append(got, page...)
				if len(page) == rest {
					break
				}
				after = &page[len(page)-1]
			}
			if diff := cmp.Diff(all, got); diff != "" {
				t.Errorf("pages of %d mismatch (-want +got):\n%s", size, diff)
			}
		}
	})

	t.Run("pages put together are the whole", func(t *testing.T) {
		t.Parallel()
		for _, size := range []int{1, 3, 7, 24} {
			var got []Hit
			for off := 0; off < total; off += size {
				page, _ := ix.Search("pothole", Query{Offset: off, Limit: size})
				got = append(got, page...)
			}
			if diff := cmp.Diff(all, got); diff != "" {
				t.Errorf("pages of %d mismatch (-want +got):\n%s", size, diff)
			}
		}
	})
}

func TestExpandCapsMostFrequentFirst(t *testing.T) {
	t.Parallel()
	ix := New()
	// Term "pre%02d" i is in i+1 documents; "pre" itself in one.
	for i := range 60 {
		for j := 0; j <= i; j++ {
			ix.Put(fmt.Sprintf("d%02d-%02d", i, j), "g", Field{Text: fmt.Sprintf("pre%02d", i)})
		}
	}
	ix.Put("exact", "g", Field{Text: "pre"})
	ix.Put("other", "g", Field{Text: "prf apple"})

	got := ix.expand("pre")
	want := []string{"pre"}
	for i := 59; len(want) < maxExpansions; i-- {
		want = append(want, fmt.Sprintf("pre%02d", i))
	}
	texts := make([]string, 0, len(got))
	for _, id := range got {
		texts = append(texts, ix.terms[id].text)
	}
	if diff := cmp.Diff(want, texts); diff != "" {
		t.Errorf("expand(pre) mismatch (-want +got):\n%s", diff)
	}
	if got := ix.expand("zzz"); len(got) != 0 {
		t.Errorf("expand(zzz) = %v, want none", got)
	}
}
