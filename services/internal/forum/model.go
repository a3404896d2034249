package forum

import (
	"time"

	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
)

// ForumKey identifies a forum: `agencies/{Agency}/forums/{Forum}`.
type ForumKey struct {
	Agency string
	Forum  string
}

// Name returns the forum's resource name.
func (k ForumKey) Name() string { return "agencies/" + k.Agency + "/forums/" + k.Forum }

// ThreadKey identifies a thread:
// `agencies/{Agency}/forums/{Forum}/threads/{Thread}`.
type ThreadKey struct {
	Agency string
	Forum  string
	Thread string
}

// ForumKey returns the key of the thread's forum.
func (k ThreadKey) ForumKey() ForumKey { return ForumKey{Agency: k.Agency, Forum: k.Forum} }

// Name returns the thread's resource name.
func (k ThreadKey) Name() string { return k.ForumKey().Name() + "/threads/" + k.Thread }

// PostKey identifies a post: `{thread name}/posts/{Post}`.
type PostKey struct {
	ThreadKey
	Post string
}

// Name returns the post's resource name.
func (k PostKey) Name() string { return k.ThreadKey.Name() + "/posts/" + k.Post }

// Target is a thread (Post empty) or a post: what can be voted on and
// flagged.
type Target struct {
	ThreadKey
	Post string
}

// IsPost reports whether the target is a post rather than a thread.
func (t Target) IsPost() bool { return t.Post != "" }

// PostKey returns the key of a post target.
func (t Target) PostKey() PostKey { return PostKey{ThreadKey: t.ThreadKey, Post: t.Post} }

// Name returns the target's resource name.
func (t Target) Name() string {
	if t.IsPost() {
		return t.PostKey().Name()
	}
	return t.ThreadKey.Name()
}

// Forum is a board as the Store keeps it.
type Forum struct {
	Agency       string
	ID           string
	DisplayName  string
	Description  string
	Visibility   forumv1.Visibility
	Area         string
	DisplayOrder int32
	// ThreadCount counts the forum's visible, not deleted threads.
	ThreadCount      int64
	LastActivityTime time.Time
	CreateTime       time.Time
	UpdateTime       time.Time
	// Revision starts at 1 and grows with every update; the etag is
	// rendered from it.
	Revision int64
}

// Key returns the forum's key.
func (f Forum) Key() ForumKey { return ForumKey{Agency: f.Agency, Forum: f.ID} }

// Thread is a conversation as the Store keeps it. Its counts are fields,
// so that the record stays small however long the thread grows.
type Thread struct {
	Agency            string
	Forum             string
	ID                string
	Kind              forumv1.ThreadKind
	Title             string
	Body              string
	Author            string
	AuthorDisplayName string
	Official          bool
	State             forumv1.ContentState
	HiddenReason      string
	Locked            bool
	Pinned            bool
	Answered          bool
	// AcceptedAnswer is the id of the accepted post, "" when none.
	AcceptedAnswer string
	VoteCount      int64
	// PostCount counts the thread's visible, not deleted posts.
	PostCount        int64
	LastActivityTime time.Time
	CreateTime       time.Time
	UpdateTime       time.Time
	// Meeting is the town-hall meeting whose questions the thread collects.
	Meeting string
	// Revision grows with every change made by a person (edit, lock, pin,
	// moderation, accepted answer), not with votes or replies, so that
	// readers' votes do not invalidate an author's etag.
	Revision int64
}

// Key returns the thread's key.
func (t Thread) Key() ThreadKey { return ThreadKey{Agency: t.Agency, Forum: t.Forum, Thread: t.ID} }

// Post is a reply as the Store keeps it.
type Post struct {
	Agency            string
	Forum             string
	Thread            string
	ID                string
	Body              string
	Author            string
	AuthorDisplayName string
	Official          bool
	State             forumv1.ContentState
	HiddenReason      string
	Accepted          bool
	VoteCount         int64
	CreateTime        time.Time
	UpdateTime        time.Time
	// Revision grows with every change made by a person (edit,
	// moderation, acceptance), not with votes.
	Revision int64
}

// Key returns the post's key.
func (p Post) Key() PostKey {
	return PostKey{ThreadKey: ThreadKey{Agency: p.Agency, Forum: p.Forum, Thread: p.Thread}, Post: p.ID}
}

// Content is a thread or one of its posts, with the forum and thread that
// hold it, as read in one transaction.
type Content struct {
	Forum  Forum
	Thread Thread
	// Post is nil when the content is the thread itself.
	Post *Post
}

// Author returns the author of the thread or post.
func (c Content) Author() string {
	if c.Post != nil {
		return c.Post.Author
	}
	return c.Thread.Author
}

// Official reports whether staff wrote the thread or post.
func (c Content) Official() bool {
	if c.Post != nil {
		return c.Post.Official
	}
	return c.Thread.Official
}

// State returns the state of the thread or post.
func (c Content) State() forumv1.ContentState {
	if c.Post != nil {
		return c.Post.State
	}
	return c.Thread.State
}

// Flag is one account's flag on a thread or post.
type Flag struct {
	Account    string
	Reason     forumv1.FlagReason
	Note       string
	CreateTime time.Time
}

// ModerationItem collects the flags on one target for the moderators of
// its agency.
type ModerationItem struct {
	Agency string
	ID     string
	Target Target
	// Excerpt and Author describe the target when it was first flagged.
	Excerpt string
	Author  string
	// FlagCount counts the distinct accounts that flagged the target in
	// the current round; Flags are the first MaxFlagDetails of their flags,
	// oldest first, so that a flood of flags cannot grow the item without
	// bound. A RESTORE ends the round: its flags stay listed but no longer
	// count (Cleared), and the next flag starts a new round.
	FlagCount  int
	Flags      []Flag
	Cleared    bool
	State      forumv1.ModerationItem_State
	AutoHidden bool
	Action     forumv1.ModerationAction
	Note       string
	Resolver   string
	// CreateTime is when the first flag came; OpenTime when the item last
	// (re)opened, which orders the queue.
	CreateTime  time.Time
	OpenTime    time.Time
	ResolveTime time.Time
	// TargetDeleteTime is when the target was deleted, itself or with its
	// thread or forum; zero while it exists.
	TargetDeleteTime time.Time
	Revision         int64
}

// Name returns the item's resource name.
func (m ModerationItem) Name() string {
	return "agencies/" + m.Agency + "/moderationItems/" + m.ID
}

// TargetDeleted records that the item's target was deleted at time at.
// The excerpt goes at once, since the author asked for the text to go; an
// open item closes as STATE_TARGET_DELETED, since nothing is left to
// decide, while a resolved one keeps its decision. Who flagged, why and
// when stay until the target is purged. It reports whether the item
// changed: one already marked keeps its first deletion time.
func (m *ModerationItem) TargetDeleted(at time.Time) bool {
	if !m.TargetDeleteTime.IsZero() {
		return false
	}
	m.Excerpt, m.TargetDeleteTime = "", at
	if m.State == forumv1.ModerationItem_STATE_OPEN {
		m.State = forumv1.ModerationItem_STATE_TARGET_DELETED
	}
	return true
}

// MaxFlagDetails bounds the flags a moderation item lists.
const MaxFlagDetails = 50

// CountingFlags returns how many flags count towards hiding the target.
func (m ModerationItem) CountingFlags() int {
	if m.Cleared {
		return 0
	}
	return m.FlagCount
}

// AddFlag counts a new flag of the current round, starting a new round
// after a RESTORE, and keeps its details while there is room.
func (m *ModerationItem) AddFlag(f Flag) {
	if m.Cleared {
		m.Flags, m.FlagCount, m.Cleared = nil, 0, false
	}
	m.FlagCount++
	if len(m.Flags) < MaxFlagDetails {
		m.Flags = append(m.Flags, f)
	}
}

// SearchDoc is a thread or post as the search index sees it.
type SearchDoc struct {
	// Target is the thread or post.
	Target Target
	// Title is the thread's title; empty for posts.
	Title string
	Body  string
	// Searchable is true when everyone who may read the forum may read the
	// content: its forum and thread are not deleted, and neither the
	// thread nor the post is hidden.
	Searchable bool
}

// excerptRunes bounds a moderation item's excerpt.
const excerptRunes = 200

// Excerpt returns the start of the content's text, as moderation items
// show it: a thread's title and body, or a post's body.
func Excerpt(c Content) string {
	text := c.Thread.Title + ": " + c.Thread.Body
	if c.Post != nil {
		text = c.Post.Body
	}
	r := []rune(text)
	if len(r) > excerptRunes {
		return string(r[:excerptRunes-1]) + "…"
	}
	return text
}
