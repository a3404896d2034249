package feedback

import (
	"sync"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	"github.com/engagehq/engage/services/internal/errs"
	"google.golang.org/grpc/metadata"
)

// watchBuffer is how many events a watcher may lag behind before it is cut
// off: a dashboard that cannot keep up reconnects and lists what it
// missed, rather than slowing submissions down or growing memory.
const watchBuffer = 64

var errFellBehind = errs.Public(errs.ResourceExhausted, "fell behind; reconnect")

// watchHub fans the events of each agency out to its watchers. Events are
// published after the write they report is durable.
type watchHub struct {
	mu     sync.Mutex
	subs   map[string]map[*watcher]struct{}
	closed bool
	done   chan struct{}
}

// watcher is one WatchFeedback call.
type watcher struct {
	events chan *feedbackv1.WatchFeedbackResponse
	// behind is closed when the watcher missed an event.
	behind chan struct{}
}

func newWatchHub() *watchHub {
	return &watchHub{subs: map[string]map[*watcher]struct{}{}, done: make(chan struct{})}
}

// subscribe adds a watcher of agency; nil once the hub is closed.
func (h *watchHub) subscribe(agency string) *watcher {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil
	}
	w := &watcher{events: make(chan *feedbackv1.WatchFeedbackResponse, watchBuffer), behind: make(chan struct{})}
	if h.subs[agency] == nil {
		h.subs[agency] = map[*watcher]struct{}{}
	}
	h.subs[agency][w] = struct{}{}
	return w
}

// unsubscribe removes a watcher.
func (h *watchHub) unsubscribe(agency string, w *watcher) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.drop(agency, w)
}

func (h *watchHub) drop(agency string, w *watcher) {
	if m := h.subs[agency]; m != nil {
		delete(m, w)
		if len(m) == 0 {
			delete(h.subs, agency)
		}
	}
}

// publish hands the event made by event to every watcher of agency
// without waiting: a watcher whose buffer is full is cut off. The event is
// made only when the agency has watchers.
func (h *watchHub) publish(agency string, event func() *feedbackv1.WatchFeedbackResponse) {
	h.mu.Lock()
	defer h.mu.Unlock()
	subs := h.subs[agency]
	if len(subs) == 0 {
		return
	}
	ev := event()
	for w := range subs {
		select {
		case w.events <- ev:
		default:
			close(w.behind)
			h.drop(agency, w)
		}
	}
}

// close ends every watcher and refuses new ones.
func (h *watchHub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.closed {
		h.closed = true
		close(h.done)
		clear(h.subs)
	}
}

// publishFeedback tells the agency's watchers what happened to f.
func (s *Service) publishFeedback(t feedbackv1.WatchFeedbackResponse_EventType, f Feedback) {
	s.fb.hub.publish(f.Agency, func() *feedbackv1.WatchFeedbackResponse {
		return &feedbackv1.WatchFeedbackResponse{EventType: t, Feedback: feedbackToProto(f, staffView)}
	})
}

// WatchFeedback streams the agency's new feedback and submitters' replies
// to its analysts, from the moment the call starts. The response headers
// are sent once the watcher is registered, so a client that has read them
// misses nothing written afterwards. A watcher that falls watchBuffer
// events behind is ended with RESOURCE_EXHAUSTED; the stream ends cleanly
// when the service closes.
func (s *feedbackServer) WatchFeedback(req *feedbackv1.WatchFeedbackRequest, stream feedbackv1.FeedbackService_WatchFeedbackServer) error {
	ctx := stream.Context()
	agency, err := parseFeedbackParent("parent", req.GetParent())
	if err != nil {
		return err
	}
	if _, err := requireAnalyst(ctx, agency, req.GetParent()); err != nil {
		return err
	}
	w := s.fb.hub.subscribe(agency)
	if w == nil {
		return nil
	}
	defer s.fb.hub.unsubscribe(agency, w)
	// Accepted: say so at once, so that the gateway answers a REST watcher
	// now rather than with the first event.
	if err := stream.SendHeader(metadata.Pairs("x-engage-stream", "open")); err != nil {
		return err
	}
	for {
		// A watcher cut off stops at once, even with events buffered.
		select {
		case <-w.behind:
			return errFellBehind
		default:
		}
		select {
		case ev := <-w.events:
			if err := stream.Send(ev); err != nil {
				return err
			}
		case <-w.behind:
			return errFellBehind
		case <-s.fb.hub.done:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
