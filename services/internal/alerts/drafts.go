package alerts

import (
	"context"
	"fmt"

	alertsv1 "github.com/engagehq/engage/api/gen/engage/alerts/v1"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/etag"
	"github.com/engagehq/engage/services/internal/fieldmask"
	"github.com/engagehq/engage/services/internal/idempotent"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// CreateAlert creates a draft: the content the author sent (status, scope,
// restriction, note, infos), a new name and CAP identifier, the agency's
// sender, message type ALERT, and the author.
func (s *alertServer) CreateAlert(ctx context.Context, req *alertsv1.CreateAlertRequest) (*alertsv1.Alert, error) {
	agency, err := parseAgency("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	c, err := s.callerOf(ctx, agency)
	if err != nil {
		return nil, err
	}
	if err := checkAlert(req.GetAlert(), "alert"); err != nil {
		return nil, err
	}
	a := s.newDraft(agency, req.GetAlert(), c.principal.Name)
	a.MessageType = alertsv1.MessageType_MESSAGE_TYPE_ALERT
	retry := s.retryOf(ctx, req.GetRequestId(), idempotent.Without(req, func(r *alertsv1.CreateAlertRequest) { r.RequestId = "" }))
	return s.change(ctx, retry, func(tx Tx) (*alertsv1.Alert, error) {
		d := proto.Clone(a).(*alertsv1.Alert)
		return d, tx.Put(d)
	})
}

// newDraft returns a new DRAFT of agency (an id) with the content of in
// (status, scope, restriction, note, infos), written by author, with a new
// name and CAP identifier, created now; the caller sets its message type
// and what it replaces.
func (s *Service) newDraft(agency string, in *alertsv1.Alert, author string) *alertsv1.Alert {
	name, messageID := newAlertName(agency)
	now := timestamppb.New(s.now())
	a := &alertsv1.Alert{
		Name:       name,
		State:      alertsv1.Alert_STATE_DRAFT,
		MessageId:  messageID,
		Sender:     s.sender(agency),
		Author:     author,
		CreateTime: now,
		UpdateTime: now,
	}
	setContent(a, in)
	return a
}

// setContent copies the content an author writes (status, scope,
// restriction, note, infos) from in to a.
func setContent(a, in *alertsv1.Alert) {
	a.Status, a.Scope, a.Restriction, a.Note = in.GetStatus(), in.GetScope(), in.GetRestriction(), in.GetNote()
	a.Infos = cloneInfos(in.GetInfos())
}

// cloneInfos returns a deep copy of infos.
func cloneInfos(infos []*alertsv1.Info) []*alertsv1.Info {
	out := make([]*alertsv1.Info, 0, len(infos))
	for _, in := range infos {
		out = append(out, proto.Clone(in).(*alertsv1.Info))
	}
	return out
}

// UpdateAlert changes a draft, or a rejected alert, which becomes a draft
// again without its rejection. The mask names the fields to change among
// status, scope, restriction, note and infos (`*` for all); without one,
// those the request sets. The etag and output-only fields may be named and
// are ignored; an update that changes nothing is refused (see fieldmask).
func (s *alertServer) UpdateAlert(ctx context.Context, req *alertsv1.UpdateAlertRequest) (*alertsv1.Alert, error) {
	in := req.GetAlert()
	agency, err := parseAlert("alert.name", in.GetName())
	if err != nil {
		return nil, err
	}
	c, err := s.callerOf(ctx, agency)
	if err != nil {
		return nil, err
	}
	u, err := fieldmask.Resolve(req.GetUpdateMask(), in, updatable)
	if err != nil {
		return nil, err
	}
	return s.change(ctx, Retry{}, func(tx Tx) (*alertsv1.Alert, error) {
		a, err := tx.Alert(in.GetName())
		if err != nil {
			return nil, err
		}
		if !c.maySee(a) {
			return nil, notFound("alert", in.GetName())
		}
		if st := a.GetState(); st != alertsv1.Alert_STATE_DRAFT && st != alertsv1.Alert_STATE_REJECTED {
			return nil, errs.Public(errs.FailedPrecondition, "only a draft or a rejected alert can be changed; this one is %s: update or cancel it instead", stateWord(st))
		}
		if err := etag.CheckCurrent("alert.etag", in.GetEtag(), a.GetEtag()); err != nil {
			return nil, err
		}
		if err := u.CheckImmutable(in, func() proto.Message { return a }); err != nil {
			return nil, err
		}
		fieldmask.Copy(a, in, u.Paths)
		if err := checkAlert(a, "alert"); err != nil {
			return nil, err
		}
		a.State, a.RejectionReason, a.Publisher = alertsv1.Alert_STATE_DRAFT, "", ""
		a.UpdateTime = timestamppb.New(s.now())
		return a, tx.Put(a)
	})
}

// updatable are the fields UpdateAlert changes.
var updatable = []string{"status", "scope", "restriction", "note", "infos"}

// DeleteAlert deletes a draft or a rejected alert for good and returns it.
func (s *alertServer) DeleteAlert(ctx context.Context, req *alertsv1.DeleteAlertRequest) (*alertsv1.Alert, error) {
	agency, err := parseAlert("name", req.GetName())
	if err != nil {
		return nil, err
	}
	c, err := s.callerOf(ctx, agency)
	if err != nil {
		return nil, err
	}
	return s.change(ctx, Retry{}, func(tx Tx) (*alertsv1.Alert, error) {
		a, err := tx.Alert(req.GetName())
		if err != nil {
			return nil, err
		}
		if !c.maySee(a) {
			return nil, notFound("alert", req.GetName())
		}
		if st := a.GetState(); st != alertsv1.Alert_STATE_DRAFT && st != alertsv1.Alert_STATE_REJECTED {
			return nil, errs.Public(errs.FailedPrecondition, "only a draft or a rejected alert can be deleted; this one is %s: cancel it instead", stateWord(st))
		}
		if err := etag.CheckCurrent("etag", req.GetEtag(), a.GetEtag()); err != nil {
			return nil, err
		}
		return a, tx.Delete(a.GetName())
	})
}

// stateWord names a state in an error message.
func stateWord(st alertsv1.Alert_State) string {
	switch st {
	case alertsv1.Alert_STATE_DRAFT:
		return "a draft"
	case alertsv1.Alert_STATE_PENDING_APPROVAL:
		return "awaiting approval"
	case alertsv1.Alert_STATE_REJECTED:
		return "rejected"
	case alertsv1.Alert_STATE_PUBLISHED:
		return "published"
	case alertsv1.Alert_STATE_SUPERSEDED:
		return "superseded by an update"
	case alertsv1.Alert_STATE_CANCELLED:
		return "cancelled"
	}
	return fmt.Sprintf("in state %d", st)
}
