package training_test

import (
	"fmt"
	"strings"
	"testing"

	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// importRoster imports content into metro's roster as trainer.
func importRoster(t *testing.T, e *env, trainer *user, req *trainingv1.ImportOfficersRequest) *trainingv1.ImportOfficersResponse {
	t.Helper()
	req.Parent = "agencies/metro"
	resp, err := e.roster.ImportOfficers(trainer.ctx(t), req)
	must(t, "import", err)
	return resp
}

// counts renders an import's counts for comparison.
func counts(r *trainingv1.ImportOfficersResponse) string {
	return fmt.Sprintf("created %d, updated %d, unchanged %d", r.GetCreatedCount(), r.GetUpdatedCount(), r.GetUnchangedCount())
}

func TestImportOfficers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	trainer := e.trainer("trainer", "metro")
	existing := createOfficer(t, e, trainer, "100", "north", "")

	// Columns in any order, a byte-order mark, spaces around values.
	file := "\uFEFFunit, Badge ,display_name,account\n" +
		"south,100,Officer 100,accounts/anna\n" +
		"north, 200 ,Ben Brown,\n" +
		"\n" +
		"north,300,\"Cruz, Carla\",accounts/carla\n"
	preview := importRoster(t, e, trainer, &trainingv1.ImportOfficersRequest{CsvContent: file, ValidateOnly: true})
	if got, want := counts(preview), "created 2, updated 1, unchanged 0"; got != want {
		t.Fatalf("validate_only: %s, want %s", got, want)
	}
	if badges := listBadges(t, e, trainer, &trainingv1.ListOfficersRequest{}); len(badges) != 1 {
		t.Fatalf("validate_only stored officers: %v", badges)
	}

	got := importRoster(t, e, trainer, &trainingv1.ImportOfficersRequest{CsvContent: file, RequestId: catRequestID})
	if counts(got) != counts(preview) {
		t.Fatalf("import: %s, the preview said %s", counts(got), counts(preview))
	}
	diff(t, "roster", listBadges(t, e, trainer, &trainingv1.ListOfficersRequest{}), []string{"100", "200", "300"})
	moved, err := e.roster.GetOfficer(trainer.ctx(t), &trainingv1.GetOfficerRequest{Name: existing.GetName()})
	must(t, "get the existing officer", err)
	if moved.GetUnit() != "south" || moved.GetAccount() != "accounts/anna" || moved.GetEtag() == existing.GetEtag() {
		t.Fatalf("the file's row did not update the officer matched by badge: %v", moved)
	}
	resp, err := e.roster.ListOfficers(trainer.ctx(t), &trainingv1.ListOfficersRequest{Parent: "agencies/metro", Filter: `badge = "300"`})
	must(t, "list", err)
	if o := resp.GetOfficers(); len(o) != 1 || o[0].GetDisplayName() != "Cruz, Carla" || o[0].GetAccount() != "accounts/carla" {
		t.Fatalf("the quoted row: %v", o)
	}

	// The officer linked by the import sees their entry.
	own, err := e.roster.GetOfficer(e.officerAccount("anna", "metro").ctx(t), &trainingv1.GetOfficerRequest{Name: existing.GetName()})
	must(t, "the linked officer reads their entry", err)
	if own.GetBadge() != "100" {
		t.Fatalf("linked officer reads %v", own)
	}

	again := importRoster(t, e, trainer, &trainingv1.ImportOfficersRequest{CsvContent: file, RequestId: catRequestID})
	if counts(again) != counts(got) {
		t.Fatalf("a retried import answers %s, the first %s", counts(again), counts(got))
	}
	_, err = e.roster.ImportOfficers(trainer.ctx(t), &trainingv1.ImportOfficersRequest{Parent: "agencies/metro", CsvContent: "badge,display_name,unit\n1,A,north\n", RequestId: catRequestID})
	wantField(t, "a request id reused for another file", err, "request_id")

	// An empty account leaves the link as it is; the same file again
	// changes nothing.
	same := importRoster(t, e, trainer, &trainingv1.ImportOfficersRequest{CsvContent: "badge,display_name,unit\n100,Officer 100,south\n200,Ben Brown,north\n"})
	if got, want := counts(same), "created 0, updated 0, unchanged 2"; got != want {
		t.Fatalf("reimport: %s, want %s", got, want)
	}
}

func TestImportOfficersRefusesBadFiles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	trainer := e.trainer("trainer", "metro")
	createOfficer(t, e, trainer, "100", "north", "anna")
	const header = "badge,display_name,unit,account\n"
	for _, tc := range []struct {
		name, file string
		// want is part of the message.
		want string
	}{
		{"no header", "", "csv_content"},
		{"header only", header, "no officers"},
		{"unknown column", "badge,display_name,unit,rank\n1,A,north,sgt\n", `unknown column "rank"`},
		{"missing column", "badge,display_name\n1,A\n", "the unit column is missing"},
		{"repeated column", "badge,badge,display_name,unit\n1,1,A,north\n", "badge appears twice"},
		{"empty badge", header + "2,B,north,\n,A,north,\n", "row 3, column badge: is required"},
		{"bad badge", header + "no spaces,A,north,\n", "row 2, column badge"},
		{"formula", header + "=1+2,A,north,\n", "row 2, column badge"},
		{"unit not a slug", header + "1,A,North Side,\n", "row 2, column unit"},
		{"bad account", header + "1,A,north,anna\n", "row 2, column account"},
		{"repeated badge", header + "1,A,north,\n1,B,south,\n", "row 3, column badge: repeats the badge of row 2"},
		{"repeated account", header + "1,A,north,accounts/x\n2,B,north,accounts/x\n", "row 3, column account"},
		{"wrong field count", header + "1,A\n", "line 2"},
		{"bare quote", header + "1,A \"B\" C,north,\n", "line 2"},
		{"account of another officer", header + "200,B,north,accounts/anna\n", "row 2, column account: accounts/anna is linked to active officer"},
		{"too many rows", header + manyRows(10_001), "more than 10000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.roster.ImportOfficers(trainer.ctx(t), &trainingv1.ImportOfficersRequest{Parent: "agencies/metro", CsvContent: tc.file})
			wantField(t, tc.name, err, "csv_content")
			if msg := status.Convert(err).Message(); !strings.Contains(msg, tc.want) {
				t.Fatalf("%s: message %q does not say %q", tc.name, msg, tc.want)
			}
		})
	}
	diff(t, "roster after refused imports", listBadges(t, e, trainer, &trainingv1.ListOfficersRequest{ShowDeleted: true}), []string{"100"})

	for _, tc := range []struct {
		name string
		u    *user
	}{
		{"officer imports", e.officerAccount("anna", "metro")},
		{"resident imports", e.resident("res")},
		{"other agency's trainer imports", e.trainer("ot", "other")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.roster.ImportOfficers(tc.u.ctx(t), &trainingv1.ImportOfficersRequest{Parent: "agencies/metro", CsvContent: header + "9,A,north,\n"})
			wantCode(t, tc.name, err, codes.PermissionDenied)
		})
	}
}

// manyRows is n roster rows with distinct badges.
func manyRows(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "%d,Officer %d,north,\n", i+1, i+1)
	}
	return b.String()
}
