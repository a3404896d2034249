// Package boltstore keeps the forum's data in one bbolt file, implementing
// forum.Store.
//
// Forums, threads, posts and request ids are stored in a compact binary
// form, protobuf wire fields under fixed numbers (wire.go,
// records_wire.go); the other records are JSON (records.go). Either way
// fields can be added without a migration. Keys are ids joined by a 0x00 byte
// (␀ below), which no id or account name contains, so that a key followed
// by ␀ is the prefix of exactly what lies below it. Numbers in keys are 8
// bytes big-endian (4 for a display order), so that byte order is numeric
// order; "inverted" numbers are bitwise complements, which sort largest
// first. A target is 't' and a thread's key, or 'p' and a post's key. The
// bucket tree:
//
//	forums/               {agency}␀{forum} → forum (a deleted one stays as
//	                      a tombstone, reserving its id, until purged)
//	forums_by_order/      {agency}␀{display order}{forum} → ""
//	threads/              {agency}␀{forum}␀{thread} → thread (deleted ones
//	                      stay, marked, until purged)
//	threads_by_activity/  {agency}␀{forum}␀{pinned 0|1}{inverted last activity}{thread} → ""
//	threads_by_votes/     {agency}␀{forum}␀{pinned 0|1}{inverted votes}{inverted last activity}{thread} → ""
//	posts/                {agency}␀{forum}␀{thread}␀{post} → post
//	posts_deleted/        {agency}␀{forum}␀{thread}␀{post} → post
//	posts_by_votes/       {agency}␀{forum}␀{thread}␀{inverted votes}{post} → ""
//	                      (voted posts only; see postvotes.go)
//	votes/                {target}␀{account} → ""
//	flags/                {target}␀{account} → ""  (who ever flagged it)
//	moderation_items/     {agency}␀{item} → item, with the flags' details
//	moderation_targets/   {target} → item id
//	moderation_queue/     {agency}␀{state}{time it entered the state}{item} → ""
//	requests_by_time/     {time}{caller}␀{request id} → what the request created
//	                      (found by id through an in-memory index; see requests.go)
//	trash/                {delete time}{'f'|'t'|'p'}{key} → ""
//
// and the meeting buckets described in meetings.go.
//
// # Costs
//
// Thread and post ids are UUIDv7 made inside the write transaction, so key
// order in posts/ is the order in which posts were committed: listing a
// thread's posts is a seek to the page's cursor and a read of the page,
// whatever the thread's size, and a reader paging through it never misses
// a post committed behind its cursor. Every other list reads one index in
// order, so each page starts with one seek as well. Counts (threads per
// forum, visible posts per thread, votes) are fields, maintained in the
// transaction that changes what they count; a thread's record stays small
// however long the thread grows.
//
// A list index holds every thread or post that is not deleted, hidden ones
// included (their authors and the moderators see them); a list that skips
// rows stops after Page.MaxScan of them.
//
// # Deletion and purging
//
// Deletion is soft and immediate for readers: a deleted post moves to
// posts_deleted, so that lists never step over it; a deleted thread or
// forum is marked and leaves the list indexes, and everything below it
// becomes unreachable because reads check its parents. The same
// transaction marks the moderation items of the deleted targets, found
// through moderation_targets: each drops its excerpt, and an open one
// moves to the TARGET_DELETED part of moderation_queue. Each deletion adds
// a trash entry. Purge walks the trash in deletion order and removes each
// resource with everything below it, its votes and flags, and its
// moderation links each with its item (flag notes included) and queue
// entry, in transactions of about 5,000 keys at most. Nothing of purged
// content stays in the file; what moderators decided remains in the audit
// log the auth interceptor writes.
//
// The schema version lives in boltdb's own "_meta" bucket; the migrations
// are in buckets.go.
package boltstore
