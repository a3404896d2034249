package identity_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"github.com/engagehq/engage/services/internal/identity"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func TestAuditLog(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.admin(t)
	e.createAgency(t, admin, "metro")
	e.createAgency(t, admin, "county")
	chiefUser, chief := e.staff(t, admin, "metro", "chief@example.org", accessv1.Role_ROLE_AGENCY_ADMIN)
	_, countyChief := e.staff(t, admin, "county", "sheriff@example.org", accessv1.Role_ROLE_AGENCY_ADMIN)

	// Events other services send, for both chains.
	when := timestamppb.New(e.clock.Now().Add(-time.Second))
	sent := []*identityv1.AuditEvent{
		{Actor: chiefUser.account.GetName(), Method: "/engage.forum.v1.ForumService/CreateForum", Resource: "agencies/metro/forums/f1",
			Outcome: "OK", EventTime: when, CorrelationId: "req-1", Service: "forum"},
		{Actor: "services/alerts", Method: "/engage.alerts.v1.AlertService/Sweep", Outcome: "OK", EventTime: when, Service: "alerts"},
	}
	if _, err := e.audit.AppendAuditEvents(asService(t.Context(), "forum"), &identityv1.AppendAuditEventsRequest{AuditEvents: sent}); err != nil {
		t.Fatalf("append: %v", err)
	}

	// Metro's chain: the interceptor's events for creating the agency and
	// the chief's binding, then forum's event.
	resp, err := e.audit.ListAuditEvents(chief, &identityv1.ListAuditEventsRequest{Parent: "agencies/metro"})
	if err != nil {
		t.Fatal(err)
	}
	var methods []string
	for _, ev := range resp.GetAuditEvents() {
		methods = append(methods, ev.GetMethod())
	}
	diff(t, "metro events, newest first", methods, []string{
		"/engage.forum.v1.ForumService/CreateForum",
		"/engage.identity.v1.AgencyService/CreateRoleBinding",
		"/engage.identity.v1.AgencyService/CreateAgency",
	})
	newest := resp.GetAuditEvents()[0]
	diff(t, "appended event", newest, &identityv1.AuditEvent{
		Name: "agencies/metro/auditEvents/3", Actor: chiefUser.account.GetName(), Method: "/engage.forum.v1.ForumService/CreateForum",
		Resource: "agencies/metro/forums/f1", Outcome: "OK", EventTime: when, CorrelationId: "req-1", Service: "forum",
		Sequence: 3, PreviousHash: resp.GetAuditEvents()[1].GetHash(),
	}, protocmp.IgnoreFields(&identityv1.AuditEvent{}, "hash"))
	first := resp.GetAuditEvents()[2]
	if first.GetSequence() != 1 || first.GetPreviousHash() != identity.ZeroHash || first.GetActor() == "" || first.GetService() != "identity" {
		t.Fatalf("first event %v", first)
	}

	got, err := e.audit.GetAuditEvent(chief, &identityv1.GetAuditEventRequest{Name: newest.GetName()})
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "get", got, newest)

	// Pages of one, newest first.
	var seqs []int64
	token := ""
	for {
		page, err := e.audit.ListAuditEvents(chief, &identityv1.ListAuditEventsRequest{Parent: "agencies/metro", PageSize: 1, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range page.GetAuditEvents() {
			seqs = append(seqs, ev.GetSequence())
		}
		if token = page.GetNextPageToken(); token == "" {
			break
		}
	}
	diff(t, "paged sequences", seqs, []int64{3, 2, 1})

	v, err := e.audit.VerifyAuditEvents(chief, &identityv1.VerifyAuditEventsRequest{Parent: "agencies/metro"})
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "verify", v, &identityv1.VerifyAuditEventsResponse{Valid: true, EventCount: 3, HeadHash: newest.GetHash()})

	// The platform chain is the platform administrators'.
	platform, err := e.audit.ListAuditEvents(admin, &identityv1.ListAuditEventsRequest{Parent: "agencies/-"})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(platform.GetAuditEvents()); n != 1 || platform.GetAuditEvents()[0].GetService() != "alerts" ||
		platform.GetAuditEvents()[0].GetName() != "agencies/-/auditEvents/1" {
		t.Fatalf("platform chain: %v", platform.GetAuditEvents())
	}
	v, err = e.audit.VerifyAuditEvents(admin, &identityv1.VerifyAuditEventsRequest{Parent: "agencies/-"})
	if err != nil || !v.GetValid() || v.GetEventCount() != 1 {
		t.Fatalf("verify the platform chain: %v, %v", v, err)
	}

	tests := []struct {
		name     string
		call     func() error
		wantCode codes.Code
	}{
		{"another agency's events", func() error {
			_, err := e.audit.ListAuditEvents(countyChief, &identityv1.ListAuditEventsRequest{Parent: "agencies/metro"})
			return err
		}, codes.PermissionDenied},
		{"the platform chain as an agency admin", func() error {
			_, err := e.audit.ListAuditEvents(chief, &identityv1.ListAuditEventsRequest{Parent: "agencies/-"})
			return err
		}, codes.PermissionDenied},
		{"an event that does not exist", func() error {
			_, err := e.audit.GetAuditEvent(chief, &identityv1.GetAuditEventRequest{Name: "agencies/metro/auditEvents/99"})
			return err
		}, codes.NotFound},
		{"append as an account", func() error {
			_, err := e.audit.AppendAuditEvents(admin, &identityv1.AppendAuditEventsRequest{AuditEvents: sent})
			return err
		}, codes.PermissionDenied},
		{"a page token of another chain", func() error {
			_, err := e.audit.ListAuditEvents(countyChief, &identityv1.ListAuditEventsRequest{Parent: "agencies/county", PageToken: pageTokenOf(t, e, chief)})
			return err
		}, codes.InvalidArgument},
	}
	for _, tc := range tests {
		wantCode(t, tc.name, tc.call(), tc.wantCode)
	}
}

// pageTokenOf returns a page token of metro's chain.
func pageTokenOf(t *testing.T, e *env, ctx context.Context) string {
	t.Helper()
	resp, err := e.audit.ListAuditEvents(ctx, &identityv1.ListAuditEventsRequest{Parent: "agencies/metro", PageSize: 1})
	if err != nil || resp.GetNextPageToken() == "" {
		t.Fatalf("no page token: %v", err)
	}
	return resp.GetNextPageToken()
}

func TestAppendAuditEventsValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	valid := func() *identityv1.AuditEvent {
		return &identityv1.AuditEvent{Actor: "services/forum", Method: "/m", Outcome: "OK", EventTime: timestamppb.New(e.clock.Now()), Service: "forum"}
	}
	tests := []struct {
		name      string
		mutate    func(*identityv1.AuditEvent)
		wantField string
	}{
		{"no actor", func(ev *identityv1.AuditEvent) { ev.Actor = "" }, "audit_events[1].actor"},
		{"no method", func(ev *identityv1.AuditEvent) { ev.Method = "" }, "audit_events[1].method"},
		{"no outcome", func(ev *identityv1.AuditEvent) { ev.Outcome = "" }, "audit_events[1].outcome"},
		{"no service", func(ev *identityv1.AuditEvent) { ev.Service = "" }, "audit_events[1].service"},
		{"no time", func(ev *identityv1.AuditEvent) { ev.EventTime = nil }, "audit_events[1].event_time"},
		{"an oversized resource", func(ev *identityv1.AuditEvent) { ev.Resource = fmt.Sprintf("%03000d", 1) }, "audit_events[1].resource"},
		{"too many details", func(ev *identityv1.AuditEvent) {
			ev.Details = map[string]string{}
			for i := range 17 {
				ev.Details[fmt.Sprintf("f%d", i)] = "x"
			}
		}, "audit_events[1].details"},
		{"a detail key that is no field path", func(ev *identityv1.AuditEvent) { ev.Details = map[string]string{"Locked!": "true"} }, "audit_events[1].details"},
		{"an oversized detail", func(ev *identityv1.AuditEvent) { ev.Details = map[string]string{"locked": fmt.Sprintf("%0300d", 1)} }, "audit_events[1].details"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			bad := valid()
			tc.mutate(bad)
			_, err := e.audit.AppendAuditEvents(asService(t.Context(), "forum"), &identityv1.AppendAuditEventsRequest{
				AuditEvents: []*identityv1.AuditEvent{valid(), bad},
			})
			wantField(t, "append", err, tc.wantField)
		})
	}
	// Nothing of the refused requests was stored.
	events, err := e.store.ScanAuditEvents(t.Context(), "", 0, 10)
	if err != nil || len(events) != 0 {
		t.Fatalf("refused appends stored %d events (%v)", len(events), err)
	}
}

// TestAuditLogFilter: an agency admin narrows the log to one actor, method,
// outcome or time; the pages of a filtered listing hold only matches, and a
// filter the log cannot apply is INVALID_ARGUMENT naming filter.
func TestAuditLogFilter(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.admin(t)
	e.createAgency(t, admin, "metro")
	_, chief := e.staff(t, admin, "metro", "chief@example.org", accessv1.Role_ROLE_AGENCY_ADMIN)
	early, late := e.clock.Now().Add(-2*time.Hour), e.clock.Now().Add(-time.Hour)
	var sent []*identityv1.AuditEvent
	for i := range 7 {
		ev := &identityv1.AuditEvent{
			Actor: "accounts/mod-a", Method: "/engage.forum.v1.ModerationService/ResolveModerationItem",
			Resource: fmt.Sprintf("agencies/metro/moderationItems/m%d", i), Outcome: "OK", EventTime: timestamppb.New(early), Service: "forum",
		}
		if i%2 == 1 {
			ev.Actor, ev.Outcome, ev.EventTime = "accounts/mod-b", "PERMISSION_DENIED", timestamppb.New(late)
		}
		sent = append(sent, ev)
	}
	if _, err := e.audit.AppendAuditEvents(asService(t.Context(), "forum"), &identityv1.AppendAuditEventsRequest{AuditEvents: sent}); err != nil {
		t.Fatalf("append: %v", err)
	}
	// list returns the resources of every page of a filtered listing.
	list := func(t *testing.T, f string) []string {
		t.Helper()
		var got []string
		token := ""
		for {
			page, err := e.audit.ListAuditEvents(chief, &identityv1.ListAuditEventsRequest{Parent: "agencies/metro", Filter: f, PageSize: 2, PageToken: token})
			if err != nil {
				t.Fatalf("filter %q: %v", f, err)
			}
			for _, ev := range page.GetAuditEvents() {
				got = append(got, ev.GetResource())
			}
			if token = page.GetNextPageToken(); token == "" {
				return got
			}
		}
	}
	item := func(i ...int) []string {
		var out []string
		for _, n := range i {
			out = append(out, fmt.Sprintf("agencies/metro/moderationItems/m%d", n))
		}
		return out
	}
	diff(t, "one moderator", list(t, `actor = "accounts/mod-b"`), item(5, 3, 1))
	diff(t, "refusals since an hour and a half ago", list(t, fmt.Sprintf(`outcome = PERMISSION_DENIED AND event_time >= %q`, early.Add(30*time.Minute).Format(time.RFC3339))), item(5, 3, 1))
	diff(t, "everything but one moderator", list(t, `service = "forum" AND actor != "accounts/mod-b"`), item(6, 4, 2, 0))
	diff(t, "no match", list(t, `method = "/engage.forum.v1.ThreadService/LockThread"`), item())

	first, err := e.audit.ListAuditEvents(chief, &identityv1.ListAuditEventsRequest{Parent: "agencies/metro", Filter: `actor = "accounts/mod-a"`, PageSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	for name, req := range map[string]*identityv1.ListAuditEventsRequest{
		"an unknown field":               {Parent: "agencies/metro", Filter: `details = "x"`},
		"an order on a string":           {Parent: "agencies/metro", Filter: `actor > "accounts/a"`},
		"not a time":                     {Parent: "agencies/metro", Filter: `event_time >= "yesterday"`},
		"OR":                             {Parent: "agencies/metro", Filter: `actor = "a" OR actor = "b"`},
		"a page token of another filter": {Parent: "agencies/metro", Filter: `actor = "accounts/mod-b"`, PageToken: first.GetNextPageToken()},
	} {
		_, err := e.audit.ListAuditEvents(chief, req)
		wantCode(t, name, err, codes.InvalidArgument)
	}
}
