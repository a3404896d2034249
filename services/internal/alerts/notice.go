package alerts

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"

	alertsv1 "github.com/engagehq/engage/api/gen/engage/alerts/v1"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// What a staff notice is, in CAP terms.
const (
	// NoticeLifetime is how long a staff notice stays active.
	NoticeLifetime = 7 * 24 * time.Hour
	// noticeRestriction is the CAP restriction of staff notices.
	noticeRestriction = "The agency's staff only"
	// noticeJurisdiction describes the area of a notice about the whole
	// jurisdiction (an area without shapes covers it).
	noticeJurisdiction = "The agency's jurisdiction"
	// noticeCategory: what other services report (a Trust Index drop) is
	// no public-safety hazard, which CAP's SAFETY category is for; OTHER
	// keeps notices apart from real alerts in every category filter.
	noticeCategory = alertsv1.Category_CATEGORY_OTHER
	// noticeUrgency: staff should act in the near future, not within the
	// hour.
	noticeUrgency = alertsv1.Urgency_URGENCY_FUTURE
	// noticeCertainty: a service reports what it measured.
	noticeCertainty = alertsv1.Certainty_CERTAINTY_OBSERVED
	// noticeResponse: staff are to evaluate the information.
	noticeResponse = alertsv1.ResponseType_RESPONSE_TYPE_ASSESS
)

// The limits of RaiseStaffNoticeRequest's fields, as the contract states
// them.
const (
	maxNoticeEvent       = 200
	maxNoticeHeadline    = 160
	maxNoticeDescription = 10000
	maxNoticeArea        = 500
)

// RaiseStaffNotice raises a staff-only notice for another Engage service:
// a RESTRICTED alert of status ACTUAL with one info block (category OTHER,
// severity MINOR, urgency FUTURE, certainty OBSERVED, response ASSESS)
// about the given area or the whole jurisdiction, expiring after
// NoticeLifetime, and sent at once. MINOR never needs approval; nobody is
// there to give it.
//
// The request id is required and identifies the notice: a retry returns
// the notice the first call raised, even when its text changed since (the
// figures of a Trust Index drop move with every answer), unless it names
// another agency or event, which is INVALID_ARGUMENT.
func (s *alertServer) RaiseStaffNotice(ctx context.Context, req *alertsv1.RaiseStaffNoticeRequest) (*alertsv1.Alert, error) {
	agency, err := parseAgency("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	if err := checkNotice(req); err != nil {
		return nil, err
	}
	c, err := s.callerOf(ctx, agency)
	if err != nil {
		return nil, err
	}
	now := s.now()
	area := strings.TrimSpace(req.GetArea())
	if area == "" {
		area = noticeJurisdiction
	}
	a := s.newDraft(agency, &alertsv1.Alert{
		Status:      alertsv1.Status_STATUS_ACTUAL,
		Scope:       alertsv1.Scope_SCOPE_RESTRICTED,
		Restriction: noticeRestriction,
		Infos: []*alertsv1.Info{{
			Categories:    []alertsv1.Category{noticeCategory},
			Event:         strings.TrimSpace(req.GetEvent()),
			ResponseTypes: []alertsv1.ResponseType{noticeResponse},
			Urgency:       noticeUrgency,
			Severity:      alertsv1.Severity_SEVERITY_MINOR,
			Certainty:     noticeCertainty,
			Headline:      strings.TrimSpace(req.GetHeadline()),
			Description:   strings.TrimSpace(req.GetDescription()),
			ExpireTime:    timestamppb.New(now.Add(NoticeLifetime)),
			Areas:         []*alertsv1.Area{{Description: area}},
		}},
	}, c.principal.Name)
	a.MessageType = alertsv1.MessageType_MESSAGE_TYPE_ALERT
	if err := checkAlert(a, "notice"); err != nil {
		return nil, fmt.Errorf("staff notice of %s: %v", req.GetParent(), err) // checkNotice lets nothing through that fails here
	}
	retry := s.retryOf(ctx, req.GetRequestId(), &alertsv1.RaiseStaffNoticeRequest{Parent: req.GetParent(), Event: req.GetEvent()})
	out, err := s.change(ctx, retry, func(tx Tx) (*alertsv1.Alert, error) {
		if err := tx.Put(a); err != nil {
			return nil, err
		}
		return a, s.publishIn(tx, a, c.principal.Name, now)
	})
	if err != nil {
		return nil, fmt.Errorf("raise staff notice in %s: %w", req.GetParent(), err)
	}
	return out, nil
}

// checkNotice checks a notice request's fields, as protovalidate does
// before the handler runs, naming the first one it refuses.
func checkNotice(req *alertsv1.RaiseStaffNoticeRequest) error {
	for _, f := range []struct {
		field, value string
		required     bool
		max          int
	}{
		{"event", req.GetEvent(), true, maxNoticeEvent},
		{"headline", req.GetHeadline(), true, maxNoticeHeadline},
		{"description", req.GetDescription(), false, maxNoticeDescription},
		{"area", req.GetArea(), false, maxNoticeArea},
	} {
		switch {
		case f.required && strings.TrimSpace(f.value) == "":
			return errs.Field(f.field, "is required")
		case len([]rune(f.value)) > f.max:
			return errs.Field(f.field, "must be at most %d characters", f.max)
		case f.field != "description" && strings.ContainsFunc(f.value, unicode.IsControl):
			return errs.Field(f.field, "must not contain control characters")
		}
	}
	if req.GetRequestId() == "" {
		return errs.Field("request_id", "is required: the same notice must be raised once")
	}
	if _, err := uuid.Parse(req.GetRequestId()); err != nil {
		return errs.Field("request_id", "must be a UUID")
	}
	return nil
}
