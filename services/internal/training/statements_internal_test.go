package training

import (
	"encoding/json"
	"regexp"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestStatement(t *testing.T) {
	t.Parallel()
	s := &Service{cfg: Config{StatementHome: "https://engage.example.org/"}}
	at := time.Date(2026, 11, 23, 16, 0, 0, 0, time.UTC)
	passed := Completion{
		ID: "c1", Officer: "agencies/metro/officers/o1", Account: "accounts/ana",
		Course: "agencies/metro/courses/deesc", Title: "De-escalation", Source: "agencies/metro/officers/o1/enrollments/e1",
		Score: 85, PassMark: 70, Passed: true, CreditHours: 4, Date: "2026-11-23", Time: at,
	}
	failed := passed
	failed.ID, failed.Score, failed.Passed, failed.CreditHours = "c2", 40, false, 0
	external := Completion{
		ID: "c3", Officer: "agencies/metro/officers/o2", Title: "First aid", Source: "agencies/metro/officers/o2/externalTrainings/x1",
		Score: -1, Passed: true, CreditHours: 2.5, Date: "2026-11-20", Time: at,
	}
	for _, tc := range []struct {
		name string
		in   Completion
		want map[string]any
	}{
		{
			name: "passed attempt",
			in:   passed,
			want: map[string]any{
				"actor": map[string]any{"objectType": "Agent", "account": map[string]any{"homePage": "https://engage.example.org", "name": "ana"}},
				"verb":  map[string]any{"id": "http://adlnet.gov/expapi/verbs/passed", "display": map[string]any{"en-US": "passed"}},
				"object": map[string]any{
					"objectType": "Activity", "id": "https://engage.example.org/v1/agencies/metro/courses/deesc",
					"definition": map[string]any{"name": map[string]any{"en-US": "De-escalation"}, "type": "http://adlnet.gov/expapi/activities/course"},
				},
				"result":    map[string]any{"score": map[string]any{"raw": 85.0, "min": 0.0, "max": 100.0, "scaled": 0.85}, "success": true, "completion": true},
				"context":   map[string]any{"platform": "Engage", "extensions": map[string]any{"https://engage.example.org/xapi/credit-hours": 4.0}},
				"timestamp": "2026-11-23T16:00:00Z",
				"version":   "1.0.3",
			},
		},
		{
			name: "failed attempt",
			in:   failed,
			want: map[string]any{
				"actor": map[string]any{"objectType": "Agent", "account": map[string]any{"homePage": "https://engage.example.org", "name": "ana"}},
				"verb":  map[string]any{"id": "http://adlnet.gov/expapi/verbs/failed", "display": map[string]any{"en-US": "failed"}},
				"object": map[string]any{
					"objectType": "Activity", "id": "https://engage.example.org/v1/agencies/metro/courses/deesc",
					"definition": map[string]any{"name": map[string]any{"en-US": "De-escalation"}, "type": "http://adlnet.gov/expapi/activities/course"},
				},
				"result":    map[string]any{"score": map[string]any{"raw": 40.0, "min": 0.0, "max": 100.0, "scaled": 0.4}, "success": false, "completion": true},
				"context":   map[string]any{"platform": "Engage", "extensions": map[string]any{"https://engage.example.org/xapi/credit-hours": 0.0}},
				"timestamp": "2026-11-23T16:00:00Z",
				"version":   "1.0.3",
			},
		},
		{
			name: "external training of an officer with no account",
			in:   external,
			want: map[string]any{
				"actor": map[string]any{"objectType": "Agent", "account": map[string]any{"homePage": "https://engage.example.org", "name": "agencies/metro/officers/o2"}},
				"verb":  map[string]any{"id": "http://adlnet.gov/expapi/verbs/completed", "display": map[string]any{"en-US": "completed"}},
				"object": map[string]any{
					"objectType": "Activity", "id": "https://engage.example.org/v1/agencies/metro/officers/o2/externalTrainings/x1",
					"definition": map[string]any{"name": map[string]any{"en-US": "First aid"}, "type": "http://adlnet.gov/expapi/activities/course"},
				},
				"result":    map[string]any{"success": true, "completion": true},
				"context":   map[string]any{"platform": "Engage", "extensions": map[string]any{"https://engage.example.org/xapi/credit-hours": 2.5}},
				"timestamp": "2026-11-23T16:00:00Z",
				"version":   "1.0.3",
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b, err := json.Marshal(s.statement("metro", tc.in))
			if err != nil {
				t.Fatal(err)
			}
			var got map[string]any
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			uuidV5 := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
			id, _ := got["id"].(string)
			if !uuidV5.MatchString(id) {
				t.Errorf("id %q is no version 5 UUID", id)
			}
			delete(got, "id")
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("statement (-want +got):\n%s", d)
			}
		})
	}
}

func TestStatementIDs(t *testing.T) {
	t.Parallel()
	s := &Service{cfg: Config{StatementHome: "https://engage.example.org"}}
	id := func(agency, completion string) string {
		return s.statement(agency, Completion{ID: completion, Score: -1}).ID
	}
	if id("metro", "c1") != id("metro", "c1") {
		t.Error("the same completion gives different ids")
	}
	if id("metro", "c1") == id("metro", "c2") || id("metro", "c1") == id("other", "c1") {
		t.Error("different completions give the same id")
	}
	// Pinned: a changed namespace or name would make a learning record
	// store take re-exported completions for new ones.
	if got, want := id("metro", "c1"), "1c0ade13-d522-5cad-b7f0-46272e1ff9cb"; got != want {
		t.Errorf("id(metro, c1) = %s, want %s", got, want)
	}
}
