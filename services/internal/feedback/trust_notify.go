package feedback

import (
	"context"
	"strings"
	"time"

	"github.com/engagehq/engage/services/internal/audit"
)

// trustDropMethod names Trust-Index drop notices in the audit log. It is
// no RPC: the notices stand in for the staff-only alert the Alerts service
// raises, where a deployment runs Feedback without it.
const trustDropMethod = "/engage.feedback.v1.StatsService/TrustIndexDrop"

// AuditNotifier is a TrustNotifier that records each drop as an audit event
// of the agency (outcome TRUST_INDEX_DROP), where staff read it: the
// fallback of a Feedback process that is given no Alerts address
// (AlertsNotifier raises a staff-only alert instead).
//
// A drop is noticed right after an answer commits, so the event's time is
// rounded down to the hour and carries no request id: neither may tie the
// notice to the anonymous answer that tipped the index. Its details name
// the area (absent for the whole agency) and the interval that dropped.
type AuditNotifier struct {
	rec audit.Recorder
	now func() time.Time
}

// NewAuditNotifier returns an AuditNotifier recording through rec.
func NewAuditNotifier(rec audit.Recorder) *AuditNotifier {
	return &AuditNotifier{rec: rec, now: time.Now}
}

var _ TrustNotifier = (*AuditNotifier)(nil)

// NotifyTrustDrop implements TrustNotifier.
func (n *AuditNotifier) NotifyTrustDrop(ctx context.Context, d TrustDrop) error {
	details := map[string]string{"interval": d.Interval.String()}
	if d.Area != "" {
		details["area"] = d.Area
	}
	return n.rec.Record(ctx, audit.Event{
		Agency:   strings.TrimPrefix(d.Agency, "agencies/"),
		Actor:    "services/feedback",
		Method:   trustDropMethod,
		Resource: d.Agency + "/trustIndex",
		Outcome:  "TRUST_INDEX_DROP",
		Time:     n.now().UTC().Truncate(time.Hour),
		Service:  "feedback",
		Details:  details,
	})
}
