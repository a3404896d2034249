package forum

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
	"google.golang.org/grpc"
)

// Defaults of Config.
const (
	DefaultFlagThreshold = 3
	DefaultEditWindow    = 15 * time.Minute
	DefaultRetention     = 30 * 24 * time.Hour
)

// Config configures a Service. The zero value is usable.
type Config struct {
	// Abuse sets the posting limits of new accounts and the duplicate
	// check.
	Abuse AbuseConfig
	// FlagThreshold is how many distinct accounts' flags hide content until
	// a moderator reviews it (DefaultFlagThreshold when zero).
	FlagThreshold int
	// EditWindow is how long after writing it an author may edit a thread
	// or post (DefaultEditWindow when zero).
	EditWindow time.Duration
	// Retention is how long deleted content is kept before Purge removes
	// it (DefaultRetention when zero).
	Retention time.Duration
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Logger receives what the service does; nil discards it.
	Logger *slog.Logger
}

// Service implements the forum services. Create it with New.
type Service struct {
	store         Store
	now           func() time.Time
	log           *slog.Logger
	flagThreshold int
	editWindow    time.Duration
	retention     time.Duration
	abuse         *abuseGuard
	search        *searchIndex
}

// New returns the forum service over store, with its search index built
// from the stored content.
func New(store Store, cfg Config) (*Service, error) {
	if store == nil {
		return nil, errors.New("forum: nil store")
	}
	if cfg.FlagThreshold < 0 || cfg.EditWindow < 0 || cfg.Retention < 0 {
		return nil, errors.New("forum: negative flag threshold, edit window or retention")
	}
	if cfg.FlagThreshold == 0 {
		cfg.FlagThreshold = DefaultFlagThreshold
	}
	if cfg.EditWindow == 0 {
		cfg.EditWindow = DefaultEditWindow
	}
	if cfg.Retention == 0 {
		cfg.Retention = DefaultRetention
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Service{
		store:         store,
		now:           cfg.Now,
		log:           log,
		flagThreshold: cfg.FlagThreshold,
		editWindow:    cfg.EditWindow,
		retention:     cfg.Retention,
		abuse:         newAbuseGuard(cfg.Abuse, cfg.Now),
		search:        newSearchIndex(),
	}
	start := time.Now()
	n, err := s.rebuildSearch(context.Background())
	if err != nil {
		return nil, fmt.Errorf("forum: build the search index: %w", err)
	}
	log.Info("search index built", "documents", n, "took", time.Since(start).Round(time.Millisecond))
	return s, nil
}

// Register registers the five forum services on g.
func (s *Service) Register(g grpc.ServiceRegistrar) {
	forumv1.RegisterForumServiceServer(g, &forumServer{Service: s})
	forumv1.RegisterThreadServiceServer(g, &threadServer{Service: s})
	forumv1.RegisterPostServiceServer(g, &postServer{Service: s})
	forumv1.RegisterModerationServiceServer(g, &moderationServer{Service: s})
	forumv1.RegisterMeetingServiceServer(g, &meetingServer{Service: s})
}

// The handler types, one per gRPC service; each embeds its Unimplemented
// server as protoc-gen-go-grpc requires, and implements every RPC.
// meetingServer is in meetings.go.
type (
	forumServer struct {
		forumv1.UnimplementedForumServiceServer
		*Service
	}
	threadServer struct {
		forumv1.UnimplementedThreadServiceServer
		*Service
	}
	postServer struct {
		forumv1.UnimplementedPostServiceServer
		*Service
	}
	moderationServer struct {
		forumv1.UnimplementedModerationServiceServer
		*Service
	}
)

var (
	_ forumv1.ForumServiceServer      = (*forumServer)(nil)
	_ forumv1.ThreadServiceServer     = (*threadServer)(nil)
	_ forumv1.PostServiceServer       = (*postServer)(nil)
	_ forumv1.ModerationServiceServer = (*moderationServer)(nil)
	_ forumv1.MeetingServiceServer    = (*meetingServer)(nil)
)
