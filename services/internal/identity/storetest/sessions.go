package storetest

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"testing"
	"time"

	"github.com/engagehq/engage/services/internal/identity"
)

func hash(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

func session(id, token string, expire time.Time) identity.Session {
	return identity.Session{
		ID:                id,
		AccountID:         "a1",
		MFA:               true,
		RefreshHash:       hash(token),
		RefreshExpireTime: expire,
		CreateTime:        base,
	}
}

// rotate replaces the session's refresh hash when it equals from.
func rotate(from, to string) func(*identity.Session) error {
	return func(s *identity.Session) error {
		if !bytes.Equal(s.RefreshHash, hash(from)) {
			return errors.New("not current")
		}
		s.RefreshHash = hash(to)
		return nil
	}
}

func testSessions(t *testing.T, s identity.Store) {
	sess := session("s1", "t1", base.Add(time.Hour))
	wantErr(t, "create", s.CreateSession(ctx(t), sess), nil)

	tests := []struct {
		name string
		s    identity.Session
		want error
	}{
		{"same id", session("s1", "t9", base), errAlreadyExists},
		{"same refresh hash", session("s2", "t1", base), errAlreadyExists},
	}
	for _, tc := range tests {
		wantErr(t, tc.name, s.CreateSession(ctx(t), tc.s), tc.want)
	}

	got, err := s.UpdateSessionByRefresh(ctx(t), hash("t1"), rotate("t1", "t2"))
	wantErr(t, "rotate", err, nil)
	want := sess
	want.RefreshHash = hash("t2")
	diff(t, "rotated", got, want)

	// Both the spent and the current token find the session.
	for _, tok := range []string{"t1", "t2"} {
		got, err := s.UpdateSessionByRefresh(ctx(t), hash(tok), func(*identity.Session) error { return nil })
		wantErr(t, "find by "+tok, err, nil)
		diff(t, "found by "+tok, got, want)
	}
	_, err = s.UpdateSessionByRefresh(ctx(t), hash("unknown"), func(*identity.Session) error { return nil })
	wantErr(t, "unknown token", err, errNotFound)

	// A failing mutate changes nothing: the rotation to t3 is not indexed.
	errVeto := errors.New("veto")
	_, err = s.UpdateSessionByRefresh(ctx(t), hash("t2"), func(s *identity.Session) error {
		s.RefreshHash = hash("t3")
		return errVeto
	})
	if !errors.Is(err, errVeto) {
		t.Fatalf("mutate error: got %v, want %v", err, errVeto)
	}
	_, err = s.UpdateSessionByRefresh(ctx(t), hash("t3"), func(*identity.Session) error { return nil })
	wantErr(t, "vetoed token", err, errNotFound)

	got, err = s.UpdateSessionByRefresh(ctx(t), hash("t1"), func(s *identity.Session) error {
		s.Revoked, s.RevokeTime = true, base.Add(time.Minute)
		return nil
	})
	wantErr(t, "revoke", err, nil)
	want.Revoked, want.RevokeTime = true, base.Add(time.Minute)
	diff(t, "revoked", got, want)
}

func testSessionPurge(t *testing.T, s identity.Store) {
	old := session("s1", "old-1", base.Add(-time.Second))
	live := session("s2", "live-1", base.Add(time.Hour))
	edge := session("s3", "edge-1", base) // expires at the purge time
	for _, sess := range []identity.Session{old, live, edge} {
		if err := s.CreateSession(ctx(t), sess); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.UpdateSessionByRefresh(ctx(t), hash("old-1"), rotate("old-1", "old-2")); err != nil {
		t.Fatal(err)
	}
	n, err := s.DeleteExpiredSessions(ctx(t), base)
	wantErr(t, "purge", err, nil)
	if n != 2 {
		t.Fatalf("purged %d sessions, want 2", n)
	}
	for _, tok := range []string{"old-1", "old-2", "edge-1"} {
		_, err := s.UpdateSessionByRefresh(ctx(t), hash(tok), func(*identity.Session) error { return nil })
		wantErr(t, "purged token "+tok, err, errNotFound)
	}
	got, err := s.UpdateSessionByRefresh(ctx(t), hash("live-1"), func(*identity.Session) error { return nil })
	wantErr(t, "live session", err, nil)
	diff(t, "live session", got, live)
	n, err = s.DeleteExpiredSessions(ctx(t), base)
	wantErr(t, "purge again", err, nil)
	if n != 0 {
		t.Fatalf("second purge deleted %d sessions", n)
	}
}
