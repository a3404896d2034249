package feedback

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/url"
	"time"

	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	"github.com/engagehq/engage/services/internal/audit"
	"github.com/engagehq/engage/services/internal/auth"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/ids"
)

// createContactEventMethod is the full gRPC method of CreateContactEvent,
// as its suppression audit events name it.
const createContactEventMethod = "/engage.feedback.v1.SurveyService/CreateContactEvent"

// Why a contact gets no invitation.
const (
	reasonSensitive = "contacts about domestic violence or sexual assault are never surveyed"
	reasonOngoing   = "the call is still in progress"
)

// suppression returns why a contact must not be surveyed, or "".
func suppression(e *feedbackv1.ContactEvent) string {
	switch e.GetContactType() {
	case feedbackv1.ContactEvent_CONTACT_TYPE_DOMESTIC_VIOLENCE, feedbackv1.ContactEvent_CONTACT_TYPE_SEXUAL_ASSAULT:
		return reasonSensitive
	}
	if e.GetOngoing() {
		return reasonOngoing
	}
	return ""
}

// mayReadContacts reports whether p reads agency's contact events.
func mayReadContacts(p auth.Principal, agency string) bool {
	return p.Kind == auth.Service || ((p.Kind == auth.Account || p.Kind == auth.Partner) &&
		p.HasRole(agency, accessv1.Role_ROLE_ANALYST, accessv1.Role_ROLE_CONTACT_REPORTER))
}

// CreateContactEvent records a contact reported by a partner and issues an
// invitation to the agency's post-contact survey, unless the contact is
// of a suppressed type or still in progress: then no invitation exists
// and the suppression is audited. The invitation is stored by a hash of
// its token with no link to the event, so that no one can tell which
// contact answered.
func (s *surveyServer) CreateContactEvent(ctx context.Context, req *feedbackv1.CreateContactEventRequest) (*feedbackv1.ContactEvent, error) {
	agency, err := parseSurveyAgency("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	p := auth.FromContext(ctx)
	if p.Kind == auth.Anonymous || !p.HasRole(agency, accessv1.Role_ROLE_CONTACT_REPORTER) {
		return nil, surveyNotFound(req.GetParent())
	}
	in := req.GetContactEvent()
	if in == nil {
		return nil, errs.Field("contact_event", "is required")
	}
	sk, err := parseSurvey("contact_event.survey", in.GetSurvey())
	if err != nil {
		return nil, err
	}
	if sk.Agency != agency {
		return nil, errs.Field("contact_event.survey", "must be a survey of %s", req.GetParent())
	}
	typ := in.GetContactType()
	if _, ok := feedbackv1.ContactEvent_ContactType_name[int32(typ)]; !ok || typ == feedbackv1.ContactEvent_CONTACT_TYPE_UNSPECIFIED {
		return nil, errs.Field("contact_event.contact_type", "must be a known contact type")
	}
	if a := in.GetArea(); a != "" && !surveyArea.MatchString(a) {
		return nil, errs.Field("contact_event.area", "must be 1 to 40 lowercase letters, digits, _ and -")
	}
	now := s.now()
	e := ContactEvent{
		Agency: agency, ID: ids.New(), Survey: sk.Survey, ContactType: typ, Ongoing: in.GetOngoing(),
		Area: in.GetArea(), Reporter: p.Name, CreateTime: now,
	}
	retry := Retry{Caller: p.Name, ID: req.GetRequestId(), Time: now, Fingerprint: requestFingerprint("contact", req.GetRequestId(), req)}
	var inv *Invitation
	var token string
	if reason := suppression(in); reason != "" {
		e.Outcome, e.SuppressionReason = feedbackv1.ContactEvent_OUTCOME_SUPPRESSED, reason
	} else {
		token = invitationToken()
		// Rounded up to the hour, so that the invitation's expiry matches
		// every contact of its survey and area in that hour.
		expire := now.Add(s.cfg.InvitationTTL).Truncate(time.Hour).Add(time.Hour)
		e.Outcome, e.InvitationExpireTime = feedbackv1.ContactEvent_OUTCOME_INVITED, expire
		inv = &Invitation{Token: token, Agency: agency, Survey: sk.Survey, Area: e.Area, ExpireTime: expire}
		if retry.ID != "" {
			retry.Sealed = seal("contact", retry.ID, []byte(token))
		}
	}
	got, sealed, err := s.store.CreateContactEvent(ctx, e, inv, retry, func(sv Survey) error {
		if sv.Kind != feedbackv1.Survey_KIND_POST_CONTACT {
			return errs.Field("contact_event.survey", "must be a post-contact survey")
		}
		if sv.State != feedbackv1.Survey_STATE_OPEN {
			return errSurveyNotOpen
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("create contact event: %w", err)
	}
	out := contactToProto(got)
	if got.ID != e.ID && got.Outcome == feedbackv1.ContactEvent_OUTCOME_INVITED {
		// A retry: the token comes back from its sealed copy.
		plain, err := unseal("contact", req.GetRequestId(), sealed)
		if err != nil {
			return nil, fmt.Errorf("create contact event: retry: %w", err)
		}
		token = string(plain)
	}
	if got.Outcome == feedbackv1.ContactEvent_OUTCOME_SUPPRESSED {
		if err := s.auditSuppression(ctx, p, got); err != nil {
			return nil, err
		}
		return out, nil
	}
	out.InvitationToken, out.InvitationUri = token, s.invitationURI(SurveyKey{Agency: agency, Survey: got.Survey}, token)
	return out, nil
}

// auditSuppression records that a contact got no invitation. The answer
// waits for the event to be durable: a suppression must never go
// unrecorded.
func (s *Service) auditSuppression(ctx context.Context, p auth.Principal, e ContactEvent) error {
	s.log.InfoContext(ctx, "survey invitation suppressed", "contact_event", e.Key().Name(), "reason", e.SuppressionReason)
	if s.audit == nil {
		return nil
	}
	err := s.audit.Record(ctx, audit.Event{
		Agency: e.Agency, Actor: p.Name, Method: createContactEventMethod, Resource: e.Key().Name(),
		Outcome: "SUPPRESSED", Time: s.now().UTC(), CorrelationID: audit.CorrelationID(ctx), Service: "feedback",
	})
	if err != nil {
		return fmt.Errorf("audit suppressed invitation %s: %v: %w", e.Key().Name(), err, errs.Unavailable)
	}
	return nil
}

// invitationURI is the link the partner sends: Config.SurveyURL with the
// token as its `token` query parameter or, when SurveyURL is empty, the
// survey's path on the deployment's own origin (`/agencies/{a}/surveys/{s}`),
// which the resident web app serves.
func (s *Service) invitationURI(sk SurveyKey, token string) string {
	base := s.cfg.SurveyURL
	if base == "" {
		base = "/" + sk.Name()
	}
	u, err := url.Parse(base)
	if err != nil {
		return base + "?token=" + url.QueryEscape(token)
	}
	q := u.Query()
	q.Set("token", token)
	u.RawQuery = q.Encode()
	return u.String()
}

// invitationToken returns 32 random bytes in unpadded base64url.
func invitationToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand panics instead)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// GetContactEvent returns a contact event, without its token.
func (s *surveyServer) GetContactEvent(ctx context.Context, req *feedbackv1.GetContactEventRequest) (*feedbackv1.ContactEvent, error) {
	k, err := parseContactEvent("name", req.GetName())
	if err != nil {
		return nil, err
	}
	if !mayReadContacts(auth.FromContext(ctx), k.Agency) {
		return nil, surveyNotFound(req.GetName())
	}
	e, err := s.store.ContactEvent(ctx, k)
	if err != nil {
		return nil, fmt.Errorf("get contact event: %w", err)
	}
	return contactToProto(e), nil
}

// ListContactEvents lists contact events newest first, without tokens.
func (s *surveyServer) ListContactEvents(ctx context.Context, req *feedbackv1.ListContactEventsRequest) (*feedbackv1.ListContactEventsResponse, error) {
	agency, err := parseSurveyAgency("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	if !mayReadContacts(auth.FromContext(ctx), agency) {
		return nil, surveyNotFound(req.GetParent())
	}
	scope := "contactEvents:" + agency
	page, err := readSurveyPage(scope, req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	list, next, err := s.store.ListContactEvents(ctx, agency, page)
	if err != nil {
		return nil, fmt.Errorf("list contact events: %w", err)
	}
	resp := &feedbackv1.ListContactEventsResponse{NextPageToken: nextSurveyToken(scope, next)}
	for _, e := range list {
		resp.ContactEvents = append(resp.ContactEvents, contactToProto(e))
	}
	return resp, nil
}
