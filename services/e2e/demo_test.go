package e2e

import (
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// demoPassword is the password of every demo account, printed in the
// demo banner.
const demoPassword = "springfield demo 2026"

var (
	bannerPassword  = regexp.MustCompile(`(?m)^  password: (\S+) `)
	bannerChiefTOTP = regexp.MustCompile(`(?m)^  chief@springfield\.example +agency_admin +([A-Z2-7]+)$`)
	bannerLookup    = regexp.MustCompile(`(?m)^Anonymous demo complaint: tracking code (\S+), PIN ([0-9]+) `)
	sixDigits       = regexp.MustCompile(`^[0-9]{6}\n$`)
)

// TestDemoSeed: `engage serve --demo` on an empty directory prints the demo
// agency and its accounts, and the chief signs in with the printed
// password and a code from `engage totp`, at once; a second start seeds
// nothing and prints no password.
func TestDemoSeed(t *testing.T) {
	t.Parallel()
	args := []string{"serve", "--demo", "--data-dir", t.TempDir(), "--http-addr", "127.0.0.1:0", "--grpc-addr", "127.0.0.1:0"}
	srv := startEngage(t, nil, args...)
	banner := srv.stdout.String()
	for _, want := range []string{
		"First start: created the platform administrator admin@engage.local",
		"Demo agency agencies/springfield-pd",
		`Every demo account's password: "` + demoPassword + `"`,
		"resident@springfield.example",
		"API key (x-api-key): eng_",
	} {
		if !strings.Contains(banner, want) {
			t.Errorf("the banner lacks %q:\n%s", want, banner)
		}
	}
	m := bannerPassword.FindStringSubmatch(banner)
	if m == nil {
		t.Fatalf("the banner shows no generated administrator password:\n%s", banner)
	}
	adminPass := m[1]
	m = bannerChiefTOTP.FindStringSubmatch(banner)
	if m == nil {
		t.Fatalf("the banner shows no TOTP secret for the chief:\n%s", banner)
	}
	code, stderr, exit := runEngage(t, nil, "totp", "--secret", m[1])
	if exit != 0 || !sixDigits.MatchString(code) {
		t.Fatalf("engage totp = %q, exit %d: %s", code, exit, stderr)
	}

	rest := srv.rest()
	chief := rest.signIn("chief@springfield.example", demoPassword, strings.TrimSpace(code))["accessToken"].(string)
	// One binding per staff member, and the partner's.
	wantRoles := []string{
		"ROLE_AGENCY_ADMIN", "ROLE_ALERT_APPROVER", "ROLE_ALERT_AUTHOR", "ROLE_ALERT_AUTHOR",
		"ROLE_ANALYST", "ROLE_CONTACT_REPORTER", "ROLE_MODERATOR", "ROLE_OFFICER", "ROLE_TRAINER",
	}
	if got := bindingRoles(rest, chief); !slices.Equal(got, wantRoles) {
		t.Errorf("role bindings of springfield-pd = %v, want %v", got, wantRoles)
	}
	resident := rest.signIn("resident@springfield.example", demoPassword, "")["accessToken"].(string)

	// The forum is alive: the public sees the public boards only, a
	// resident the residents' board too; the question has an accepted
	// official answer; the town hall has registrations and a question.
	if got := forumNames(rest, ""); !slices.Equal(got, []string{"downtown", "traffic"}) {
		t.Errorf("anonymous forums = %v", got)
	}
	if got := forumNames(rest, resident); !slices.Equal(got, []string{"downtown", "neighborhood-watch", "traffic"}) {
		t.Errorf("resident's forums = %v", got)
	}
	threads := rest.must(200, "GET", "/v1/agencies/springfield-pd/forums/downtown/threads", "", nil)["threads"].([]any)
	var answered, pinned bool
	for _, th := range threads {
		m := th.(map[string]any)
		answered = answered || (m["kind"] == "THREAD_KIND_QUESTION" && m["answered"] == true)
		pinned = pinned || (m["kind"] == "THREAD_KIND_ANNOUNCEMENT" && m["pinned"] == true)
	}
	if !answered || !pinned {
		t.Errorf("downtown threads: answered question %v, pinned announcement %v: %v", answered, pinned, threads)
	}
	meetings := rest.must(200, "GET", "/v1/agencies/springfield-pd/meetings", "", nil)["meetings"].([]any)
	if len(meetings) != 1 || meetings[0].(map[string]any)["registeredCount"] != "2" {
		t.Errorf("meetings = %v, want one with 2 registrations", meetings)
	}
	hits := rest.must(200, "GET", "/v1/agencies/springfield-pd/threads:search?query=patrols", "", nil)["results"].([]any)
	if len(hits) == 0 {
		t.Error("searching the demo for \"patrols\" finds nothing")
	}
	checkDemoFeedback(t, rest, chief, banner)
	checkDemoTraining(t, rest, chief, banner)
	checkDemoAlerts(t, rest, chief)
	if strings.Contains(srv.stderr.String(), adminPass) {
		t.Error("the logs show the administrator's password")
	}
	if code := srv.stop(syscall.SIGTERM); code != 0 {
		t.Errorf("exit %d after SIGTERM", code)
	}

	again := startEngage(t, nil, args...)
	out := again.stdout.String()
	for _, unwanted := range []string{"First start", "password", adminPass, "Demo agency"} {
		if strings.Contains(out, unwanted) {
			t.Errorf("the second start prints %q:\n%s", unwanted, out)
		}
	}
	rest = again.rest()
	if got := bindingRoles(rest, chief); !slices.Equal(got, wantRoles) {
		t.Errorf("role bindings after the second start = %v, want %v", got, wantRoles)
	}
	list := rest.must(200, "GET", "/v1/agencies", "", nil)["agencies"].([]any)
	if len(list) != 1 {
		t.Errorf("agencies after the second start = %d, want springfield-pd alone", len(list))
	}
}

// forumNames lists the ids of the forums of springfield-pd token may read.
func forumNames(rest *platform, token string) []string {
	rest.t.Helper()
	list := rest.must(200, "GET", "/v1/agencies/springfield-pd/forums", token, nil)["forums"].([]any)
	var ids []string
	for _, f := range list {
		ids = append(ids, lastSegment(f.(map[string]any)["name"].(string)))
	}
	slices.Sort(ids)
	return ids
}

// bindingRoles lists the roles bound in springfield-pd, sorted.
func bindingRoles(rest *platform, token string) []string {
	rest.t.Helper()
	list := rest.must(200, "GET", "/v1/agencies/springfield-pd/roleBindings", token, nil)["roleBindings"].([]any)
	var roles []string
	for _, b := range list {
		roles = append(roles, b.(map[string]any)["role"].(string))
	}
	slices.Sort(roles)
	return roles
}

// checkDemoFeedback: the demo has feedback of every kind, anonymous and
// identified, some answered; the banner's anonymous complaint shows its
// answer in a lookup; the general survey gives a public Trust Index for
// the agency and Districts 1 and 2 last month and a live one this month
// for staff, while District 3 stays suppressed; a
// post-contact survey has an answer and one suppressed contact.
func checkDemoFeedback(t *testing.T, rest *platform, chief, banner string) {
	t.Helper()
	const base = "/v1/agencies/springfield-pd"
	kinds, anonymous, answered := map[string]bool{}, 0, 0
	for _, fb := range list(rest.must(200, "GET", base+"/feedback?pageSize=100", chief, nil)["feedback"]) {
		kinds[str(fb["kind"])] = true
		if fb["submitter"] == "" {
			anonymous++
		}
		for _, r := range list(fb["replies"]) {
			if r["party"] == "PARTY_AGENCY" {
				answered++
				break
			}
		}
	}
	if len(kinds) != 4 || anonymous < 2 || answered < 2 {
		t.Errorf("demo feedback: kinds %v, %d anonymous, %d answered; want all 4 kinds, 2+ anonymous, 2+ answered", kinds, anonymous, answered)
	}
	m := bannerLookup.FindStringSubmatch(banner)
	if m == nil {
		t.Fatalf("the banner shows no tracking code to look up:\n%s", banner)
	}
	seen := rest.must(200, "POST", base+"/feedback:lookup", "", map[string]any{"trackingCode": m[1], "pin": m[2]})
	if r := list(seen["replies"]); len(r) < 2 || r[0]["party"] != "PARTY_AGENCY" {
		t.Errorf("the demo lookup's conversation = %v, want the agency's answer and the reply", r)
	}

	surveys := list(rest.must(200, "GET", base+"/surveys", "", nil)["surveys"])
	if len(surveys) != 2 {
		t.Errorf("open demo surveys = %d, want 2", len(surveys))
	}
	// The public sees last month's Trust Index and this month in
	// progress, without figures; the chief follows this month live.
	periods := func(area, token string) []map[string]any {
		ps := list(rest.must(200, "GET", base+"/trustIndex?area="+area, token, nil)["periods"])
		if len(ps) < 2 {
			t.Fatalf("the trust index of %q has %d periods", area, len(ps))
		}
		return ps
	}
	for _, area := range []string{"", "d1", "d2"} {
		public := periods(area, "")
		if p := public[len(public)-2]; p["ongoing"] == true || p["suppressed"] == true || p["score"] == float64(0) {
			t.Errorf("the demo's public Trust Index of %q last month = %v, want a score", area, p)
		}
		if p := public[len(public)-1]; p["ongoing"] != true || p["score"] != float64(0) || p["responseCount"] != "0" {
			t.Errorf("the demo's public Trust Index of %q this month = %v, want it in progress without figures", area, p)
		}
		staff := periods(area, chief)
		if p := staff[len(staff)-1]; p["ongoing"] != true || p["suppressed"] == true || p["score"] == float64(0) {
			t.Errorf("the chief's Trust Index of %q this month = %v, want a score so far", area, p)
		}
	}
	weeks := list(rest.must(200, "GET", base+"/trustIndex?interval=INTERVAL_WEEK", "", nil)["periods"])
	if len(weeks) != 12 || weeks[10]["score"] == float64(0) || weeks[3]["score"] == float64(0) {
		t.Errorf("the demo's public weekly Trust Index = %v, want scores in the weeks before this one", weeks)
	}
	public, staff := periods("d3", ""), periods("d3", chief)
	if p, q := public[len(public)-2], staff[len(staff)-1]; p["suppressed"] != true || q["suppressed"] != true {
		t.Errorf("District 3's Trust Index last month = %v, this month for the chief = %v; want both suppressed (few answers)", p, q)
	}
	outcomes := map[string]int{}
	for _, ev := range list(rest.must(200, "GET", base+"/contactEvents", chief, nil)["contactEvents"]) {
		outcomes[str(ev["outcome"])]++
	}
	if outcomes["OUTCOME_INVITED"] != 2 || outcomes["OUTCOME_SUPPRESSED"] != 1 {
		t.Errorf("demo contact events by outcome = %v, want 2 invited and 1 suppressed", outcomes)
	}
}
