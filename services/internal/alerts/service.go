// Package alerts implements the Alerts service (PRODUCT.md §3.5): public
// safety alerts as OASIS CAP 1.2 messages, drafted by alert authors and
// sent by `:publish`, with a second person's approval for SEVERE and
// EXTREME ones; CAP UPDATE and CANCEL messages that replace what was sent;
// the public list, a resumable live stream, the CAP document of each
// message and an Atom feed; CAP import from partners; residents' saved
// subscriptions; official Q&A threads in the Forum service; and
// staff-only notices raised by other services.
//
// Every message is an Alert resource. A message is "sent" when it enters
// PUBLISHED: in that same transaction the store appends an Event to the
// stream log, whose sequence number is the stream cursor. Nothing else
// sends, so a retried publish (same request_id) can never send twice and
// every stream client, live or resuming from its cursor, sees the same
// events in the same order.
//
// Who sees what: published PUBLIC alerts are public; drafts, alerts
// awaiting approval or rejected, and RESTRICTED alerts are visible only to
// the agency's alert authors and approvers (and the services), NOT_FOUND
// to anyone else.
//
// The handlers are split by gRPC service: alertServer (drafts.go,
// lifecycle.go, read.go, stream.go, cap.go, thread.go, notice.go) and
// subscriptionServer (subscriptions.go).
package alerts

import (
	"context"
	"errors"
	"log/slog"
	"time"

	alertsv1 "github.com/engagehq/engage/api/gen/engage/alerts/v1"
	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
	"github.com/engagehq/engage/services/internal/agencies"
	"google.golang.org/grpc"
)

// Defaults of Config.
const (
	// DefaultStreamBuffer is how many events a stream may lag behind the
	// newest before it is cut off. Each is a pointer to a delivery that
	// every stream of the same language and view shares, and a stream cut
	// off resumes from its cursor without loss, so a small buffer does:
	// at 10,000 streams, every slot costs 80 KB.
	DefaultStreamBuffer = 64
	// DefaultForumTimeout bounds the call to the Forum service.
	DefaultForumTimeout = 5 * time.Second
	// RetryLifetime is how long request ids are remembered.
	RetryLifetime = 24 * time.Hour
)

// Config configures a Service.
type Config struct {
	// Agencies tells whether an agency exists and its time zone. Required.
	Agencies agencies.Directory
	// Threads is the Forum service's ThreadService, called with the
	// service's own credential to open an alert's Q&A thread. Required.
	Threads forumv1.ThreadServiceClient
	// ForumTimeout bounds the call to Threads (DefaultForumTimeout when
	// zero); past it, OpenAlertThread fails with UNAVAILABLE.
	ForumTimeout time.Duration
	// PublicURL is where residents reach the REST API, e.g.
	// "https://engage.example.org"; it roots the links of the Atom feed
	// and the CAP documents, and its host names CAP senders
	// (`{agency}@{host}`).
	PublicURL string
	// StreamBuffer is DefaultStreamBuffer when zero.
	StreamBuffer int
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Logger receives what the service does; nil discards it.
	Logger *slog.Logger
}

// Service implements the alert services. Create it with New, start its
// stream with Run, and register it with Register.
type Service struct {
	store    Store
	agencies agencies.Directory
	threads  forumv1.ThreadServiceClient
	now      func() time.Time
	log      *slog.Logger
	cfg      Config
	// sent is signalled, without blocking, after every committed change;
	// the stream hub then reads the log for what was sent.
	sent chan struct{}
	// hub fans the stream log out to the StreamAlerts calls (see Run).
	hub *hub
}

// New returns the alerts service over store.
func New(store Store, cfg Config) (*Service, error) {
	if store == nil {
		return nil, errors.New("alerts: nil store")
	}
	if cfg.Agencies == nil {
		return nil, errors.New("alerts: nil agency directory")
	}
	if cfg.Threads == nil {
		return nil, errors.New("alerts: nil forum thread client")
	}
	if cfg.ForumTimeout < 0 || cfg.StreamBuffer < 0 {
		return nil, errors.New("alerts: negative forum timeout or stream buffer")
	}
	if cfg.ForumTimeout == 0 {
		cfg.ForumTimeout = DefaultForumTimeout
	}
	if cfg.StreamBuffer == 0 {
		cfg.StreamBuffer = DefaultStreamBuffer
	}
	if cfg.PublicURL == "" {
		cfg.PublicURL = "http://127.0.0.1:8080"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{
		store:    store,
		agencies: cfg.Agencies,
		threads:  cfg.Threads,
		now:      cfg.Now,
		log:      cfg.Logger,
		cfg:      cfg,
		sent:     make(chan struct{}, 1),
		hub:      newHub(),
	}, nil
}

// change runs fn in a store transaction (see Store.Change) and, once it
// committed, wakes the stream hub to deliver whatever fn sent.
func (s *Service) change(ctx context.Context, retry Retry, fn func(tx Tx) (*alertsv1.Alert, error)) (*alertsv1.Alert, error) {
	a, err := s.store.Change(ctx, retry, fn)
	if err == nil {
		s.wake()
	}
	return a, err
}

// wake tells the stream hub that the log may have grown.
func (s *Service) wake() {
	select {
	case s.sent <- struct{}{}:
	default:
	}
}

// Register registers the two alert services on g.
func (s *Service) Register(g grpc.ServiceRegistrar) {
	alertsv1.RegisterAlertServiceServer(g, &alertServer{Service: s})
	alertsv1.RegisterSubscriptionServiceServer(g, &subscriptionServer{Service: s})
}

// The handler types, one per gRPC service; each embeds its Unimplemented
// server as protoc-gen-go-grpc requires, and implements every RPC.
type (
	alertServer struct {
		alertsv1.UnimplementedAlertServiceServer
		*Service
	}
	subscriptionServer struct {
		alertsv1.UnimplementedSubscriptionServiceServer
		*Service
	}
)

var (
	_ alertsv1.AlertServiceServer        = (*alertServer)(nil)
	_ alertsv1.SubscriptionServiceServer = (*subscriptionServer)(nil)
)
