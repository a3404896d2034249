package storetest

import (
	"testing"

	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/forum"
)

// docState is what the suite compares of a search document.
type docState struct {
	Name       string
	Title      string
	Body       string
	Searchable bool
}

func docStates(docs []forum.SearchDoc) []docState {
	var out []docState
	for _, d := range docs {
		out = append(out, docState{d.Target.Name(), d.Title, d.Body, d.Searchable})
	}
	return out
}

// scanAll pages through ScanSearchDocs with pages of size n.
func scanAll(t *testing.T, s forum.Store, scope forum.ThreadKey, n int) []forum.SearchDoc {
	t.Helper()
	var out []forum.SearchDoc
	var after []byte
	for range 1000 {
		docs, next, err := s.ScanSearchDocs(ctx(t), scope, after, n)
		wantErr(t, "scan", err, nil)
		if len(docs) > n {
			t.Fatalf("scan returned %d documents, limit %d", len(docs), n)
		}
		out = append(out, docs...)
		if next == nil {
			return out
		}
		after = next
	}
	t.Fatal("scan does not end")
	return nil
}

func testSearchDocs(t *testing.T, s forum.Store) {
	f := mustForum(t, s, "metro", "traffic")
	a := mustThread(t, s, f.Key(), "Speeding", at(1))
	b := mustThread(t, s, f.Key(), "Parking", at(2))
	a1 := mustPost(t, s, a.Key(), "Elm street", at(3))
	a2 := mustPost(t, s, a.Key(), "Oak street", at(4))
	b1 := mustPost(t, s, b.Key(), "Downtown", at(5))
	other := mustForum(t, s, "county", "roads")
	c := mustThread(t, s, other.Key(), "Gravel", at(1))

	doc := func(k forum.Target) docState {
		t.Helper()
		d, err := s.SearchDoc(ctx(t), k)
		wantErr(t, "search doc "+k.Name(), err, nil)
		return docStates([]forum.SearchDoc{d})[0]
	}
	diff(t, "thread doc", doc(threadTarget(a.Key())), docState{a.Key().Name(), "Speeding", "Body of Speeding", true})
	diff(t, "post doc", doc(postTarget(a1)), docState{a1.Key().Name(), "", "Elm street", true})
	_, err := s.SearchDoc(ctx(t), postTarget(forum.Post{Agency: "metro", Forum: "traffic", Thread: a.ID, ID: "nowhere"}))
	wantErr(t, "unknown doc", err, errs.NotFound)

	metro := forum.ThreadKey{Agency: "metro"}
	for _, n := range []int{1, 2, 3, 10} {
		got := scanAll(t, s, metro, n)
		diff(t, "scan of the agency", len(got), 5)
		seen := map[string]bool{}
		for _, d := range got {
			if seen[d.Target.Name()] {
				t.Fatalf("page size %d: %s scanned twice", n, d.Target.Name())
			}
			seen[d.Target.Name()] = true
		}
	}
	diff(t, "scan of everything", len(scanAll(t, s, forum.ThreadKey{}, 2)), 6)
	diff(t, "scan of a thread", docStates(scanAll(t, s, a.Key(), 1)), []docState{
		{a.Key().Name(), "Speeding", "Body of Speeding", true},
		{a1.Key().Name(), "", "Elm street", true},
		{a2.Key().Name(), "", "Oak street", true},
	})
	diff(t, "scan of another agency's forum", docStates(scanAll(t, s, forum.ThreadKey{Agency: "county", Forum: "roads"}, 5)), []docState{
		{c.Key().Name(), "Gravel", "Body of Gravel", true},
	})

	// Hidden, deleted, and inside something hidden or deleted: not searchable.
	for i := range 3 {
		mustFlag(t, s, postTarget(a1), flagBy(i, 6))
	}
	diff(t, "hidden post", doc(postTarget(a1)).Searchable, false)
	wantErr(t, "delete post", s.DeletePost(ctx(t), a2.Key(), at(7), acceptFTP), nil)
	diff(t, "deleted post", doc(postTarget(a2)).Searchable, false)
	for i := range 3 {
		mustFlag(t, s, threadTarget(b.Key()), flagBy(i, 8))
	}
	diff(t, "hidden thread", doc(threadTarget(b.Key())).Searchable, false)
	diff(t, "post of a hidden thread", doc(postTarget(b1)).Searchable, false)
	wantErr(t, "delete thread", s.DeleteThread(ctx(t), a.Key(), at(9), acceptFT), nil)
	diff(t, "scan of a deleted thread", docStates(scanAll(t, s, a.Key(), 10)), []docState{
		{a.Key().Name(), "Speeding", "Body of Speeding", false},
		{a1.Key().Name(), "", "Elm street", false},
	})
	wantErr(t, "delete forum", s.DeleteForum(ctx(t), other.Key(), at(10), accept), nil)
	diff(t, "thread of a deleted forum", doc(threadTarget(c.Key())).Searchable, false)
}
