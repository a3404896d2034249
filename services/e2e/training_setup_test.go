package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/engagehq/engage/services/internal/config"
)

// trainingSetup is two agencies with a trainer each, metro-pd's roster of
// three officers in two units (one linked to a signed-in officer account,
// one to a second officer's), a resident, and metro-pd's catalogue:
// a mandatory use-of-force course addressing use_of_force complaints, a
// patrol course addressing courtesy complaints and an optional one.
type trainingSetup struct {
	p            *platform
	admin        string // platform admin, MFA
	trainer      string // trainer of metro-pd, MFA
	otherTrainer string // trainer of other-pd, MFA
	officer      string // metro-pd officer linked to badge M-100, MFA
	colleague    string // metro-pd officer linked to badge M-200, MFA
	resident     string // no role anywhere
	agency       string // agencies/metro-pd
	base         string // /v1/agencies/metro-pd
	// courses and officers by short key (courses) and badge (officers).
	courses  map[string]string
	officers map[string]string
}

// publicURL is the platform URL the e2e platforms give their xAPI
// statements.
const publicURL = "https://engage.metro.example"

func newTrainingSetup(t *testing.T, mutate ...func(*config.Config)) *trainingSetup {
	t.Helper()
	mutate = append([]func(*config.Config){func(c *config.Config) { c.PublicURL = publicURL }}, mutate...)
	p := startPlatform(t, mutate...)
	s := &trainingSetup{p: p, agency: "agencies/metro-pd", base: "/v1/agencies/metro-pd", courses: map[string]string{}, officers: map[string]string{}}
	s.admin, _ = p.staffSignIn(adminEmail, adminPassword)
	p.must(200, "POST", "/v1/agencies?agencyId=metro-pd", s.admin, map[string]any{"displayName": "Metro PD", "timeZone": "America/Chicago"})
	p.must(200, "POST", "/v1/agencies?agencyId=other-pd", s.admin, map[string]any{"displayName": "Other PD", "timeZone": "Europe/Berlin"})
	accounts := map[string]string{}
	staff := []struct {
		email, agency, role string
		token               *string
	}{
		{"trainer@e2e.example", "metro-pd", "ROLE_TRAINER", &s.trainer},
		{"other-trainer@e2e.example", "other-pd", "ROLE_TRAINER", &s.otherTrainer},
		{"officer@e2e.example", "metro-pd", "ROLE_OFFICER", &s.officer},
		{"colleague@e2e.example", "metro-pd", "ROLE_OFFICER", &s.colleague},
	}
	for _, st := range staff {
		name := p.signUp(st.email, "a staff member's passphrase")
		accounts[st.email] = name
		p.must(200, "POST", "/v1/agencies/"+st.agency+"/roleBindings", s.admin, map[string]any{"member": name, "role": st.role})
		*st.token, _ = p.staffSignIn(st.email, "a staff member's passphrase")
	}
	p.signUp("training-resident@e2e.example", "a resident's passphrase")
	s.resident = p.signIn("training-resident@e2e.example", "a resident's passphrase", "")["accessToken"].(string)

	courses := []struct {
		key    string
		course map[string]any
	}{
		{"force", map[string]any{
			"title": "De-escalation and Use of Force", "competencies": []string{"COMPETENCY_DE_ESCALATION", "COMPETENCY_USE_OF_FORCE"},
			"creditHours": 8, "passMark": 80, "recertificationMonths": 12, "mandatory": true,
			"feedbackCategories": []string{"use_of_force"},
		}},
		{"courtesy", map[string]any{
			"title": "Procedural Justice in Everyday Stops", "competencies": []string{"COMPETENCY_PROCEDURAL_JUSTICE"},
			"creditHours": 4, "passMark": 70, "recertificationMonths": 24, "requiredUnits": []string{"patrol"},
			"feedbackCategories": []string{"courtesy"},
		}},
		{"wellbeing", map[string]any{
			"title": "Officer Wellbeing", "competencies": []string{"COMPETENCY_WELLBEING"}, "creditHours": 2,
		}},
	}
	for _, c := range courses {
		s.courses[c.key] = str(p.must(200, "POST", s.base+"/courses", s.trainer, c.course)["name"])
	}
	csv := fmt.Sprintf("badge,display_name,unit,account\nM-100,Ofc. Ana Ruiz,patrol,%s\nM-200,Ofc. Ben Cole,patrol,%s\nM-300,Ofc. Cy Dunn,traffic,\n",
		accounts["officer@e2e.example"], accounts["colleague@e2e.example"])
	imported := p.must(200, "POST", s.base+"/officers:import", s.trainer, map[string]any{"csvContent": csv})
	if imported["createdCount"] != float64(3) {
		t.Fatalf("import = %v, want 3 created", imported)
	}
	for _, o := range list(p.must(200, "GET", s.base+"/officers", s.trainer, nil)["officers"]) {
		s.officers[str(o["badge"])] = str(o["name"])
	}
	if len(s.officers) != 3 {
		t.Fatalf("roster = %v, want 3 officers", s.officers)
	}
	return s
}

// enroll assigns course (a key) to the officer of badge, due in days.
func (s *trainingSetup) enroll(badge, course string, days int) map[string]any {
	s.p.t.Helper()
	return s.p.must(200, "POST", "/v1/"+s.officers[badge]+"/enrollments", s.trainer, map[string]any{
		"course": s.courses[course], "dueDate": s.day(days),
	})
}

// day is metro-pd's today moved by days, `YYYY-MM-DD`.
func (s *trainingSetup) day(days int) string {
	loc, err := time.LoadLocation("America/Chicago")
	if err != nil {
		s.p.t.Fatal(err)
	}
	return time.Now().In(loc).AddDate(0, 0, days).Format(time.DateOnly)
}

// compliance returns the courses of the officer of badge in metro-pd's
// compliance report, by course key.
func (s *trainingSetup) compliance(token, badge string) map[string]map[string]any {
	s.p.t.Helper()
	report := s.p.must(200, "GET", s.base+"/trainingCompliance", token, nil)
	out := map[string]map[string]any{}
	for _, o := range list(report["officers"]) {
		if o["badge"] != badge {
			continue
		}
		for _, c := range list(o["courses"]) {
			for key, name := range s.courses {
				if c["course"] == name {
					out[key] = c
				}
			}
		}
	}
	return out
}
