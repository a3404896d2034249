package e2e

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

var bannerOfficerTOTP = regexp.MustCompile(`(?m)^  officer@springfield\.example +officer +([A-Z2-7]+)$`)

// checkDemoTraining: the demo has a catalogue whose courses address the
// seeded complaints' categories, a roster in three units with the demo
// officer linked to their account, enrollments in every state (one
// overdue), certifications current, expiring and expired, external
// training pending and approved, and recommendations that follow from the
// seeded complaints, the top one assigned to the traffic unit. chief is an
// agency admin, which includes the trainer's role.
func checkDemoTraining(t *testing.T, rest *platform, chief, banner string) {
	t.Helper()
	const base = "/v1/agencies/springfield-pd"
	courses := list(rest.must(200, "GET", base+"/courses", chief, nil)["courses"])
	categories, mandatory, unitRequired := map[string]bool{}, 0, 0
	for _, c := range courses {
		for _, cat := range asStrings(c["feedbackCategories"]) {
			categories[cat] = true
		}
		if c["mandatory"] == true {
			mandatory++
		}
		if len(asStrings(c["requiredUnits"])) > 0 {
			unitRequired++
		}
	}
	if len(courses) < 4 || !categories["use_of_force"] || !categories["response_time"] || mandatory == 0 || unitRequired == 0 {
		t.Errorf("demo courses: %d, categories %v, %d mandatory, %d unit-required", len(courses), categories, mandatory, unitRequired)
	}
	units := map[string]int{}
	for _, o := range list(rest.must(200, "GET", base+"/officers", chief, nil)["officers"]) {
		units[str(o["unit"])]++
	}
	if len(units) < 2 {
		t.Errorf("demo officers by unit = %v, want two or more units", units)
	}

	states := map[string]bool{}
	var overdue, failed bool
	for _, e := range list(rest.must(200, "GET", base+"/officers/-/enrollments?pageSize=500", chief, nil)["enrollments"]) {
		states[str(e["state"])] = true
		overdue = overdue || e["overdue"] == true
		failed = failed || (e["state"] == "STATE_IN_PROGRESS" && e["attemptCount"] != nil && e["attemptCount"] != float64(0))
	}
	for _, s := range []string{"STATE_ASSIGNED", "STATE_IN_PROGRESS", "STATE_COMPLETED", "STATE_CANCELLED"} {
		if !states[s] {
			t.Errorf("no demo enrollment in %s: %v", s, states)
		}
	}
	if !overdue || !failed {
		t.Errorf("demo enrollments: overdue %v, failed attempt %v; want both", overdue, failed)
	}
	certs := map[string]bool{}
	for _, c := range list(rest.must(200, "GET", base+"/officers/-/certifications?pageSize=500", chief, nil)["certifications"]) {
		certs[str(c["state"])] = true
	}
	if !certs["STATE_CURRENT"] || !certs["STATE_EXPIRING"] || !certs["STATE_EXPIRED"] {
		t.Errorf("demo certifications by state = %v, want current, expiring and expired", certs)
	}
	externals := map[string]bool{}
	for _, x := range list(rest.must(200, "GET", base+"/officers/-/externalTrainings", chief, nil)["externalTrainings"]) {
		externals[str(x["state"])] = true
	}
	if !externals["STATE_PENDING"] || !externals["STATE_APPROVED"] {
		t.Errorf("demo external training by state = %v, want pending and approved", externals)
	}
	summary, _ := rest.must(200, "GET", base+"/trainingCompliance", chief, nil)["summary"].(map[string]any)
	for _, k := range []string{"currentCount", "expiringCount", "expiredCount", "missingCount", "overdueCount"} {
		if summary[k] == nil || summary[k] == float64(0) {
			t.Errorf("demo compliance summary %s = %v, want some: %v", k, summary[k], summary)
		}
	}

	recs := list(rest.must(200, "GET", base+"/trainingRecommendations", chief, nil)["recommendations"])
	if len(recs) == 0 {
		t.Fatal("the demo recommends no course")
	}
	var traffic int
	for _, e := range list(rest.must(200, "GET", base+"/officers/-/enrollments?pageSize=500", chief, nil)["enrollments"]) {
		if e["course"] == recs[0]["course"] && e["reason"] == recs[0]["reason"] {
			traffic++
		}
	}
	if traffic != units["traffic"] || traffic == 0 {
		t.Errorf("enrollments in the top recommendation with its reason = %d, want one per traffic officer (%d)", traffic, units["traffic"])
	}

	// The demo officer signs in (with the next step's code: the seed spent
	// this one) and sees their own roster entry and records only.
	m := bannerOfficerTOTP.FindStringSubmatch(banner)
	if m == nil {
		t.Fatalf("the banner shows no TOTP secret for the officer:\n%s", banner)
	}
	officer := rest.signIn("officer@springfield.example", demoPassword, code(t, m[1], time.Now().Add(30*time.Second)))["accessToken"].(string)
	own := list(rest.must(200, "GET", base+"/officers", officer, nil)["officers"])
	if len(own) != 1 || own[0]["badge"] != "SPD-1187" {
		t.Fatalf("the demo officer lists officers %v, want their own entry alone", own)
	}
	mine := list(rest.must(200, "GET", "/v1/"+str(own[0]["name"])+"/enrollments", officer, nil)["enrollments"])
	if len(mine) == 0 || !slices.ContainsFunc(mine, func(e map[string]any) bool { return strings.HasPrefix(str(e["name"]), str(own[0]["name"])+"/") }) {
		t.Errorf("the demo officer's enrollments = %v", mine)
	}
	rest.must(404, "GET", base+"/officers/-/enrollments", officer, nil)
}

// asStrings returns a JSON array of strings (nil when v is not one).
func asStrings(v any) []string {
	items, _ := v.([]any)
	var out []string
	for _, it := range items {
		if s, ok := it.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
