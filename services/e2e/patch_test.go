package e2e

import (
	"encoding/json"
	"maps"
	"strings"
	"testing"
	"time"
)

// The PATCH tests update a resource of every service through the gateway
// the way REST clients do: without an updateMask, so that grpc-gateway
// derives the mask from the fields of the body, which then names the etag
// and, for a resource read and sent back, its output-only and immutable
// fields too.

// patchCase is one resource the PATCH tests update.
type patchCase struct {
	what   string         // for messages
	name   string         // the resource name
	token  string         // a caller who may read and update it
	change map[string]any // fields sent with the etag, by JSON name
	edit   map[string]any // fields changed in the resource as read
}

// checkPatch sends c.change with the etag (200, then 412 with the etag now
// stale), then the resource as read with c.edit applied (200).
func (p *platform) checkPatch(t *testing.T, c patchCase) {
	t.Helper()
	path := "/v1/" + c.name
	read := p.must(200, "GET", path, c.token, nil)

	body := maps.Clone(c.change)
	body["etag"] = read["etag"]
	got := p.must(200, "PATCH", path, c.token, body)
	wantFields(t, c.what+" after a PATCH with the etag", got, c.change)
	if got["etag"] == read["etag"] {
		t.Errorf("%s: the etag %v did not change", c.what, got["etag"])
	}
	if r := p.do("PATCH", path, c.token, body); r.status != 412 {
		t.Errorf("%s: PATCH with a stale etag = %d %s, want 412", c.what, r.status, truncate(r.body))
	}

	read = p.must(200, "GET", path, c.token, nil)
	maps.Copy(read, c.edit)
	got = p.must(200, "PATCH", path, c.token, read)
	wantFields(t, c.what+" sent back as read with a change", got, c.edit)
	kept := maps.Clone(c.change)
	for k := range c.edit {
		delete(kept, k)
	}
	wantFields(t, c.what+" sent back as read with a change", got, kept)
}

// wantFields compares the fields of want with those of got as JSON.
func wantFields(t *testing.T, what string, got, want map[string]any) {
	t.Helper()
	for k, v := range want {
		if g, w := jsonOf(t, got[k]), jsonOf(t, v); g != w {
			t.Errorf("%s: %s = %s, want %s", what, k, g, w)
		}
	}
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// wantMaskRefused fails unless r is 400 naming update_mask.
func wantMaskRefused(t *testing.T, what string, r response) {
	t.Helper()
	if r.status != 400 || !strings.Contains(string(r.body), `"field":"update_mask"`) {
		t.Errorf("%s = %d %s, want 400 naming update_mask", what, r.status, truncate(r.body))
	}
}

// TestPatchForum: forums, threads, posts and meetings; a meeting sent
// back with another forum is refused.
func TestPatchForum(t *testing.T) {
	t.Parallel()
	s := newForumSetup(t)
	p := s.p
	th := p.must(200, "POST", s.base+"/forums/town/threads", s.residents[0], map[string]any{
		"kind": "THREAD_KIND_QUESTION", "title": "When is the next bulk pickup?", "body": "The calendar online is empty.",
	})
	post := p.must(200, "POST", "/v1/"+str(th["name"])+"/posts", s.residents[0], map[string]any{"body": "Same question for our block."})
	start := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Minute)
	meeting := p.must(200, "POST", s.base+"/meetings", s.moderator, map[string]any{
		"title": "District 3 town hall", "forum": "agencies/metro-pd/forums/town", "location": "Library",
		"startTime": start.Format(time.RFC3339), "endTime": start.Add(2 * time.Hour).Format(time.RFC3339),
	})
	for _, c := range []patchCase{
		{"forum", "agencies/metro-pd/forums/town", s.moderator, map[string]any{"description": "The whole town"}, map[string]any{"area": "d3"}},
		{"thread", str(th["name"]), s.residents[0], map[string]any{"title": "When is the next bulk trash pickup?"}, map[string]any{"body": "The online calendar is empty."}},
		{"post", str(post["name"]), s.residents[0], map[string]any{"body": "Same question for our block, please."}, map[string]any{"body": "Same question for Elm Street."}},
		{"meeting", str(meeting["name"]), s.moderator, map[string]any{"title": "District 3 town hall, spring"}, map[string]any{"location": "City hall"}},
	} {
		p.checkPatch(t, c)
	}

	moved := p.must(200, "GET", "/v1/"+str(meeting["name"]), s.moderator, nil)
	moved["forum"] = "agencies/metro-pd/forums/watch"
	wantMaskRefused(t, "a meeting sent back in another forum", p.do("PATCH", "/v1/"+str(meeting["name"]), s.moderator, moved))
	if got := p.must(200, "GET", "/v1/"+str(meeting["name"]), s.moderator, nil); got["forum"] != meeting["forum"] {
		t.Errorf("the meeting moved to %v", got["forum"])
	}
}

// TestPatchAgency: an agency's profile.
func TestPatchAgency(t *testing.T) {
	t.Parallel()
	p := startPlatform(t)
	admin, _ := p.staffSignIn(adminEmail, adminPassword)
	p.must(200, "POST", "/v1/agencies?agencyId=metro-pd", admin, map[string]any{"displayName": "Metro PD", "timeZone": "America/Chicago"})
	p.checkPatch(t, patchCase{"agency", "agencies/metro-pd", admin,
		map[string]any{"description": "Serving Metro since 1901"}, map[string]any{"websiteUri": "https://metro.example.org"}})
}

// TestPatchFeedback: an open survey (its questions sent back unchanged)
// and triaged feedback (its immutable text, kind and rating sent back
// unchanged); feedback sent back with other text is refused.
func TestPatchFeedback(t *testing.T) {
	t.Parallel()
	s := newFeedbackSetup(t)
	p := s.p
	survey := s.createSurvey("KIND_GENERAL", "Community trust, autumn")
	fb := s.submit("", complaint("The officer at the front desk was short with me."))
	for _, c := range []patchCase{
		{"survey", survey, s.analyst, map[string]any{"title": "Community trust, autumn 2026"}, map[string]any{"description": "Seven short questions."}},
		{"feedback", str(fb["name"]), s.analyst, map[string]any{"area": "d2"}, map[string]any{"category": "response_time"}},
	} {
		p.checkPatch(t, c)
	}

	rewritten := p.must(200, "GET", "/v1/"+str(fb["name"]), s.analyst, nil)
	rewritten["text"] = "Something else entirely."
	wantMaskRefused(t, "feedback sent back with other text", p.do("PATCH", "/v1/"+str(fb["name"]), s.analyst, rewritten))
}

// TestPatchAlerts: a draft alert, and a subscription whose quiet hours,
// an object in the body, become paths below quiet_hours in the mask.
func TestPatchAlerts(t *testing.T) {
	t.Parallel()
	s := newAlertsSetup(t)
	p := s.p
	draft := s.draft(s.author, alertBody("SEVERITY_MODERATE", "Road closed on Main Street"))
	sub := p.must(200, "POST", s.base+"/subscriptions", s.resident, map[string]any{
		"displayName": "Home", "categories": []string{"CATEGORY_SAFETY"},
		"quietHours": map[string]any{"start": map[string]any{"hours": 22}, "end": map[string]any{"hours": 6}},
	})
	for _, c := range []patchCase{
		{"draft", str(draft["name"]), s.author, map[string]any{"note": "Confirmed by dispatch"}, map[string]any{"status": "STATUS_EXERCISE"}},
		{"subscription", str(sub["name"]), s.resident, map[string]any{"displayName": "Home and school"}, map[string]any{"minSeverity": "SEVERITY_SEVERE"}},
	} {
		p.checkPatch(t, c)
	}
	got := p.must(200, "GET", "/v1/"+str(sub["name"]), s.resident, nil)
	wantFields(t, "subscription after its PATCHes", got, map[string]any{"quietHours": sub["quietHours"], "categories": sub["categories"]})

	quiet := map[string]any{"start": map[string]any{"hours": 23, "minutes": 30}, "end": map[string]any{"hours": 5}, "timeZone": "America/Chicago"}
	got = p.must(200, "PATCH", "/v1/"+str(sub["name"]), s.resident, map[string]any{"quietHours": quiet, "etag": got["etag"]})
	q := got["quietHours"].(map[string]any)
	wantFields(t, "subscription with new quiet hours", q, map[string]any{"timeZone": "America/Chicago"})
	wantFields(t, "subscription with new quiet hours", q["start"].(map[string]any), map[string]any{"hours": 23, "minutes": 30})
	wantFields(t, "subscription with new quiet hours", q["end"].(map[string]any), map[string]any{"hours": 5, "minutes": 0})
}

// TestPatchTraining: a course, an officer and the agency's settings.
func TestPatchTraining(t *testing.T) {
	t.Parallel()
	s := newTrainingSetup(t)
	for _, c := range []patchCase{
		{"course", s.courses["wellbeing"], s.trainer, map[string]any{"description": "Sleep, stress and support."}, map[string]any{"creditHours": 3}},
		{"officer", s.officers["M-300"], s.trainer, map[string]any{"unit": "patrol"}, map[string]any{"displayName": "Ofc. Cy Dunn Jr."}},
		{"settings", s.agency + "/trainingSettings", s.trainer, map[string]any{"annualCreditHoursTarget": 30}, map[string]any{"annualCreditHoursTarget": 32}},
	} {
		s.p.checkPatch(t, c)
	}
}
