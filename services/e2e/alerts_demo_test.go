package e2e

import (
	"strings"
	"testing"
)

// checkDemoAlerts: the demo has alerts in every state: the public list
// shows the bilingual road closure (with a polygon and an open Q&A
// thread), the approved EXTREME gas leak, the smoke advisory's update and
// the exercise; staff (the chief, an agency admin) also find the draft,
// the one awaiting approval, the cancelled and the superseded ones.
func checkDemoAlerts(t *testing.T, rest *platform, chief string) {
	t.Helper()
	const base = "/v1/agencies/springfield-pd/alerts"
	active := list(rest.must(200, "GET", base, "", nil)["alerts"])
	var closure, leak, exercise, update map[string]any
	for _, a := range active {
		infos := list(a["infos"])
		if len(infos) == 0 {
			t.Errorf("active alert without info: %v", a)
			continue
		}
		switch {
		case infos[0]["event"] == "Road closure":
			closure = a
		case infos[0]["severity"] == "SEVERITY_EXTREME":
			leak = a
		case a["status"] == "STATUS_EXERCISE":
			exercise = a
		case a["messageType"] == "MESSAGE_TYPE_UPDATE":
			update = a
		}
	}
	if closure == nil || leak == nil || exercise == nil || update == nil {
		t.Fatalf("active demo alerts = %v; want the road closure, the gas leak, the exercise and an update", active)
	}
	if infos := list(closure["infos"]); len(infos) != 2 || len(list(list(infos[0]["areas"])[0]["polygons"])) != 1 || str(closure["thread"]) == "" {
		t.Errorf("road closure = %v, want two info blocks, a polygon and a Q&A thread", closure)
	}
	spanish := list(rest.must(200, "GET", base+"?languageCode=es", "", nil)["alerts"])
	found := false
	for _, a := range spanish {
		if a["name"] == closure["name"] {
			infos := list(a["infos"])
			found = len(infos) == 1 && infos[0]["languageCode"] == "es" && strings.Contains(str(infos[0]["headline"]), "cerrada")
		}
	}
	if !found {
		t.Errorf("the road closure in Spanish: %v", spanish)
	}
	if thread := rest.must(200, "GET", "/v1/"+str(closure["thread"]), "", nil); thread["kind"] != "THREAD_KIND_QUESTION" {
		t.Errorf("the road closure's Q&A thread = %v, want a public QUESTION thread", thread)
	}
	// Who wrote and approved an alert is for staff.
	leak = rest.must(200, "GET", "/v1/"+str(leak["name"]), chief, nil)
	if str(leak["approver"]) == "" || str(leak["approver"]) == str(leak["publisher"]) {
		t.Errorf("gas leak as staff read it = %v, want approved by a second person", leak)
	}
	for _, state := range []string{"STATE_DRAFT", "STATE_PENDING_APPROVAL", "STATE_CANCELLED", "STATE_SUPERSEDED"} {
		if got := list(rest.must(200, "GET", base+"?states="+state, chief, nil)["alerts"]); len(got) != 1 {
			t.Errorf("demo alerts in %s = %d, want 1", state, len(got))
		}
	}
}
