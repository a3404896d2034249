package training_test

import (
	"strings"
	"testing"
	"time"

	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// createOfficer adds an officer to metro's roster as trainer; account is
// an account id or empty.
func createOfficer(t *testing.T, e *env, trainer *user, badge, unit, account string) *trainingv1.Officer {
	t.Helper()
	o := &trainingv1.Officer{Badge: badge, DisplayName: "Officer " + badge, Unit: unit}
	if account != "" {
		o.Account = "accounts/" + account
	}
	got, err := e.roster.CreateOfficer(trainer.ctx(t), &trainingv1.CreateOfficerRequest{Parent: "agencies/metro", Officer: o})
	must(t, "create officer "+badge, err)
	return got
}

// listBadges lists metro's roster as u and returns the badges.
func listBadges(t *testing.T, e *env, u *user, req *trainingv1.ListOfficersRequest) []string {
	t.Helper()
	req.Parent = "agencies/metro"
	resp, err := e.roster.ListOfficers(u.ctx(t), req)
	must(t, "list officers", err)
	var badges []string
	for _, o := range resp.GetOfficers() {
		badges = append(badges, o.GetBadge())
	}
	return badges
}

func TestOfficerLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	trainer := e.trainer("trainer", "metro")
	req := &trainingv1.CreateOfficerRequest{
		Parent:    "agencies/metro",
		Officer:   &trainingv1.Officer{Badge: "A-100", DisplayName: "Anna Smith", Unit: "patrol", Account: "accounts/anna"},
		RequestId: catRequestID,
	}
	created, err := e.roster.CreateOfficer(trainer.ctx(t), req)
	must(t, "create", err)
	if !strings.HasPrefix(created.GetName(), "agencies/metro/officers/") || created.GetEtag() == "" {
		t.Fatalf("created %s with etag %q", created.GetName(), created.GetEtag())
	}
	want := &trainingv1.Officer{
		Name: created.GetName(), Badge: "A-100", DisplayName: "Anna Smith", Unit: "patrol", Account: "accounts/anna",
		CreateTime: timestamppb.New(start), UpdateTime: timestamppb.New(start), Etag: created.GetEtag(),
	}
	diff(t, "created", created, want)
	again, err := e.roster.CreateOfficer(trainer.ctx(t), req)
	must(t, "retry", err)
	diff(t, "retry", again, created)
	req.Officer.Badge = "B-200"
	_, err = e.roster.CreateOfficer(trainer.ctx(t), req)
	wantField(t, "reused request id", err, "request_id")

	got, err := e.roster.GetOfficer(trainer.ctx(t), &trainingv1.GetOfficerRequest{Name: created.GetName()})
	must(t, "get", err)
	diff(t, "read", got, want)

	e.clock.Advance(time.Hour)
	updated, err := e.roster.UpdateOfficer(trainer.ctx(t), &trainingv1.UpdateOfficerRequest{
		Officer:    &trainingv1.Officer{Name: created.GetName(), Unit: "traffic", DisplayName: "ignored", Etag: created.GetEtag()},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"unit", "account", "update_time"}},
	})
	must(t, "update", err)
	want.Unit, want.Account, want.Etag, want.UpdateTime = "traffic", "", updated.GetEtag(), timestamppb.New(start.Add(time.Hour))
	diff(t, "updated (account unlinked, display name not in the mask)", updated, want)
	_, err = e.roster.UpdateOfficer(trainer.ctx(t), &trainingv1.UpdateOfficerRequest{
		Officer: &trainingv1.Officer{Name: created.GetName(), Unit: "north", Etag: created.GetEtag()},
	})
	wantCode(t, "update with a stale etag", err, codes.FailedPrecondition)

	removed, err := e.roster.DeleteOfficer(trainer.ctx(t), &trainingv1.DeleteOfficerRequest{Name: created.GetName(), Etag: updated.GetEtag()})
	must(t, "delete", err)
	if !removed.GetDeleteTime().AsTime().Equal(start.Add(time.Hour)) {
		t.Fatalf("delete time %v", removed.GetDeleteTime())
	}
	_, err = e.roster.UpdateOfficer(trainer.ctx(t), &trainingv1.UpdateOfficerRequest{Officer: &trainingv1.Officer{Name: created.GetName(), Unit: "north"}})
	wantCode(t, "update of a removed officer", err, codes.FailedPrecondition)
	if badges := listBadges(t, e, trainer, &trainingv1.ListOfficersRequest{}); len(badges) != 0 {
		t.Fatalf("list shows removed officers: %v", badges)
	}
	diff(t, "list with show_deleted", listBadges(t, e, trainer, &trainingv1.ListOfficersRequest{ShowDeleted: true}), []string{"A-100"})
	// The badge is free again.
	createOfficer(t, e, trainer, "A-100", "patrol", "")
}

func TestOfficerUniqueness(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	trainer := e.trainer("trainer", "metro")
	createOfficer(t, e, trainer, "100", "north", "anna")
	bob := createOfficer(t, e, trainer, "200", "north", "bob")
	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"create with a taken badge", func() error {
			_, err := e.roster.CreateOfficer(trainer.ctx(t), &trainingv1.CreateOfficerRequest{Parent: "agencies/metro",
				Officer: &trainingv1.Officer{Badge: "100", DisplayName: "X", Unit: "north"}})
			return err
		}},
		{"create with a taken account", func() error {
			_, err := e.roster.CreateOfficer(trainer.ctx(t), &trainingv1.CreateOfficerRequest{Parent: "agencies/metro",
				Officer: &trainingv1.Officer{Badge: "300", DisplayName: "X", Unit: "north", Account: "accounts/anna"}})
			return err
		}},
		{"update to a taken badge", func() error {
			_, err := e.roster.UpdateOfficer(trainer.ctx(t), &trainingv1.UpdateOfficerRequest{Officer: &trainingv1.Officer{Name: bob.GetName(), Badge: "100"}})
			return err
		}},
		{"update to a taken account", func() error {
			_, err := e.roster.UpdateOfficer(trainer.ctx(t), &trainingv1.UpdateOfficerRequest{Officer: &trainingv1.Officer{Name: bob.GetName(), Account: "accounts/anna"}})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, tc.name, tc.call(), codes.AlreadyExists)
		})
	}
	diff(t, "roster after conflicts", listBadges(t, e, trainer, &trainingv1.ListOfficersRequest{}), []string{"100", "200"})
	// Another agency has its own badges.
	_, err := e.roster.CreateOfficer(e.trainer("ot", "other").ctx(t), &trainingv1.CreateOfficerRequest{Parent: "agencies/other",
		Officer: &trainingv1.Officer{Badge: "100", DisplayName: "Olga", Unit: "north", Account: "accounts/anna"}})
	must(t, "same badge and account in another agency", err)
}

func TestCreateOfficerRefusesBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	trainer := e.trainer("trainer", "metro")
	for _, tc := range []struct {
		name  string
		in    *trainingv1.Officer
		field string
	}{
		{"bad badge", &trainingv1.Officer{Badge: "no spaces", DisplayName: "A", Unit: "north"}, "officer.badge"},
		{"missing badge", &trainingv1.Officer{DisplayName: "A", Unit: "north"}, "officer.badge"},
		{"missing name", &trainingv1.Officer{Badge: "1", Unit: "north"}, "officer.display_name"},
		{"blank name", &trainingv1.Officer{Badge: "1", DisplayName: "  ", Unit: "north"}, "officer.display_name"},
		{"missing unit", &trainingv1.Officer{Badge: "1", DisplayName: "A"}, "officer.unit"},
		{"unit not a slug", &trainingv1.Officer{Badge: "1", DisplayName: "A", Unit: "North Side"}, "officer.unit"},
		{"bad account", &trainingv1.Officer{Badge: "1", DisplayName: "A", Unit: "north", Account: "anna"}, "officer.account"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.roster.CreateOfficer(trainer.ctx(t), &trainingv1.CreateOfficerRequest{Parent: "agencies/metro", Officer: tc.in})
			wantField(t, tc.name, err, tc.field)
		})
	}
	if badges := listBadges(t, e, trainer, &trainingv1.ListOfficersRequest{ShowDeleted: true}); len(badges) != 0 {
		t.Fatalf("refused creates stored %v", badges)
	}
	o := createOfficer(t, e, trainer, "1", "north", "")
	for _, tc := range []struct {
		name  string
		paths []string
		field string
	}{
		{"clear the badge", []string{"badge"}, "officer.badge"},
		{"clear the unit", []string{"unit"}, "officer.unit"},
		{"unknown path", []string{"rank"}, "update_mask"},
		{"nothing to change", nil, "update_mask"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := &trainingv1.UpdateOfficerRequest{Officer: &trainingv1.Officer{Name: o.GetName()}}
			if tc.paths != nil {
				req.UpdateMask = &fieldmaskpb.FieldMask{Paths: tc.paths}
			}
			_, err := e.roster.UpdateOfficer(trainer.ctx(t), req)
			wantField(t, tc.name, err, tc.field)
		})
	}
}

func TestListOfficers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	trainer := e.trainer("trainer", "metro")
	for _, b := range []struct{ badge, unit string }{{"300", "north"}, {"100", "north"}, {"200", "south"}, {"400", "south"}} {
		createOfficer(t, e, trainer, b.badge, b.unit, "")
	}
	for _, tc := range []struct {
		name, filter string
		want         []string
	}{
		{"all by badge", "", []string{"100", "200", "300", "400"}},
		{"unit", `unit = "north"`, []string{"100", "300"}},
		{"badge", `badge = "200"`, []string{"200"}},
		{"unit and badge", `unit = "south" AND badge != "200"`, []string{"400"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			diff(t, "badges", listBadges(t, e, trainer, &trainingv1.ListOfficersRequest{Filter: tc.filter}), tc.want)
		})
	}
	for _, filter := range []string{`rank = "x"`, `unit:north`, `unit > "a"`} {
		t.Run("bad "+filter, func(t *testing.T) {
			t.Parallel()
			_, err := e.roster.ListOfficers(trainer.ctx(t), &trainingv1.ListOfficersRequest{Parent: "agencies/metro", Filter: filter})
			wantField(t, filter, err, "filter")
		})
	}
	t.Run("pages", func(t *testing.T) {
		t.Parallel()
		var badges []string
		req := &trainingv1.ListOfficersRequest{Parent: "agencies/metro", PageSize: 3}
		for range 3 {
			resp, err := e.roster.ListOfficers(trainer.ctx(t), req)
			must(t, "list page", err)
			for _, o := range resp.GetOfficers() {
				badges = append(badges, o.GetBadge())
			}
			if resp.GetNextPageToken() == "" {
				break
			}
			req.PageToken = resp.GetNextPageToken()
		}
		diff(t, "paged badges", badges, []string{"100", "200", "300", "400"})
	})
}

func TestOfficerAccess(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	trainer := e.trainer("trainer", "metro")
	anna := createOfficer(t, e, trainer, "100", "north", "anna")
	ben := createOfficer(t, e, trainer, "200", "north", "ben")
	annaUser := e.officerAccount("anna", "metro")
	unlinked := e.officerAccount("nobody", "metro")
	resident := e.resident("res")
	otherTrainer := e.trainer("ot", "other")

	got, err := e.roster.GetOfficer(annaUser.ctx(t), &trainingv1.GetOfficerRequest{Name: anna.GetName()})
	must(t, "officer reads their own entry", err)
	diff(t, "own entry", got, anna)
	diff(t, "officer's list", listBadges(t, e, annaUser, &trainingv1.ListOfficersRequest{}), []string{"100"})
	if badges := listBadges(t, e, annaUser, &trainingv1.ListOfficersRequest{Filter: `unit = "south"`}); len(badges) != 0 {
		t.Fatalf("the filter does not apply to the officer's own entry: %v", badges)
	}

	// GetOfficer and ListOfficers are `self` methods: the interceptor lets
	// any signed-in account in, and the handler shows nothing that is not
	// theirs, as NOT_FOUND.
	for _, tc := range []struct {
		name string
		u    *user
		of   string
	}{
		{"officer reads a colleague", annaUser, ben.GetName()},
		{"unlinked officer reads", unlinked, anna.GetName()},
		{"resident reads", resident, anna.GetName()},
		{"other agency's trainer reads", otherTrainer, anna.GetName()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := e.roster.GetOfficer(tc.u.ctx(t), &trainingv1.GetOfficerRequest{Name: tc.of})
			wantCode(t, tc.name, err, codes.NotFound)
			if badges := listBadges(t, e, tc.u, &trainingv1.ListOfficersRequest{}); tc.u != annaUser && len(badges) != 0 {
				t.Fatalf("%s lists %v", tc.name, badges)
			}
		})
	}
	// Writes are plain AGENCY_ROLE methods: the interceptor refuses.
	for _, tc := range []struct {
		name string
		u    *user
	}{
		{"officer creates", annaUser},
		{"resident creates", resident},
		{"other agency's trainer creates", otherTrainer},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := e.roster.CreateOfficer(tc.u.ctx(t), &trainingv1.CreateOfficerRequest{Parent: "agencies/metro",
				Officer: &trainingv1.Officer{Badge: "900", DisplayName: "X", Unit: "north"}})
			wantCode(t, tc.name, err, codes.PermissionDenied)
		})
	}
	t.Run("removed officer no longer sees their entry", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		trainer := e.trainer("trainer", "metro")
		o := createOfficer(t, e, trainer, "100", "north", "anna")
		_, err := e.roster.DeleteOfficer(trainer.ctx(t), &trainingv1.DeleteOfficerRequest{Name: o.GetName()})
		must(t, "delete", err)
		_, err = e.roster.GetOfficer(e.officerAccount("anna", "metro").ctx(t), &trainingv1.GetOfficerRequest{Name: o.GetName()})
		wantCode(t, "removed officer reads", err, codes.NotFound)
	})
}
