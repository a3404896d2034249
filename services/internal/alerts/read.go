package alerts

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	alertsv1 "github.com/engagehq/engage/api/gen/engage/alerts/v1"
	"github.com/engagehq/engage/services/internal/errs"
)

// GetAlert returns an alert the caller may see: NOT_FOUND for one they may
// not, as for one that does not exist.
func (s *alertServer) GetAlert(ctx context.Context, req *alertsv1.GetAlertRequest) (*alertsv1.Alert, error) {
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
	if !c.maySee(a) {
		return nil, notFound("alert", req.GetName())
	}
	return c.view(a), nil
}

// ListAlerts lists the agency's active alerts, or those in the states
// asked for, newest first, narrowed by the filters; each with only the
// requested language's info blocks.
//
// Only the agency's alert authors and approvers (and the services) may
// ask for states other than PUBLISHED: anyone else asking for them is
// PERMISSION_DENIED, rather than answered with an empty list that would
// read as "there are none". Whatever the states, a caller gets only the
// alerts they may see (PUBLIC ones, for the public).
//
// stream_cursor is the stream log's head read before the list, so that
// StreamAlerts from it misses nothing sent after the list was read (and
// may repeat what was sent while it was read, which a client recognizes
// by name and etag).
func (s *alertServer) ListAlerts(ctx context.Context, req *alertsv1.ListAlertsRequest) (*alertsv1.ListAlertsResponse, error) {
	agency, err := parseAgency("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	c, err := s.callerOf(ctx, agency)
	if err != nil {
		return nil, err
	}
	states := req.GetStates()
	if !c.staff {
		for _, st := range states {
			if st != alertsv1.Alert_STATE_PUBLISHED {
				return nil, errs.Public(errs.PermissionDenied, "only the agency's alert authors and approvers may list alerts that are not published")
			}
		}
	}
	if p := req.GetPoint(); p != nil {
		if err := checkPoint(p, "point"); err != nil {
			return nil, err
		}
	}
	scope := listScope(req)
	page, err := pageOf(scope, req.GetPageToken(), req.GetPageSize(), maxAlertPage)
	if err != nil {
		return nil, err
	}
	head, err := s.store.LastEvent(ctx)
	if err != nil {
		return nil, err
	}
	f := filter{point: req.GetPoint(), categories: req.GetCategories(), minSeverity: req.GetMinSeverity(), language: req.GetLanguageCode()}
	var (
		list []*alertsv1.Alert
		next []byte
	)
	if len(states) == 0 {
		list, next, err = s.activePage(ctx, c, f, page)
	} else {
		list, next, err = s.store.ListAlerts(ctx, agencyName(agency), page, func(a *alertsv1.Alert) bool {
			return slices.Contains(states, a.GetState()) && c.maySee(a) && f.matches(a)
		})
	}
	if err != nil {
		return nil, err
	}
	out := &alertsv1.ListAlertsResponse{
		Alerts:        make([]*alertsv1.Alert, 0, len(list)),
		NextPageToken: nextToken(scope, next),
		StreamCursor:  strconv.FormatUint(head, 10),
	}
	for _, a := range list {
		out.Alerts = append(out.Alerts, c.view(localize(a, f.language)))
	}
	return out, nil
}

// activePage returns a page of the agency's active alerts the caller may
// see and f keeps. The cursor is the last alert's place in the newest
// first order: its create time (8 bytes) and id.
func (s *Service) activePage(ctx context.Context, c caller, f filter, page Page) ([]*alertsv1.Alert, []byte, error) {
	now := s.now()
	all, err := s.store.ActiveAlerts(ctx, agencyName(c.agency), now)
	if err != nil {
		return nil, nil, err
	}
	var out []*alertsv1.Alert
	size := max(page.Size, 1)
	for i, a := range all {
		if page.After != nil && bytes.Compare(listPlace(a), page.After) >= 0 {
			continue // at or before the cursor, in newest-first order
		}
		if !activeAt(a, now) || !c.maySee(a) || !f.matches(a) {
			continue
		}
		out = append(out, a)
		if len(out) == size {
			if i < len(all)-1 {
				return out, listPlace(a), nil
			}
			break
		}
	}
	return out, nil, nil
}

// listPlace is an alert's place in newest-first order as bytes that sort
// the other way: its create time (8 bytes, big-endian nanoseconds) and id.
func listPlace(a *alertsv1.Alert) []byte {
	b := binary.BigEndian.AppendUint64(nil, uint64(max(a.GetCreateTime().AsTime().UnixNano(), 0)))
	return append(b, a.GetName()[strings.LastIndexByte(a.GetName(), '/')+1:]...)
}

// activeAt reports whether a is active at now: PUBLISHED, with an info
// block in effect (from its effective time, or the send time without one)
// and not expired.
func activeAt(a *alertsv1.Alert, now time.Time) bool {
	if a.GetState() != alertsv1.Alert_STATE_PUBLISHED {
		return false
	}
	for _, in := range a.GetInfos() {
		from := a.GetSendTime()
		if in.GetEffectiveTime() != nil {
			from = in.GetEffectiveTime()
		}
		if from != nil && !from.AsTime().After(now) && in.GetExpireTime() != nil && in.GetExpireTime().AsTime().After(now) {
			return true
		}
	}
	return false
}

// listScope is the page token scope of a ListAlerts request: the method
// and every parameter that selects what is listed.
func listScope(req *alertsv1.ListAlertsRequest) string {
	var b strings.Builder
	fmt.Fprintf(&b, "alerts.list|%s|%v|%v|%d|%s|", req.GetParent(), req.GetStates(), req.GetCategories(), req.GetMinSeverity(), strings.ToLower(req.GetLanguageCode()))
	if p := req.GetPoint(); p != nil {
		fmt.Fprintf(&b, "%v,%v", p.GetLatitude(), p.GetLongitude())
	}
	return b.String()
}
