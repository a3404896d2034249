package storetest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/training"
	"github.com/google/go-cmp/cmp"
)

// importRow is a row of an imported roster; account is an account id or
// empty.
func importRow(badge, name, unit, account string) *trainingv1.Officer {
	o := &trainingv1.Officer{Badge: badge, DisplayName: name, Unit: unit}
	if account != "" {
		o.Account = "accounts/" + account
	}
	return o
}

// importOptions names new officers n1, n2, … in agency.
func importOptions(agency string) training.ImportOptions {
	n := 0
	return training.ImportOptions{
		Now: catT0.Add(time.Hour),
		NewName: func() string {
			n++
			return fmt.Sprintf("agencies/%s/officers/n%d", agency, n)
		},
	}
}

// rosterOf lists an agency's active officers as "badge unit account".
func rosterOf(t *testing.T, s training.Store, agency string) []string {
	t.Helper()
	list, _, err := s.ListOfficers(t.Context(), "agencies/"+agency, training.Page{Size: 100}, func(o *trainingv1.Officer) bool {
		return o.GetDeleteTime() == nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, o := range list {
		out = append(out, strings.TrimSpace(o.GetBadge()+" "+o.GetUnit()+" "+o.GetAccount()))
	}
	return out
}

// testImport checks that an import creates, updates and leaves officers
// by badge in one transaction, and stores nothing when a row conflicts.
func testImport(t *testing.T, open Opener) {
	t.Run("creates updates and leaves", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		mustCreateOfficers(t, s,
			newRosterOfficer("metro", "anna", "100", "north", "anna"),
			newRosterOfficer("metro", "bob", "200", "north", ""),
		)
		bob, err := s.Officer(t.Context(), "agencies/metro/officers/bob")
		if err != nil {
			t.Fatal(err)
		}
		rows := []*trainingv1.Officer{
			importRow("100", "Officer anna", "north", ""), // unchanged: no account keeps hers
			importRow("200", "Officer bob", "south", "bob"),
			importRow("300", "Carl", "east", ""),
		}
		opts := importOptions("metro")
		got, err := s.ImportOfficers(t.Context(), "agencies/metro", rows, opts)
		if err != nil {
			t.Fatal(err)
		}
		if want := (training.ImportResult{Created: 1, Updated: 1, Unchanged: 1}); got != want {
			t.Fatalf("result %+v, want %+v", got, want)
		}
		if d := cmp.Diff([]string{"100 north accounts/anna", "200 south accounts/bob", "300 east"}, rosterOf(t, s, "metro")); d != "" {
			t.Fatalf("roster (-want +got):\n%s", d)
		}
		carl, err := s.Officer(t.Context(), "agencies/metro/officers/n1")
		if err != nil {
			t.Fatal(err)
		}
		if !carl.GetCreateTime().AsTime().Equal(opts.Now) || !carl.GetUpdateTime().AsTime().Equal(opts.Now) || carl.GetEtag() == "" {
			t.Fatalf("created officer %v", carl)
		}
		bob2, err := s.Officer(t.Context(), "agencies/metro/officers/bob")
		if err != nil {
			t.Fatal(err)
		}
		if bob2.GetEtag() == bob.GetEtag() || !bob2.GetUpdateTime().AsTime().Equal(opts.Now) {
			t.Fatalf("updated officer kept etag %s or update time %v", bob2.GetEtag(), bob2.GetUpdateTime().AsTime())
		}
		again, err := s.ImportOfficers(t.Context(), "agencies/metro", rows, importOptions("metro"))
		if err != nil {
			t.Fatal(err)
		}
		if want := (training.ImportResult{Unchanged: 3}); again != want {
			t.Fatalf("second import %+v, want %+v", again, want)
		}
	})

	t.Run("validate only", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		opts := importOptions("metro")
		opts.ValidateOnly = true
		got, err := s.ImportOfficers(t.Context(), "agencies/metro", []*trainingv1.Officer{importRow("1", "A", "u", "")}, opts)
		if err != nil {
			t.Fatal(err)
		}
		if want := (training.ImportResult{Created: 1}); got != want {
			t.Fatalf("result %+v, want %+v", got, want)
		}
		if r := rosterOf(t, s, "metro"); len(r) != 0 {
			t.Fatalf("validate only stored %v", r)
		}
	})

	t.Run("conflict stores nothing", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		mustCreateOfficers(t, s, newRosterOfficer("metro", "anna", "100", "north", "anna"))
		for _, tc := range []struct {
			name string
			rows []*trainingv1.Officer
			want string
		}{
			{"account of an officer outside the file", []*trainingv1.Officer{
				importRow("300", "Carl", "east", ""),
				importRow("400", "Dana", "east", "anna"),
			}, "row 3, column account"},
			{"badge twice", []*trainingv1.Officer{
				importRow("300", "Carl", "east", ""),
				importRow("300", "Carl again", "east", ""),
			}, "row 3, column badge"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := s.ImportOfficers(t.Context(), "agencies/metro", tc.rows, importOptions("metro"))
				var br *errs.BadRequestError
				if !errors.As(err, &br) || br.Violations[0].Field != "csv_content" || !strings.Contains(br.Violations[0].Description, tc.want) {
					t.Fatalf("import: %v, want a csv_content violation naming %q", err, tc.want)
				}
				if d := cmp.Diff([]string{"100 north accounts/anna"}, rosterOf(t, s, "metro")); d != "" {
					t.Fatalf("a refused import changed the roster (-want +got):\n%s", d)
				}
			})
		}
	})

	t.Run("swap accounts", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		mustCreateOfficers(t, s,
			newRosterOfficer("metro", "anna", "100", "north", "anna"),
			newRosterOfficer("metro", "bob", "200", "north", "bob"),
		)
		_, err := s.ImportOfficers(t.Context(), "agencies/metro", []*trainingv1.Officer{
			importRow("100", "Officer anna", "north", "bob"),
			importRow("200", "Officer bob", "north", "anna"),
		}, importOptions("metro"))
		if err != nil {
			t.Fatal(err)
		}
		o, err := s.OfficerByAccount(t.Context(), "agencies/metro", "accounts/bob")
		if err != nil || o.GetName() != "agencies/metro/officers/anna" {
			t.Fatalf("bob's account links %s (%v), want anna", o.GetName(), err)
		}
	})
}
