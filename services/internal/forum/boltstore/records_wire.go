package boltstore

import (
	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
)

// The binary forms of the hot records (see wire.go). Field numbers are
// part of the file format: never reuse or renumber one; a new field takes
// the next free number.

func (r forumRecord) appendWire(b []byte) []byte {
	b = appendStr(b, 1, r.Agency)
	b = appendStr(b, 2, r.ID)
	b = appendStr(b, 3, r.DisplayName)
	b = appendStr(b, 4, r.Description)
	b = appendInt(b, 5, int64(enumValue(forumv1.Visibility_value, r.Visibility)))
	b = appendStr(b, 6, r.Area)
	b = appendInt(b, 7, int64(r.DisplayOrder))
	b = appendInt(b, 8, r.ThreadCount)
	b = appendTime(b, 9, r.LastActivityTime)
	b = appendTime(b, 10, r.CreateTime)
	b = appendTime(b, 11, r.UpdateTime)
	b = appendInt(b, 12, r.Revision)
	return appendTime(b, 13, r.DeleteTime)
}

func (r *forumRecord) readWire(f wireField) error {
	switch f.num {
	case 1:
		r.Agency = f.str()
	case 2:
		r.ID = f.str()
	case 3:
		r.DisplayName = f.str()
	case 4:
		r.Description = f.str()
	case 5:
		r.Visibility = enumName(forumv1.Visibility_name, f.i64())
	case 6:
		r.Area = f.str()
	case 7:
		r.DisplayOrder = int32(f.i64())
	case 8:
		r.ThreadCount = f.i64()
	case 9:
		r.LastActivityTime = f.time()
	case 10:
		r.CreateTime = f.time()
	case 11:
		r.UpdateTime = f.time()
	case 12:
		r.Revision = f.i64()
	case 13:
		r.DeleteTime = f.time()
	}
	return nil
}

func (r threadRecord) appendWire(b []byte) []byte {
	b = appendStr(b, 1, r.Agency)
	b = appendStr(b, 2, r.Forum)
	b = appendStr(b, 3, r.ID)
	b = appendInt(b, 4, int64(enumValue(forumv1.ThreadKind_value, r.Kind)))
	b = appendStr(b, 5, r.Title)
	b = appendStr(b, 6, r.Body)
	b = appendStr(b, 7, r.Author)
	b = appendStr(b, 8, r.AuthorDisplayName)
	b = appendBool(b, 9, r.Official)
	b = appendInt(b, 10, int64(enumValue(forumv1.ContentState_value, r.State)))
	b = appendStr(b, 11, r.HiddenReason)
	b = appendBool(b, 12, r.Locked)
	b = appendBool(b, 13, r.Pinned)
	b = appendBool(b, 14, r.Answered)
	b = appendStr(b, 15, r.AcceptedAnswer)
	b = appendInt(b, 16, r.VoteCount)
	b = appendInt(b, 17, r.PostCount)
	b = appendTime(b, 18, r.LastActivityTime)
	b = appendTime(b, 19, r.CreateTime)
	b = appendTime(b, 20, r.UpdateTime)
	b = appendStr(b, 21, r.Meeting)
	b = appendInt(b, 22, r.Revision)
	return appendTime(b, 23, r.DeleteTime)
}

func (r *threadRecord) readWire(f wireField) error {
	switch f.num {
	case 1:
		r.Agency = f.str()
	case 2:
		r.Forum = f.str()
	case 3:
		r.ID = f.str()
	case 4:
		r.Kind = enumName(forumv1.ThreadKind_name, f.i64())
	case 5:
		r.Title = f.str()
	case 6:
		r.Body = f.str()
	case 7:
		r.Author = f.str()
	case 8:
		r.AuthorDisplayName = f.str()
	case 9:
		r.Official = f.boolean()
	case 10:
		r.State = enumName(forumv1.ContentState_name, f.i64())
	case 11:
		r.HiddenReason = f.str()
	case 12:
		r.Locked = f.boolean()
	case 13:
		r.Pinned = f.boolean()
	case 14:
		r.Answered = f.boolean()
	case 15:
		r.AcceptedAnswer = f.str()
	case 16:
		r.VoteCount = f.i64()
	case 17:
		r.PostCount = f.i64()
	case 18:
		r.LastActivityTime = f.time()
	case 19:
		r.CreateTime = f.time()
	case 20:
		r.UpdateTime = f.time()
	case 21:
		r.Meeting = f.str()
	case 22:
		r.Revision = f.i64()
	case 23:
		r.DeleteTime = f.time()
	}
	return nil
}

func (r postRecord) appendWire(b []byte) []byte {
	b = appendStr(b, 1, r.Agency)
	b = appendStr(b, 2, r.Forum)
	b = appendStr(b, 3, r.Thread)
	b = appendStr(b, 4, r.ID)
	b = appendStr(b, 5, r.Body)
	b = appendStr(b, 6, r.Author)
	b = appendStr(b, 7, r.AuthorDisplayName)
	b = appendBool(b, 8, r.Official)
	b = appendInt(b, 9, int64(enumValue(forumv1.ContentState_value, r.State)))
	b = appendStr(b, 10, r.HiddenReason)
	b = appendBool(b, 11, r.Accepted)
	b = appendInt(b, 12, r.VoteCount)
	b = appendTime(b, 13, r.CreateTime)
	b = appendTime(b, 14, r.UpdateTime)
	b = appendInt(b, 15, r.Revision)
	return appendTime(b, 16, r.DeleteTime)
}

func (r *postRecord) readWire(f wireField) error {
	switch f.num {
	case 1:
		r.Agency = f.str()
	case 2:
		r.Forum = f.str()
	case 3:
		r.Thread = f.str()
	case 4:
		r.ID = f.str()
	case 5:
		r.Body = f.str()
	case 6:
		r.Author = f.str()
	case 7:
		r.AuthorDisplayName = f.str()
	case 8:
		r.Official = f.boolean()
	case 9:
		r.State = enumName(forumv1.ContentState_name, f.i64())
	case 10:
		r.HiddenReason = f.str()
	case 11:
		r.Accepted = f.boolean()
	case 12:
		r.VoteCount = f.i64()
	case 13:
		r.CreateTime = f.time()
	case 14:
		r.UpdateTime = f.time()
	case 15:
		r.Revision = f.i64()
	case 16:
		r.DeleteTime = f.time()
	}
	return nil
}

func (r requestRecord) appendWire(b []byte) []byte {
	b = appendStr(b, 1, r.Name)
	return appendTime(b, 2, r.Time)
}

func (r *requestRecord) readWire(f wireField) error {
	switch f.num {
	case 1:
		r.Name = f.str()
	case 2:
		r.Time = f.time()
	}
	return nil
}
