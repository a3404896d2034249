package e2e

import (
	"encoding/json"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/engagehq/engage/services/internal/config"
	"go.etcd.io/bbolt"
)

// TestAuditDetailsOfModeratorDecisions: a moderator hides one flagged
// thread and restores another, then locks and unlocks a third; the
// agency's audit log, listed over REST, says which action and which lock
// state each event decided, and its chain verifies. Rewriting one decision
// in the stored log makes verification fail.
func TestAuditDetailsOfModeratorDecisions(t *testing.T) {
	t.Parallel()
	s := newForumSetup(t)
	p, town := s.p, s.base+"/forums/town"

	thread := func(title string) string {
		th := p.must(200, "POST", town+"/threads", s.residents[0], map[string]any{
			"kind": "THREAD_KIND_DISCUSSION", "title": title, "body": "Details in the thread.",
		})
		return th["name"].(string)
	}
	spam, real, busy := thread("Cheap watches here"), thread("Speeding on Elm Street"), thread("Block party planning")
	p.must(200, "POST", "/v1/"+spam+":flag", s.residents[1], map[string]any{"reason": "FLAG_REASON_SPAM"})
	for i := 1; i <= 3; i++ { // hidden until reviewed
		p.must(200, "POST", "/v1/"+real+":flag", s.residents[i], map[string]any{"reason": "FLAG_REASON_SPAM"})
	}
	items := p.must(200, "GET", s.base+"/moderationItems?filter=state%20%3D%20OPEN", s.moderator, nil)["moderationItems"].([]any)
	resolve := map[string]string{spam: "MODERATION_ACTION_HIDE", real: "MODERATION_ACTION_RESTORE"}
	if len(items) != len(resolve) {
		t.Fatalf("open moderation items = %v, want one per flagged thread", items)
	}
	for _, it := range items {
		item := it.(map[string]any)
		p.must(200, "POST", "/v1/"+item["name"].(string)+":resolve", s.moderator, map[string]any{
			"action": resolve[item["target"].(string)], "note": "Reviewed against the posting rules.", "etag": item["etag"],
		})
	}
	p.must(200, "POST", "/v1/"+busy+":lock", s.moderator, map[string]any{"locked": true})
	p.must(200, "POST", "/v1/"+busy+":lock", s.moderator, map[string]any{"locked": false})

	events := p.must(200, "GET", s.base+"/auditEvents?pageSize=100", s.admin, nil)["auditEvents"].([]any)
	var decisions []string // oldest first
	for _, e := range slices.Backward(events) {
		ev := e.(map[string]any)
		method := ev["method"].(string)
		if !strings.HasSuffix(method, "/ResolveModerationItem") && !strings.HasSuffix(method, "/LockThread") {
			continue
		}
		details, _ := ev["details"].(map[string]any)
		for k, v := range details {
			decisions = append(decisions, method[strings.LastIndex(method, "/")+1:]+" "+k+"="+v.(string))
		}
		if note := "Reviewed against the posting rules."; strings.Contains(jsonOf(t, ev), note) {
			t.Errorf("an audit event keeps the moderator's note: %v", ev)
		}
	}
	// The two resolutions come in the order the queue listed them.
	resolutions := decisions[:min(2, len(decisions))]
	slices.Sort(resolutions)
	want := []string{
		"ResolveModerationItem action=MODERATION_ACTION_HIDE",
		"ResolveModerationItem action=MODERATION_ACTION_RESTORE",
		"LockThread locked=true",
		"LockThread locked=false",
	}
	if !slices.Equal(decisions, want) {
		t.Errorf("decisions in the audit log = %q, want %q", decisions, want)
	}
	// The admin narrows the log to the lock decisions.
	locks := p.must(200, "GET", s.base+"/auditEvents?filter="+url.QueryEscape(`method = "/engage.forum.v1.ThreadService/LockThread" AND outcome = OK`), s.admin, nil)["auditEvents"].([]any)
	if len(locks) != 2 {
		t.Errorf("filtered to LockThread: %v, want the two lock decisions", locks)
	}
	for _, e := range locks {
		if m := e.(map[string]any)["method"]; m != "/engage.forum.v1.ThreadService/LockThread" {
			t.Errorf("the filtered list has %v", m)
		}
	}
	verify := func(token string) map[string]any {
		return p.must(200, "POST", s.base+"/auditEvents:verify", token, map[string]any{})
	}
	if v := verify(s.admin); v["valid"] != true {
		t.Fatalf("verify = %v, want valid", v)
	}

	// Rewrite the unlock as a lock behind the service's back, as someone
	// with access to the file could, and start again on the same data.
	p.stop()
	tampered := tamperAuditDetail(t, filepath.Join(p.dataDir, "identity.db"), "metro-pd", "/LockThread", "locked", "false", "true")
	p = startPlatform(t, func(c *config.Config) { c.DataDir = p.dataDir })
	v := verify(s.admin)
	if v["valid"] != false || v["firstInvalidEvent"] != "agencies/metro-pd/auditEvents/"+tampered {
		t.Errorf("verify after rewriting event %s = %v, want invalid from that event", tampered, v)
	}
}

// tamperAuditDetail sets detail key of the first event of chain whose
// method ends in method and whose detail is from to to, in the identity
// store at path, which no process may hold open. It returns the event's
// sequence.
func tamperAuditDetail(t *testing.T, path, chain, method, key, from, to string) string {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var seq string
	err = db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte("audit")).Bucket([]byte(chain))
		c := b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			var r map[string]any
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			details, _ := r["details"].(map[string]any)
			if !strings.HasSuffix(r["method"].(string), method) || details[key] != from {
				continue
			}
			details[key] = to
			seq = jsonOf(t, r["sequence"])
			return b.Put(slices.Clone(k), []byte(jsonOf(t, r)))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seq == "" {
		t.Fatalf("no %s event with %s=%s in chain %s", method, key, from, chain)
	}
	return seq
}
