package training

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"buf.build/go/protovalidate"
	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/idempotent"
	"github.com/engagehq/engage/services/internal/ids"
)

// Roster import. The whole file is parsed and every row checked before the
// store sees it; the store then applies it in one transaction, matching
// rows to active officers by badge. Every error is INVALID_ARGUMENT on
// `csv_content` and names the row and column, counting the file's
// records from the header, row 1 (blank lines are no rows).
//
// Values are trimmed of spaces. A row's empty account leaves the linked
// account of an existing officer as it is (and links none to a new one):
// a roster export from a personnel system rarely knows accounts, and
// unlinking is an UpdateOfficer. Formula prefixes (=, +, -, @) do not
// matter here, since nothing imported is ever evaluated; they fail the
// column patterns anyway.

// maxImportRows bounds the officers of one import, as the contract says.
const maxImportRows = 10_000

// The columns of a roster file.
const (
	columnBadge       = "badge"
	columnDisplayName = "display_name"
	columnUnit        = "unit"
	columnAccount     = "account"
)

var (
	requiredColumns = []string{columnBadge, columnDisplayName, columnUnit}
	allColumns      = append(slices.Clone(requiredColumns), columnAccount)
)

// columnRules describes, for each column, what its value must be: shown
// when the value breaks the rules the contract declares on the Officer
// field of the same name.
var columnRules = map[string]string{
	columnBadge:       "must be 1 to 20 letters, digits or hyphens, starting with a letter or digit",
	columnDisplayName: "must be 1 to 200 characters",
	columnUnit:        "must be a lowercase slug such as patrol (letters, digits, _ and -)",
	columnAccount:     "must look like accounts/{account}",
}

// ImportOfficers adds and updates officers from a CSV roster.
func (s *officerServer) ImportOfficers(ctx context.Context, req *trainingv1.ImportOfficersRequest) (*trainingv1.ImportOfficersResponse, error) {
	agency, err := parseAgency("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	if _, err := s.callerOf(ctx, agency); err != nil {
		return nil, err
	}
	rows, err := parseRoster(req.GetCsvContent())
	if err != nil {
		return nil, err
	}
	res, err := s.store.ImportOfficers(ctx, req.GetParent(), rows, ImportOptions{
		NewName:      func() string { return req.GetParent() + "/officers/" + ids.New() },
		Now:          s.now(),
		ValidateOnly: req.GetValidateOnly(),
		Retry:        s.retryOf(ctx, req.GetRequestId(), idempotent.Without(req, func(r *trainingv1.ImportOfficersRequest) { r.RequestId = "" })),
	})
	if err != nil {
		return nil, fmt.Errorf("import officers into %s: %w", req.GetParent(), err)
	}
	if !req.GetValidateOnly() {
		s.log.InfoContext(ctx, "roster imported", "agency", agency, "created", res.Created, "updated", res.Updated, "unchanged", res.Unchanged)
	}
	return &trainingv1.ImportOfficersResponse{
		CreatedCount:   int32(res.Created),
		UpdatedCount:   int32(res.Updated),
		UnchangedCount: int32(res.Unchanged),
	}, nil
}

// parseRoster parses and checks a roster file: its officers, in the file's
// order, with Badge, DisplayName, Unit and Account set.
func parseRoster(content string) ([]*trainingv1.Officer, error) {
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(content, "\uFEFF")))
	r.TrimLeadingSpace = true
	r.ReuseRecord = true
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, errs.Field("csv_content", "is empty: the first row must name the columns %s", strings.Join(allColumns, ", "))
	}
	if err != nil {
		return nil, csvError(err)
	}
	columns, err := rosterColumns(header)
	if err != nil {
		return nil, err
	}
	var rows []*trainingv1.Officer
	badges := map[string]int{}
	accounts := map[string]int{}
	for n := 2; ; n++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvError(err)
		}
		if len(rows) == maxImportRows {
			return nil, errs.Field("csv_content", "has more than %d officers; split the file", maxImportRows)
		}
		o := &trainingv1.Officer{}
		for i, col := range columns {
			v := strings.TrimSpace(rec[i])
			switch col {
			case columnBadge:
				o.Badge = v
			case columnDisplayName:
				o.DisplayName = v
			case columnUnit:
				o.Unit = v
			case columnAccount:
				o.Account = v
			}
		}
		if err := checkRow(n, o); err != nil {
			return nil, err
		}
		if first, ok := badges[o.GetBadge()]; ok {
			return nil, rowError(n, columnBadge, "repeats the badge of row %d", first)
		}
		badges[o.GetBadge()] = n
		if o.GetAccount() != "" {
			if first, ok := accounts[o.GetAccount()]; ok {
				return nil, rowError(n, columnAccount, "repeats the account of row %d", first)
			}
			accounts[o.GetAccount()] = n
		}
		rows = append(rows, o)
	}
	if len(rows) == 0 {
		return nil, errs.Field("csv_content", "has no officers after its header row")
	}
	return rows, nil
}

// rosterColumns returns the column of each field of a header row.
func rosterColumns(header []string) ([]string, error) {
	columns := make([]string, len(header))
	for i, h := range header {
		col := strings.ToLower(strings.TrimSpace(h))
		switch {
		case !slices.Contains(allColumns, col):
			return nil, errs.Field("csv_content", "row 1, column %d: unknown column %q (the columns are %s)", i+1, h, strings.Join(allColumns, ", "))
		case slices.Contains(columns, col):
			return nil, errs.Field("csv_content", "row 1, column %d: %s appears twice", i+1, col)
		}
		columns[i] = col
	}
	for _, want := range requiredColumns {
		if !slices.Contains(columns, want) {
			return nil, errs.Field("csv_content", "row 1: the %s column is missing (the columns are %s)", want, strings.Join(allColumns, ", "))
		}
	}
	return columns, nil
}

// checkRow checks the officer of row n like CreateOfficer does: each
// value is required but the account, and must follow the rules the
// contract declares on its Officer field.
func checkRow(n int, o *trainingv1.Officer) error {
	for i, v := range []string{o.GetBadge(), o.GetDisplayName(), o.GetUnit()} {
		if v == "" {
			return rowError(n, requiredColumns[i], "is required")
		}
	}
	err := protovalidate.Validate(o)
	var ve *protovalidate.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	// Report the first column in the file's column order, so that the
	// same file always gets the same message.
	for _, col := range allColumns {
		for _, v := range ve.Violations {
			if protovalidate.FieldPathString(v.Proto.GetField()) == col {
				return rowError(n, col, "%s", columnRules[col])
			}
		}
	}
	return errs.Field("csv_content", "row %d: %v", n, ve)
}

// rowError is an error in row n of the file, in column col.
func rowError(n int, col, format string, args ...any) error {
	return errs.Field("csv_content", "row %d, column %s: %s", n, col, fmt.Sprintf(format, args...))
}

// csvError is a file encoding/csv could not read, naming where.
func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return errs.Field("csv_content", "line %d, column %d: %v", pe.Line, pe.Column, pe.Err)
	}
	return errs.Field("csv_content", "is not CSV: %v", err)
}
