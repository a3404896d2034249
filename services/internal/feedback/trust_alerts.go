package feedback

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	alertsv1 "github.com/engagehq/engage/api/gen/engage/alerts/v1"
	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	"github.com/google/uuid"
)

// trustNoticeEvent is the CAP event of a Trust-Index drop notice.
const trustNoticeEvent = "Trust Index drop"

// The limits of RaiseStaffNoticeRequest's fields.
const (
	maxNoticeHeadline = 160
	maxNoticeArea     = 500
)

// AlertsNotifier is the TrustNotifier of deployments with the Alerts
// service: each drop becomes a staff-only notice (a RESTRICTED alert of
// the agency) raised through Alerts' RaiseStaffNotice, with the service's
// own credential, which the client's connection carries.
//
// The notice says only what the published Trust Index says: the area, the
// period, the two scores and the sample size; nothing of the answers or of
// who gave them. Its request id is derived from the agency, area, interval
// and period, so a drop notified again (a retry, a second process) raises
// one notice.
type AlertsNotifier struct {
	client alertsv1.AlertServiceClient
}

// NewAlertsNotifier returns an AlertsNotifier raising notices through
// client.
func NewAlertsNotifier(client alertsv1.AlertServiceClient) *AlertsNotifier {
	return &AlertsNotifier{client: client}
}

var _ TrustNotifier = (*AlertsNotifier)(nil)

// NotifyTrustDrop implements TrustNotifier.
func (n *AlertsNotifier) NotifyTrustDrop(ctx context.Context, d TrustDrop) error {
	_, err := n.client.RaiseStaffNotice(ctx, trustNotice(d))
	if err != nil {
		return fmt.Errorf("raise the trust index notice of %s: %w", d.Agency, err)
	}
	return nil
}

// trustNoticeNamespace is the UUID namespace of the notices' request ids
// (a random, fixed value).
func trustNoticeNamespace() uuid.UUID {
	return uuid.UUID{0x4f, 0x1d, 0x93, 0x6a, 0xc2, 0x57, 0x4b, 0x38, 0xa6, 0x0e, 0x7d, 0x25, 0x91, 0xbe, 0x3c, 0x84}
}

// trustNoticeRequestID is the request id of d's notice: a version 5 UUID
// of the agency, area, interval and period, the same however often d is
// notified.
func trustNoticeRequestID(d TrustDrop) string {
	key := strings.Join([]string{
		d.Agency, d.Area, intervalOf(d.Interval).String(), d.PeriodStart.UTC().Format(time.RFC3339),
	}, "\x00")
	return uuid.NewSHA1(trustNoticeNamespace(), []byte(key)).String()
}

// trustNotice is the staff notice of d.
func trustNotice(d TrustDrop) *alertsv1.RaiseStaffNoticeRequest {
	where := "across the agency"
	if d.Area != "" {
		where = "in " + d.Area
	}
	period, previous := periodPhrase(d.Interval, d.PeriodStart), periodPhrase(d.Interval, d.PreviousStart)
	headline := fmt.Sprintf("Trust Index fell %.1f points %s", d.PreviousScore-d.Score, where)
	description := fmt.Sprintf(
		"The Trust Index %s fell from %.1f in %s to %.1f in %s (%d responses). "+
			"See the Trust Index of the Feedback service for the dimensions and their confidence intervals.",
		where, d.PreviousScore, previous, d.Score, period, d.Responses)
	return &alertsv1.RaiseStaffNoticeRequest{
		Parent:      d.Agency,
		Event:       trustNoticeEvent,
		Headline:    truncateRunes(headline, maxNoticeHeadline),
		Description: description,
		Area:        truncateRunes(d.Area, maxNoticeArea),
		RequestId:   trustNoticeRequestID(d),
	}
}

// intervalOf is i with UNSPECIFIED read as MONTH, as the contract says.
func intervalOf(i feedbackv1.Interval) feedbackv1.Interval {
	if i == feedbackv1.Interval_INTERVAL_WEEK {
		return i
	}
	return feedbackv1.Interval_INTERVAL_MONTH
}

// periodPhrase names the period of interval i starting at start, in the
// agency's time zone start carries: "the week of 2026-05-04" or
// "May 2026".
func periodPhrase(i feedbackv1.Interval, start time.Time) string {
	if intervalOf(i) == feedbackv1.Interval_INTERVAL_WEEK {
		return "the week of " + start.Format(time.DateOnly)
	}
	return start.Format("January 2006")
}

// truncateRunes cuts s to at most n characters.
func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
