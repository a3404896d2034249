package alerts

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	alertsv1 "github.com/engagehq/engage/api/gen/engage/alerts/v1"
	"google.golang.org/grpc"
)

// The stream hub is one goroutine (Run) tailing the stream log: woken by
// s.sent after every commit, it reads the events after the last one it
// fanned out and hands each, in sequence order, to the StreamAlerts calls
// of its agency. Every event is in the store before any stream sees it,
// so the order is global and gap-free, and a client resuming from a
// cursor reads what it missed from the same log.
//
// The hub never waits for a stream: each has a buffer of
// Config.StreamBuffer events, and one whose buffer is full is cut off
// (RESOURCE_EXHAUSTED, naming the cursor to resume from) rather than
// slowing the others down. Each distinct response — per event, language
// and public or staff view — is encoded once, as a grpc.PreparedMsg that
// every stream wanting it sends as is: 10,000 streams of one agency cost
// one encoding and 10,000 filter checks per event, not 10,000 encodings.

const (
	// tailBatch is how many events the hub reads from the log at once.
	tailBatch = 256
	// deliveryFlushInterval is how often delivery counts are written.
	deliveryFlushInterval = 5 * time.Second
	// shutdownWait bounds how long Run waits, once it has ended every
	// stream, for their handlers to return before the last flush.
	shutdownWait = 5 * time.Second
)

// endReason is why the hub ended a stream.
type endReason int

const (
	// endBehind: the stream's buffer was full.
	endBehind endReason = iota + 1
	// endShutdown: Run returned.
	endShutdown
	// endFailed: its message could not be encoded.
	endFailed
)

// delivery is one event handed to streams: its cursor, the alert it is
// about (for the delivery count) and the encoded response. Every stream
// of the same variant gets the same one, so that a stream's buffer holds
// only pointers.
type delivery struct {
	seq   uint64
	alert string
	msg   *grpc.PreparedMsg
}

// subscriber is one StreamAlerts call as the hub sees it: what it wants
// and where to put it. Only its handler reads events; the hub only writes
// them, without blocking.
type subscriber struct {
	agency string // `agencies/{agency}`
	stream grpc.ServerStream
	// wire identifies how the stream encodes messages (codec and
	// compressor); streams sharing it can send the same PreparedMsg.
	wire  string
	staff bool
	f     filter
	// events is the buffer. The hub sends to it only while the stream is
	// registered, and closes it, once reason is set, when it ends the
	// stream; a closed channel rather than one more wakes the handler, as
	// each channel a waiting handler selects on costs it memory.
	events chan *delivery
	// reason is the endReason of a stream the hub ended, 0 before.
	reason atomic.Int32
}

// ended tells whether the hub ended the stream.
func (sub *subscriber) ended() bool { return sub.reason.Load() != 0 }

// visible tells whether the subscriber may receive a: staff anything of
// their agency, anyone else only PUBLIC messages.
func (sub *subscriber) visible(a *alertsv1.Alert) bool {
	return sub.staff || a.GetScope() == alertsv1.Scope_SCOPE_PUBLIC
}

// wants tells whether the subscriber receives the event.
func (sub *subscriber) wants(ev Event) bool {
	return sub.visible(ev.Alert) && sub.f.matches(ev.Alert)
}

// hub is the stream hub's state. mu guards everything but the counts.
type hub struct {
	mu      sync.Mutex
	running bool
	stopped bool
	// started is closed once Run has read the log's head and streams may
	// register.
	started chan struct{}
	// head is the sequence number of the last event fanned out.
	head uint64
	subs map[string]map[*subscriber]struct{}
	// active counts the registered StreamAlerts handlers, so that Run can
	// wait for them to finish their last sends before its last flush.
	active sync.WaitGroup
	counts deliveryCounts
}

func newHub() *hub {
	return &hub{
		subs:    map[string]map[*subscriber]struct{}{},
		started: make(chan struct{}),
		counts:  deliveryCounts{m: map[string]int64{}},
	}
}

// errHubNotRunning refuses a stream while the hub is not running.
var errHubNotRunning = errors.New("alert stream hub not running")

// start marks the hub running from head; false when it ran before.
func (h *hub) start(head uint64) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.running || h.stopped {
		return false
	}
	h.running, h.head = true, head
	close(h.started)
	return true
}

// subscribe registers sub and returns the hub's head: sub receives every
// event after it, and none before. It fails when the hub is not running.
func (h *hub) subscribe(sub *subscriber) (uint64, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.running || h.stopped {
		return 0, errHubNotRunning
	}
	if h.subs[sub.agency] == nil {
		h.subs[sub.agency] = map[*subscriber]struct{}{}
	}
	h.subs[sub.agency][sub] = struct{}{}
	h.active.Add(1)
	return h.head, nil
}

// unsubscribe removes sub, which subscribe registered.
func (h *hub) unsubscribe(sub *subscriber) {
	h.mu.Lock()
	h.remove(sub)
	h.mu.Unlock()
	h.active.Done()
}

// remove takes sub out of the fan-out; h.mu is held.
func (h *hub) remove(sub *subscriber) {
	if m := h.subs[sub.agency]; m != nil {
		delete(m, sub)
		if len(m) == 0 {
			delete(h.subs, sub.agency)
		}
	}
}

// end ends sub for reason and removes it; h.mu is held.
func (h *hub) end(sub *subscriber, reason endReason) {
	sub.reason.Store(int32(reason))
	close(sub.events)
	h.remove(sub)
}

// stop ends every stream and refuses new ones.
func (h *hub) stop() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stopped = true
	for _, m := range h.subs {
		for sub := range m {
			h.end(sub, endShutdown)
		}
	}
}

// variant identifies one encoding of an event's response (the stream
// filters' languages are lower case).
type variant struct {
	language string
	staff    bool
	wire     string
}

// fanout hands ev to every stream of its agency that wants it, encoding
// each variant of the response once, and advances the head.
func (h *hub) fanout(ev Event, log func(msg string, args ...any)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.head = ev.Seq
	agency := agencyOfAlert(ev.Alert.GetName())
	prepared := map[variant]*delivery{}
	for sub := range h.subs[agency] {
		if !sub.wants(ev) {
			continue
		}
		v := variant{language: sub.f.language, staff: sub.staff, wire: sub.wire}
		d, ok := prepared[v]
		if !ok {
			msg, err := prepare(sub, ev)
			if err != nil {
				log("cannot encode alert event", "seq", ev.Seq, "alert", ev.Alert.GetName(), "error", err)
				h.end(sub, endFailed)
				continue
			}
			d = &delivery{seq: ev.Seq, alert: ev.Alert.GetName(), msg: msg}
			prepared[v] = d
		}
		select {
		case sub.events <- d:
		default:
			h.end(sub, endBehind)
		}
	}
}

// prepare encodes the response to ev as sub receives it, for every
// stream of the same variant.
func prepare(sub *subscriber, ev Event) (*grpc.PreparedMsg, error) {
	msg := &grpc.PreparedMsg{}
	if err := msg.Encode(sub.stream, response(ev, sub.f.language, sub.staff)); err != nil {
		return nil, err
	}
	return msg, nil
}

// response is the StreamAlertsResponse of ev in language, in the public
// view unless for staff.
func response(ev Event, language string, staff bool) *alertsv1.StreamAlertsResponse {
	a := localize(ev.Alert, language)
	if !staff {
		a = publicView(a)
	}
	return &alertsv1.StreamAlertsResponse{Cursor: formatCursor(ev.Seq), EventType: ev.Type, Alert: a}
}

// formatCursor is the cursor of the event with seq: its sequence number
// in decimal. Clients must treat cursors as opaque.
func formatCursor(seq uint64) string { return strconv.FormatUint(seq, 10) }

// parseCursor parses a cursor of formatCursor's.
func parseCursor(c string) (uint64, error) {
	n, err := strconv.ParseUint(c, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("cursor %q: %w", c, err)
	}
	return n, nil
}

// agencyOfAlert returns `agencies/{agency}` of an alert's name.
func agencyOfAlert(name string) string {
	parts := strings.SplitN(name, "/", 3)
	if len(parts) < 2 {
		return ""
	}
	return parts[0] + "/" + parts[1]
}

// Run runs the stream hub and the periodic delivery-count flush until ctx
// is cancelled, then ends every stream with UNAVAILABLE so that clients
// reconnect elsewhere with their last cursor, writes the last delivery
// counts and returns nil. StreamAlerts answers UNAVAILABLE while Run is
// not running. The app calls it once, in a goroutine; an error means it
// could not start (the store could not be read, or it ran before).
func (s *Service) Run(ctx context.Context) error {
	head, err := s.store.LastEvent(ctx)
	if err != nil {
		return fmt.Errorf("alerts stream: read the log's head: %w", err)
	}
	if !s.hub.start(head) {
		return errors.New("alerts stream: Run called more than once")
	}
	ticker := time.NewTicker(deliveryFlushInterval)
	defer ticker.Stop()
	for {
		s.tail(ctx)
		select {
		case <-ctx.Done():
			s.shutdown(context.WithoutCancel(ctx))
			return nil
		case <-s.sent:
		case <-ticker.C:
			// The tick also retries a tail that failed.
			s.flushDeliveries(ctx)
		}
	}
}

// tail fans out every event after the hub's head. A store failure is
// logged and retried on the next wake-up or tick: the head stays, so
// nothing is skipped.
func (s *Service) tail(ctx context.Context) {
	for ctx.Err() == nil {
		evs, err := s.store.Events(ctx, "", s.hub.head, tailBatch)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Error("read the alert stream log", "after", s.hub.head, "error", err)
			}
			return
		}
		for _, ev := range evs {
			s.hub.fanout(ev, s.log.Error)
		}
		if len(evs) < tailBatch {
			return
		}
	}
}

// shutdown ends every stream, waits a bounded time for their handlers to
// return, and flushes the delivery counts.
func (s *Service) shutdown(ctx context.Context) {
	s.hub.stop()
	done := make(chan struct{})
	go func() { s.hub.active.Wait(); close(done) }()
	t := time.NewTimer(shutdownWait)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		s.log.Warn("alert streams still sending at shutdown; flushing their counts so far")
	}
	ctx, cancel := context.WithTimeout(ctx, shutdownWait)
	defer cancel()
	s.flushDeliveries(ctx)
}
