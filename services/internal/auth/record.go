package auth

import (
	"context"
	"strings"

	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
	"github.com/engagehq/engage/services/internal/access"
	"github.com/engagehq/engage/services/internal/audit"
	"github.com/engagehq/engage/services/internal/errs"
	"google.golang.org/genproto/googleapis/rpc/code"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// anonymousActor is the actor of events whose caller is not known or must
// not be known.
const anonymousActor = "anonymous"

// record appends the audit event of a finished call, with the details the
// policy's audit_fields read from the request (see auditDetails). A
// failing recorder is logged and does not change the call's result: the
// call has already happened, and refusing to answer would not undo it.
func (in *Interceptor) record(ctx context.Context, c call, resource string, details map[string]string, callErr error) {
	if in.cfg.Audit == nil {
		return
	}
	actor := c.p.Name
	// Anonymous methods promise not to keep who called.
	if c.p.IsAnonymous() || c.policy.GetAnonymous() {
		actor = anonymousActor
	}
	e := audit.Event{
		Agency:        access.Agency(resource),
		Actor:         actor,
		Method:        c.method,
		Resource:      resource,
		Outcome:       Outcome(callErr),
		Time:          in.now().UTC(),
		CorrelationID: audit.CorrelationID(ctx),
		Service:       serviceOf(c.method, in.cfg.Service),
		Details:       details,
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), auditTimeout)
	defer cancel()
	if err := in.cfg.Audit.Record(rctx, e); err != nil {
		in.log.ErrorContext(ctx, "audit event not recorded",
			"method", e.Method, "resource", e.Resource, "outcome", e.Outcome,
			"request_id", e.CorrelationID, "error", err)
	}
}

// recordDenied records a refused call to an audited method when it is
// worth keeping: the caller is known and, for AGENCY_ROLE methods, the
// agency is. Anonymous refusals are noise anyone can produce, and rate
// limited calls are not recorded, so a flood cannot fill the log.
func (in *Interceptor) recordDenied(ctx context.Context, c call, resource string, details map[string]string, err error) {
	if !c.policy.GetAudit() || c.p.IsAnonymous() {
		return
	}
	if c.policy.GetAudience() == accessv1.Audience_AUDIENCE_AGENCY_ROLE && access.Agency(resource) == "" {
		return
	}
	in.record(ctx, c, resource, details, err)
}

// auditDetails reads the fields the policy of an audited method lists in
// audit_fields from its request: what the caller asked to decide, kept
// whether or not the call succeeded.
func auditDetails(policy *accessv1.Policy, req proto.Message) map[string]string {
	if !policy.GetAudit() {
		return nil
	}
	return access.AuditDetails(req, policy.GetAuditFields())
}

// Outcome returns the canonical name of the gRPC code err maps to: "OK",
// "PERMISSION_DENIED", …
func Outcome(err error) string {
	return code.Code(errs.Code(err)).String()
}

// auditResource picks the resource an event names: the request's, unless
// the response names a resource inside it (the resource a Create made) or
// the request named none.
func auditResource(requested string, resp any) string {
	msg, ok := resp.(proto.Message)
	if !ok || msg == nil {
		return requested
	}
	m := msg.ProtoReflect()
	if !m.IsValid() {
		return requested
	}
	f := m.Descriptor().Fields().ByName("name")
	if f == nil || f.Kind() != protoreflect.StringKind || f.IsList() {
		return requested
	}
	name := m.Get(f).String()
	if name != "" && (requested == "" || strings.HasPrefix(name, requested+"/")) {
		return name
	}
	return requested
}

// serviceOf names the service a method belongs to, from its proto package
// ("/engage.forum.v1.PostService/CreatePost" → "forum"), so that one
// interceptor serving several services in one process records each
// event's own service; fallback names the rest.
func serviceOf(method, fallback string) string {
	rest, ok := strings.CutPrefix(method, "/engage.")
	if !ok {
		return fallback
	}
	name, _, ok := strings.Cut(rest, ".")
	if !ok || !validServiceName(name) {
		return fallback
	}
	return name
}
