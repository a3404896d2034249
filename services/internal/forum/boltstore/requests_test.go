package boltstore

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/forum"
)

// TestRequestIDsReopen checks that request ids are found again after the
// store reopens (the in-memory index is rebuilt from the file), and
// forgotten once purged.
func TestRequestIDsReopen(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "forum.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)
	f, err := s.CreateForum(t.Context(), forum.Forum{Agency: "metro", ID: "traffic", DisplayName: "Traffic",
		Visibility: forumv1.Visibility_VISIBILITY_PUBLIC, CreateTime: at}, forum.Request{Caller: "accounts/mod", ID: "r-forum", Time: at})
	if err != nil {
		t.Fatal(err)
	}
	th, err := s.CreateThread(t.Context(), forum.Thread{Agency: "metro", Forum: "traffic",
		Kind: forumv1.ThreadKind_THREAD_KIND_DISCUSSION, Title: "Crossings", Body: "Which first?",
		Author: "accounts/mod", State: visible, CreateTime: at}, forum.Request{}, func(forum.Forum) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	post := func(s *Store, id string, when time.Time) forum.Post {
		t.Helper()
		p, err := s.CreatePost(t.Context(), forum.Post{Agency: "metro", Forum: "traffic", Thread: th.ID, Body: "Elm",
			Author: "accounts/a", State: visible, CreateTime: when}, forum.Request{Caller: "accounts/a", ID: id, Time: when},
			func(forum.Forum, forum.Thread) error { return nil })
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	first := post(s, "r-1", at)
	late := post(s, "r-2", at.Add(48*time.Hour))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tests := []struct {
		caller, id string
		want       string
	}{
		{"accounts/mod", "r-forum", f.Key().Name()},
		{"accounts/a", "r-1", first.Key().Name()},
		{"accounts/a", "r-2", late.Key().Name()},
		{"accounts/b", "r-1", ""}, // ids are per caller
	}
	for _, tc := range tests {
		name, err := s.RequestedName(t.Context(), tc.caller, tc.id)
		if tc.want == "" {
			if !errors.Is(err, errs.NotFound) {
				t.Errorf("%s %s after reopening: %q, %v; want not found", tc.caller, tc.id, name, err)
			}
			continue
		}
		if err != nil || name != tc.want {
			t.Errorf("%s %s after reopening: %q, %v; want %q", tc.caller, tc.id, name, err, tc.want)
		}
	}
	if again := post(s, "r-1", at.Add(time.Hour)); again.ID != first.ID {
		t.Errorf("a retry after reopening created %s, want the first post %s", again.ID, first.ID)
	}

	if _, err := s.Purge(t.Context(), at.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if name, err := s.RequestedName(t.Context(), "accounts/a", "r-1"); !errors.Is(err, errs.NotFound) {
		t.Errorf("purged request id: %q, %v; want not found", name, err)
	}
	if name, err := s.RequestedName(t.Context(), "accounts/a", "r-2"); err != nil || name != late.Key().Name() {
		t.Errorf("request id after the purge horizon: %q, %v; want %q", name, err, late.Key().Name())
	}
}

// TestRequestIndexCollisions checks the index with request keys that share
// a hash, as two ids will once in a great while.
func TestRequestIndexCollisions(t *testing.T) {
	t.Parallel()
	x := newRequestIndex()
	k := []byte("accounts/a\x00r-1")
	for _, tm := range []uint64{10, 20, 30, 20} {
		x.add(k, tm)
	}
	steps := []struct {
		remove uint64
		want   []uint64
	}{
		{0, []uint64{10, 20, 30}},
		{10, []uint64{20, 30}},
		{30, []uint64{20}},
		{20, nil},
	}
	for _, st := range steps {
		if st.remove != 0 {
			x.remove(k, st.remove)
		}
		got := x.lookup(k)
		if len(got) != len(st.want) {
			t.Fatalf("after removing %d: %v, want %v", st.remove, got, st.want)
		}
		for i := range got {
			if got[i] != st.want[i] {
				t.Fatalf("after removing %d: %v, want %v", st.remove, got, st.want)
			}
		}
	}
	if len(x.times) != 0 || len(x.more) != 0 {
		t.Errorf("index not empty: %v %v", x.times, x.more)
	}
}
