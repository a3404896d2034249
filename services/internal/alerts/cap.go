package alerts

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	alertsv1 "github.com/engagehq/engage/api/gen/engage/alerts/v1"
	"github.com/engagehq/engage/services/internal/alerts/capxml"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/idempotent"
	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// GetAlertCap returns a sent alert (PUBLISHED, SUPERSEDED or CANCELLED)
// the caller may see as a CAP 1.2 document: NOT_FOUND for anything else,
// drafts included, since a draft has no CAP message yet.
func (s *alertServer) GetAlertCap(ctx context.Context, req *alertsv1.GetAlertCapRequest) (*httpbody.HttpBody, error) {
	agency, err := parseAlert("name", req.GetName())
	if err != nil {
		return nil, err
	}
	c, err := s.callerOf(ctx, agency)
	if err != nil {
		return nil, err
	}
	a, err := s.store.Alert(ctx, req.GetName())
	if err != nil {
		return nil, err
	}
	if !c.maySee(a) || !wasSent(a) {
		return nil, notFound("alert", req.GetName())
	}
	doc, err := capxml.Encode(a)
	if err != nil {
		return nil, err
	}
	return &httpbody.HttpBody{ContentType: capxml.ContentType, Data: doc}, nil
}

// wasSent reports whether a went out as a CAP message.
func wasSent(a *alertsv1.Alert) bool {
	switch a.GetState() {
	case alertsv1.Alert_STATE_PUBLISHED, alertsv1.Alert_STATE_SUPERSEDED, alertsv1.Alert_STATE_CANCELLED:
		return a.GetSendTime() != nil
	}
	return false
}

// ExportAtomFeed returns the Atom feed of the agency's active PUBLIC
// alerts, newest first, whoever asks: RESTRICTED alerts never appear in a
// feed, which is made to be passed on. Each entry shows the info block in
// the requested language (the first block when none is in it) and links
// to the alert's CAP document.
func (s *alertServer) ExportAtomFeed(ctx context.Context, req *alertsv1.ExportAtomFeedRequest) (*httpbody.HttpBody, error) {
	agency, err := parseAgency("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	if _, err := s.callerOf(ctx, agency); err != nil {
		return nil, err
	}
	now := s.now()
	all, err := s.store.ActiveAlerts(ctx, agencyName(agency), now)
	if err != nil {
		return nil, err
	}
	updated := now
	var entries []*alertsv1.Alert
	for _, a := range all {
		if a.GetScope() != alertsv1.Scope_SCOPE_PUBLIC || !activeAt(a, now) {
			continue
		}
		if len(entries) == 0 || a.GetSendTime().AsTime().After(updated) {
			updated = a.GetSendTime().AsTime()
		}
		entries = append(entries, localize(a, req.GetLanguageCode()))
	}
	self := strings.TrimRight(s.cfg.PublicURL, "/") + "/v1/" + req.GetParent() + "/alerts:atom"
	if l := req.GetLanguageCode(); l != "" {
		self += "?language_code=" + url.QueryEscape(l)
	}
	doc, err := capxml.Atom(capxml.FeedInfo{
		ID:        self,
		Title:     "Alerts of " + agency,
		Author:    agency,
		Self:      self,
		PublicURL: s.cfg.PublicURL,
		Updated:   updated,
	}, entries)
	if err != nil {
		return nil, err
	}
	return &httpbody.HttpBody{ContentType: capxml.AtomContentType, Data: doc}, nil
}

// ImportedLifetime is how long an imported info block without `expires`
// applies.
const ImportedLifetime = 24 * time.Hour

// defaultExpiry gives the info blocks of a without an expire time one
// ImportedLifetime after they take effect (now, when they have no
// effective time).
func defaultExpiry(a *alertsv1.Alert, now time.Time) {
	for _, in := range a.GetInfos() {
		if in.GetExpireTime() != nil {
			continue
		}
		from := now
		if in.GetEffectiveTime() != nil {
			from = in.GetEffectiveTime().AsTime()
		}
		in.ExpireTime = timestamppb.New(from.Add(ImportedLifetime))
	}
}

// ImportCapAlert takes a partner's CAP 1.2 message. It must be valid CAP
// (capxml.Decode; refusals are INVALID_ARGUMENT on cap_xml naming the
// element) and pass the checks of CreateAlert.
//
// The new alert keeps the document's identifier and sender, so that the
// partner's later UPDATE and CANCEL messages, which reference them, find
// it; an identifier already used in the agency is ALREADY_EXISTS. Its
// send time is not the document's sent: like every alert it is sent when
// this agency sends it (at once with `publish`, after approval for SEVERE
// and EXTREME ones, or when an author publishes the draft), and has none
// until then.
//
// An ALERT becomes a new alert. An UPDATE or CANCEL must reference (by
// sender and identifier, newest first) an alert of this agency, which must
// be published; it becomes the message that replaces it, with the
// references of the service's own UPDATE and CANCEL messages. A CANCEL
// without info blocks repeats those of the alert it cancels.
//
// CAP makes `expires` optional, but an alert that never expires would stay
// active for ever: an info block without one expires ImportedLifetime
// after it takes effect (its effective time, else the import).
//
// With `publish` the message is then published under the usual rules: an
// ALERT or UPDATE waits for approval when SEVERE or EXTREME, a CANCEL is
// sent at once as CancelAlert's is. Without it, it stays a draft.
func (s *alertServer) ImportCapAlert(ctx context.Context, req *alertsv1.ImportCapAlertRequest) (*alertsv1.Alert, error) {
	agency, err := parseAgency("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	c, err := s.callerOf(ctx, agency)
	if err != nil {
		return nil, err
	}
	doc, err := capxml.Decode([]byte(req.GetCapXml()))
	if err != nil {
		return nil, errs.Field("cap_xml", "%s", err)
	}
	defaultExpiry(doc, s.now())
	replacing := doc.GetMessageType() != alertsv1.MessageType_MESSAGE_TYPE_ALERT
	if replacing && len(doc.GetReferences()) == 0 {
		return nil, errs.Field("cap_xml", "references: an %s must reference the alert it replaces", capMsgType(doc))
	}
	if doc.GetMessageType() != alertsv1.MessageType_MESSAGE_TYPE_CANCEL || len(doc.GetInfos()) > 0 {
		// A CANCEL without info blocks is checked once it has the
		// cancelled alert's.
		if err := checkImported(doc); err != nil {
			return nil, err
		}
	}
	retry := s.retryOf(ctx, req.GetRequestId(), idempotent.Without(req, func(r *alertsv1.ImportCapAlertRequest) { r.RequestId = "" }))
	return s.change(ctx, retry, func(tx Tx) (*alertsv1.Alert, error) {
		if taken, err := tx.AlertByMessageID(agencyName(agency), doc.GetMessageId()); err == nil {
			return nil, errs.Public(errs.AlreadyExists, "the CAP identifier %q is already that of %s", doc.GetMessageId(), taken.GetName())
		} else if !errors.Is(err, errs.NotFound) {
			return nil, err
		}
		a := s.newDraft(agency, doc, c.principal.Name)
		a.MessageId, a.Sender, a.MessageType = doc.GetMessageId(), doc.GetSender(), doc.GetMessageType()
		if replacing {
			orig, err := s.referenced(tx, c, doc)
			if err != nil {
				return nil, err
			}
			if len(a.GetInfos()) == 0 {
				a.Infos = cloneInfos(orig.GetInfos())
				if err := checkImported(a); err != nil {
					return nil, err
				}
			}
			replace(a, orig, doc.GetMessageType())
		}
		if err := tx.Put(a); err != nil {
			return nil, err
		}
		switch {
		case !req.GetPublish():
			return a, nil
		case a.GetMessageType() == alertsv1.MessageType_MESSAGE_TYPE_CANCEL:
			a.Publisher = c.principal.Name
			return a, s.sendIn(tx, a, s.now())
		default:
			return a, s.publishIn(tx, a, c.principal.Name, s.now())
		}
	})
}

// referenced returns the alert of the caller's agency an imported UPDATE
// or CANCEL replaces: the newest of its references whose sender and
// identifier are an alert's of the agency, which must be published.
func (s *Service) referenced(tx Tx, c caller, doc *alertsv1.Alert) (*alertsv1.Alert, error) {
	refs := doc.GetReferences()
	for i := len(refs) - 1; i >= 0; i-- {
		parts := strings.SplitN(refs[i], ",", 3)
		if len(parts) != 3 {
			continue
		}
		a, err := tx.AlertByMessageID(agencyName(c.agency), parts[1])
		if errors.Is(err, errs.NotFound) || (err == nil && a.GetSender() != parts[0]) {
			continue
		}
		if err != nil {
			return nil, err
		}
		how := "updated"
		if doc.GetMessageType() == alertsv1.MessageType_MESSAGE_TYPE_CANCEL {
			how = "cancelled"
		}
		return s.replaceable(tx, c, a.GetName(), how)
	}
	return nil, errs.Field("cap_xml", "references: none of the messages this %s references is an alert of agencies/%s", capMsgType(doc), c.agency)
}

// capMsgType is a message's CAP msgType, for errors.
func capMsgType(a *alertsv1.Alert) string {
	return strings.TrimPrefix(a.GetMessageType().String(), "MESSAGE_TYPE_")
}

// checkImported runs CreateAlert's checks on an imported message; a
// violation is reported on cap_xml, naming the CAP element (e.g.
// "info[0]/expires: is required") rather than the Alert field.
func checkImported(a *alertsv1.Alert) error {
	err := checkAlert(a, "cap_xml")
	var bad *errs.BadRequestError
	if err == nil || !errors.As(err, &bad) {
		return err
	}
	out := &errs.BadRequestError{}
	for _, v := range bad.Violations {
		out.Violations = append(out.Violations, errs.FieldViolation{
			Field:       "cap_xml",
			Description: fmt.Sprintf("%s: %s", capPath(strings.TrimPrefix(v.Field, "cap_xml.")), v.Description),
		})
	}
	return out
}

// capElements names the CAP element of each Alert field whose name
// differs.
var capElements = map[string]string{
	"infos":          "info",
	"language_code":  "language",
	"categories":     "category",
	"response_types": "responseType",
	"effective_time": "effective",
	"onset_time":     "onset",
	"expire_time":    "expires",
	"sender_name":    "senderName",
	"areas":          "area",
	"polygons":       "polygon",
	"points":         "point",
	"circles":        "circle",
	"geocodes":       "geocode",
	"value_name":     "valueName",
	"radius_km":      "radius",
}

var pathSegment = regexp.MustCompile(`^([a-z_]+)(\[\d+\])?$`)

// capPath turns an Alert field path, e.g. "infos[0].areas[1].description",
// into the CAP element path, "info[0]/area[1]/areaDesc".
func capPath(field string) string {
	segs := strings.Split(field, ".")
	for i, seg := range segs {
		m := pathSegment.FindStringSubmatch(seg)
		if m == nil {
			continue
		}
		name := m[1]
		if n, ok := capElements[name]; ok {
			name = n
		} else if name == "description" && i > 0 && strings.HasPrefix(segs[i-1], "areas") {
			name = "areaDesc"
		}
		segs[i] = name + m[2]
	}
	return strings.Join(segs, "/")
}
