package boltstore

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
	"github.com/engagehq/engage/services/internal/boltdb"
	"github.com/engagehq/engage/services/internal/forum"
	"github.com/google/go-cmp/cmp"
	"go.etcd.io/bbolt"
)

var wireTime = time.Date(2026, 3, 14, 15, 9, 26, 535897932, time.UTC)

// TestWireRoundTrip encodes records with every field set, and with none,
// and decodes them back.
func TestWireRoundTrip(t *testing.T) {
	t.Parallel()
	later := wireTime.Add(time.Hour)
	tests := []struct {
		name      string
		in        wireWriter
		out       wireReader
		wantEqual func(out wireReader) any
	}{
		{name: "forum", in: forumRecord{Agency: "metro", ID: "traffic", DisplayName: "Traffic", Description: "Roads",
			Visibility: "VISIBILITY_RESIDENTS", Area: "north", DisplayOrder: 3, ThreadCount: 9, LastActivityTime: later,
			CreateTime: wireTime, UpdateTime: later, Revision: 4, DeleteTime: later}, out: &forumRecord{},
			wantEqual: func(o wireReader) any { return *o.(*forumRecord) }},
		{name: "empty forum", in: forumRecord{}, out: &forumRecord{}, wantEqual: func(o wireReader) any { return *o.(*forumRecord) }},
		{name: "thread", in: threadRecord{Agency: "metro", Forum: "traffic", ID: "t1", Kind: "THREAD_KIND_QUESTION",
			Title: "Which road?", Body: "Elm or Oak", Author: "accounts/a", AuthorDisplayName: "A", Official: true,
			State: "CONTENT_STATE_HIDDEN", HiddenReason: "spam", Locked: true, Pinned: true, Answered: true,
			AcceptedAnswer: "p1", VoteCount: 7, PostCount: 12, LastActivityTime: later, CreateTime: wireTime,
			UpdateTime: later, Meeting: "m1", Revision: 5, DeleteTime: later}, out: &threadRecord{},
			wantEqual: func(o wireReader) any { return *o.(*threadRecord) }},
		{name: "empty thread", in: threadRecord{}, out: &threadRecord{}, wantEqual: func(o wireReader) any { return *o.(*threadRecord) }},
		{name: "post", in: postRecord{Agency: "metro", Forum: "traffic", Thread: "t1", ID: "p1", Body: "Elm ✓",
			Author: "accounts/a", AuthorDisplayName: "A", Official: true, State: "CONTENT_STATE_VISIBLE",
			HiddenReason: "x", Accepted: true, VoteCount: 3, CreateTime: wireTime, UpdateTime: later, Revision: 2,
			DeleteTime: later}, out: &postRecord{}, wantEqual: func(o wireReader) any { return *o.(*postRecord) }},
		{name: "empty post", in: postRecord{}, out: &postRecord{}, wantEqual: func(o wireReader) any { return *o.(*postRecord) }},
		{name: "request", in: requestRecord{Name: "agencies/metro/forums/traffic", Time: wireTime}, out: &requestRecord{},
			wantEqual: func(o wireReader) any { return *o.(*requestRecord) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			raw := tc.in.appendWire([]byte{wireFormat})
			if err := decodeRecord(raw, tc.out); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.in, tc.wantEqual(tc.out)); diff != "" {
				t.Errorf("round trip (-in +out):\n%s", diff)
			}
		})
	}
}

// TestMigrateBinaryRecords opens a file written at schema version 3, with
// JSON records, and checks that they read the same afterwards, and that a
// record written again is binary and still reads the same.
func TestMigrateBinaryRecords(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "forum.db")
	db, err := boltdb.Open(path, boltdb.Options{Migrations: migrations()[:3]})
	if err != nil {
		t.Fatal(err)
	}
	f := forum.Forum{Agency: "metro", ID: "traffic", DisplayName: "Traffic", Visibility: forumv1.Visibility_VISIBILITY_PUBLIC,
		ThreadCount: 1, LastActivityTime: wireTime, CreateTime: wireTime, Revision: 1}
	th := forum.Thread{Agency: "metro", Forum: "traffic", ID: "t1", Kind: forumv1.ThreadKind_THREAD_KIND_QUESTION,
		Title: "Which road?", Body: "Elm or Oak", Author: "accounts/a", State: visible, PostCount: 1,
		LastActivityTime: wireTime, CreateTime: wireTime, Revision: 1}
	p := forum.Post{Agency: "metro", Forum: "traffic", Thread: "t1", ID: "p1", Body: "Elm", Author: "accounts/b",
		State: visible, CreateTime: wireTime, Revision: 1}
	req := forum.Request{Caller: "accounts/b", ID: "r1", Time: wireTime}
	// Records as version 3 wrote them: JSON.
	err = db.Bolt().Update(func(tx *bbolt.Tx) error {
		for _, w := range []struct {
			bucket, key []byte
			v           any
		}{
			{bucketForums, forumKey(f.Key()), toForumRecord(f)},
			{bucketThreads, threadKey(th.Key()), toThreadRecord(th)},
			{bucketPosts, postKey(p.Key()), toPostRecord(p)},
			{bucketRequests, requestKey(req), requestRecord{Name: p.Key().Name(), Time: req.Time}},
			{bucketRequestsByTime, append(u64(nil, nanos(req.Time)), requestKey(req)...), nil},
		} {
			raw := []byte{}
			if w.v != nil {
				var err error
				if raw, err = json.Marshal(w.v); err != nil {
					return err
				}
			}
			if err := tx.Bucket(w.bucket).Put(w.key, raw); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, err := s.DB().SchemaVersion(); err != nil || v != len(migrations()) {
		t.Fatalf("schema version %d (%v), want %d", v, err, len(migrations()))
	}
	check := func(what string, want forum.Post) {
		t.Helper()
		c, err := s.Post(t.Context(), p.Key())
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if diff := cmp.Diff(forum.Content{Forum: f, Thread: th, Post: &want}, c); diff != "" {
			t.Errorf("%s (-want +got):\n%s", what, diff)
		}
		name, err := s.RequestedName(t.Context(), req.Caller, req.ID)
		if err != nil || name != p.Key().Name() {
			t.Errorf("%s: request id names %q (%v), want %q", what, name, err, p.Key().Name())
		}
	}
	check("JSON records", p)

	edited, err := s.UpdatePost(t.Context(), p.Key(), func(_ forum.Forum, _ forum.Thread, q *forum.Post) error {
		q.Body, q.UpdateTime = "Elm, then Oak", wireTime.Add(time.Minute)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.DB().View(func(tx *bbolt.Tx) error {
		if raw := tx.Bucket(bucketPosts).Get(postKey(p.Key())); len(raw) == 0 || raw[0] != wireFormat {
			t.Errorf("the post written again starts with %q, want the binary form", raw[:min(len(raw), 1)])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	check("binary post", edited)
}
