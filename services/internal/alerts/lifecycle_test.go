package alerts_test

import (
	"testing"
	"time"

	alertsv1 "github.com/engagehq/engage/api/gen/engage/alerts/v1"
	"google.golang.org/grpc/codes"
)

func TestLifecycleMinorAlertIsSentAtOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := e.create(t, e.author(), content(alertsv1.Severity_SEVERITY_MODERATE, start))
	if d.GetState() != alertsv1.Alert_STATE_DRAFT || d.GetMessageType() != alertsv1.MessageType_MESSAGE_TYPE_ALERT ||
		d.GetAuthor() != e.author().name() || d.GetSender() != "metro@engage.example.org" || d.GetMessageId() == "" || d.GetEtag() == "" {
		t.Fatalf("draft = %v", d)
	}
	if len(e.events(t)) != 0 {
		t.Fatal("a draft was sent")
	}
	e.clock.Advance(time.Minute)
	p, err := e.alerts.PublishAlert(e.author().ctx(t), &alertsv1.PublishAlertRequest{Name: d.GetName(), Etag: d.GetEtag()})
	must(t, "PublishAlert", err)
	if p.GetState() != alertsv1.Alert_STATE_PUBLISHED || !p.GetSendTime().AsTime().Equal(e.clock.Now()) || p.GetPublisher() != e.author().name() {
		t.Fatalf("published = %v", p)
	}
	es := e.events(t)
	if len(es) != 1 || es[0].Type != alertsv1.StreamAlertsResponse_EVENT_TYPE_PUBLISHED || es[0].Alert.GetName() != d.GetName() {
		t.Fatalf("events after publishing = %v", es)
	}
	// Publishing again, without the same request id, is refused.
	_, err = e.alerts.PublishAlert(e.author().ctx(t), &alertsv1.PublishAlertRequest{Name: d.GetName()})
	wantCode(t, "publishing a published alert", err, codes.FailedPrecondition)
	// A sent alert is neither changed nor deleted.
	_, err = e.alerts.UpdateAlert(e.author().ctx(t), &alertsv1.UpdateAlertRequest{Alert: &alertsv1.Alert{Name: d.GetName(), Note: "x"}})
	wantCode(t, "updating a published alert", err, codes.FailedPrecondition)
	_, err = e.alerts.DeleteAlert(e.author().ctx(t), &alertsv1.DeleteAlertRequest{Name: d.GetName()})
	wantCode(t, "deleting a published alert", err, codes.FailedPrecondition)
}

func TestLifecyclePublishRetrySendsOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := e.create(t, e.author(), content(alertsv1.Severity_SEVERITY_MINOR, start))
	req := &alertsv1.PublishAlertRequest{Name: d.GetName(), RequestId: "3f0e9a4c-8d1b-4c5e-9f2a-6b7c8d9e0f1a"}
	first, err := e.alerts.PublishAlert(e.author().ctx(t), req)
	must(t, "PublishAlert", err)
	again, err := e.alerts.PublishAlert(e.author().ctx(t), req)
	must(t, "retried PublishAlert", err)
	diff(t, "retried publish", again, first)
	if n := len(e.events(t)); n != 1 {
		t.Fatalf("a retried publish sent %d events, want 1", n)
	}
	// The same request id for another alert is refused.
	other := e.create(t, e.author(), content(alertsv1.Severity_SEVERITY_MINOR, start))
	_, err = e.alerts.PublishAlert(e.author().ctx(t), &alertsv1.PublishAlertRequest{Name: other.GetName(), RequestId: req.GetRequestId()})
	wantField(t, "request id reused", err, "request_id")
}

func TestLifecycleSevereAlertNeedsSecondPerson(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := e.create(t, e.both(), content(alertsv1.Severity_SEVERITY_EXTREME, start))
	p, err := e.alerts.PublishAlert(e.both().ctx(t), &alertsv1.PublishAlertRequest{Name: d.GetName()})
	must(t, "PublishAlert", err)
	if p.GetState() != alertsv1.Alert_STATE_PENDING_APPROVAL || p.GetSendTime() != nil {
		t.Fatalf("severe alert after publish = %v, want PENDING_APPROVAL unsent", p)
	}
	if len(e.events(t)) != 0 {
		t.Fatal("an alert awaiting approval was sent")
	}
	refusals := []struct {
		name string
		who  *user
		code codes.Code
	}{
		{"its author, though an approver too", e.both(), codes.PermissionDenied},
		{"an author without the approver role", e.author(), codes.PermissionDenied},
		{"another agency's approver", e.otherApprover(), codes.PermissionDenied},
		{"a resident", e.resident("r"), codes.PermissionDenied},
	}
	for _, r := range refusals {
		_, err := e.alerts.ApproveAlert(r.who.ctx(t), &alertsv1.ApproveAlertRequest{Name: p.GetName(), Etag: p.GetEtag()})
		wantCode(t, "approval by "+r.name, err, r.code)
	}
	_, err = e.alerts.ApproveAlert(anonymous(t), &alertsv1.ApproveAlertRequest{Name: p.GetName(), Etag: p.GetEtag()})
	wantCode(t, "anonymous approval", err, codes.Unauthenticated)
	// Someone who asked to publish it may not approve it either.
	if len(e.events(t)) != 0 {
		t.Fatal("a refused approval sent the alert")
	}
	// An approval covers what was read: a stale etag is refused.
	_, err = e.alerts.ApproveAlert(e.approver().ctx(t), &alertsv1.ApproveAlertRequest{Name: p.GetName(), Etag: d.GetEtag()})
	wantCode(t, "approval of a stale read", err, codes.FailedPrecondition)

	e.clock.Advance(time.Minute)
	a, err := e.alerts.ApproveAlert(e.approver().ctx(t), &alertsv1.ApproveAlertRequest{Name: p.GetName(), Etag: p.GetEtag()})
	must(t, "ApproveAlert", err)
	if a.GetState() != alertsv1.Alert_STATE_PUBLISHED || a.GetApprover() != e.approver().name() || a.GetPublisher() != e.both().name() {
		t.Fatalf("approved = %v", a)
	}
	if es := e.events(t); len(es) != 1 || es[0].Alert.GetApprover() != e.approver().name() {
		t.Fatalf("events after approval = %v", es)
	}
	_, err = e.alerts.ApproveAlert(e.secondApprover().ctx(t), &alertsv1.ApproveAlertRequest{Name: a.GetName(), Etag: a.GetEtag()})
	wantCode(t, "approving a sent alert", err, codes.FailedPrecondition)
}

func TestLifecyclePublisherMayNotApprove(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := e.create(t, e.author(), content(alertsv1.Severity_SEVERITY_SEVERE, start))
	p, err := e.alerts.PublishAlert(e.both().ctx(t), &alertsv1.PublishAlertRequest{Name: d.GetName()})
	must(t, "PublishAlert", err)
	_, err = e.alerts.ApproveAlert(e.both().ctx(t), &alertsv1.ApproveAlertRequest{Name: p.GetName(), Etag: p.GetEtag()})
	wantCode(t, "approval by the publisher", err, codes.PermissionDenied)
	// An agency admin holds every role and is a second person.
	_, err = e.alerts.ApproveAlert(e.admin().ctx(t), &alertsv1.ApproveAlertRequest{Name: p.GetName(), Etag: p.GetEtag()})
	must(t, "approval by an admin", err)
}

func TestLifecycleRejectThenRepublish(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := e.create(t, e.author(), content(alertsv1.Severity_SEVERITY_SEVERE, start))
	p, err := e.alerts.PublishAlert(e.author().ctx(t), &alertsv1.PublishAlertRequest{Name: d.GetName()})
	must(t, "PublishAlert", err)
	_, err = e.alerts.RejectAlert(e.author().ctx(t), &alertsv1.RejectAlertRequest{Name: p.GetName(), Reason: "no"})
	wantCode(t, "rejection by an author", err, codes.PermissionDenied)
	r, err := e.alerts.RejectAlert(e.approver().ctx(t), &alertsv1.RejectAlertRequest{Name: p.GetName(), Reason: "Name the street", Etag: p.GetEtag()})
	must(t, "RejectAlert", err)
	if r.GetState() != alertsv1.Alert_STATE_REJECTED || r.GetRejectionReason() != "Name the street" {
		t.Fatalf("rejected = %v", r)
	}
	_, err = e.alerts.PublishAlert(e.author().ctx(t), &alertsv1.PublishAlertRequest{Name: r.GetName()})
	wantCode(t, "publishing a rejected alert", err, codes.FailedPrecondition)
	// Changing it makes it a draft again, without the rejection.
	c := content(alertsv1.Severity_SEVERITY_SEVERE, start)
	c.Infos[0].Headline = "Avoid Main Street between 1st and 5th"
	c.Name, c.Etag = r.GetName(), r.GetEtag()
	u, err := e.alerts.UpdateAlert(e.author().ctx(t), &alertsv1.UpdateAlertRequest{Alert: c})
	must(t, "UpdateAlert", err)
	if u.GetState() != alertsv1.Alert_STATE_DRAFT || u.GetRejectionReason() != "" || u.GetInfos()[0].GetHeadline() != c.Infos[0].Headline {
		t.Fatalf("rejected alert after update = %v", u)
	}
	p, err = e.alerts.PublishAlert(e.author().ctx(t), &alertsv1.PublishAlertRequest{Name: u.GetName(), Etag: u.GetEtag()})
	must(t, "PublishAlert again", err)
	if _, err := e.alerts.ApproveAlert(e.approver().ctx(t), &alertsv1.ApproveAlertRequest{Name: p.GetName(), Etag: p.GetEtag()}); err != nil {
		t.Fatalf("ApproveAlert: %v", err)
	}
	if n := len(e.events(t)); n != 1 {
		t.Fatalf("%d events, want 1", n)
	}
}

func TestLifecycleSupersedeAndCancel(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	orig := e.publish(t, content(alertsv1.Severity_SEVERITY_MODERATE, start))
	e.clock.Advance(10 * time.Minute)

	// A SEVERE update waits for approval; the original stays active.
	next := content(alertsv1.Severity_SEVERITY_SEVERE, e.clock.Now())
	next.Infos[0].Headline = "Shelter in place downtown"
	up, err := e.alerts.SupersedeAlert(e.author().ctx(t), &alertsv1.SupersedeAlertRequest{Name: orig.GetName(), Alert: next})
	must(t, "SupersedeAlert", err)
	wantRef := orig.GetSender() + "," + orig.GetMessageId() + "," + orig.GetSendTime().AsTime().UTC().Format("2006-01-02T15:04:05") + "-00:00"
	if up.GetState() != alertsv1.Alert_STATE_PENDING_APPROVAL || up.GetMessageType() != alertsv1.MessageType_MESSAGE_TYPE_UPDATE ||
		up.GetReplaces() != orig.GetName() || len(up.GetReferences()) != 1 || up.GetReferences()[0] != wantRef {
		t.Fatalf("update = %v, want PENDING_APPROVAL UPDATE referencing %q", up, wantRef)
	}
	active := listActive(t, e, anonymous(t))
	diff(t, "active alerts while the update awaits approval", active, []string{orig.GetName()})

	sent, err := e.alerts.ApproveAlert(e.approver().ctx(t), &alertsv1.ApproveAlertRequest{Name: up.GetName(), Etag: up.GetEtag()})
	must(t, "ApproveAlert", err)
	if sent.GetState() != alertsv1.Alert_STATE_PUBLISHED {
		t.Fatalf("approved update = %v", sent)
	}
	o, err := e.alerts.GetAlert(anonymous(t), &alertsv1.GetAlertRequest{Name: orig.GetName()})
	must(t, "GetAlert of the original", err)
	if o.GetState() != alertsv1.Alert_STATE_SUPERSEDED || o.GetReplacement() != up.GetName() {
		t.Fatalf("original after the update = %v", o)
	}
	diff(t, "active alerts after the update", listActive(t, e, anonymous(t)), []string{up.GetName()})
	_, err = e.alerts.SupersedeAlert(e.author().ctx(t), &alertsv1.SupersedeAlertRequest{Name: orig.GetName(), Alert: next})
	wantCode(t, "updating a superseded alert", err, codes.FailedPrecondition)

	// Cancelling needs no approval, even for a SEVERE alert.
	e.clock.Advance(time.Minute)
	cancel, err := e.alerts.CancelAlert(e.author().ctx(t), &alertsv1.CancelAlertRequest{Name: up.GetName(), Reason: "All clear"})
	must(t, "CancelAlert", err)
	if cancel.GetState() != alertsv1.Alert_STATE_PUBLISHED || cancel.GetMessageType() != alertsv1.MessageType_MESSAGE_TYPE_CANCEL ||
		cancel.GetNote() != "All clear" || len(cancel.GetReferences()) != 2 || cancel.GetReferences()[0] != wantRef ||
		cancel.GetInfos()[0].GetHeadline() != next.Infos[0].Headline {
		t.Fatalf("cancel = %v", cancel)
	}
	u, err := e.alerts.GetAlert(e.author().ctx(t), &alertsv1.GetAlertRequest{Name: up.GetName()})
	must(t, "GetAlert of the update", err)
	if u.GetState() != alertsv1.Alert_STATE_CANCELLED || u.GetReplacement() != cancel.GetName() {
		t.Fatalf("update after the cancel = %v", u)
	}
	types := []alertsv1.StreamAlertsResponse_EventType{}
	for _, ev := range e.events(t) {
		types = append(types, ev.Type)
	}
	diff(t, "event types", types, []alertsv1.StreamAlertsResponse_EventType{
		alertsv1.StreamAlertsResponse_EVENT_TYPE_PUBLISHED,
		alertsv1.StreamAlertsResponse_EVENT_TYPE_UPDATED,
		alertsv1.StreamAlertsResponse_EVENT_TYPE_CANCELLED,
	})
	// The CANCEL message is active until the original expires, so that
	// readers learn of it; the cancelled alert is not.
	diff(t, "active alerts after the cancel", listActive(t, e, anonymous(t)), []string{cancel.GetName()})
	_, err = e.alerts.CancelAlert(e.author().ctx(t), &alertsv1.CancelAlertRequest{Name: up.GetName(), Reason: "again"})
	wantCode(t, "cancelling a cancelled alert", err, codes.FailedPrecondition)
}

func TestLifecycleDraftEtagsAndDelete(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := e.create(t, e.author(), content(alertsv1.Severity_SEVERITY_MINOR, start))
	u, err := e.alerts.UpdateAlert(e.author().ctx(t), &alertsv1.UpdateAlertRequest{
		Alert: &alertsv1.Alert{Name: d.GetName(), Note: "Checked", Etag: d.GetEtag()},
	})
	must(t, "UpdateAlert", err)
	if u.GetNote() != "Checked" || u.GetEtag() == d.GetEtag() || len(u.GetInfos()) != 1 {
		t.Fatalf("updated = %v", u)
	}
	_, err = e.alerts.UpdateAlert(e.author().ctx(t), &alertsv1.UpdateAlertRequest{Alert: &alertsv1.Alert{Name: d.GetName(), Note: "stale", Etag: d.GetEtag()}})
	wantCode(t, "update with a stale etag", err, codes.FailedPrecondition)
	_, err = e.alerts.PublishAlert(e.author().ctx(t), &alertsv1.PublishAlertRequest{Name: d.GetName(), Etag: d.GetEtag()})
	wantCode(t, "publish with a stale etag", err, codes.FailedPrecondition)
	_, err = e.alerts.DeleteAlert(e.author().ctx(t), &alertsv1.DeleteAlertRequest{Name: d.GetName(), Etag: d.GetEtag()})
	wantCode(t, "delete with a stale etag", err, codes.FailedPrecondition)
	_, err = e.alerts.DeleteAlert(e.otherAuthor().ctx(t), &alertsv1.DeleteAlertRequest{Name: d.GetName()})
	wantCode(t, "delete by another agency's author", err, codes.PermissionDenied)
	_, err = e.alerts.DeleteAlert(e.author().ctx(t), &alertsv1.DeleteAlertRequest{Name: d.GetName(), Etag: u.GetEtag()})
	must(t, "DeleteAlert", err)
	_, err = e.alerts.GetAlert(e.author().ctx(t), &alertsv1.GetAlertRequest{Name: d.GetName()})
	wantCode(t, "GetAlert after delete", err, codes.NotFound)
}
