package forum_test

import (
	"testing"

	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// TestForums checks a forum's life: generated ids, updates with masks and
// etags, the list order, visibility changes and deletion.
func TestForums(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mod := e.staff("mod", "metro", moderatorRole)
	admin := e.staff("admin", "metro", adminRole)

	tests := []struct {
		displayName string
		wantName    string
	}{
		{"District 3", "agencies/metro/forums/district-3"},
		{"  Traffic & Safety!  ", "agencies/metro/forums/traffic-safety"},
		{"7th Precinct", "agencies/metro/forums/forum-7th-precinct"},
		{"Ü", "agencies/metro/forums/forum"},
	}
	for _, tt := range tests {
		f, err := e.forums.CreateForum(mod.ctx(t), &forumv1.CreateForumRequest{Parent: "agencies/metro", Forum: &forumv1.Forum{DisplayName: tt.displayName, Visibility: public}})
		must(t, "create "+tt.displayName, err)
		diff(t, "generated name of "+tt.displayName, f.GetName(), tt.wantName)
	}
	_, err := e.forums.CreateForum(mod.ctx(t), &forumv1.CreateForumRequest{Parent: "agencies/metro", ForumId: "district-3", Forum: &forumv1.Forum{DisplayName: "Again", Visibility: public}})
	wantCode(t, "a taken id", err, codes.AlreadyExists)

	f, err := e.forums.GetForum(anonymous(t), &forumv1.GetForumRequest{Name: "agencies/metro/forums/district-3"})
	must(t, "get", err)
	up, err := e.forums.UpdateForum(mod.ctx(t), &forumv1.UpdateForumRequest{
		Forum:      &forumv1.Forum{Name: f.GetName(), Description: "Downtown and the river", DisplayOrder: 1, Visibility: residents, Etag: f.GetEtag()},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"description", "visibility"}},
	})
	must(t, "update", err)
	diff(t, "updated", []any{up.GetDisplayName(), up.GetDescription(), up.GetVisibility(), up.GetDisplayOrder(), up.GetEtag()},
		[]any{"District 3", "Downtown and the river", residents, int32(0), `"2"`})
	_, err = e.forums.UpdateForum(mod.ctx(t), &forumv1.UpdateForumRequest{
		Forum:      &forumv1.Forum{Name: f.GetName(), DisplayName: "Stale", Etag: f.GetEtag()},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}},
	})
	wantReason(t, "stale etag", err, codes.FailedPrecondition, "ETAG_MISMATCH")
	_, err = e.forums.GetForum(anonymous(t), &forumv1.GetForumRequest{Name: f.GetName()})
	wantCode(t, "get a residents forum anonymously", err, codes.NotFound)

	// Lists order forums by display order, then id.
	_, err = e.forums.UpdateForum(mod.ctx(t), &forumv1.UpdateForumRequest{
		Forum:      &forumv1.Forum{Name: "agencies/metro/forums/forum", DisplayOrder: 5},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_order"}},
	})
	must(t, "reorder", err)
	var names []string
	req := &forumv1.ListForumsRequest{Parent: "agencies/metro", PageSize: 2}
	for {
		resp, err := e.forums.ListForums(mod.ctx(t), req)
		must(t, "list", err)
		for _, f := range resp.GetForums() {
			names = append(names, f.GetName())
		}
		if resp.GetNextPageToken() == "" {
			break
		}
		req.PageToken = resp.GetNextPageToken()
	}
	diff(t, "listed", names, []string{
		"agencies/metro/forums/district-3", "agencies/metro/forums/forum-7th-precinct",
		"agencies/metro/forums/traffic-safety", "agencies/metro/forums/forum",
	})

	_, err = e.forums.DeleteForum(admin.ctx(t), &forumv1.DeleteForumRequest{Name: f.GetName(), Etag: f.GetEtag()})
	wantReason(t, "delete with a stale etag", err, codes.FailedPrecondition, "ETAG_MISMATCH")
	_, err = e.forums.DeleteForum(admin.ctx(t), &forumv1.DeleteForumRequest{Name: f.GetName(), Etag: up.GetEtag()})
	must(t, "delete", err)
	_, err = e.forums.GetForum(admin.ctx(t), &forumv1.GetForumRequest{Name: f.GetName()})
	wantCode(t, "get deleted", err, codes.NotFound)
	_, err = e.forums.DeleteForum(admin.ctx(t), &forumv1.DeleteForumRequest{Name: f.GetName()})
	wantCode(t, "delete again", err, codes.NotFound)
}
