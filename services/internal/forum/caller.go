package forum

import (
	"context"
	"fmt"

	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
	"github.com/engagehq/engage/services/internal/auth"
	"github.com/engagehq/engage/services/internal/errs"
)

// Who may do what. The auth interceptor enforces each RPC's declared
// audience and roles; these checks are per object and repeat what matters,
// so that a mistake in a declared policy cannot expose a forum. What the
// caller may not see is NOT_FOUND, never PERMISSION_DENIED.
//
// Forums, threads and posts are written by people. Partners act for
// organizations, not people: they read what anonymous callers read, and
// their roles make them neither staff nor moderators here. Other Engage
// services read everything, and may start threads in the agency's name
// (an alert's Q&A), nothing else.

// isStaff reports whether p is a person holding a role in agency: their
// content is marked official and they read STAFF forums.
func isStaff(p auth.Principal, agency string) bool {
	return p.Kind == auth.Account && p.IsStaff(agency)
}

// isModerator reports whether p moderates agency's forums (agency
// administrators do too).
func isModerator(p auth.Principal, agency string) bool {
	return p.Kind == auth.Account && p.HasRole(agency, accessv1.Role_ROLE_MODERATOR)
}

// mayReadForum applies a forum's visibility.
func mayReadForum(p auth.Principal, f Forum) bool {
	if p.Kind == auth.Service {
		return true
	}
	switch f.Visibility {
	case forumv1.Visibility_VISIBILITY_PUBLIC:
		return true
	case forumv1.Visibility_VISIBILITY_RESIDENTS:
		return p.Kind == auth.Account
	case forumv1.Visibility_VISIBILITY_STAFF:
		return isStaff(p, f.Agency)
	}
	return false
}

// maySeeState reports whether p may see content in state written by
// author: hidden content only its author and the moderators see.
func maySeeState(p auth.Principal, agency, author string, state forumv1.ContentState) bool {
	if state == forumv1.ContentState_CONTENT_STATE_VISIBLE || p.Kind == auth.Service {
		return true
	}
	return (p.Kind == auth.Account && p.Name == author) || isModerator(p, agency)
}

// maySeeThread reports whether p may read a thread and what is in it.
func maySeeThread(p auth.Principal, f Forum, t Thread) bool {
	return mayReadForum(p, f) && maySeeState(p, t.Agency, t.Author, t.State)
}

// maySee reports whether p may read content.
func maySee(p auth.Principal, c Content) bool {
	if !maySeeThread(p, c.Forum, c.Thread) {
		return false
	}
	return c.Post == nil || maySeeState(p, c.Post.Agency, c.Post.Author, c.Post.State)
}

// notFound is what a caller who may not see name is told.
func notFound(name string) error {
	return fmt.Errorf("%s: %w", name, errs.NotFound)
}

// canReadForum returns errs.NotFound unless the caller may read the forum
// named forumName (which must exist and not be deleted).
func (s *Service) canReadForum(ctx context.Context, forumName string) error {
	k, err := parseForum("forum", forumName)
	if err != nil {
		return err
	}
	f, err := s.store.Forum(ctx, k)
	if err != nil {
		return fmt.Errorf("read forum: %w", err)
	}
	if !mayReadForum(auth.FromContext(ctx), f) {
		return notFound(forumName)
	}
	return nil
}

// requireModerator returns errs.NotFound about what unless the caller
// moderates agency.
func requireModerator(ctx context.Context, agency, what string) error {
	if !isModerator(auth.FromContext(ctx), agency) {
		return notFound(what)
	}
	return nil
}

// mayPostIn reports whether p may write in a forum: any person who may read
// it, except that STAFF forums take only staff (who alone read them), and
// other Engage services, which write in the agency's name (only threads:
// the other writing methods do not admit them).
func mayPostIn(p auth.Principal, f Forum) bool {
	return (p.Kind == auth.Account || p.Kind == auth.Service) && mayReadForum(p, f)
}

// byline is who a thread is written by, as it is stored and shown.
type byline struct {
	author, displayName string
	official            bool
}

// bylineOf returns the byline of what p writes in agency: a person writes
// under their own name, official when they are staff of the agency; an
// Engage service writes in the agency's name (`agencies/{agency}`, shown as
// the agency's id), as official staff content.
func bylineOf(p auth.Principal, agency string) byline {
	if p.Kind == auth.Service {
		return byline{author: "agencies/" + agency, displayName: agency, official: true}
	}
	return byline{author: p.Name, displayName: p.DisplayName, official: isStaff(p, agency)}
}
