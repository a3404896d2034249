package storetest

import (
	"testing"
	"time"

	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/forum"
)

func testForums(t *testing.T, s forum.Store) {
	req := forum.Request{Caller: "accounts/mod", ID: "req-1", Time: base}
	got, err := s.CreateForum(ctx(t), newForum("metro", "traffic"), req)
	wantErr(t, "create", err, nil)
	want := newForum("metro", "traffic")
	want.Revision = 1
	diff(t, "created", got, want)

	_, err = s.CreateForum(ctx(t), newForum("metro", "traffic"), forum.Request{})
	wantErr(t, "same id", err, errs.AlreadyExists)

	got, err = s.CreateForum(ctx(t), newForum("metro", "other"), req)
	wantErr(t, "retry", err, nil)
	diff(t, "retry returns the first", got, want)
	_, err = s.Forum(ctx(t), forum.ForumKey{Agency: "metro", Forum: "other"})
	wantErr(t, "retry stored nothing", err, errs.NotFound)
	name, err := s.RequestedName(ctx(t), req.Caller, req.ID)
	wantErr(t, "requested name", err, nil)
	diff(t, "requested name", name, want.Key().Name())
	_, err = s.RequestedName(ctx(t), "accounts/someone-else", req.ID)
	wantErr(t, "request ids are per caller", err, errs.NotFound)

	_, err = s.CreateForum(ctx(t), newForum("county", "traffic"), req)
	wantErr(t, "request id reused for another agency", err, forum.ErrRequestReused)
	other, err := s.CreateForum(ctx(t), newForum("county", "traffic"), forum.Request{Caller: "accounts/other", ID: "req-1", Time: base})
	wantErr(t, "same request id, other caller", err, nil)
	diff(t, "other caller's forum", other.Key(), forum.ForumKey{Agency: "county", Forum: "traffic"})

	stored, err := s.Forum(ctx(t), want.Key())
	wantErr(t, "get", err, nil)
	diff(t, "stored", stored, want)
	_, err = s.Forum(ctx(t), forum.ForumKey{Agency: "metro", Forum: "nowhere"})
	wantErr(t, "get unknown", err, errs.NotFound)

	later := base.Add(time.Hour)
	got, err = s.UpdateForum(ctx(t), want.Key(), func(f *forum.Forum) error {
		f.DisplayName, f.Visibility, f.DisplayOrder, f.UpdateTime = "Traffic safety", forumv1.Visibility_VISIBILITY_RESIDENTS, 7, later
		return nil
	})
	wantErr(t, "update", err, nil)
	want.DisplayName, want.Visibility, want.DisplayOrder, want.UpdateTime, want.Revision = "Traffic safety", forumv1.Visibility_VISIBILITY_RESIDENTS, 7, later, 2
	diff(t, "updated", got, want)
	diff(t, "stored after update", mustGetForum(t, s, want.Key()), want)

	_, err = s.UpdateForum(ctx(t), want.Key(), func(f *forum.Forum) error {
		f.DisplayName = "vetoed"
		return errVeto
	})
	wantErr(t, "vetoed update", err, errVeto)
	_, err = s.UpdateForum(ctx(t), want.Key(), func(f *forum.Forum) error {
		f.ThreadCount = 99
		return nil
	})
	if err == nil {
		t.Fatal("an update that changes the thread count succeeded")
	}
	diff(t, "unchanged after refused updates", mustGetForum(t, s, want.Key()), want)
	_, err = s.UpdateForum(ctx(t), forum.ForumKey{Agency: "metro", Forum: "nowhere"}, func(*forum.Forum) error { return nil })
	wantErr(t, "update unknown", err, errs.NotFound)
}

func testForumList(t *testing.T, s forum.Store) {
	for i, id := range []string{"e", "d", "c", "b", "a"} {
		f := newForum("metro", id)
		f.DisplayOrder = int32(i % 2) // e, c, a first (order 0), then d, b
		if _, err := s.CreateForum(ctx(t), f, forum.Request{}); err != nil {
			t.Fatal(err)
		}
	}
	mustForum(t, s, "county", "z")
	ids := func(fs []forum.Forum) []string {
		var out []string
		for _, f := range fs {
			out = append(out, f.ID)
		}
		return out
	}
	var got []forum.Forum
	page := forum.Page{Size: 2}
	for {
		list, next, err := s.ListForums(ctx(t), "metro", page, nil)
		wantErr(t, "list", err, nil)
		if len(list) > 2 {
			t.Fatalf("page of %d, want at most 2", len(list))
		}
		got = append(got, list...)
		if next == nil {
			break
		}
		page.After = next
	}
	diff(t, "forums by order then id", ids(got), []string{"a", "c", "e", "b", "d"})

	list, _, err := s.ListForums(ctx(t), "metro", forum.Page{Size: 10}, func(f forum.Forum) bool { return f.ID != "c" })
	wantErr(t, "list kept", err, nil)
	diff(t, "keep filters", ids(list), []string{"a", "e", "b", "d"})

	// Moving a forum in the order moves it in the list.
	if _, err := s.UpdateForum(ctx(t), forum.ForumKey{Agency: "metro", Forum: "d"}, func(f *forum.Forum) error {
		f.DisplayOrder = 0
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	list, next, err := s.ListForums(ctx(t), "metro", forum.Page{Size: 10}, nil)
	wantErr(t, "list after reorder", err, nil)
	diff(t, "after reorder", ids(list), []string{"a", "c", "d", "e", "b"})
	if next != nil {
		t.Fatalf("cursor %x after the last page", next)
	}
	list, _, err = s.ListForums(ctx(t), "nowhere", forum.Page{Size: 10}, nil)
	wantErr(t, "list empty agency", err, nil)
	diff(t, "empty agency", list, []forum.Forum(nil))
}

func testForumDelete(t *testing.T, s forum.Store) {
	f := mustForum(t, s, "metro", "traffic")
	mustForum(t, s, "metro", "parks")
	th := mustThread(t, s, f.Key(), "Speeding", base)
	p := mustPost(t, s, th.Key(), "Yes", base)

	err := s.DeleteForum(ctx(t), f.Key(), at(1), func(forum.Forum) error { return errVeto })
	wantErr(t, "vetoed delete", err, errVeto)
	mustGetForum(t, s, f.Key())

	wantErr(t, "delete", s.DeleteForum(ctx(t), f.Key(), at(1), accept), nil)
	_, err = s.Forum(ctx(t), f.Key())
	wantErr(t, "get deleted", err, errs.NotFound)
	_, err = s.Thread(ctx(t), th.Key())
	wantErr(t, "thread of a deleted forum", err, errs.NotFound)
	_, err = s.Post(ctx(t), p.Key())
	wantErr(t, "post of a deleted forum", err, errs.NotFound)
	_, _, err = s.ListThreads(ctx(t), f.Key(), forum.ThreadsByActivity, forum.Page{Size: 10}, nil)
	wantErr(t, "list threads of a deleted forum", err, errs.NotFound)
	_, err = s.CreateThread(ctx(t), newThread(f.Key(), "New", at(2)), forum.Request{}, accept)
	wantErr(t, "thread in a deleted forum", err, errs.NotFound)
	list, _, err := s.ListForums(ctx(t), "metro", forum.Page{Size: 10}, nil)
	wantErr(t, "list", err, nil)
	if len(list) != 1 || list[0].ID != "parks" {
		t.Fatalf("forums after delete: %v", list)
	}
	_, err = s.CreateForum(ctx(t), newForum("metro", "traffic"), forum.Request{})
	wantErr(t, "a deleted forum's id stays taken until purged", err, errs.AlreadyExists)
	wantErr(t, "delete again", s.DeleteForum(ctx(t), f.Key(), at(2), accept), errs.NotFound)
}
