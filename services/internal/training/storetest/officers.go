package storetest

import (
	"errors"
	"strings"
	"testing"

	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/training"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// newRosterOfficer is an officer as a handler makes it; account is an
// account id, or empty for none.
func newRosterOfficer(agency, id, badge, unit, account string) *trainingv1.Officer {
	ts := timestamppb.New(catT0)
	o := &trainingv1.Officer{
		Name: "agencies/" + agency + "/officers/" + id, Badge: badge, DisplayName: "Officer " + id,
		Unit: unit, CreateTime: ts, UpdateTime: ts,
	}
	if account != "" {
		o.Account = "accounts/" + account
	}
	return o
}

// mustCreateOfficers creates officers, failing the test on an error.
func mustCreateOfficers(t *testing.T, s training.Store, os ...*trainingv1.Officer) {
	t.Helper()
	for _, o := range os {
		if _, err := s.CreateOfficer(t.Context(), o, training.Retry{}); err != nil {
			t.Fatalf("create %s: %v", o.GetName(), err)
		}
	}
}

// deactivate takes an officer off the active roster.
func deactivate(t *testing.T, s training.Store, name string) {
	t.Helper()
	if _, err := s.UpdateOfficer(t.Context(), name, func(o *trainingv1.Officer) error {
		o.DeleteTime = timestamppb.New(catT0)
		return nil
	}); err != nil {
		t.Fatalf("deactivate %s: %v", name, err)
	}
}

// wantConflict fails unless err is errs.AlreadyExists naming field.
func wantConflict(t *testing.T, what string, err error, field string) {
	t.Helper()
	if !errors.Is(err, errs.AlreadyExists) || !strings.Contains(err.Error(), field) {
		t.Fatalf("%s: %v, want AlreadyExists naming %s", what, err, field)
	}
}

// officerNamesOf returns the names of officers, in order.
func officerNamesOf(os []*trainingv1.Officer) []string {
	var out []string
	for _, o := range os {
		out = append(out, o.GetName())
	}
	return out
}

// testOfficers checks the roster: create, read, list by badge and change,
// with badges and accounts unique among active officers.
func testOfficers(t *testing.T, open Opener) {
	t.Run("create and read", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		in := newRosterOfficer("metro", "anna", "100", "north", "anna")
		got, err := s.CreateOfficer(t.Context(), in, training.Retry{})
		if err != nil {
			t.Fatal(err)
		}
		want := newRosterOfficer("metro", "anna", "100", "north", "anna")
		want.Etag = got.GetEtag()
		if got.GetEtag() == "" {
			t.Fatal("created officer has no etag")
		}
		for what, read := range map[string]func() (*trainingv1.Officer, error){
			"Officer": func() (*trainingv1.Officer, error) { return s.Officer(t.Context(), in.GetName()) },
			"OfficerByAccount": func() (*trainingv1.Officer, error) {
				return s.OfficerByAccount(t.Context(), "agencies/metro", "accounts/anna")
			},
		} {
			o, err := read()
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			if d := cmp.Diff(want, o, protocmp.Transform()); d != "" {
				t.Fatalf("%s (-want +got):\n%s", what, d)
			}
		}
		if _, err := s.OfficerByAccount(t.Context(), "agencies/other", "accounts/anna"); !errors.Is(err, errs.NotFound) {
			t.Fatalf("account in another agency: %v, want NotFound", err)
		}
		if _, err := s.Officer(t.Context(), "agencies/metro/officers/nope"); !errors.Is(err, errs.NotFound) {
			t.Fatalf("missing officer: %v, want NotFound", err)
		}
		if _, err := s.CreateOfficer(t.Context(), newRosterOfficer("metro", "anna", "999", "north", ""), training.Retry{}); !errors.Is(err, errs.AlreadyExists) {
			t.Fatalf("taken name: %v, want AlreadyExists", err)
		}
	})

	t.Run("unique among active officers", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		mustCreateOfficers(t, s, newRosterOfficer("metro", "anna", "100", "north", "anna"))
		_, err := s.CreateOfficer(t.Context(), newRosterOfficer("metro", "bob", "100", "north", ""), training.Retry{})
		wantConflict(t, "taken badge", err, "officer.badge")
		_, err = s.CreateOfficer(t.Context(), newRosterOfficer("metro", "bob", "200", "north", "anna"), training.Retry{})
		wantConflict(t, "taken account", err, "officer.account")
		if _, err := s.Officer(t.Context(), "agencies/metro/officers/bob"); !errors.Is(err, errs.NotFound) {
			t.Fatalf("a refused create stored the officer: %v", err)
		}
		// Other agencies have their own badges and accounts.
		mustCreateOfficers(t, s, newRosterOfficer("other", "olga", "100", "x", "anna"))

		deactivate(t, s, "agencies/metro/officers/anna")
		if _, err := s.OfficerByAccount(t.Context(), "agencies/metro", "accounts/anna"); !errors.Is(err, errs.NotFound) {
			t.Fatalf("account of a deactivated officer: %v, want NotFound", err)
		}
		mustCreateOfficers(t, s, newRosterOfficer("metro", "anna2", "100", "south", "anna"))
		o, err := s.OfficerByAccount(t.Context(), "agencies/metro", "accounts/anna")
		if err != nil || o.GetName() != "agencies/metro/officers/anna2" {
			t.Fatalf("account after relinking: %v %v, want anna2", o.GetName(), err)
		}
	})

	t.Run("update", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		mustCreateOfficers(t, s,
			newRosterOfficer("metro", "anna", "100", "north", "anna"),
			newRosterOfficer("metro", "bob", "200", "north", "bob"),
		)
		_, err := s.UpdateOfficer(t.Context(), "agencies/metro/officers/bob", func(o *trainingv1.Officer) error {
			o.Badge = "100"
			return nil
		})
		wantConflict(t, "badge taken on update", err, "officer.badge")
		_, err = s.UpdateOfficer(t.Context(), "agencies/metro/officers/bob", func(o *trainingv1.Officer) error {
			o.Account = "accounts/anna"
			return nil
		})
		wantConflict(t, "account taken on update", err, "officer.account")

		got, err := s.UpdateOfficer(t.Context(), "agencies/metro/officers/anna", func(o *trainingv1.Officer) error {
			o.Badge, o.Account = "150", ""
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if got.GetBadge() != "150" || got.GetAccount() != "" {
			t.Fatalf("updated badge %q account %q, want 150 and none", got.GetBadge(), got.GetAccount())
		}
		if _, err := s.OfficerByAccount(t.Context(), "agencies/metro", "accounts/anna"); !errors.Is(err, errs.NotFound) {
			t.Fatalf("unlinked account: %v, want NotFound", err)
		}
		// Anna's old badge is free again.
		if _, err := s.UpdateOfficer(t.Context(), "agencies/metro/officers/bob", func(o *trainingv1.Officer) error {
			o.Badge = "100"
			return nil
		}); err != nil {
			t.Fatalf("taking a freed badge: %v", err)
		}
		if _, err := s.UpdateOfficer(t.Context(), "agencies/metro/officers/nope", func(*trainingv1.Officer) error { return nil }); !errors.Is(err, errs.NotFound) {
			t.Fatalf("update of a missing officer: %v, want NotFound", err)
		}
	})

	t.Run("list by badge", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		mustCreateOfficers(t, s,
			newRosterOfficer("metro", "c", "300", "north", ""),
			newRosterOfficer("metro", "a", "100", "north", ""),
			newRosterOfficer("metro", "b", "200", "south", ""),
			newRosterOfficer("other", "z", "050", "x", ""),
		)
		deactivate(t, s, "agencies/metro/officers/a")
		mustCreateOfficers(t, s, newRosterOfficer("metro", "a2", "100", "south", ""))
		if _, err := s.UpdateOfficer(t.Context(), "agencies/metro/officers/c", func(o *trainingv1.Officer) error {
			o.Badge = "050"
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		want := []string{"agencies/metro/officers/c", "agencies/metro/officers/a", "agencies/metro/officers/a2", "agencies/metro/officers/b"}
		var got []string
		page := training.Page{Size: 3}
		for i := 0; ; i++ {
			list, next, err := s.ListOfficers(t.Context(), "agencies/metro", page, nil)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, officerNamesOf(list)...)
			if next == nil {
				break
			}
			if i > 3 {
				t.Fatal("the pages do not end")
			}
			page.After = next
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Fatalf("pages (-want +got):\n%s", d)
		}
		active, _, err := s.ListOfficers(t.Context(), "agencies/metro", training.Page{Size: 10}, func(o *trainingv1.Officer) bool {
			return o.GetDeleteTime() == nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff([]string{want[0], want[2], want[3]}, officerNamesOf(active)); d != "" {
			t.Fatalf("active (-want +got):\n%s", d)
		}
	})
}
