package storetest

import (
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/engagehq/engage/services/internal/identity"
)

func event(chain, actor string, i int) identity.AuditEvent {
	return identity.AuditEvent{
		Chain:         chain,
		Actor:         actor,
		Method:        "/engage.identity.v1.AgencyService/CreateRoleBinding",
		Resource:      fmt.Sprintf("agencies/%s/roleBindings/b%d", chain, i),
		Outcome:       "OK",
		Time:          base.Add(time.Duration(i) * time.Nanosecond),
		CorrelationID: fmt.Sprintf("req-%d", i),
		Service:       "identity",
	}
}

// checkChain fails unless events are a well-formed chain from sequence 1.
func checkChain(t *testing.T, events []identity.AuditEvent) {
	t.Helper()
	prev := identity.ZeroHash
	for i, e := range events {
		if e.Sequence != int64(i+1) || e.PreviousHash != prev || e.Hash != identity.ChainHash(prev, e) {
			t.Fatalf("event %d of chain %q is not chained: %+v", i, e.Chain, e)
		}
		prev = e.Hash
	}
}

func testAuditChain(t *testing.T, s identity.Store) {
	in := []identity.AuditEvent{
		event("metro", "accounts/a", 1),
		event("", "accounts/root", 2),
		event("metro", "accounts/b", 3),
	}
	// Details are kept and read back; the chain mixes events with and
	// without them.
	in[2].Details = map[string]string{"action": "MODERATION_ACTION_HIDE", "locked": "true"}
	out, err := s.AppendAuditEvents(ctx(t), in)
	wantErr(t, "append", err, nil)
	if len(out) != 3 || out[0].Sequence != 1 || out[1].Sequence != 1 || out[2].Sequence != 2 {
		t.Fatalf("sequences are not per chain: %+v", out)
	}
	if out[0].PreviousHash != identity.ZeroHash || out[2].PreviousHash != out[0].Hash {
		t.Fatalf("previous hashes are wrong: %+v", out)
	}
	more, err := s.AppendAuditEvents(ctx(t), []identity.AuditEvent{event("metro", "accounts/c", 4), event("metro", "accounts/d", 5)})
	wantErr(t, "append more", err, nil)

	metro, err := s.ScanAuditEvents(ctx(t), "metro", 0, 100)
	wantErr(t, "scan", err, nil)
	if len(metro) != 4 {
		t.Fatalf("scan returned %d events, want 4", len(metro))
	}
	// What comes back hashes to what was stored: times keep nanoseconds.
	checkChain(t, metro)
	diff(t, "scan", metro, []identity.AuditEvent{out[0], out[2], more[0], more[1]})
	platform, err := s.ScanAuditEvents(ctx(t), "", 0, 100)
	wantErr(t, "scan platform", err, nil)
	diff(t, "platform chain", platform, []identity.AuditEvent{out[1]})
	checkChain(t, platform)

	tests := []struct {
		name      string
		newest    bool
		cursor    int64
		limit     int
		wantSeqs  []int64
		wantChain string
	}{
		{"newest first", true, 0, 3, []int64{4, 3, 2}, "metro"},
		{"below 3", true, 3, 10, []int64{2, 1}, "metro"},
		{"below 1", true, 1, 10, nil, "metro"},
		{"below a sequence above the head", true, 100, 2, []int64{4, 3}, "metro"},
		{"scan after 2", false, 2, 10, []int64{3, 4}, "metro"},
		{"scan with a limit", false, 0, 1, []int64{1}, "metro"},
		{"unknown chain", true, 0, 10, nil, "nowhere"},
		{"scan unknown chain", false, 0, 10, nil, "nowhere"},
	}
	for _, tc := range tests {
		var got []identity.AuditEvent
		var err error
		if tc.newest {
			got, _, err = s.ListAuditEvents(ctx(t), tc.wantChain, identity.AuditPage{Before: tc.cursor, Size: tc.limit})
		} else {
			got, err = s.ScanAuditEvents(ctx(t), tc.wantChain, tc.cursor, tc.limit)
		}
		wantErr(t, tc.name, err, nil)
		var seqs []int64
		for _, e := range got {
			seqs = append(seqs, e.Sequence)
		}
		diff(t, tc.name, seqs, tc.wantSeqs)
	}

	// Pages: the next one starts below the last event examined, kept or
	// not; 0 once none is left.
	even := func(e identity.AuditEvent) bool { return e.Sequence%2 == 0 }
	pages := []struct {
		name     string
		page     identity.AuditPage
		wantSeqs []int64
		wantNext int64
	}{
		{"a full page with more below", identity.AuditPage{Size: 2}, []int64{4, 3}, 3},
		{"a page that ends with the chain", identity.AuditPage{Before: 3, Size: 2}, []int64{2, 1}, 0},
		{"kept events only", identity.AuditPage{Size: 10, Keep: even}, []int64{4, 2}, 0},
		{"a full page of kept events", identity.AuditPage{Size: 1, Keep: even}, []int64{4}, 4},
		{"stopped by the scan bound", identity.AuditPage{Size: 10, MaxScan: 3, Keep: even}, []int64{4, 2}, 2},
		{"the bound reached at the end", identity.AuditPage{Size: 10, MaxScan: 4, Keep: even}, []int64{4, 2}, 0},
		{"nothing kept within the bound", identity.AuditPage{Before: 4, Size: 10, MaxScan: 1, Keep: even}, nil, 3},
	}
	for _, tc := range pages {
		got, next, err := s.ListAuditEvents(ctx(t), "metro", tc.page)
		wantErr(t, tc.name, err, nil)
		var seqs []int64
		for _, e := range got {
			seqs = append(seqs, e.Sequence)
		}
		diff(t, tc.name, seqs, tc.wantSeqs)
		if next != tc.wantNext {
			t.Errorf("%s: next = %d, want %d", tc.name, next, tc.wantNext)
		}
	}

	e, err := s.AuditEvent(ctx(t), "metro", 2)
	wantErr(t, "get", err, nil)
	diff(t, "get", e, out[2])
	for _, seq := range []int64{0, 5, -1} {
		_, err := s.AuditEvent(ctx(t), "metro", seq)
		wantErr(t, fmt.Sprintf("get %d", seq), err, errNotFound)
	}
	_, err = s.AuditEvent(ctx(t), "nowhere", 1)
	wantErr(t, "get in unknown chain", err, errNotFound)
}

func testAuditConcurrentAppends(t *testing.T, s identity.Store) {
	const n = 30
	var wg sync.WaitGroup
	errc := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			_, err := s.AppendAuditEvents(ctx(t), []identity.AuditEvent{event("metro", "accounts/x", i)})
			errc <- err
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		wantErr(t, "concurrent append", err, nil)
	}
	events, err := s.ScanAuditEvents(ctx(t), "metro", 0, 2*n)
	wantErr(t, "scan", err, nil)
	if len(events) != n {
		t.Fatalf("%d events after %d appends", len(events), n)
	}
	checkChain(t, events)
}

func testSigningKeys(t *testing.T, s identity.Store) {
	newKey := func(id string) identity.SigningKey {
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return identity.SigningKey{ID: id, Private: priv, CreateTime: base}
	}
	first := newKey("k1")
	keys, err := s.InitSigningKeys(ctx(t), first)
	wantErr(t, "init", err, nil)
	diff(t, "first init", keys, []identity.SigningKey{first})
	keys, err = s.InitSigningKeys(ctx(t), newKey("k2"))
	wantErr(t, "init again", err, nil)
	diff(t, "second init keeps the first key", keys, []identity.SigningKey{first})
	msg := []byte("token")
	if !ed25519.Verify(first.Private.Public().(ed25519.PublicKey), msg, ed25519.Sign(keys[0].Private, msg)) {
		t.Fatal("the stored private key does not sign like the original")
	}
}
