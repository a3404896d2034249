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

func TestSearchGroupsAndAllow(t *testing.T) {
	t.Parallel()
	ix := build(
		doc{"threads/a", "threads/a", "Noise complaint", "loud music every night"},
		doc{"threads/a/posts/1", "threads/a", "", "the noise started at midnight, noise noise"},
		doc{"threads/a/posts/2", "threads/a", "", "I heard no noise at all from the building across the road last week"},
		doc{"threads/b", "threads/b", "Parking", "cars parked on the sidewalk"},
		doc{"threads/b/posts/1", "threads/b", "", "noise from the parking garage"},
		doc{"threads/c", "threads/c", "Hidden", "noise noise noise noise"},
	)
	deny := func(ids ...string) func(string, string) bool {
		return func(id, _ string) bool {
			for _, d := range ids {
				if d == id {
					return false
				}
			}
			return true
		}
	}
	tests := []struct {
		name      string
		allow     func(docID, group string) bool
		wantDocs  []string
		wantGroup []string
	}{
		{
			name:      "best document per group",
			wantDocs:  []string{"threads/c", "threads/a/posts/1", "threads/b/posts/1"},
			wantGroup: []string{"threads/c", "threads/a", "threads/b"},
		},
		{
			name:      "a refused best document gives way to the next in its group",
			allow:     deny("threads/a/posts/1"),
			wantDocs:  []string{"threads/c", "threads/a", "threads/b/posts/1"},
			wantGroup: []string{"threads/c", "threads/a", "threads/b"},
		},
		{
			name:      "a group with every document refused is gone",
			allow:     func(_, group string) bool { return group != "threads/c" },
			wantDocs:  []string{"threads/a/posts/1", "threads/b/posts/1"},
			wantGroup: []string{"threads/a", "threads/b"},
		},
		{
			name:  "all refused",
			allow: func(string, string) bool { return false },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hits, total := ix.Search("noise", Query{Allow: tt.allow})
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

func TestSearchAsksAllowAboutGroupsBestFirst(t *testing.T) {
	t.Parallel()
	ix := build(floodDocs()...)
	tests := []struct {
		name   string
		refuse string
		want   []string // documents Allow is asked about
	}{
		{"each group's best only", "", []string{"p2", "p3", "p5"}},
		{"a refused best brings the rest of its group", "p5", []string{"p2", "p3", "p5", "p6"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			asked := map[string]bool{}
			ix.Search("flood", Query{Allow: func(id, _ string) bool { asked[id] = true; return id != tt.refuse }})
			var got []string
			for id := range asked {
				got = append(got, id)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
				t.Errorf("Allow asked about (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSearchAllowGroup(t *testing.T) {
	t.Parallel()
	ix := build(append(floodDocs(), doc{"p7", "t4", "", "fire"})...)
	askedGroups, askedDocs := map[string]int{}, map[string]bool{}
	hits, total := ix.Search("flood", Query{
		AllowGroup: func(group string) bool { askedGroups[group]++; return group != "t1" },
		Allow:      func(id, _ string) bool { askedDocs[id] = true; return id != "p5" },
	})
	// t1 is gone whole; t3's best (p5) is refused, so p6 stands for it.
	if diff := cmp.Diff([]string{"p3", "p6"}, docIDs(hits), cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" || total != 2 {
		t.Errorf("Search total %d, want 2 (-want +got):\n%s", total, diff)
	}
	// Each group with a match once; t4 has none.
	if diff := cmp.Diff(map[string]int{"t1": 1, "t2": 1, "t3": 1}, askedGroups); diff != "" {
		t.Errorf("AllowGroup asked (-want +got):\n%s", diff)
	}
	// Never about a document of the refused group.
	if askedDocs["p1"] || askedDocs["p2"] {
		t.Errorf("Allow asked about documents of a refused group: %v", askedDocs)
	}
}

// TestSearchAllowMatchesFilterThenGroup checks Search with Allow against a
// plain reference: score every document alone, drop the refused ones, keep
// the best of each group, order by score then group.
func TestSearchAllowMatchesFilterThenGroup(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(11, 11))
	ix := New()
	var ids []string
	for i := range 150 {
		id := fmt.Sprintf("d%03d", i)
		ids = append(ids, id)
		ix.Put(id, fmt.Sprintf("g%02d", r.IntN(25)), Field{Text: randomText(r, 1+r.IntN(3)), Weight: 2}, Field{Text: randomText(r, r.IntN(15))})
	}
	allows := map[string]func(id, group string) bool{
		"every third document refused": func(id, _ string) bool { return (id[len(id)-1]-'0')%3 != 0 },
		"some groups refused":          func(_, group string) bool { return group[len(group)-1] != '3' && group != "g10" },
		"most refused":                 func(id, group string) bool { return id[len(id)-1] == '7' || group == "g01" },
	}
	for name, allow := range allows {
		for _, q := range []string{"p", "police", "car st", "bike", "night fire", "wat", "cafe"} {
			// Each document's own score, from a search that allows only it.
			type scored struct {
				id, group string
				score     float64
			}
			bestOf := map[string]scored{}
			for _, id := range ids {
				hits, _ := ix.Search(q, Query{Allow: func(d, _ string) bool { return d == id }})
				if len(hits) == 0 || !allow(id, hits[0].Group) {
					continue
				}
				h := hits[0]
				if b, ok := bestOf[h.Group]; !ok || h.Score > b.score || h.Score == b.score && id < b.id {
					bestOf[h.Group] = scored{id, h.Group, h.Score}
				}
			}
			var want []Hit
			for _, s := range bestOf {
				want = append(want, Hit{DocID: s.id, Group: s.group, Score: s.score})
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
			got, total := ix.Search(q, Query{Allow: allow})
			if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" || total != len(want) {
				t.Errorf("%s: Search(%q) total %d, want %d (-want +got):\n%s", name, q, total, len(want), diff)
			}
			if name == "some groups refused" { // a filter of groups alone
				got, total := ix.Search(q, Query{AllowGroup: func(group string) bool { return allow("", group) }})
				if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" || total != len(want) {
					t.Errorf("%s as AllowGroup: Search(%q) total %d, want %d (-want +got):\n%s", name, q, total, len(want), diff)
				}
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
