package forum_test

import (
	"encoding/binary"
	"fmt"
	"testing"

	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
	"github.com/engagehq/engage/services/internal/pagetoken"
)

// TestSearch checks ranking, snippets, paging and that edits reach the
// index, and that a restarted service rebuilds it from the store.
func TestSearch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mod := e.staff("mod", "metro", moderatorRole)
	alice, bob := e.resident("alice"), e.resident("bob")
	f := e.mustForum(t, mod, "metro", "town-square", public)
	other := e.mustForum(t, mod, "metro", "roads", public)
	county := e.staff("cmod", "county", moderatorRole)
	elsewhere := e.mustForum(t, county, "county", "roads", public)
	e.mustThread(t, alice, elsewhere.GetName(), discussion, "Bicycle lanes in the county")

	titleMatch := e.mustThread(t, alice, f.GetName(), discussion, "Bicycle theft near the station")
	bodyMatch := e.mustThread(t, alice, other.GetName(), question, "Where to park downtown")
	reply := e.mustPost(t, bob, bodyMatch.GetName(), "The bicycle racks on 3rd street are free")
	for i := range 5 {
		e.mustThread(t, bob, f.GetName(), discussion, fmt.Sprintf("Stolen bicycles report %d", i))
	}

	resp, err := e.threads.SearchThreads(bob.ctx(t), &forumv1.SearchThreadsRequest{Parent: "agencies/metro", Query: "bicycle racks"})
	must(t, "search", err)
	if len(resp.GetResults()) != 1 {
		t.Fatalf("results: %v", resp.GetResults())
	}
	r := resp.GetResults()[0]
	diff(t, "a reply's match", []any{r.GetThread().GetName(), r.GetPost(), r.GetSnippet()},
		[]any{bodyMatch.GetName(), reply.GetName(), reply.GetBody()})
	var marked []string
	for _, h := range r.GetHighlights() {
		marked = append(marked, string([]rune(r.GetSnippet())[h.GetStart():h.GetEnd()]))
	}
	diff(t, "highlights", marked, []string{"bicycle", "racks"})
	if r.GetScore() <= 0 {
		t.Fatalf("score %v", r.GetScore())
	}

	// Paging: every matching thread once, none of another agency.
	seen := map[string]bool{}
	req := &forumv1.SearchThreadsRequest{Parent: "agencies/metro", Query: "bicycl", PageSize: 3}
	for pages := 0; ; pages++ {
		resp, err := e.threads.SearchThreads(bob.ctx(t), req)
		must(t, "search page", err)
		for _, r := range resp.GetResults() {
			if seen[r.GetThread().GetName()] {
				t.Fatalf("%s on two pages", r.GetThread().GetName())
			}
			seen[r.GetThread().GetName()] = true
		}
		if resp.GetNextPageToken() == "" {
			break
		}
		if pages > 5 {
			t.Fatal("search pages do not end")
		}
		req.PageToken = resp.GetNextPageToken()
	}
	diff(t, "threads found by prefix", len(seen), 7)
	only, err := e.threads.SearchThreads(bob.ctx(t), &forumv1.SearchThreadsRequest{Parent: "agencies/metro", Query: "bicycle", Forum: other.GetName()})
	must(t, "search one forum", err)
	diff(t, "one forum", len(only.GetResults()), 1)

	// Votes show for the caller.
	_, err = e.threads.VoteThread(bob.ctx(t), &forumv1.VoteThreadRequest{Name: titleMatch.GetName(), Value: 1})
	must(t, "vote", err)
	theft, err := e.threads.SearchThreads(bob.ctx(t), &forumv1.SearchThreadsRequest{Parent: "agencies/metro", Query: "theft"})
	must(t, "search theft", err)
	diff(t, "viewer vote", []any{theft.GetResults()[0].GetThread().GetViewerVote(), theft.GetResults()[0].GetPost()}, []any{int32(1), ""})

	// An edit reaches the index.
	_, err = e.threads.UpdateThread(alice.ctx(t), &forumv1.UpdateThreadRequest{
		Thread: &forumv1.Thread{Name: titleMatch.GetName(), Title: "Scooter theft near the station", Body: "A scooter was taken"},
	})
	must(t, "edit", err)
	scooter, err := e.threads.SearchThreads(bob.ctx(t), &forumv1.SearchThreadsRequest{Parent: "agencies/metro", Query: "scooter"})
	must(t, "search scooter", err)
	diff(t, "edited title found", len(scooter.GetResults()), 1)
	bikes, err := e.threads.SearchThreads(bob.ctx(t), &forumv1.SearchThreadsRequest{Parent: "agencies/metro", Query: "bicycle theft"})
	must(t, "search old title", err)
	diff(t, "old title gone", len(bikes.GetResults()), 0)

	// A restarted service finds the same.
	e2 := newEnvOn(t, e.store, e.clock, forumConfig())
	again, err := e2.threads.SearchThreads(e2.resident("bob").ctx(t), &forumv1.SearchThreadsRequest{Parent: "agencies/metro", Query: "bicycle racks"})
	must(t, "search after restart", err)
	diff(t, "after restart", again.GetResults(), resp0(t, e, bob))
}

// resp0 repeats the first search of TestSearch on e.
func resp0(t *testing.T, e *env, u *person) []*forumv1.SearchResult {
	t.Helper()
	resp, err := e.threads.SearchThreads(u.ctx(t), &forumv1.SearchThreadsRequest{Parent: "agencies/metro", Query: "bicycle racks"})
	must(t, "search", err)
	return resp.GetResults()
}

// TestSearchNewReplies checks that a reply is searchable as soon as it is
// created, unless its thread is hidden: a moderator may reply in a hidden
// thread, and the reply stays out of the index until the thread is shown.
func TestSearchNewReplies(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mod := e.staff("mod", "metro", moderatorRole)
	alice, bob, carol, dave := e.resident("alice"), e.resident("bob"), e.resident("carol"), e.resident("dave")
	f := e.mustForum(t, mod, "metro", "town-square", public)
	shown := e.mustThread(t, alice, f.GetName(), discussion, "Street lights")
	spam := e.mustThread(t, alice, f.GetName(), discussion, "Cheap watches")
	for _, u := range []*person{bob, carol, dave} {
		_, err := e.threads.FlagThread(u.ctx(t), &forumv1.FlagThreadRequest{Name: spam.GetName(), Reason: forumv1.FlagReason_FLAG_REASON_SPAM})
		must(t, "flag", err)
	}
	search := func(query string) []string {
		t.Helper()
		resp, err := e.threads.SearchThreads(mod.ctx(t), &forumv1.SearchThreadsRequest{Parent: "agencies/metro", Query: query})
		must(t, "search", err)
		var posts []string
		for _, r := range resp.GetResults() {
			posts = append(posts, r.GetPost())
		}
		return posts
	}

	reply := e.mustPost(t, bob, shown.GetName(), "The lamp on Elm flickers")
	diff(t, "a reply in a visible thread", search("flickers"), []string{reply.GetName()})
	e.mustPost(t, mod, spam.GetName(), "Zeppelin sighting, locking this")
	diff(t, "a reply in a hidden thread", search("zeppelin"), []string(nil))
}

// TestSearchPagesHoldUnderWrites pages through results while a better
// match is written: the next page goes on after the last result seen,
// instead of shifting by one and repeating it.
func TestSearchPagesHoldUnderWrites(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mod := e.staff("mod", "metro", moderatorRole)
	alice := e.resident("alice")
	f := e.mustForum(t, mod, "metro", "town-square", public)
	e.mustThread(t, alice, f.GetName(), discussion, "Mairie mairie mairie")
	e.mustThread(t, alice, f.GetName(), discussion, "Opening hours of the mairie")

	req := &forumv1.SearchThreadsRequest{Parent: "agencies/metro", Query: "mairie", PageSize: 1}
	var titles []string
	for page := 0; ; page++ {
		resp, err := e.threads.SearchThreads(alice.ctx(t), req)
		must(t, "search page", err)
		for _, r := range resp.GetResults() {
			titles = append(titles, r.GetThread().GetTitle())
		}
		if page == 0 {
			e.mustThread(t, mod, f.GetName(), discussion, "Mairie mairie mairie mairie mairie")
		}
		if resp.GetNextPageToken() == "" || page > 5 {
			break
		}
		req.PageToken = resp.GetNextPageToken()
	}
	seen := map[string]int{}
	for _, title := range titles {
		seen[title]++
	}
	diff(t, "each match seen once", []int{seen["Mairie mairie mairie"], seen["Opening hours of the mairie"], len(titles)}, []int{1, 1, len(seen)})

	req.PageToken = "not a token"
	_, err := e.threads.SearchThreads(alice.ctx(t), req)
	wantField(t, "a bad page token", err, "page_token")

	// A token from before tokens named the thread: an offset alone, which
	// read as a score would skip every result.
	req.PageToken = pagetoken.Encode("search:metro||mairie", binary.BigEndian.AppendUint64(nil, 1))
	_, err = e.threads.SearchThreads(alice.ctx(t), req)
	wantField(t, "an offset token", err, "page_token")
}
