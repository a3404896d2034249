package identity

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"unicode/utf8"

	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"github.com/engagehq/engage/services/internal/access"
	"github.com/engagehq/engage/services/internal/audit"
	"github.com/engagehq/engage/services/internal/auth"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/filter"
	"github.com/engagehq/engage/services/internal/pagetoken"
)

// maxAuditField bounds each text field of an appended event, so a
// misbehaving caller cannot bloat every agency's log.
const maxAuditField = 2048

// verifyBatch is how many events VerifyAuditEvents reads per transaction,
// keeping each read short however long the chain.
const verifyBatch = 1000

// Record appends e to its chain: identity's own audit recorder, used by the
// auth interceptor in the process that runs identity. It returns once the
// event is durable.
func (s *Service) Record(ctx context.Context, e audit.Event) error {
	ev := AuditEvent{
		Chain:         ChainOf(e.Resource),
		Actor:         e.Actor,
		Method:        e.Method,
		Resource:      e.Resource,
		Outcome:       e.Outcome,
		Time:          e.Time,
		CorrelationID: e.CorrelationID,
		Service:       e.Service,
		Details:       e.Details,
	}
	if ev.Time.IsZero() {
		ev.Time = s.now()
	}
	if _, err := s.store.AppendAuditEvents(ctx, []AuditEvent{ev}); err != nil {
		return fmt.Errorf("record audit event: %w", err)
	}
	return nil
}

// canReadChain reports whether the caller may read a chain: platform
// administrators read every chain, agency administrators their agency's.
func canReadChain(p auth.Principal, chain string) bool {
	if chain == "" {
		return isPlatformAdmin(p)
	}
	return canAdminAgency(p, chain)
}

// readableChain parses a parent and checks the caller may read its chain.
func readableChain(ctx context.Context, parent string) (string, error) {
	chain, err := parseChain("parent", parent)
	if err != nil {
		return "", err
	}
	if !canReadChain(auth.FromContext(ctx), chain) {
		return "", fmt.Errorf("audit events of %s: %w", parent, errs.NotFound)
	}
	return chain, nil
}

// auditMaxScan bounds the events one ListAuditEvents page examines: a
// filter that matches little returns a short page with a token to go on
// rather than reading the whole chain in one call.
const auditMaxScan = 5000

// auditFilter is what ListAuditEvents filters on.
var auditFilter = filter.Schema{
	"actor":      {Kind: filter.String},
	"method":     {Kind: filter.String},
	"resource":   {Kind: filter.String},
	"outcome":    {Kind: filter.String},
	"service":    {Kind: filter.String},
	"event_time": {Kind: filter.Time},
}

// auditValue returns the value of an auditFilter field of e.
func auditValue(e AuditEvent, field string) any {
	switch field {
	case "actor":
		return e.Actor
	case "method":
		return e.Method
	case "resource":
		return e.Resource
	case "outcome":
		return e.Outcome
	case "service":
		return e.Service
	case "event_time":
		return e.Time
	}
	return nil
}

// ListAuditEvents lists a chain's events that match the filter, newest
// first.
func (s *auditLog) ListAuditEvents(ctx context.Context, req *identityv1.ListAuditEventsRequest) (*identityv1.ListAuditEventsResponse, error) {
	chain, err := readableChain(ctx, req.GetParent())
	if err != nil {
		return nil, err
	}
	conds, err := filter.Parse(req.GetFilter(), auditFilter)
	if err != nil {
		return nil, err
	}
	scope := "auditEvents:" + chainParent(chain) + "\x00" + req.GetFilter()
	after, n, err := readPage(scope, req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	page := AuditPage{Size: n, MaxScan: auditMaxScan}
	if after != "" {
		if page.Before, err = strconv.ParseInt(after, 10, 64); err != nil || page.Before < 1 {
			return nil, errs.Field("page_token", "is not valid")
		}
	}
	if len(conds) > 0 {
		page.Keep = func(e AuditEvent) bool {
			for _, c := range conds {
				if !c.Match(auditValue(e, c.Field)) {
					return false
				}
			}
			return true
		}
	}
	list, next, err := s.store.ListAuditEvents(ctx, chain, page)
	if err != nil {
		return nil, fmt.Errorf("list audit events: %w", err)
	}
	resp := &identityv1.ListAuditEventsResponse{}
	if next != 0 {
		resp.NextPageToken = pagetoken.Encode(scope, []byte(strconv.FormatInt(next, 10)))
	}
	for _, e := range list {
		resp.AuditEvents = append(resp.AuditEvents, auditToProto(e))
	}
	return resp, nil
}

// GetAuditEvent returns one event.
func (s *auditLog) GetAuditEvent(ctx context.Context, req *identityv1.GetAuditEventRequest) (*identityv1.AuditEvent, error) {
	chain, seq, err := parseAuditEvent("name", req.GetName())
	if err != nil {
		return nil, err
	}
	if !canReadChain(auth.FromContext(ctx), chain) {
		return nil, fmt.Errorf("audit event %s: %w", req.GetName(), errs.NotFound)
	}
	e, err := s.store.AuditEvent(ctx, chain, seq)
	if err != nil {
		return nil, fmt.Errorf("get audit event: %w", err)
	}
	return auditToProto(e), nil
}

// VerifyAuditEvents recomputes a chain from its first event. It reads the
// whole chain, reporting the first event whose sequence, previous hash or
// hash is not what the events before it imply, the number of events and
// the stored hash of the last one.
func (s *auditLog) VerifyAuditEvents(ctx context.Context, req *identityv1.VerifyAuditEventsRequest) (*identityv1.VerifyAuditEventsResponse, error) {
	chain, err := readableChain(ctx, req.GetParent())
	if err != nil {
		return nil, err
	}
	resp := &identityv1.VerifyAuditEventsResponse{Valid: true}
	prev := ZeroHash
	var after int64
	for {
		batch, err := s.store.ScanAuditEvents(ctx, chain, after, verifyBatch)
		if err != nil {
			return nil, fmt.Errorf("verify audit events: %w", err)
		}
		for _, e := range batch {
			resp.EventCount++
			ok := e.Sequence == resp.EventCount && e.Chain == chain && e.PreviousHash == prev && ChainHash(prev, e) == e.Hash
			if !ok && resp.Valid {
				resp.Valid = false
				resp.FirstInvalidEvent = auditEventName(chain, e.Sequence)
			}
			// Go on from the stored hash, so that one bad event is
			// reported once rather than spoiling every later one.
			prev = e.Hash
			after = e.Sequence
		}
		if len(batch) < verifyBatch {
			break
		}
	}
	if resp.EventCount > 0 {
		resp.HeadHash = prev
	}
	if !resp.Valid {
		s.log.WarnContext(ctx, "audit chain verification failed", "chain", chainParent(chain), "first_invalid", resp.FirstInvalidEvent)
	}
	return resp, nil
}

// AppendAuditEvents appends events other services recorded. Identity
// assigns each event's chain from its resource, its sequence and hashes.
func (s *auditLog) AppendAuditEvents(ctx context.Context, req *identityv1.AppendAuditEventsRequest) (*identityv1.AppendAuditEventsResponse, error) {
	if p := auth.FromContext(ctx); p.Kind != auth.Service {
		return nil, errs.Public(errs.PermissionDenied, "only Engage services may append audit events")
	}
	in := req.GetAuditEvents()
	if len(in) == 0 || len(in) > 500 {
		return nil, errs.Field("audit_events", "must hold 1 to 500 events")
	}
	events := make([]AuditEvent, 0, len(in))
	for i, e := range in {
		field := func(name string) string { return fmt.Sprintf("audit_events[%d].%s", i, name) }
		for _, f := range []struct {
			name, value string
			required    bool
		}{
			{"actor", e.GetActor(), true},
			{"method", e.GetMethod(), true},
			{"resource", e.GetResource(), false},
			{"outcome", e.GetOutcome(), true},
			{"correlation_id", e.GetCorrelationId(), false},
			{"service", e.GetService(), true},
		} {
			switch {
			case f.required && f.value == "":
				return nil, errs.Field(field(f.name), "is required")
			case len(f.value) > maxAuditField || !utf8.ValidString(f.value):
				return nil, errs.Field(field(f.name), "must be valid UTF-8 of at most %d bytes", maxAuditField)
			}
		}
		if e.GetEventTime() == nil || e.GetEventTime().CheckValid() != nil {
			return nil, errs.Field(field("event_time"), "is required")
		}
		if err := checkDetails(field("details"), e.GetDetails()); err != nil {
			return nil, err
		}
		events = append(events, AuditEvent{
			Chain:         ChainOf(e.GetResource()),
			Actor:         e.GetActor(),
			Method:        e.GetMethod(),
			Resource:      e.GetResource(),
			Outcome:       e.GetOutcome(),
			Time:          e.GetEventTime().AsTime(),
			CorrelationID: e.GetCorrelationId(),
			Service:       e.GetService(),
			Details:       e.GetDetails(),
		})
	}
	if _, err := s.store.AppendAuditEvents(ctx, events); err != nil {
		return nil, fmt.Errorf("append audit events: %w", err)
	}
	return &identityv1.AppendAuditEventsResponse{}, nil
}

// detailKey is the form of a detail's key: a request field path.
var detailKey = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$`)

// checkDetails bounds an appended event's details as access.AuditDetails
// does when it reads them: a caller that sends more is not the Engage
// interceptor and cannot bloat the log.
func checkDetails(field string, details map[string]string) error {
	if len(details) > access.MaxDetails {
		return errs.Field(field, "must hold at most %d entries", access.MaxDetails)
	}
	for k, v := range details {
		if len(k) > access.MaxDetailKey || !detailKey.MatchString(k) {
			return errs.Field(field, "keys must be field paths of at most %d bytes", access.MaxDetailKey)
		}
		if len(v) > access.MaxDetailValue || !utf8.ValidString(v) {
			return errs.Field(field, "values must be valid UTF-8 of at most %d bytes", access.MaxDetailValue)
		}
	}
	return nil
}
