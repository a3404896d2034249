package alerts

import (
	"context"
	"fmt"
	"strings"

	alertsv1 "github.com/engagehq/engage/api/gen/engage/alerts/v1"
	"github.com/engagehq/engage/services/internal/errs"
	"google.golang.org/genproto/googleapis/type/latlng"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// replayPage is how many events a resuming stream reads from the log at
// once.
const replayPage = 256

// lastEventIDKey is the metadata key of the Server-Sent Events
// Last-Event-ID header, as the gateway forwards it.
const lastEventIDKey = "last-event-id"

// StreamAlerts streams the agency's events that match the request's
// filters, or its subscription's, from the moment the call starts, or
// from after its cursor (the request's, else the Last-Event-ID header's):
// first what the log holds after the cursor, then live, with no gap and
// no event twice (see hub.go). Anyone may stream the PUBLIC messages;
// the agency's alert authors and approvers also receive RESTRICTED ones,
// and the whole alert rather than the public view.
//
// The response headers are sent once the stream is registered, so that a
// client that has read them misses nothing sent afterwards. A stream that
// falls Config.StreamBuffer events behind ends with RESOURCE_EXHAUSTED,
// and one open when the service stops with UNAVAILABLE, each naming the
// cursor to resume from.
func (s *alertServer) StreamAlerts(req *alertsv1.StreamAlertsRequest, stream grpc.ServerStreamingServer[alertsv1.StreamAlertsResponse]) error {
	// The handler's goroutine lives as long as the stream, beneath the
	// whole interceptor chain, so its stack is most of what a stream
	// costs: the checks and the replay run in calls of their own, which
	// return before the stream settles into waiting, and what stays on
	// the stack while it waits is this short frame and pump's.
	sub, from, err := s.subscriber(req, stream)
	if err != nil {
		return err
	}
	head, err := s.hub.subscribe(sub)
	if err != nil {
		return errs.Public(errs.Unavailable, "the alert stream is not running; retry shortly")
	}
	defer s.hub.unsubscribe(sub)
	pos, err := s.begin(sub, head, from)
	if err != nil {
		return err
	}
	return s.pump(sub, pos)
}

// subscriber checks a StreamAlerts request and returns the subscriber it
// makes, not yet registered, and the cursor the client resumes after
// (nil when it does not resume).
func (s *alertServer) subscriber(req *alertsv1.StreamAlertsRequest, stream grpc.ServerStream) (*subscriber, *uint64, error) {
	ctx := stream.Context()
	agency, err := parseAgency("parent", req.GetParent())
	if err != nil {
		return nil, nil, err
	}
	cursor, resume, err := streamCursor(ctx, req.GetCursor())
	if err != nil {
		return nil, nil, err
	}
	c, err := s.callerOf(ctx, agency)
	if err != nil {
		return nil, nil, fmt.Errorf("agency %s: %w", agency, err)
	}
	f, err := s.streamFilter(ctx, c, req)
	if err != nil {
		return nil, nil, err
	}
	var from *uint64
	if resume {
		last, err := s.store.LastEvent(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("read the stream's head: %w", err)
		}
		if cursor > last {
			return nil, nil, errs.Field("cursor", "is ahead of the stream")
		}
		from = &cursor
	}
	return &subscriber{
		agency: agencyName(agency),
		stream: stream,
		wire:   wireOf(ctx),
		staff:  c.staff,
		f:      f,
		events: make(chan *delivery, s.cfg.StreamBuffer),
	}, from, nil
}

// begin answers a registered stream's headers and, when it resumes from
// a cursor, replays what the log holds after it up to head; it returns
// the cursor of the last event the client has.
func (s *alertServer) begin(sub *subscriber, head uint64, from *uint64) (uint64, error) {
	// Accepted: say so at once, so that the gateway answers a REST client
	// now rather than with the first event.
	if err := sub.stream.SendHeader(metadata.Pairs("x-engage-stream", "open")); err != nil {
		return 0, err
	}
	if from == nil {
		return head, nil
	}
	return s.replay(sub.stream.Context(), sub, *from, head)
}

// pump sends the events the hub hands sub, from after pos, until the hub
// ends the stream or the client leaves.
func (s *alertServer) pump(sub *subscriber, pos uint64) error {
	done := sub.stream.Context().Done()
	for {
		select {
		case d, ok := <-sub.events:
			// A stream the hub ended stops at once, even with events
			// buffered.
			if !ok || sub.ended() {
				return sub.endError(pos)
			}
			if d.seq <= pos {
				// The client's cursor was ahead of the hub when it
				// registered: it has this one.
				continue
			}
			if err := sub.stream.SendMsg(d.msg); err != nil {
				return err
			}
			s.hub.counts.add(d.alert)
			pos = d.seq
		case <-done:
			return sub.stream.Context().Err()
		}
	}
}

// replay sends the events of sub's agency after pos up to head, which the
// hub will not send it, from the log; it returns the new position.
func (s *alertServer) replay(ctx context.Context, sub *subscriber, pos, head uint64) (uint64, error) {
	for pos < head {
		evs, err := s.store.Events(ctx, sub.agency, pos, replayPage)
		if err != nil {
			return pos, fmt.Errorf("read the stream log after %d: %w", pos, err)
		}
		if len(evs) == 0 {
			return head, nil
		}
		for _, ev := range evs {
			if ev.Seq > head {
				return head, nil
			}
			if sub.ended() {
				return pos, sub.endError(pos)
			}
			if sub.wants(ev) {
				if err := sub.stream.SendMsg(response(ev, sub.f.language, sub.staff)); err != nil {
					return pos, err
				}
				s.hub.counts.add(ev.Alert.GetName())
			}
			pos = ev.Seq
		}
	}
	return pos, nil
}

// endError is the error a stream the hub ended at pos returns.
func (sub *subscriber) endError(pos uint64) error {
	switch endReason(sub.reason.Load()) {
	case endBehind:
		return errs.Public(errs.ResourceExhausted, "fell behind; resume from cursor %s", formatCursor(pos))
	case endShutdown:
		return errs.Public(errs.Unavailable, "the alert stream is restarting; resume from cursor %s", formatCursor(pos))
	default:
		return fmt.Errorf("alert stream ended at %d: an event could not be encoded", pos)
	}
}

// streamCursor returns the cursor to resume after: the request's, else
// the Last-Event-ID header's; resume is false when there is neither.
func streamCursor(ctx context.Context, requested string) (cursor uint64, resume bool, err error) {
	c := requested
	if c == "" {
		if v := metadata.ValueFromIncomingContext(ctx, lastEventIDKey); len(v) > 0 {
			c = v[0]
		}
	}
	if c == "" {
		return 0, false, nil
	}
	n, err := parseCursor(c)
	if err != nil {
		return 0, false, errs.Field("cursor", "is not a cursor of this stream")
	}
	return n, true, nil
}

// streamFilter returns the filter of a StreamAlerts request: its named
// subscription's, which must be the caller's own (NOT_FOUND otherwise),
// or its own filters.
func (s *alertServer) streamFilter(ctx context.Context, c caller, req *alertsv1.StreamAlertsRequest) (filter, error) {
	if name := req.GetSubscription(); name != "" {
		sub, err := s.ownSubscription(ctx, "subscription", name)
		if err != nil {
			return filter{}, err
		}
		if agencyOfSubscription(name) != agencyName(c.agency) {
			return filter{}, errs.Field("subscription", "must be a subscription of %s", req.GetParent())
		}
		f := filter{
			categories:  sub.GetCategories(),
			minSeverity: sub.GetMinSeverity(),
			language:    strings.ToLower(sub.GetLanguageCode()),
			quiet:       quietHoursOf(sub.GetQuietHours(), c.loc),
		}
		for _, p := range sub.GetPlaces() {
			if p.GetPoint() != nil {
				f.points = append(f.points, p.GetPoint())
			}
		}
		return f, nil
	}
	if p := req.GetPoint(); p != nil {
		if err := checkPoint(p, "point"); err != nil {
			return filter{}, err
		}
	}
	return filter{
		point:       clonePoint(req.GetPoint()),
		categories:  req.GetCategories(),
		minSeverity: req.GetMinSeverity(),
		language:    strings.ToLower(req.GetLanguageCode()),
	}, nil
}

// clonePoint copies p, so that the stream keeps no part of the request.
func clonePoint(p *latlng.LatLng) *latlng.LatLng {
	if p == nil {
		return nil
	}
	return &latlng.LatLng{Latitude: p.GetLatitude(), Longitude: p.GetLongitude()}
}

// agencyOfSubscription returns `agencies/{agency}` of a subscription's
// name.
func agencyOfSubscription(name string) string { return agencyOfAlert(name) }

// wireOf identifies how the stream of ctx encodes its messages: its codec
// (the content subtype) and its compressor. Streams that share it can
// send one PreparedMsg. When the transport does not say, the stream gets
// a key of its own, and its own encodings.
func wireOf(ctx context.Context) string {
	type wire interface {
		ContentSubtype() string
		SendCompress() string
	}
	if w, ok := grpc.ServerTransportStreamFromContext(ctx).(wire); ok {
		return w.ContentSubtype() + "/" + w.SendCompress()
	}
	return fmt.Sprintf("stream %p", ctx)
}
