package alerts

import (
	"context"
	"fmt"
	"time"

	alertsv1 "github.com/engagehq/engage/api/gen/engage/alerts/v1"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/etag"
	"github.com/engagehq/engage/services/internal/idempotent"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// A message is sent by sendIn, and only there: it enters PUBLISHED and is
// appended to the stream log in the same transaction, and the message it
// replaces, if any, leaves PUBLISHED in that transaction too. publishIn
// decides between sending and waiting for approval.

// PublishAlert sends a draft, or puts it before an approver when any info
// block is SEVERE or EXTREME. A retry with the same request_id returns the
// alert as it is now and sends nothing.
func (s *alertServer) PublishAlert(ctx context.Context, req *alertsv1.PublishAlertRequest) (*alertsv1.Alert, error) {
	agency, err := parseAlert("name", req.GetName())
	if err != nil {
		return nil, err
	}
	c, err := s.callerOf(ctx, agency)
	if err != nil {
		return nil, err
	}
	retry := s.retryOf(ctx, req.GetRequestId(), idempotent.Without(req, func(r *alertsv1.PublishAlertRequest) { r.RequestId = "" }))
	return s.change(ctx, retry, func(tx Tx) (*alertsv1.Alert, error) {
		a, err := s.readFor(tx, c, req.GetName())
		if err != nil {
			return nil, err
		}
		if a.GetState() != alertsv1.Alert_STATE_DRAFT {
			return nil, errs.Public(errs.FailedPrecondition, "only a draft can be published; this one is %s", stateWord(a.GetState()))
		}
		if err := etag.CheckCurrent("etag", req.GetEtag(), a.GetEtag()); err != nil {
			return nil, err
		}
		return a, s.publishIn(tx, a, c.principal.Name, s.now())
	})
}

// ApproveAlert sends an alert awaiting approval. The approver must be
// someone other than its author and its publisher, and must have read it
// as it is (its etag).
func (s *alertServer) ApproveAlert(ctx context.Context, req *alertsv1.ApproveAlertRequest) (*alertsv1.Alert, error) {
	agency, err := parseAlert("name", req.GetName())
	if err != nil {
		return nil, err
	}
	c, err := s.callerOf(ctx, agency)
	if err != nil {
		return nil, err
	}
	retry := s.retryOf(ctx, req.GetRequestId(), idempotent.Without(req, func(r *alertsv1.ApproveAlertRequest) { r.RequestId = "" }))
	return s.change(ctx, retry, func(tx Tx) (*alertsv1.Alert, error) {
		a, err := s.readFor(tx, c, req.GetName())
		if err != nil {
			return nil, err
		}
		if a.GetState() != alertsv1.Alert_STATE_PENDING_APPROVAL {
			return nil, errs.Public(errs.FailedPrecondition, "only an alert awaiting approval can be approved; this one is %s", stateWord(a.GetState()))
		}
		if by := c.principal.Name; by == a.GetAuthor() || by == a.GetPublisher() {
			return nil, errs.Public(errs.PermissionDenied, "a second person must approve: you wrote this alert or asked to publish it")
		}
		if err := etag.CheckCurrent("etag", req.GetEtag(), a.GetEtag()); err != nil {
			return nil, err
		}
		a.Approver = c.principal.Name
		return a, s.sendIn(tx, a, s.now())
	})
}

// RejectAlert sends an alert awaiting approval back to its author with
// the reason; they may change it and publish it again.
func (s *alertServer) RejectAlert(ctx context.Context, req *alertsv1.RejectAlertRequest) (*alertsv1.Alert, error) {
	agency, err := parseAlert("name", req.GetName())
	if err != nil {
		return nil, err
	}
	c, err := s.callerOf(ctx, agency)
	if err != nil {
		return nil, err
	}
	return s.change(ctx, Retry{}, func(tx Tx) (*alertsv1.Alert, error) {
		a, err := s.readFor(tx, c, req.GetName())
		if err != nil {
			return nil, err
		}
		if a.GetState() != alertsv1.Alert_STATE_PENDING_APPROVAL {
			return nil, errs.Public(errs.FailedPrecondition, "only an alert awaiting approval can be rejected; this one is %s", stateWord(a.GetState()))
		}
		if err := etag.CheckCurrent("etag", req.GetEtag(), a.GetEtag()); err != nil {
			return nil, err
		}
		a.State, a.RejectionReason = alertsv1.Alert_STATE_REJECTED, req.GetReason()
		a.UpdateTime = timestamppb.New(s.now())
		return a, tx.Put(a)
	})
}

// SupersedeAlert replaces a published alert with a CAP UPDATE message
// carrying the request's content, published under the usual rules: a
// SEVERE or EXTREME update waits for approval, and the original stays
// active until the update is sent.
func (s *alertServer) SupersedeAlert(ctx context.Context, req *alertsv1.SupersedeAlertRequest) (*alertsv1.Alert, error) {
	agency, err := parseAlert("name", req.GetName())
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
	retry := s.retryOf(ctx, req.GetRequestId(), idempotent.Without(req, func(r *alertsv1.SupersedeAlertRequest) { r.RequestId = "" }))
	return s.change(ctx, retry, func(tx Tx) (*alertsv1.Alert, error) {
		orig, err := s.replaceable(tx, c, req.GetName(), "updated")
		if err != nil {
			return nil, err
		}
		a := s.newDraft(agency, req.GetAlert(), c.principal.Name)
		replace(a, orig, alertsv1.MessageType_MESSAGE_TYPE_UPDATE)
		if err := tx.Put(a); err != nil {
			return nil, err
		}
		return a, s.publishIn(tx, a, c.principal.Name, s.now())
	})
}

// CancelAlert withdraws a published alert with a CAP CANCEL message, sent
// at once: withdrawing a wrong alert never waits for approval. The cancel
// message repeats the original's content, with the reason as its note.
func (s *alertServer) CancelAlert(ctx context.Context, req *alertsv1.CancelAlertRequest) (*alertsv1.Alert, error) {
	agency, err := parseAlert("name", req.GetName())
	if err != nil {
		return nil, err
	}
	c, err := s.callerOf(ctx, agency)
	if err != nil {
		return nil, err
	}
	retry := s.retryOf(ctx, req.GetRequestId(), idempotent.Without(req, func(r *alertsv1.CancelAlertRequest) { r.RequestId = "" }))
	return s.change(ctx, retry, func(tx Tx) (*alertsv1.Alert, error) {
		orig, err := s.replaceable(tx, c, req.GetName(), "cancelled")
		if err != nil {
			return nil, err
		}
		a := s.newDraft(agency, orig, c.principal.Name)
		a.Note = req.GetReason()
		replace(a, orig, alertsv1.MessageType_MESSAGE_TYPE_CANCEL)
		a.Publisher = c.principal.Name
		if err := tx.Put(a); err != nil {
			return nil, err
		}
		return a, s.sendIn(tx, a, s.now())
	})
}

// readFor reads an alert in tx for the caller: NOT_FOUND when it does not
// exist or they may not see it.
func (s *Service) readFor(tx Tx, c caller, name string) (*alertsv1.Alert, error) {
	a, err := tx.Alert(name)
	if err != nil {
		return nil, err
	}
	if !c.maySee(a) {
		return nil, notFound("alert", name)
	}
	return a, nil
}

// replaceable reads the published alert an UPDATE or CANCEL replaces
// (how says which, for the error).
func (s *Service) replaceable(tx Tx, c caller, name, how string) (*alertsv1.Alert, error) {
	orig, err := s.readFor(tx, c, name)
	if err != nil {
		return nil, err
	}
	if orig.GetState() != alertsv1.Alert_STATE_PUBLISHED {
		return nil, errs.Public(errs.FailedPrecondition, "only a published alert can be %s; this one is %s", how, stateWord(orig.GetState()))
	}
	return orig, nil
}

// replace makes a, a new draft, the UPDATE or CANCEL message (typ) of
// orig: it replaces orig and references what orig referenced and orig
// itself, oldest first, as CAP requires.
func replace(a, orig *alertsv1.Alert, typ alertsv1.MessageType) {
	a.MessageType = typ
	a.Replaces = orig.GetName()
	a.References = append(append([]string(nil), orig.GetReferences()...), capReference(orig))
}

// publishIn asks to publish a, a DRAFT just Put or read in tx, on behalf
// of by (a principal name) at now: it waits in PENDING_APPROVAL when any
// info block is SEVERE or EXTREME, and is sent otherwise (see sendIn). a
// is Put either way.
func (s *Service) publishIn(tx Tx, a *alertsv1.Alert, by string, now time.Time) error {
	a.Publisher = by
	a.Approver = ""
	if needsApproval(a) {
		a.State = alertsv1.Alert_STATE_PENDING_APPROVAL
		a.UpdateTime = timestamppb.New(now)
		return tx.Put(a)
	}
	return s.sendIn(tx, a, now)
}

// sendIn sends a at now: it enters PUBLISHED with its send time, is Put and
// appended to the stream log (PUBLISHED, UPDATED or CANCELLED by its
// message type). The alert an UPDATE or CANCEL replaces becomes SUPERSEDED
// or CANCELLED, naming a as its replacement; FAILED_PRECONDITION when it
// is no longer PUBLISHED (replaced meanwhile). An info block without an
// effective time is in effect from the send time, as CAP says; it is left
// empty.
func (s *Service) sendIn(tx Tx, a *alertsv1.Alert, now time.Time) error {
	typ := alertsv1.StreamAlertsResponse_EVENT_TYPE_PUBLISHED
	if a.GetReplaces() != "" {
		orig, err := tx.Alert(a.GetReplaces())
		if err != nil {
			return fmt.Errorf("alert %s replaces %s: %w", a.GetName(), a.GetReplaces(), err)
		}
		if orig.GetState() != alertsv1.Alert_STATE_PUBLISHED {
			return errs.Public(errs.FailedPrecondition, "the alert this message replaces is %s already", stateWord(orig.GetState()))
		}
		orig.State, typ = alertsv1.Alert_STATE_SUPERSEDED, alertsv1.StreamAlertsResponse_EVENT_TYPE_UPDATED
		if a.GetMessageType() == alertsv1.MessageType_MESSAGE_TYPE_CANCEL {
			orig.State, typ = alertsv1.Alert_STATE_CANCELLED, alertsv1.StreamAlertsResponse_EVENT_TYPE_CANCELLED
		}
		orig.Replacement = a.GetName()
		orig.UpdateTime = timestamppb.New(now)
		if err := tx.Put(orig); err != nil {
			return err
		}
	}
	a.State = alertsv1.Alert_STATE_PUBLISHED
	a.SendTime = timestamppb.New(now)
	a.UpdateTime = a.GetSendTime()
	if err := tx.Put(a); err != nil {
		return err
	}
	seq, err := tx.Send(typ, a)
	if err != nil {
		return err
	}
	s.log.Info("alert sent", "alert", a.GetName(), "event", typ.String(), "status", a.GetStatus().String(), "seq", seq)
	return nil
}

// capReference is a sent message's CAP reference: `sender,identifier,sent`.
func capReference(a *alertsv1.Alert) string {
	return a.GetSender() + "," + a.GetMessageId() + "," + capDateTime(a.GetSendTime().AsTime())
}

// capDateTime formats t as a CAP 1.2 dateTime: seconds, and a numeric
// offset, never "Z" (UTC is "-00:00", as CAP requires).
func capDateTime(t time.Time) string {
	t = t.UTC().Truncate(time.Second)
	return t.Format("2006-01-02T15:04:05") + "-00:00"
}
