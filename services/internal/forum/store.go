package forum

import (
	"context"
	"time"

	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
)

// ForumActivityStep is how far behind its latest reply a forum's
// LastActivityTime may be: a reply rewrites the forum's record only when
// that moves it by this much or more, since every reply in every thread of
// the forum would otherwise rewrite the same record. Threads, and the
// threads a forum lists by activity, stay exact.
const ForumActivityStep = time.Minute

// Store keeps the forum's data. Every write is durable when the method
// returns nil, and a method that returns an error has changed nothing.
// Errors wrap the errs sentinels named in each method's doc; anything else
// is a storage failure. Deleted forums, threads and posts are NotFound for
// every read, and so is everything inside a deleted forum or thread.
//
// Functions passed as check, keep or mutate run inside a transaction,
// possibly more than once (a group commit may be retried), each time with
// fresh copies of the stored values. They must only read their arguments
// and change the value they are given; when one returns an error, nothing
// is stored and the method returns that error unchanged.
//
// List methods return at most Page.Size items after Page.After, and a
// cursor to pass as the next page's After: nil when the list is exhausted.
// Each cursor is the last key read from the list's index, so pages stay
// stable while others write: an item that does not move is never returned
// twice nor skipped.
type Store interface {
	// RequestedName returns the name of the resource that caller created
	// with request id, or errs.NotFound.
	RequestedName(ctx context.Context, caller, requestID string) (string, error)

	// CreateForum stores a new forum with Revision 1: errs.AlreadyExists
	// when its id is taken (also by a deleted forum not yet purged). A
	// request already used returns the forum created with it, or
	// ErrRequestReused when it created something else.
	CreateForum(ctx context.Context, f Forum, req Request) (Forum, error)
	// Forum returns a forum, or errs.NotFound.
	Forum(ctx context.Context, k ForumKey) (Forum, error)
	// ListForums lists an agency's forums by DisplayOrder, then id,
	// skipping those keep refuses.
	ListForums(ctx context.Context, agency string, page Page, keep func(Forum) bool) ([]Forum, []byte, error)
	// UpdateForum changes a forum with mutate and increments its Revision;
	// errs.NotFound when it does not exist. mutate may change only
	// DisplayName, Description, Visibility, Area, DisplayOrder and
	// UpdateTime.
	UpdateForum(ctx context.Context, k ForumKey, mutate func(*Forum) error) (Forum, error)
	// DeleteForum deletes a forum softly at time at, after check accepts
	// it: it and everything in it disappear from reads at once, and Purge
	// removes the data later. The moderation items of its threads and
	// posts are marked as in ModerationItem.TargetDeleted.
	// errs.NotFound when it does not exist.
	DeleteForum(ctx context.Context, k ForumKey, at time.Time, check func(Forum) error) error

	// CreateThread stores a new thread in its forum after check accepts
	// the forum, assigning an id (a UUIDv7 made in commit order) when
	// t.ID is empty, and Revision 1. A visible thread counts in the forum's
	// ThreadCount and sets its LastActivityTime. errs.NotFound when the
	// forum does not exist. Requests are idempotent as in CreateForum.
	CreateThread(ctx context.Context, t Thread, req Request, check func(Forum) error) (Thread, error)
	// Thread returns a thread with its forum (Post nil), or errs.NotFound.
	Thread(ctx context.Context, k ThreadKey) (Content, error)
	// ListThreads lists a forum's threads, pinned ones first, then in
	// order, skipping those keep refuses. errs.NotFound when the forum
	// does not exist.
	ListThreads(ctx context.Context, k ForumKey, order ThreadOrder, page Page, keep func(Thread) bool) ([]Thread, []byte, error)
	// UpdateThread changes a thread with mutate and increments its
	// Revision; errs.NotFound when it does not exist. mutate may change
	// only Title, Body, Locked, Pinned and UpdateTime.
	UpdateThread(ctx context.Context, k ThreadKey, mutate func(f Forum, t *Thread) error) (Thread, error)
	// DeleteThread deletes a thread softly, with its posts, after check
	// accepts it. The moderation items of the thread and its posts are
	// marked as in ModerationItem.TargetDeleted. errs.NotFound when it
	// does not exist.
	DeleteThread(ctx context.Context, k ThreadKey, at time.Time, check func(Forum, Thread) error) error

	// CreatePost stores a new post after check accepts its thread,
	// assigning an id as CreateThread does. A visible post counts in the
	// thread's PostCount and moves the thread's LastActivityTime to its
	// CreateTime, and the forum's too when that is ForumActivityStep or
	// more later. errs.NotFound when the thread does not exist. Requests
	// are idempotent as in CreateForum.
	CreatePost(ctx context.Context, p Post, req Request, check func(Forum, Thread) error) (Post, error)
	// Post returns a post with its thread and forum, or errs.NotFound.
	Post(ctx context.Context, k PostKey) (Content, error)
	// ListPosts lists a thread's posts in order, skipping those keep
	// refuses. A page costs the same however many posts the thread has.
	// errs.NotFound when the thread does not exist.
	ListPosts(ctx context.Context, k ThreadKey, order PostOrder, page Page, keep func(Post) bool) ([]Post, []byte, error)
	// UpdatePost changes a post with mutate and increments its Revision;
	// errs.NotFound when it does not exist. mutate may change only Body
	// and UpdateTime.
	UpdatePost(ctx context.Context, k PostKey, mutate func(f Forum, t Thread, p *Post) error) (Post, error)
	// DeletePost deletes a post softly after check accepts it. When it was
	// the accepted answer, its thread is no longer answered. Its
	// moderation item is marked as in ModerationItem.TargetDeleted.
	// errs.NotFound when it does not exist.
	DeletePost(ctx context.Context, k PostKey, at time.Time, check func(Forum, Thread, Post) error) error
	// AcceptPost marks a post as its thread's accepted answer after check
	// accepts it, replacing an earlier one, and increments the Revision of
	// each record it changes; accepting the accepted answer again changes
	// nothing. errs.NotFound when the post does not exist.
	AcceptPost(ctx context.Context, k PostKey, check func(Forum, Thread, Post) error) (Post, error)

	// Vote sets account's vote on a thread or post (up, or cleared) after
	// check accepts the content, keeping VoteCount equal to the number of
	// accounts that vote for it, and returns the content. Voting twice the
	// same way changes nothing. errs.NotFound when the target does not
	// exist.
	Vote(ctx context.Context, t Target, account string, up bool, check func(Content) error) (Content, error)
	// Voted reports, for each target, whether account votes for it.
	Voted(ctx context.Context, account string, targets []Target) ([]bool, error)

	// Flag records f (one per account and target: a second flag by the
	// same account changes nothing) after check accepts the content. The
	// target's moderation item is created, or reopened when resolved; when
	// rule.Threshold counting flags are reached and the content is
	// visible, it is hidden with rule.HiddenReason and the item marked
	// AutoHidden. errs.NotFound when the target does not exist.
	Flag(ctx context.Context, t Target, f Flag, rule FlagRule, check func(Content) error) (FlagResult, error)
	// ModerationItem returns an item, or errs.NotFound.
	ModerationItem(ctx context.Context, agency, id string) (ModerationItem, error)
	// ListModerationItems lists an agency's items in the given states (all
	// when empty): open ones first, the longest open first, then resolved
	// ones, the earliest resolved first, then those closed by the deletion
	// of their target, the earliest deleted first.
	ListModerationItems(ctx context.Context, agency string, states []forumv1.ModerationItem_State, page Page) ([]ModerationItem, []byte, error)
	// ResolveModerationItem records a moderator's decision after check
	// accepts the item, and applies it to the target when it still
	// exists: HIDE hides it with the note as its reason, RESTORE shows it
	// again and clears the item's flags, DISMISS leaves it as it is.
	// errs.NotFound when the item does not exist.
	ResolveModerationItem(ctx context.Context, agency, id string, r Resolution, check func(ModerationItem) error) (ModerationItem, error)

	// SearchDoc returns a thread or post as the search index sees it;
	// errs.NotFound when it was never stored or has been purged. Deleted
	// content is returned, not Searchable.
	SearchDoc(ctx context.Context, t Target) (SearchDoc, error)
	// ScanSearchDocs returns the threads and posts in scope (everything
	// when scope is zero; one agency, forum or thread as its fields are
	// set), threads before posts, at most limit of them after the cursor
	// after. Deleted threads and what deleted forums and threads contain
	// are included, not Searchable; posts deleted one by one are not.
	ScanSearchDocs(ctx context.Context, scope ThreadKey, after []byte, limit int) ([]SearchDoc, []byte, error)

	// Purge removes for good what was deleted before the given time, with
	// everything it contained, its votes, flags and moderation items (they
	// are NotFound from then on), and request ids recorded before that
	// time. It works in bounded transactions and returns how many deleted
	// forums, threads and posts it removed.
	Purge(ctx context.Context, before time.Time) (int, error)

	MeetingStore
}

// Request makes a create idempotent: the first create by Caller with ID
// is stored, and later ones return its result. An empty ID makes none.
type Request struct {
	Caller string
	ID     string
	// Time is when the request was made; Purge forgets request ids older
	// than its horizon.
	Time time.Time
}

// Page selects a page of a list.
type Page struct {
	// After is the cursor returned with the previous page; nil for the
	// first page.
	After []byte
	// Size is the most items to return (at least 1).
	Size int
	// MaxScan bounds the rows examined, kept or skipped, so that a page
	// costs the same whatever a filter skips; zero means no bound. A list
	// that stops there returns a cursor even with fewer than Size items.
	MaxScan int
}

// ThreadOrder is the order of ListThreads after the pinned threads.
type ThreadOrder int

// The thread orders.
const (
	// ThreadsByActivity: latest LastActivityTime first.
	ThreadsByActivity ThreadOrder = iota
	// ThreadsByVotes: most votes first, then latest activity.
	ThreadsByVotes
)

// PostOrder is the order of ListPosts.
type PostOrder int

// The post orders.
const (
	// PostsByCreateTime: oldest first (in the order they were stored).
	PostsByCreateTime PostOrder = iota
	// PostsByVotes: most votes first, then oldest.
	PostsByVotes
)

// FlagRule says when flags hide content.
type FlagRule struct {
	// Threshold is how many counting flags hide visible content that is
	// not official: what staff wrote waits for a moderator, however many
	// accounts flag it, so that a few throwaway accounts cannot take down
	// an agency's announcement.
	Threshold int
	// HiddenReason is shown to the author of content the flags hid.
	HiddenReason string
}

// FlagResult is what a flag changed.
type FlagResult struct {
	Item ModerationItem
	// Hidden is true when this flag hid the content.
	Hidden bool
}

// Resolution is a moderator's decision on an item.
type Resolution struct {
	Action   forumv1.ModerationAction
	Note     string
	Resolver string
	Time     time.Time
}
