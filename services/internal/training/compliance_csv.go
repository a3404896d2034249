package training

import (
	"fmt"
	"strconv"
	"strings"

	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
	"github.com/engagehq/engage/services/internal/csvstream"
)

// complianceHeader is the compliance CSV's header row.
var complianceHeader = []string{
	"badge", "display_name", "unit", "course", "course_title", "state", "expire_date",
	"due_date", "overdue", "credit_hours", "credit_hours_target", "compliant",
}

// ExportTrainingCompliance writes the whole compliance report as CSV: one
// row per officer and required course, by badge then course title, and
// one row with the course cells empty for an officer of whom no course is
// required, so that every officer of the report appears. It is sent in
// chunks of about 32 KiB as they fill.
func (s *reportServer) ExportTrainingCompliance(req *trainingv1.ExportTrainingComplianceRequest, stream trainingv1.ReportService_ExportTrainingComplianceServer) error {
	ctx := stream.Context()
	q, err := s.complianceQuery(ctx, req.GetName(), req.GetUnit(), req.GetAsOf())
	if err != nil {
		return err
	}
	r, err := s.compliance(ctx, q)
	if err != nil {
		return err
	}
	if err := writeComplianceCSV(csvstream.NewWriter(stream.Send), r); err != nil {
		return fmt.Errorf("export compliance: %w", err)
	}
	return nil
}

// writeComplianceCSV writes report r to w and closes w. Officers' names,
// badges, units and course titles are typed by people and pass through
// csvstream.Safe.
func writeComplianceCSV(w *csvstream.Writer, r *complianceReport) error {
	if err := w.Write(complianceHeader); err != nil {
		return err
	}
	target := formatHours(r.target)
	row := make([]string, len(complianceHeader))
	var o officerCompliance
	for i := range r.standings {
		off := r.standings[i].Officer
		r.evaluate(&r.standings[i], &o)
		row[0], row[1], row[2] = csvstream.Safe(off.GetBadge()), csvstream.Safe(off.GetDisplayName()), csvstream.Safe(off.GetUnit())
		row[9], row[10], row[11] = formatHours(o.hours), target, strconv.FormatBool(o.compliant)
		if len(o.courses) == 0 {
			clear(row[3:9])
			if err := w.Write(row); err != nil {
				return err
			}
			continue
		}
		for _, c := range o.courses {
			row[3], row[4] = c.course.GetName(), csvstream.Safe(c.course.GetTitle())
			row[5], row[6], row[7] = stateName(c.state), c.expire, c.due
			row[8] = strconv.FormatBool(c.overdue)
			if err := w.Write(row); err != nil {
				return err
			}
		}
	}
	return w.Close()
}

// stateName is a state as the CSV writes it: CURRENT, EXPIRING, EXPIRED or
// MISSING.
func stateName(s trainingv1.CourseCompliance_State) string {
	return strings.TrimPrefix(s.String(), "STATE_")
}

// formatHours writes credit hours in their shortest form: 12, 1.5, 0.25.
func formatHours(h float64) string { return strconv.FormatFloat(h, 'f', -1, 64) }
