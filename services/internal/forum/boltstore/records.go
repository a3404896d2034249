package boltstore

import (
	"time"

	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
	"github.com/engagehq/engage/services/internal/forum"
)

// The stored forms of the forum's records. They are separate from the
// domain types so that renaming a Go field can never silently change the
// file format; new fields must tolerate being absent in old records. JSON
// records store enums by name; binary ones (records_wire.go) by number.

const stateResolved = forumv1.ModerationItem_STATE_RESOLVED

// enumValue parses a stored enum name, 0 (unspecified) when unknown.
func enumValue(values map[string]int32, name string) int32 { return values[name] }

type forumRecord struct {
	Agency           string    `json:"agency"`
	ID               string    `json:"id"`
	DisplayName      string    `json:"display_name"`
	Description      string    `json:"description,omitempty"`
	Visibility       string    `json:"visibility"`
	Area             string    `json:"area,omitempty"`
	DisplayOrder     int32     `json:"display_order,omitempty"`
	ThreadCount      int64     `json:"thread_count,omitempty"`
	LastActivityTime time.Time `json:"last_activity_time,omitzero"`
	CreateTime       time.Time `json:"create_time"`
	UpdateTime       time.Time `json:"update_time,omitzero"`
	Revision         int64     `json:"revision"`
	// DeleteTime is set on a deleted forum, which stays as a tombstone
	// reserving its id until Purge.
	DeleteTime time.Time `json:"delete_time,omitzero"`
}

func toForumRecord(f forum.Forum) forumRecord {
	return forumRecord{
		Agency: f.Agency, ID: f.ID, DisplayName: f.DisplayName, Description: f.Description,
		Visibility: f.Visibility.String(), Area: f.Area, DisplayOrder: f.DisplayOrder,
		ThreadCount: f.ThreadCount, LastActivityTime: f.LastActivityTime,
		CreateTime: f.CreateTime, UpdateTime: f.UpdateTime, Revision: f.Revision,
	}
}

func (r forumRecord) domain() forum.Forum {
	return forum.Forum{
		Agency: r.Agency, ID: r.ID, DisplayName: r.DisplayName, Description: r.Description,
		Visibility: forumv1.Visibility(enumValue(forumv1.Visibility_value, r.Visibility)),
		Area:       r.Area, DisplayOrder: r.DisplayOrder,
		ThreadCount: r.ThreadCount, LastActivityTime: r.LastActivityTime,
		CreateTime: r.CreateTime, UpdateTime: r.UpdateTime, Revision: r.Revision,
	}
}

type threadRecord struct {
	Agency            string    `json:"agency"`
	Forum             string    `json:"forum"`
	ID                string    `json:"id"`
	Kind              string    `json:"kind"`
	Title             string    `json:"title"`
	Body              string    `json:"body"`
	Author            string    `json:"author"`
	AuthorDisplayName string    `json:"author_display_name,omitempty"`
	Official          bool      `json:"official,omitempty"`
	State             string    `json:"state"`
	HiddenReason      string    `json:"hidden_reason,omitempty"`
	Locked            bool      `json:"locked,omitempty"`
	Pinned            bool      `json:"pinned,omitempty"`
	Answered          bool      `json:"answered,omitempty"`
	AcceptedAnswer    string    `json:"accepted_answer,omitempty"`
	VoteCount         int64     `json:"vote_count,omitempty"`
	PostCount         int64     `json:"post_count,omitempty"`
	LastActivityTime  time.Time `json:"last_activity_time"`
	CreateTime        time.Time `json:"create_time"`
	UpdateTime        time.Time `json:"update_time,omitzero"`
	Meeting           string    `json:"meeting,omitempty"`
	Revision          int64     `json:"revision"`
	// DeleteTime is set on a deleted thread, which stays until Purge.
	DeleteTime time.Time `json:"delete_time,omitzero"`
}

func toThreadRecord(t forum.Thread) threadRecord {
	return threadRecord{
		Agency: t.Agency, Forum: t.Forum, ID: t.ID, Kind: t.Kind.String(), Title: t.Title, Body: t.Body,
		Author: t.Author, AuthorDisplayName: t.AuthorDisplayName, Official: t.Official,
		State: t.State.String(), HiddenReason: t.HiddenReason, Locked: t.Locked, Pinned: t.Pinned,
		Answered: t.Answered, AcceptedAnswer: t.AcceptedAnswer, VoteCount: t.VoteCount, PostCount: t.PostCount,
		LastActivityTime: t.LastActivityTime, CreateTime: t.CreateTime, UpdateTime: t.UpdateTime,
		Meeting: t.Meeting, Revision: t.Revision,
	}
}

func (r threadRecord) domain() forum.Thread {
	return forum.Thread{
		Agency: r.Agency, Forum: r.Forum, ID: r.ID,
		Kind:  forumv1.ThreadKind(enumValue(forumv1.ThreadKind_value, r.Kind)),
		Title: r.Title, Body: r.Body,
		Author: r.Author, AuthorDisplayName: r.AuthorDisplayName, Official: r.Official,
		State:        forumv1.ContentState(enumValue(forumv1.ContentState_value, r.State)),
		HiddenReason: r.HiddenReason, Locked: r.Locked, Pinned: r.Pinned,
		Answered: r.Answered, AcceptedAnswer: r.AcceptedAnswer, VoteCount: r.VoteCount, PostCount: r.PostCount,
		LastActivityTime: r.LastActivityTime, CreateTime: r.CreateTime, UpdateTime: r.UpdateTime,
		Meeting: r.Meeting, Revision: r.Revision,
	}
}

type postRecord struct {
	Agency            string    `json:"agency"`
	Forum             string    `json:"forum"`
	Thread            string    `json:"thread"`
	ID                string    `json:"id"`
	Body              string    `json:"body"`
	Author            string    `json:"author"`
	AuthorDisplayName string    `json:"author_display_name,omitempty"`
	Official          bool      `json:"official,omitempty"`
	State             string    `json:"state"`
	HiddenReason      string    `json:"hidden_reason,omitempty"`
	Accepted          bool      `json:"accepted,omitempty"`
	VoteCount         int64     `json:"vote_count,omitempty"`
	CreateTime        time.Time `json:"create_time"`
	UpdateTime        time.Time `json:"update_time,omitzero"`
	Revision          int64     `json:"revision"`
	// DeleteTime is set once the post has moved to posts_deleted.
	DeleteTime time.Time `json:"delete_time,omitzero"`
}

func toPostRecord(p forum.Post) postRecord {
	return postRecord{
		Agency: p.Agency, Forum: p.Forum, Thread: p.Thread, ID: p.ID, Body: p.Body,
		Author: p.Author, AuthorDisplayName: p.AuthorDisplayName, Official: p.Official,
		State: p.State.String(), HiddenReason: p.HiddenReason, Accepted: p.Accepted, VoteCount: p.VoteCount,
		CreateTime: p.CreateTime, UpdateTime: p.UpdateTime, Revision: p.Revision,
	}
}

func (r postRecord) domain() forum.Post {
	return forum.Post{
		Agency: r.Agency, Forum: r.Forum, Thread: r.Thread, ID: r.ID, Body: r.Body,
		Author: r.Author, AuthorDisplayName: r.AuthorDisplayName, Official: r.Official,
		State:        forumv1.ContentState(enumValue(forumv1.ContentState_value, r.State)),
		HiddenReason: r.HiddenReason, Accepted: r.Accepted, VoteCount: r.VoteCount,
		CreateTime: r.CreateTime, UpdateTime: r.UpdateTime, Revision: r.Revision,
	}
}

type flagRecord struct {
	Account    string    `json:"account"`
	Reason     string    `json:"reason"`
	Note       string    `json:"note,omitempty"`
	CreateTime time.Time `json:"create_time"`
}

type moderationRecord struct {
	Agency      string       `json:"agency"`
	ID          string       `json:"id"`
	Target      string       `json:"target"`
	Excerpt     string       `json:"excerpt,omitempty"`
	Author      string       `json:"author,omitempty"`
	FlagCount   int          `json:"flag_count,omitempty"`
	Flags       []flagRecord `json:"flags,omitempty"`
	Cleared     bool         `json:"cleared,omitempty"`
	State       string       `json:"state"`
	AutoHidden  bool         `json:"auto_hidden,omitempty"`
	Action      string       `json:"action,omitempty"`
	Note        string       `json:"note,omitempty"`
	Resolver    string       `json:"resolver,omitempty"`
	CreateTime  time.Time    `json:"create_time"`
	OpenTime    time.Time    `json:"open_time"`
	ResolveTime time.Time    `json:"resolve_time,omitzero"`
	Revision    int64        `json:"revision"`
	// TargetDeleteTime is set once the target is deleted (version 6 on).
	TargetDeleteTime time.Time `json:"target_delete_time,omitzero"`
}

func toModerationRecord(m forum.ModerationItem) moderationRecord {
	r := moderationRecord{
		Agency: m.Agency, ID: m.ID, Target: m.Target.Name(), Excerpt: m.Excerpt, Author: m.Author,
		FlagCount: m.FlagCount, Cleared: m.Cleared, State: m.State.String(), AutoHidden: m.AutoHidden,
		Note: m.Note, Resolver: m.Resolver,
		CreateTime: m.CreateTime, OpenTime: m.OpenTime, ResolveTime: m.ResolveTime, Revision: m.Revision,
		TargetDeleteTime: m.TargetDeleteTime,
	}
	if m.Action != forumv1.ModerationAction_MODERATION_ACTION_UNSPECIFIED {
		r.Action = m.Action.String()
	}
	for _, f := range m.Flags {
		r.Flags = append(r.Flags, flagRecord{Account: f.Account, Reason: f.Reason.String(), Note: f.Note, CreateTime: f.CreateTime})
	}
	return r
}

func (r moderationRecord) domain() (forum.ModerationItem, error) {
	target, err := forum.ParseTarget(r.Target)
	if err != nil {
		return forum.ModerationItem{}, err
	}
	m := forum.ModerationItem{
		Agency: r.Agency, ID: r.ID, Target: target, Excerpt: r.Excerpt, Author: r.Author,
		FlagCount: r.FlagCount, Cleared: r.Cleared,
		State:      forumv1.ModerationItem_State(enumValue(forumv1.ModerationItem_State_value, r.State)),
		AutoHidden: r.AutoHidden,
		Action:     forumv1.ModerationAction(enumValue(forumv1.ModerationAction_value, r.Action)),
		Note:       r.Note, Resolver: r.Resolver,
		CreateTime: r.CreateTime, OpenTime: r.OpenTime, ResolveTime: r.ResolveTime, Revision: r.Revision,
		TargetDeleteTime: r.TargetDeleteTime,
	}
	for _, f := range r.Flags {
		m.Flags = append(m.Flags, forum.Flag{
			Account: f.Account, Reason: forumv1.FlagReason(enumValue(forumv1.FlagReason_value, f.Reason)),
			Note: f.Note, CreateTime: f.CreateTime,
		})
	}
	return m, nil
}

// requestRecord remembers what an idempotent create made.
type requestRecord struct {
	Name string    `json:"name"`
	Time time.Time `json:"time"`
}
