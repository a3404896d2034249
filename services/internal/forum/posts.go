package forum

import (
	"context"
	"errors"
	"fmt"
	"strings"

	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
	"github.com/engagehq/engage/services/internal/auth"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/fieldmask"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
)

var (
	errEditPost   = errs.Public(errs.PermissionDenied, "only its author may edit a reply")
	errDeletePost = errs.Public(errs.PermissionDenied, "only its author or a moderator may delete a reply")
	errAccept     = errs.Public(errs.PermissionDenied, "only the question's author or agency staff may accept an answer")
)

// checkReply returns what keeps p from replying in thread t of forum f.
func checkReply(p auth.Principal, f Forum, t Thread) error {
	if !maySeeThread(p, f, t) {
		return notFound(t.Key().Name())
	}
	if err := checkWriteForum(p, f); err != nil {
		return err
	}
	if t.Locked {
		return errThreadLocked
	}
	return nil
}

// CreatePost replies to a thread the caller may see, unless it is locked.
// A reply bumps the thread's activity; staff replies are official.
func (s *postServer) CreatePost(ctx context.Context, req *forumv1.CreatePostRequest) (*forumv1.Post, error) {
	tk, err := parseThread("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	in := req.GetPost()
	if in == nil {
		return nil, errs.Field("post", "is required")
	}
	p := auth.FromContext(ctx)
	if p.Kind != auth.Account {
		return nil, errSignInToWrite
	}
	body, err := cleanText("post.body", in.GetBody(), 1, maxBody)
	if err != nil {
		return nil, err
	}
	now := s.now()
	request := Request{Caller: p.Name, ID: req.GetRequestId(), Time: now}
	if replay, err := s.replayedPost(ctx, p, tk, request); replay != nil || err != nil {
		return replay, err
	}
	// The thread is checked in the write's transaction; the abuse check
	// comes first, so that a refused post costs no write.
	if err := s.abuse.check(p, tk.Agency, "post.body", body); err != nil {
		return nil, err
	}
	post := Post{
		Agency: tk.Agency, Forum: tk.Forum, Thread: tk.Thread, Body: body,
		Author: p.Name, AuthorDisplayName: p.DisplayName, Official: isStaff(p, tk.Agency),
		State: forumv1.ContentState_CONTENT_STATE_VISIBLE, CreateTime: now,
	}
	// The check sees the thread as the create does, which is what says
	// whether the new post is searchable.
	var seen Thread
	stamp := s.search.stamp(tk)
	got, err := s.store.CreatePost(ctx, post, request, func(f Forum, t Thread) error {
		seen = t
		return checkReply(p, f, t)
	})
	if err != nil {
		return nil, fmt.Errorf("create post: %w", err)
	}
	if !got.CreateTime.Equal(now) || got.Author != p.Name {
		return s.postView(ctx, p, got) // a concurrent retry with the same request id won
	}
	s.abuse.record(p, tk.Agency, body)
	target := Target{ThreadKey: tk, Post: got.ID}
	if seen.Key() != tk {
		s.reindexDoc(ctx, target) // the store did not show the thread
	} else {
		// Neither the thread nor its forum is deleted: the store checks.
		visible := forumv1.ContentState_CONTENT_STATE_VISIBLE
		doc := SearchDoc{Target: target, Body: got.Body, Searchable: seen.State == visible && got.State == visible}
		s.indexNewPost(ctx, doc, stamp)
	}
	return postToProto(got, false), nil // nobody has voted for it yet
}

// replayedPost returns the post an earlier request with the same id
// created, or nil when the request is new.
func (s *Service) replayedPost(ctx context.Context, p auth.Principal, tk ThreadKey, req Request) (*forumv1.Post, error) {
	if req.ID == "" {
		return nil, nil
	}
	name, err := s.store.RequestedName(ctx, req.Caller, req.ID)
	if errors.Is(err, errs.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("create post: %w", err)
	}
	t, err := ParseTarget(name)
	if err != nil || !t.IsPost() || t.ThreadKey != tk {
		return nil, ErrRequestReused
	}
	c, err := s.store.Post(ctx, t.PostKey())
	if err != nil {
		return nil, fmt.Errorf("create post: %w", err)
	}
	return s.postView(ctx, p, *c.Post)
}

// postView renders a post with the caller's vote.
func (s *Service) postView(ctx context.Context, p auth.Principal, post Post) (*forumv1.Post, error) {
	views, err := s.postViews(ctx, p, []Post{post})
	if err != nil {
		return nil, err
	}
	return views[0], nil
}

// postViews renders posts with the caller's votes, one key lookup each.
func (s *Service) postViews(ctx context.Context, p auth.Principal, posts []Post) ([]*forumv1.Post, error) {
	targets := make([]Target, len(posts))
	for i, post := range posts {
		targets[i] = Target{ThreadKey: post.Key().ThreadKey, Post: post.ID}
	}
	voted, err := s.store.Voted(ctx, voter(p), targets)
	if err != nil {
		return nil, fmt.Errorf("read votes: %w", err)
	}
	out := make([]*forumv1.Post, len(posts))
	for i, post := range posts {
		out[i] = postToProto(post, voted[i])
	}
	return out, nil
}

// GetPost returns a reply the caller may see.
func (s *postServer) GetPost(ctx context.Context, req *forumv1.GetPostRequest) (*forumv1.Post, error) {
	k, err := parsePost("name", req.GetName())
	if err != nil {
		return nil, err
	}
	c, err := s.store.Post(ctx, k)
	if err != nil {
		return nil, fmt.Errorf("get post: %w", err)
	}
	p := auth.FromContext(ctx)
	if !maySee(p, c) {
		return nil, notFound(req.GetName())
	}
	return s.postView(ctx, p, *c.Post)
}

// parsePostOrder accepts the two orders of ListPosts and returns the
// canonical spelling.
func parsePostOrder(s string) (PostOrder, string, error) {
	switch strings.ToLower(strings.Join(strings.Fields(s), " ")) {
	case "", "create_time", "create_time asc":
		return PostsByCreateTime, "create_time", nil
	case "vote_count desc":
		return PostsByVotes, "vote_count desc", nil
	}
	return 0, "", errs.Field("order_by", "must be %q or %q", "create_time", "vote_count desc")
}

// ListPosts lists a thread's replies the caller may see, oldest first or
// by votes. A page costs the same whatever the size of the thread.
func (s *postServer) ListPosts(ctx context.Context, req *forumv1.ListPostsRequest) (*forumv1.ListPostsResponse, error) {
	tk, err := parseThread("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	order, orderName, err := parsePostOrder(req.GetOrderBy())
	if err != nil {
		return nil, err
	}
	scope := "posts:" + tk.Name() + "|" + orderName
	page, err := readPage(scope, req.GetPageSize(), req.GetPageToken(), defaultPostPage, maxPostPage)
	if err != nil {
		return nil, err
	}
	c, err := s.store.Thread(ctx, tk)
	if err != nil {
		return nil, fmt.Errorf("list posts: %w", err)
	}
	p := auth.FromContext(ctx)
	if !maySeeThread(p, c.Forum, c.Thread) {
		return nil, notFound(tk.Name())
	}
	list, next, err := s.store.ListPosts(ctx, tk, order, page, func(post Post) bool {
		return maySeeState(p, post.Agency, post.Author, post.State)
	})
	if err != nil {
		return nil, fmt.Errorf("list posts: %w", err)
	}
	views, err := s.postViews(ctx, p, list)
	if err != nil {
		return nil, err
	}
	return &forumv1.ListPostsResponse{Posts: views, NextPageToken: nextToken(scope, next)}, nil
}

// postFields are the updatable fields of a post, by field-mask path: a
// resolved mask always names body.
var postFields = []string{"body"}

// UpdatePost edits a reply: its author, within the edit window. A
// non-empty etag must match.
func (s *postServer) UpdatePost(ctx context.Context, req *forumv1.UpdatePostRequest) (*forumv1.Post, error) {
	in := req.GetPost()
	if in == nil {
		return nil, errs.Field("post", "is required")
	}
	k, err := parsePost("post.name", in.GetName())
	if err != nil {
		return nil, err
	}
	u, err := fieldmask.Resolve(req.GetUpdateMask(), in, postFields)
	if err != nil {
		return nil, err
	}
	body, err := cleanText("post.body", in.GetBody(), 1, maxBody)
	if err != nil {
		return nil, err
	}
	p, now := auth.FromContext(ctx), s.now()
	if err := s.abuse.checkEdit(p, k.Agency, "post.body", body); err != nil {
		return nil, err
	}
	got, err := s.store.UpdatePost(ctx, k, func(f Forum, t Thread, post *Post) error {
		if !maySee(p, Content{Forum: f, Thread: t, Post: post}) {
			return notFound(k.Name())
		}
		if p.Kind != auth.Account || post.Author != p.Name {
			return errEditPost
		}
		if err := checkETag(in.GetEtag(), post.Revision); err != nil {
			return err
		}
		if err := u.CheckImmutable(in, func() proto.Message { return postToProto(*post, false) }); err != nil {
			return err
		}
		if now.Sub(post.CreateTime) > s.editWindow {
			return errEditWindow
		}
		post.Body, post.UpdateTime = body, now
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("update post: %w", err)
	}
	s.reindexDoc(ctx, Target{ThreadKey: k.ThreadKey, Post: k.Post})
	return s.postView(ctx, p, got)
}

// DeletePost deletes a reply softly: its author or a moderator. A
// non-empty etag must match.
func (s *postServer) DeletePost(ctx context.Context, req *forumv1.DeletePostRequest) (*emptypb.Empty, error) {
	k, err := parsePost("name", req.GetName())
	if err != nil {
		return nil, err
	}
	p := auth.FromContext(ctx)
	err = s.store.DeletePost(ctx, k, s.now(), func(f Forum, t Thread, post Post) error {
		if !maySee(p, Content{Forum: f, Thread: t, Post: &post}) {
			return notFound(k.Name())
		}
		if !(p.Kind == auth.Account && post.Author == p.Name) && !isModerator(p, k.Agency) {
			return errDeletePost
		}
		return checkETag(req.GetEtag(), post.Revision)
	})
	if err != nil {
		return nil, fmt.Errorf("delete post: %w", err)
	}
	s.log.InfoContext(ctx, "post deleted", "post", k.Name(), "by", p.Name)
	s.reindexDoc(ctx, Target{ThreadKey: k.ThreadKey, Post: k.Post})
	return &emptypb.Empty{}, nil
}

// VotePost upvotes a reply (1) or clears the caller's vote (0).
func (s *postServer) VotePost(ctx context.Context, req *forumv1.VotePostRequest) (*forumv1.Post, error) {
	k, err := parsePost("name", req.GetName())
	if err != nil {
		return nil, err
	}
	c, up, err := s.vote(ctx, Target{ThreadKey: k.ThreadKey, Post: k.Post}, req.GetValue())
	if err != nil {
		return nil, err
	}
	return postToProto(*c.Post, up), nil
}

// FlagPost flags a reply for the moderators.
func (s *postServer) FlagPost(ctx context.Context, req *forumv1.FlagPostRequest) (*forumv1.FlagPostResponse, error) {
	k, err := parsePost("name", req.GetName())
	if err != nil {
		return nil, err
	}
	if err := s.flag(ctx, Target{ThreadKey: k.ThreadKey, Post: k.Post}, req.GetReason(), req.GetNote()); err != nil {
		return nil, err
	}
	return &forumv1.FlagPostResponse{}, nil
}

// AcceptPost accepts a reply as the answer of its QUESTION thread,
// replacing an earlier one: the question's author or agency staff.
func (s *postServer) AcceptPost(ctx context.Context, req *forumv1.AcceptPostRequest) (*forumv1.Post, error) {
	k, err := parsePost("name", req.GetName())
	if err != nil {
		return nil, err
	}
	p := auth.FromContext(ctx)
	got, err := s.store.AcceptPost(ctx, k, func(f Forum, t Thread, post Post) error {
		if !maySee(p, Content{Forum: f, Thread: t, Post: &post}) {
			return notFound(k.Name())
		}
		if !(p.Kind == auth.Account && t.Author == p.Name) && !isStaff(p, k.Agency) {
			return errAccept
		}
		if t.Kind != forumv1.ThreadKind_THREAD_KIND_QUESTION {
			return errNotQuestion
		}
		if post.State != forumv1.ContentState_CONTENT_STATE_VISIBLE {
			return errAcceptHidden
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("accept post: %w", err)
	}
	s.log.InfoContext(ctx, "answer accepted", "post", k.Name(), "by", p.Name)
	return s.postView(ctx, p, got)
}
