package forum

import (
	"context"
	"errors"
	"fmt"

	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
	"github.com/engagehq/engage/services/internal/auth"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/fieldmask"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
)

var (
	errSignInToWrite = errs.Public(errs.PermissionDenied, "sign in with a personal account to write in forums")
	errAnnouncement  = errs.Public(errs.PermissionDenied, "only staff of the agency may post announcements")
	errStaffForum    = errs.Public(errs.PermissionDenied, "only staff of the agency may write in a staff forum")
	errEditThread    = errs.Public(errs.PermissionDenied, "only its author may edit a thread")
	errDeleteThread  = errs.Public(errs.PermissionDenied, "only its author or a moderator may delete a thread")
	// errMeetingThread refuses hand edits of a meeting's question thread,
	// which the meeting rewrites whenever it changes.
	errMeetingThread = errs.WithReason(errs.Public(errs.FailedPrecondition,
		"this thread describes a meeting; update the meeting instead"), "MEETING_THREAD")
)

// checkWriteForum returns what keeps p from starting a thread or replying
// in forum f: NOT_FOUND when p may not read it.
func checkWriteForum(p auth.Principal, f Forum) error {
	if !mayReadForum(p, f) {
		return notFound(f.Key().Name())
	}
	if !mayPostIn(p, f) {
		return errStaffForum
	}
	return nil
}

// validKind reports whether k is a thread kind of the contract.
func validKind(k forumv1.ThreadKind) bool {
	_, ok := forumv1.ThreadKind_name[int32(k)]
	return ok && k != forumv1.ThreadKind_THREAD_KIND_UNSPECIFIED
}

// CreateThread starts a thread: any signed-in person who may read the
// forum (staff only in a STAFF forum); ANNOUNCEMENT threads are for staff.
// The author's content is marked official when they are staff of the
// agency. New accounts are rate-limited and duplicates refused. Another
// Engage service starts a thread in the agency's name, as staff (see
// bylineOf); it is exempt from the abuse limits.
func (s *threadServer) CreateThread(ctx context.Context, req *forumv1.CreateThreadRequest) (*forumv1.Thread, error) {
	fk, err := parseForum("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	in := req.GetThread()
	if in == nil {
		return nil, errs.Field("thread", "is required")
	}
	p := auth.FromContext(ctx)
	if p.Kind != auth.Account && p.Kind != auth.Service {
		return nil, errSignInToWrite
	}
	by := bylineOf(p, fk.Agency)
	if !validKind(in.GetKind()) {
		return nil, errs.Field("thread.kind", "must be THREAD_KIND_DISCUSSION, THREAD_KIND_QUESTION or THREAD_KIND_ANNOUNCEMENT")
	}
	title, err := cleanText("thread.title", in.GetTitle(), minTitle, maxTitle)
	if err != nil {
		return nil, err
	}
	body, err := cleanText("thread.body", in.GetBody(), 1, maxBody)
	if err != nil {
		return nil, err
	}
	now := s.now()
	request := Request{Caller: p.Name, ID: req.GetRequestId(), Time: now}
	if replay, err := s.replayedThread(ctx, p, fk, request); replay != nil || err != nil {
		return replay, err
	}
	// The forum is checked in the write's transaction; the abuse check
	// comes first, so that a refused thread costs no write.
	if in.GetKind() == forumv1.ThreadKind_THREAD_KIND_ANNOUNCEMENT && !by.official {
		return nil, errAnnouncement
	}
	text := title + "\n" + body
	if err := s.abuse.check(p, fk.Agency, "thread.body", text); err != nil {
		return nil, err
	}
	t := Thread{
		Agency: fk.Agency, Forum: fk.Forum, Kind: in.GetKind(), Title: title, Body: body,
		Author: by.author, AuthorDisplayName: by.displayName, Official: by.official,
		State: forumv1.ContentState_CONTENT_STATE_VISIBLE, CreateTime: now, LastActivityTime: now,
	}
	got, err := s.store.CreateThread(ctx, t, request, func(f Forum) error { return checkWriteForum(p, f) })
	if err != nil {
		return nil, fmt.Errorf("create thread: %w", err)
	}
	if !got.CreateTime.Equal(now) || got.Author != by.author {
		return s.threadView(ctx, p, got) // a concurrent retry with the same request id won
	}
	s.abuse.record(p, fk.Agency, text)
	s.reindexDoc(ctx, Target{ThreadKey: got.Key()})
	s.log.InfoContext(ctx, "thread created", "thread", got.Key().Name(), "kind", got.Kind.String(), "by", p.Name)
	return threadToProto(got, false), nil // nobody has voted for it yet
}

// replayedThread returns the thread an earlier request with the same id
// created, or nil when the request is new. A retry skips the abuse check,
// which would take it for a duplicate of itself.
func (s *Service) replayedThread(ctx context.Context, p auth.Principal, fk ForumKey, req Request) (*forumv1.Thread, error) {
	if req.ID == "" {
		return nil, nil
	}
	name, err := s.store.RequestedName(ctx, req.Caller, req.ID)
	if errors.Is(err, errs.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("create thread: %w", err)
	}
	t, err := ParseTarget(name)
	if err != nil || t.IsPost() || t.ForumKey() != fk {
		return nil, ErrRequestReused
	}
	c, err := s.store.Thread(ctx, t.ThreadKey)
	if err != nil {
		return nil, fmt.Errorf("create thread: %w", err)
	}
	return s.threadView(ctx, p, c.Thread)
}

// openMeetingThread opens the QUESTION thread of a town-hall meeting in
// forum, authored by the caller (official when staff) and linked to the
// meeting, and returns its name. Errors name the meeting's fields.
func (s *Service) openMeetingThread(ctx context.Context, forum, title, body, meeting string) (string, error) {
	fk, err := parseForum("meeting.forum", forum)
	if err != nil {
		return "", err
	}
	p := auth.FromContext(ctx)
	if p.Kind != auth.Account {
		return "", errSignInToWrite
	}
	if title, err = cleanText("meeting.title", title, minTitle, maxTitle); err != nil {
		return "", err
	}
	if body, err = cleanText("meeting.description", body, 0, maxBody); err != nil {
		return "", err
	}
	if body == "" {
		body = title
	}
	now := s.now()
	t := Thread{
		Agency: fk.Agency, Forum: fk.Forum, Kind: forumv1.ThreadKind_THREAD_KIND_QUESTION, Title: title, Body: body,
		Author: p.Name, AuthorDisplayName: p.DisplayName, Official: isStaff(p, fk.Agency),
		State: forumv1.ContentState_CONTENT_STATE_VISIBLE, CreateTime: now, LastActivityTime: now, Meeting: meeting,
	}
	got, err := s.store.CreateThread(ctx, t, Request{}, func(f Forum) error { return checkWriteForum(p, f) })
	if err != nil {
		return "", fmt.Errorf("open meeting thread: %w", err)
	}
	s.reindexDoc(ctx, Target{ThreadKey: got.Key()})
	return got.Key().Name(), nil
}

// threadView renders a thread with the caller's vote.
func (s *Service) threadView(ctx context.Context, p auth.Principal, t Thread) (*forumv1.Thread, error) {
	views, err := s.threadViews(ctx, p, []Thread{t})
	if err != nil {
		return nil, err
	}
	return views[0], nil
}

// threadViews renders threads with the caller's votes, one key lookup
// each.
func (s *Service) threadViews(ctx context.Context, p auth.Principal, threads []Thread) ([]*forumv1.Thread, error) {
	targets := make([]Target, len(threads))
	for i, t := range threads {
		targets[i] = Target{ThreadKey: t.Key()}
	}
	voted, err := s.store.Voted(ctx, voter(p), targets)
	if err != nil {
		return nil, fmt.Errorf("read votes: %w", err)
	}
	out := make([]*forumv1.Thread, len(threads))
	for i, t := range threads {
		out[i] = threadToProto(t, voted[i])
	}
	return out, nil
}

// voter is the account whose votes a caller sees: none for callers who
// are not people.
func voter(p auth.Principal) string {
	if p.Kind != auth.Account {
		return ""
	}
	return p.Name
}

// GetThread returns a thread the caller may see.
func (s *threadServer) GetThread(ctx context.Context, req *forumv1.GetThreadRequest) (*forumv1.Thread, error) {
	k, err := parseThread("name", req.GetName())
	if err != nil {
		return nil, err
	}
	c, err := s.store.Thread(ctx, k)
	if err != nil {
		return nil, fmt.Errorf("get thread: %w", err)
	}
	p := auth.FromContext(ctx)
	if !maySeeThread(p, c.Forum, c.Thread) {
		return nil, notFound(req.GetName())
	}
	return s.threadView(ctx, p, c.Thread)
}

// threadFields are the updatable fields of a thread, by field-mask path.
var threadFields = []string{"title", "body"}

// UpdateThread edits a thread's title or body: its author, within the
// edit window. A non-empty etag must match.
func (s *threadServer) UpdateThread(ctx context.Context, req *forumv1.UpdateThreadRequest) (*forumv1.Thread, error) {
	in := req.GetThread()
	if in == nil {
		return nil, errs.Field("thread", "is required")
	}
	k, err := parseThread("thread.name", in.GetName())
	if err != nil {
		return nil, err
	}
	u, err := fieldmask.Resolve(req.GetUpdateMask(), in, threadFields)
	if err != nil {
		return nil, err
	}
	var title, body string
	for _, f := range u.Paths {
		switch f {
		case "title":
			title, err = cleanText("thread.title", in.GetTitle(), minTitle, maxTitle)
		case "body":
			body, err = cleanText("thread.body", in.GetBody(), 1, maxBody)
		}
		if err != nil {
			return nil, err
		}
	}
	p, now := auth.FromContext(ctx), s.now()
	t, err := s.store.UpdateThread(ctx, k, func(f Forum, t *Thread) error {
		if !maySeeThread(p, f, *t) {
			return notFound(k.Name())
		}
		if p.Kind != auth.Account || t.Author != p.Name {
			return errEditThread
		}
		if t.Meeting != "" {
			return errMeetingThread
		}
		if err := checkETag(in.GetEtag(), t.Revision); err != nil {
			return err
		}
		if err := u.CheckImmutable(in, func() proto.Message { return threadToProto(*t, false) }); err != nil {
			return err
		}
		if now.Sub(t.CreateTime) > s.editWindow {
			return errEditWindow
		}
		for _, f := range u.Paths {
			switch f {
			case "title":
				t.Title = title
			case "body":
				t.Body = body
			}
		}
		// The links are counted in the thread as edited, title and body,
		// as they were when it was created.
		if err := s.abuse.checkEdit(p, k.Agency, "thread.body", t.Title+"\n"+t.Body); err != nil {
			return err
		}
		t.UpdateTime = now
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("update thread: %w", err)
	}
	s.reindexDoc(ctx, Target{ThreadKey: k})
	return s.threadView(ctx, p, t)
}

// DeleteThread deletes a thread softly, with its replies: its author or a
// moderator. A non-empty etag must match.
func (s *threadServer) DeleteThread(ctx context.Context, req *forumv1.DeleteThreadRequest) (*emptypb.Empty, error) {
	k, err := parseThread("name", req.GetName())
	if err != nil {
		return nil, err
	}
	p := auth.FromContext(ctx)
	err = s.store.DeleteThread(ctx, k, s.now(), func(f Forum, t Thread) error {
		if !maySeeThread(p, f, t) {
			return notFound(k.Name())
		}
		if !(p.Kind == auth.Account && t.Author == p.Name) && !isModerator(p, k.Agency) {
			return errDeleteThread
		}
		return checkETag(req.GetEtag(), t.Revision)
	})
	if err != nil {
		return nil, fmt.Errorf("delete thread: %w", err)
	}
	s.log.InfoContext(ctx, "thread deleted", "thread", k.Name(), "by", p.Name)
	s.reindex(ctx, k)
	return &emptypb.Empty{}, nil
}

// LockThread locks or unlocks a thread: moderators.
func (s *threadServer) LockThread(ctx context.Context, req *forumv1.LockThreadRequest) (*forumv1.Thread, error) {
	return s.moderateThread(ctx, req.GetName(), func(t *Thread) { t.Locked = req.GetLocked() })
}

// PinThread pins or unpins a thread: moderators.
func (s *threadServer) PinThread(ctx context.Context, req *forumv1.PinThreadRequest) (*forumv1.Thread, error) {
	return s.moderateThread(ctx, req.GetName(), func(t *Thread) { t.Pinned = req.GetPinned() })
}

// moderateThread applies a moderator's change to a thread.
func (s *threadServer) moderateThread(ctx context.Context, name string, change func(*Thread)) (*forumv1.Thread, error) {
	k, err := parseThread("name", name)
	if err != nil {
		return nil, err
	}
	if err := requireModerator(ctx, k.Agency, name); err != nil {
		return nil, err
	}
	p := auth.FromContext(ctx)
	t, err := s.store.UpdateThread(ctx, k, func(f Forum, t *Thread) error {
		if !maySeeThread(p, f, *t) {
			return notFound(name)
		}
		change(t)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("moderate thread: %w", err)
	}
	s.log.InfoContext(ctx, "thread moderated", "thread", name, "locked", t.Locked, "pinned", t.Pinned, "by", p.Name)
	return s.threadView(ctx, p, t)
}

// VoteThread upvotes a thread (1) or clears the caller's vote (0).
func (s *threadServer) VoteThread(ctx context.Context, req *forumv1.VoteThreadRequest) (*forumv1.Thread, error) {
	k, err := parseThread("name", req.GetName())
	if err != nil {
		return nil, err
	}
	c, up, err := s.vote(ctx, Target{ThreadKey: k}, req.GetValue())
	if err != nil {
		return nil, err
	}
	return threadToProto(c.Thread, up), nil
}

// vote sets the caller's vote on a target they may see.
func (s *Service) vote(ctx context.Context, t Target, value int32) (Content, bool, error) {
	if value != 0 && value != 1 {
		return Content{}, false, errs.Field("value", "must be 1 (upvote) or 0 (clear the vote)")
	}
	p := auth.FromContext(ctx)
	if p.Kind != auth.Account {
		return Content{}, false, errSignInToWrite
	}
	c, err := s.store.Vote(ctx, t, p.Name, value == 1, func(c Content) error {
		if !maySee(p, c) {
			return notFound(t.Name())
		}
		return nil
	})
	if err != nil {
		return Content{}, false, fmt.Errorf("vote: %w", err)
	}
	return c, value == 1, nil
}

// FlagThread flags a thread for the moderators.
func (s *threadServer) FlagThread(ctx context.Context, req *forumv1.FlagThreadRequest) (*forumv1.FlagThreadResponse, error) {
	k, err := parseThread("name", req.GetName())
	if err != nil {
		return nil, err
	}
	if err := s.flag(ctx, Target{ThreadKey: k}, req.GetReason(), req.GetNote()); err != nil {
		return nil, err
	}
	return &forumv1.FlagThreadResponse{}, nil
}
