package forum

import (
	"time"

	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
	"github.com/engagehq/engage/services/internal/etag"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// timestamp converts t, leaving the zero time unset.
func timestamp(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

// etagOf renders a revision as a quoted string, as HTTP does.
func etagOf(revision int64) string { return etag.Format(revision) }

// checkETag returns errETagMismatch unless tag is empty or matches.
func checkETag(tag string, revision int64) error {
	if rev, ok := etag.Parse(tag); tag == "" || ok && rev == revision {
		return nil
	}
	return errETagMismatch
}

func forumToProto(f Forum) *forumv1.Forum {
	return &forumv1.Forum{
		Name:             f.Key().Name(),
		DisplayName:      f.DisplayName,
		Description:      f.Description,
		Visibility:       f.Visibility,
		Area:             f.Area,
		DisplayOrder:     f.DisplayOrder,
		ThreadCount:      f.ThreadCount,
		LastActivityTime: timestamp(f.LastActivityTime),
		CreateTime:       timestamp(f.CreateTime),
		UpdateTime:       timestamp(f.UpdateTime),
		Etag:             etagOf(f.Revision),
	}
}

// threadToProto renders a thread for a caller whose vote is viewerVote.
// Only callers who may see hidden content get here, so its reason is
// theirs to read.
func threadToProto(t Thread, viewerVote bool) *forumv1.Thread {
	out := &forumv1.Thread{
		Name:              t.Key().Name(),
		Kind:              t.Kind,
		Title:             t.Title,
		Body:              t.Body,
		Author:            t.Author,
		AuthorDisplayName: t.AuthorDisplayName,
		Official:          t.Official,
		State:             t.State,
		HiddenReason:      t.HiddenReason,
		Locked:            t.Locked,
		Pinned:            t.Pinned,
		Answered:          t.Answered,
		VoteCount:         t.VoteCount,
		PostCount:         t.PostCount,
		LastActivityTime:  timestamp(t.LastActivityTime),
		CreateTime:        timestamp(t.CreateTime),
		UpdateTime:        timestamp(t.UpdateTime),
		Etag:              etagOf(t.Revision),
		Meeting:           t.Meeting,
	}
	if t.AcceptedAnswer != "" {
		out.AcceptedAnswer = PostKey{ThreadKey: t.Key(), Post: t.AcceptedAnswer}.Name()
	}
	if viewerVote {
		out.ViewerVote = 1
	}
	return out
}

func postToProto(p Post, viewerVote bool) *forumv1.Post {
	out := &forumv1.Post{
		Name:              p.Key().Name(),
		Body:              p.Body,
		Author:            p.Author,
		AuthorDisplayName: p.AuthorDisplayName,
		Official:          p.Official,
		State:             p.State,
		HiddenReason:      p.HiddenReason,
		Accepted:          p.Accepted,
		VoteCount:         p.VoteCount,
		CreateTime:        timestamp(p.CreateTime),
		UpdateTime:        timestamp(p.UpdateTime),
		Etag:              etagOf(p.Revision),
	}
	if viewerVote {
		out.ViewerVote = 1
	}
	return out
}

// itemToProto renders a moderation item. The flaggers' accounts stay out:
// moderators judge the content, not who reported it.
func itemToProto(m ModerationItem) *forumv1.ModerationItem {
	out := &forumv1.ModerationItem{
		Name:             m.Name(),
		Target:           m.Target.Name(),
		Excerpt:          m.Excerpt,
		Author:           m.Author,
		FlagCount:        int64(m.FlagCount),
		State:            m.State,
		AutoHidden:       m.AutoHidden,
		Action:           m.Action,
		Note:             m.Note,
		Resolver:         m.Resolver,
		CreateTime:       timestamp(m.CreateTime),
		ResolveTime:      timestamp(m.ResolveTime),
		Etag:             etagOf(m.Revision),
		TargetDeleteTime: timestamp(m.TargetDeleteTime),
	}
	for _, f := range m.Flags {
		out.Flags = append(out.Flags, &forumv1.Flag{Reason: f.Reason, Note: f.Note, CreateTime: timestamp(f.CreateTime)})
	}
	return out
}
