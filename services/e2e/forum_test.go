package e2e

import (
	"fmt"
	"strings"
	"testing"
)

// forumSetup is an agency with a moderator, three boards (public,
// residents, staff) and residents, built over REST.
type forumSetup struct {
	p         *platform
	admin     string // platform admin, bound as agency admin, MFA
	moderator string // MFA
	residents []string
	names     []string // the residents' account names
	base      string   // /v1/agencies/metro-pd
}

func newForumSetup(t *testing.T) *forumSetup {
	t.Helper()
	p := startPlatform(t)
	s := &forumSetup{p: p, base: "/v1/agencies/metro-pd"}
	admin, _ := p.staffSignIn(adminEmail, adminPassword)
	p.must(200, "POST", "/v1/agencies?agencyId=metro-pd", admin, map[string]any{"displayName": "Metro PD"})
	p.must(200, "POST", "/v1/agencies?agencyId=other-pd", admin, map[string]any{"displayName": "Other PD"})

	mod := p.signUp("mod@e2e.example", "the moderator's passphrase")
	p.must(200, "POST", s.base+"/roleBindings", admin, map[string]any{"member": mod, "role": "ROLE_MODERATOR"})
	s.moderator, _ = p.staffSignIn("mod@e2e.example", "the moderator's passphrase")
	s.admin = admin

	for i := range 4 {
		email := fmt.Sprintf("resident%d@e2e.example", i)
		s.names = append(s.names, p.signUp(email, "a resident's passphrase"))
		s.residents = append(s.residents, p.signIn(email, "a resident's passphrase", "")["accessToken"].(string))
	}
	for _, f := range []struct{ id, visibility string }{
		{"town", "VISIBILITY_PUBLIC"}, {"watch", "VISIBILITY_RESIDENTS"}, {"staff-room", "VISIBILITY_STAFF"},
	} {
		p.must(200, "POST", s.base+"/forums?forumId="+f.id, s.moderator, map[string]any{"displayName": "Board " + f.id, "visibility": f.visibility})
	}
	return s
}

// TestForumFlow: a resident posts, another votes and flags, the thread is
// hidden after three flags, a moderator restores it, staff answer a
// question officially and the asker accepts it; the audit log shows each
// staff step.
func TestForumFlow(t *testing.T) {
	t.Parallel()
	s := newForumSetup(t)
	p, town := s.p, s.base+"/forums/town"

	th := p.must(200, "POST", town+"/threads", s.residents[0], map[string]any{
		"kind": "THREAD_KIND_DISCUSSION", "title": "Broken streetlight on 5th", "body": "It has been out for a week.",
	})
	thread := "/v1/" + th["name"].(string)
	if th["official"] != false || th["authorDisplayName"] == "" {
		t.Errorf("resident thread = %v", th)
	}
	voted := p.must(200, "POST", thread+":vote", s.residents[1], map[string]any{"value": 1})
	if voted["voteCount"] != "1" || voted["viewerVote"] != float64(1) {
		t.Errorf("after a vote: count %v, viewer %v", voted["voteCount"], voted["viewerVote"])
	}
	p.must(200, "POST", thread+":vote", s.residents[1], map[string]any{"value": 1}) // one vote per account
	if got := p.must(200, "GET", thread, "", nil)["voteCount"]; got != "1" {
		t.Errorf("vote count after a repeated vote = %v, want 1", got)
	}

	for i := 1; i <= 3; i++ {
		p.must(200, "POST", thread+":flag", s.residents[i], map[string]any{"reason": "FLAG_REASON_SPAM", "note": "looks like an ad"})
	}
	p.must(404, "GET", thread, "", nil)
	if own := p.must(200, "GET", thread, s.residents[0], nil); own["state"] != "CONTENT_STATE_HIDDEN" || own["hiddenReason"] == "" {
		t.Errorf("the author sees %v / %q, want HIDDEN with a reason", own["state"], own["hiddenReason"])
	}
	if n := len(p.must(200, "GET", town+"/threads", "", nil)["threads"].([]any)); n != 0 {
		t.Errorf("anonymous list shows %d threads while the only one is hidden", n)
	}

	items := p.must(200, "GET", s.base+"/moderationItems?filter=state%20%3D%20OPEN", s.moderator, nil)["moderationItems"].([]any)
	if len(items) != 1 {
		t.Fatalf("open moderation items = %v", items)
	}
	item := items[0].(map[string]any)
	if item["flagCount"] != "3" || item["autoHidden"] != true || item["target"] != th["name"] {
		t.Errorf("moderation item = %v", item)
	}
	p.must(200, "POST", "/v1/"+item["name"].(string)+":resolve", s.moderator, map[string]any{
		"action": "MODERATION_ACTION_RESTORE", "note": "A real report, not an ad.", "etag": item["etag"],
	})
	if got := p.must(200, "GET", thread, "", nil)["state"]; got != "CONTENT_STATE_VISIBLE" {
		t.Errorf("after RESTORE the thread is %v", got)
	}

	q := p.must(200, "POST", town+"/threads", s.residents[2], map[string]any{
		"kind": "THREAD_KIND_QUESTION", "title": "Who fixes streetlights?", "body": "Is it the city or the police?",
	})
	question := "/v1/" + q["name"].(string)
	answer := p.must(200, "POST", question+"/posts", s.moderator, map[string]any{"body": "The city's public works; we forward reports daily."})
	if answer["official"] != true {
		t.Errorf("a moderator's reply is not official: %v", answer)
	}
	p.must(200, "POST", "/v1/"+answer["name"].(string)+":accept", s.residents[2], map[string]any{})
	if got := p.must(200, "GET", question, "", nil); got["answered"] != true || got["acceptedAnswer"] != answer["name"] {
		t.Errorf("question after accept = %v", got)
	}

	events := p.must(200, "GET", s.base+"/auditEvents?pageSize=100", s.admin, nil)["auditEvents"].([]any)
	var methods []string
	for _, e := range events {
		methods = append(methods, e.(map[string]any)["method"].(string))
	}
	all := strings.Join(methods, " ")
	for _, want := range []string{"ForumService/CreateForum", "ModerationService/ResolveModerationItem", "PostService/AcceptPost"} {
		if !strings.Contains(all, want) {
			t.Errorf("the audit log lacks %s: %v", want, methods)
		}
	}
}

// TestForumVisibility: forums are readable only by their audience, others'
// posts cannot be edited, and moderators act only in their own agency.
func TestForumVisibility(t *testing.T) {
	t.Parallel()
	s := newForumSetup(t)
	p := s.p

	if got := forumIDs(p, s.base, ""); got != "town" {
		t.Errorf("anonymous sees forums %q, want town", got)
	}
	if got := forumIDs(p, s.base, s.residents[0]); got != "town watch" {
		t.Errorf("a resident sees forums %q, want town watch", got)
	}
	if got := forumIDs(p, s.base, s.moderator); got != "staff-room town watch" {
		t.Errorf("staff see forums %q", got)
	}
	for _, path := range []string{s.base + "/forums/watch", s.base + "/forums/watch/threads", s.base + "/forums/staff-room"} {
		p.must(404, "GET", path, "", nil)
	}
	p.must(404, "GET", s.base+"/forums/staff-room/threads", s.residents[0], nil)

	th := p.must(200, "POST", s.base+"/forums/watch/threads", s.residents[0], map[string]any{
		"kind": "THREAD_KIND_DISCUSSION", "title": "Block meeting", "body": "Thursday at 7?",
	})
	post := p.must(200, "POST", "/v1/"+th["name"].(string)+"/posts", s.residents[0], map[string]any{"body": "At the library."})
	if r := p.do("PATCH", "/v1/"+post["name"].(string), s.residents[1], map[string]any{"body": "vandalised"}); r.status != 403 && r.status != 404 {
		t.Errorf("editing another's post = %d %s", r.status, r.body)
	}
	p.must(200, "PATCH", "/v1/"+post["name"].(string), s.residents[0], map[string]any{"body": "At the library, room 2."})
	p.must(404, "GET", "/v1/"+th["name"].(string), "", nil)

	// An announcement is for staff only.
	p.must(403, "POST", s.base+"/forums/town/threads", s.residents[0], map[string]any{
		"kind": "THREAD_KIND_ANNOUNCEMENT", "title": "Official notice", "body": "Not really.",
	})

	// A moderator of metro-pd is nobody in other-pd.
	for _, path := range []string{"/v1/agencies/other-pd/moderationItems", "/v1/agencies/other-pd/forums"} {
		method := "GET"
		if strings.HasSuffix(path, "/forums") {
			method = "POST"
		}
		if r := p.do(method, path, s.moderator, map[string]any{"displayName": "x", "visibility": "VISIBILITY_PUBLIC"}); r.status != 403 && r.status != 404 {
			t.Errorf("%s %s by another agency's moderator = %d %s", method, path, r.status, r.body)
		}
	}
}

// TestForumBadInput: invalid requests are 4xx naming the field and store
// nothing.
func TestForumBadInput(t *testing.T) {
	t.Parallel()
	s := newForumSetup(t)
	p, threads := s.p, s.base+"/forums/town/threads"
	th := p.must(200, "POST", threads, s.residents[0], map[string]any{
		"kind": "THREAD_KIND_DISCUSSION", "title": "A valid thread", "body": "Hello.",
	})
	tests := []struct {
		name, method, path string
		body               any
		wantStatus         int
		wantField          string
	}{
		{"empty title", "POST", threads, map[string]any{"kind": "THREAD_KIND_DISCUSSION", "title": "", "body": "x"}, 400, "thread.title"},
		{"100 KB body", "POST", threads, map[string]any{"kind": "THREAD_KIND_DISCUSSION", "title": "Long", "body": strings.Repeat("a", 100<<10)}, 400, "thread.body"},
		{"unknown kind", "POST", threads, `{"kind":"THREAD_KIND_POLL","title":"Poll","body":"x"}`, 400, "kind"},
		{"bad page token", "GET", threads + "?pageToken=garbage", nil, 400, "page_token"},
		{"vote value 7", "POST", "/v1/" + th["name"].(string) + ":vote", map[string]any{"value": 7}, 400, "value"},
		{"bad filter", "GET", threads + "?filter=colour%20%3D%20red", nil, 400, "filter"},
		{"bad order", "GET", threads + "?orderBy=title", nil, 400, "order_by"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := p.do(tt.method, tt.path, s.residents[1], tt.body)
			if r.status != tt.wantStatus {
				t.Fatalf("status = %d %s, want %d", r.status, truncate(r.body), tt.wantStatus)
			}
			if !strings.Contains(string(r.body), `"field":"`+tt.wantField) {
				t.Errorf("no violation naming %q: %s", tt.wantField, truncate(r.body))
			}
		})
	}
	list := p.must(200, "GET", threads, "", nil)["threads"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["voteCount"] != "0" {
		t.Errorf("after bad input the forum holds %v, want the one valid thread without votes", list)
	}
}

// forumIDs lists the ids of the forums token may read, space-separated.
func forumIDs(p *platform, base, token string) string {
	p.t.Helper()
	var ids []string
	for _, f := range p.must(200, "GET", base+"/forums", token, nil)["forums"].([]any) {
		ids = append(ids, lastSegment(f.(map[string]any)["name"].(string)))
	}
	return strings.Join(ids, " ")
}

// TestForumNewAccountLimits: a brand-new account posting faster than the
// new-account limit gets 429 with Retry-After; the same text twice is a
// 409; staff are not limited.
func TestForumNewAccountLimits(t *testing.T) {
	t.Parallel()
	s := newForumSetup(t)
	p := s.p
	th := p.must(200, "POST", s.base+"/forums/town/threads", s.residents[3], map[string]any{
		"kind": "THREAD_KIND_DISCUSSION", "title": "Fast poster", "body": "First.",
	})
	posts := "/v1/" + th["name"].(string) + "/posts"
	p.must(200, "POST", posts, s.residents[3], map[string]any{"body": "Same words twice."})
	p.must(409, "POST", posts, s.residents[3], map[string]any{"body": "same  words TWICE."})
	var limited response
	for i := range 10 {
		r := p.do("POST", posts, s.residents[3], map[string]any{"body": fmt.Sprintf("Reply number %d.", i)})
		if r.status == 429 {
			limited = r
			break
		}
		if r.status != 200 {
			t.Fatalf("reply %d = %d %s", i, r.status, r.body)
		}
	}
	if limited.status != 429 {
		t.Fatal("ten replies in a row from a new account were never limited")
	}
	if limited.header.Get("Retry-After") == "" || !strings.Contains(string(limited.body), "RetryInfo") {
		t.Errorf("429 without retry information: %v %s", limited.header, limited.body)
	}
	for i := range 10 {
		p.must(200, "POST", posts, s.moderator, map[string]any{"body": fmt.Sprintf("Staff note %d.", i)})
	}
}
