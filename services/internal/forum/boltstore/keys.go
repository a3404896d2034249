package boltstore

import (
	"bytes"
	"encoding/binary"
	"time"

	"github.com/engagehq/engage/services/internal/boltdb"
	"github.com/engagehq/engage/services/internal/forum"
)

// sep separates the parts of composite keys (boltdb.Join); no id or
// account name contains it, so a key prefix ending in sep selects exactly
// one parent.
const sep = boltdb.KeySep

func forumKey(k forum.ForumKey) []byte   { return boltdb.Join(k.Agency, k.Forum) }
func threadKey(k forum.ThreadKey) []byte { return boltdb.Join(k.Agency, k.Forum, k.Thread) }
func postKey(k forum.PostKey) []byte     { return boltdb.Join(k.Agency, k.Forum, k.Thread, k.Post) }

// Target keys start with a kind byte, so that the votes and flags of a
// thread's posts share a prefix that the thread's own do not.
const (
	kindThread byte = 't'
	kindPost   byte = 'p'
	kindForum  byte = 'f'
)

func targetKey(t forum.Target) []byte {
	if t.IsPost() {
		return append([]byte{kindPost}, postKey(t.PostKey())...)
	}
	return append([]byte{kindThread}, threadKey(t.ThreadKey)...)
}

// accountKey is the key of one account's vote or flag on a target.
func accountKey(target []byte, account string) []byte {
	k := append(bytes.Clone(target), sep)
	return append(k, account...)
}

// u64 appends n big-endian, so that byte order is numeric order.
func u64(b []byte, n uint64) []byte { return binary.BigEndian.AppendUint64(b, n) }

// nanos is t in Unix nanoseconds, 0 for the zero time.
func nanos(t time.Time) uint64 {
	if t.IsZero() {
		return 0
	}
	return uint64(t.UnixNano())
}

// pinByte sorts pinned threads first.
func pinByte(pinned bool) byte {
	if pinned {
		return 0
	}
	return 1
}

// activitySuffix orders a forum's threads pinned first, then latest
// activity first (the time inverted), then by id.
func activitySuffix(t forum.Thread) []byte {
	b := []byte{pinByte(t.Pinned)}
	b = u64(b, ^nanos(t.LastActivityTime))
	return append(b, t.ID...)
}

// threadVotesSuffix orders pinned first, then most votes, then latest
// activity, then id.
func threadVotesSuffix(t forum.Thread) []byte {
	b := []byte{pinByte(t.Pinned)}
	b = u64(b, ^uint64(max(t.VoteCount, 0)))
	b = u64(b, ^nanos(t.LastActivityTime))
	return append(b, t.ID...)
}

// postVotesSuffix orders most votes first, then oldest (ids are UUIDv7).
func postVotesSuffix(p forum.Post) []byte {
	b := u64(nil, ^uint64(max(p.VoteCount, 0)))
	return append(b, p.ID...)
}

// forumOrderSuffix orders an agency's forums by display order, then id.
func forumOrderSuffix(f forum.Forum) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(max(f.DisplayOrder, 0)))
	return append(b, f.ID...)
}

// queueSuffix orders moderation items by state (open first), then by the
// time they entered it.
func queueSuffix(m forum.ModerationItem) []byte {
	t := m.OpenTime
	switch m.State {
	case stateResolved:
		t = m.ResolveTime
	case stateTargetDeleted:
		t = m.TargetDeleteTime
	}
	b := []byte{byte(m.State)}
	b = u64(b, nanos(t))
	return append(b, m.ID...)
}

// trashKey orders deleted resources by deletion time.
func trashKey(at time.Time, kind byte, key []byte) []byte {
	b := u64(nil, nanos(at))
	b = append(b, kind)
	return append(b, key...)
}
