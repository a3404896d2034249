// Package forum is the community forum service of PRODUCT.md §3.2: an
// agency's boards (forums), their threads (discussions, questions that can
// get an accepted official answer, staff announcements), replies (posts),
// votes, flags and the moderation queue, full-text search, and town-hall
// meetings with their question threads.
//
// The package holds the gRPC handlers of the five services of the contract
// (ForumService, ThreadService, PostService, ModerationService,
// MeetingService), the domain rules behind them, and the Store interface
// its data lives behind. boltstore implements Store on bbolt; storetest is
// the suite every implementation must pass.
//
// # Who sees what
//
//   - A PUBLIC forum is read by anyone; a RESIDENTS forum by any signed-in
//     person (staff included); a STAFF forum by people holding a role in
//     the agency. Partners act for organizations, not people: they read
//     what anonymous callers read. A caller who may not read a forum gets
//     NOT_FOUND for it and for everything in it, and lists leave it out.
//   - Writing takes a signed-in person who may read the forum; only staff
//     write in STAFF forums and post ANNOUNCEMENT threads (others get
//     PERMISSION_DENIED). Content by staff of the agency is marked
//     official. Locked threads take no replies (FAILED_PRECONDITION,
//     THREAD_LOCKED).
//   - Authors edit their own threads and posts for EditWindow (15 minutes
//     by default) after writing them; others who can see the content get
//     PERMISSION_DENIED. Authors and moderators delete.
//   - Hidden content is seen only by its author, with the reason it is
//     hidden, and by the agency's moderators. Counts (threads in a forum,
//     replies in a thread) count visible content only.
//   - A QUESTION's author or agency staff accept one reply as its answer,
//     replacing an earlier one. A hidden reply cannot be accepted; an
//     accepted answer hidden later stays accepted (a moderator may restore
//     it), and deleting it leaves the question unanswered.
//
// # Moderation
//
// Each account flags a thread or post once; a second flag changes nothing.
// When FlagThreshold (3 by default) distinct accounts have flagged visible
// content, it is hidden at once, its author reads AutoHiddenReason, and it
// leaves the search index. Every flagged target has one moderation item in
// its agency's queue, listed open items first, longest waiting first. A
// moderator resolves it: HIDE keeps the content hidden with the moderator's
// note as the reason its author reads; RESTORE shows it again and clears
// the flags that led there, so the same people cannot hide it again;
// DISMISS closes the item and leaves the content as it is. A flag after
// the decision reopens the item. Deleting flagged content, by its author
// or staff, itself or with its thread or forum, closes its open item as
// TARGET_DELETED, since nothing is left to decide, and drops the item's
// excerpt of the deleted text at once; a decided item keeps its decision.
// Who flagged, why and when stay until the purge. Every moderator action
// is audited by the auth interceptor, as the contract's policies declare.
//
// # Requests, etags and pages
//
// Every create takes a request_id: the same caller repeating it gets the
// first result, and nothing is created twice (a retry skips the abuse
// check, which would take it for a duplicate). Updates and deletes take an
// optional etag, a revision that grows with every change a person makes
// (edits, locks, pins, moderation, accepted answers) but not with votes or
// replies; a stale one is FAILED_PRECONDITION with reason ETAG_MISMATCH.
// Update masks follow package fieldmask: without one, an update changes the
// updatable fields the request sets; the etag and output-only fields may be
// named and are ignored, immutable ones (a thread's kind, a meeting's
// forum) only with their current value; an unknown path, or an update that
// changes nothing, is INVALID_ARGUMENT naming update_mask.
//
// Page tokens carry the last key of the index a list reads, bound to the
// parent, filter and order (package pagetoken), so pages stay stable while
// others write: an item that does not move is never listed twice nor
// skipped. Items that do move (a thread bumped by a reply, a post gaining
// votes) appear where they are when their page is read. A thread's
// last_activity_time is its latest reply's; a forum's is refreshed by a
// reply only when that moves it by ForumActivityStep (a minute) or more,
// so that replies do not all rewrite the forum. A page examines at
// most ten times its size; a filter that matches rarely yields short pages
// with a token instead of a scan of the whole forum.
//
// # Deletion and retention
//
// Deletes are soft: a deleted forum, thread or post disappears from every
// read at once, with everything it contains, and leaves the search index.
// The data is kept for Retention (30 days by default) so that an operator
// can still investigate abuse, then Purge removes it for good with its
// votes, its flags and their notes, and its moderation items, along with
// request ids older than the retention: nothing that quotes or describes
// purged content outlives it. The composition root runs Purge periodically
// (hourly is plenty). A deleted forum's id stays taken until then. There
// is no undelete: content comes back only as new content, which starts
// without flags.
//
// # Search
//
// SearchThreads finds threads and posts in the forums of one agency that
// the caller may read, with an in-memory inverted index (package
// textindex) per agency, built from the store when the service starts and
// kept current after each write (search.go). Results are threads, each
// represented by its best matching document, ranked by BM25, with a
// snippet and highlights of the matched text read from the store.
package forum
