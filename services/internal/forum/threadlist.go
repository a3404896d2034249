package forum

import (
	"context"
	"fmt"
	"strings"

	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
	"github.com/engagehq/engage/services/internal/auth"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/filter"
)

// threadFilter is what ListThreads' filter may test.
var threadFilter = filter.Schema{
	"kind": {Kind: filter.Enum, Prefix: "THREAD_KIND_", Values: []string{
		forumv1.ThreadKind_THREAD_KIND_DISCUSSION.String(),
		forumv1.ThreadKind_THREAD_KIND_QUESTION.String(),
		forumv1.ThreadKind_THREAD_KIND_ANNOUNCEMENT.String(),
	}},
	"answered":    {Kind: filter.Bool},
	"author":      {Kind: filter.String},
	"create_time": {Kind: filter.Time},
}

// threadValue returns the value of a filterable field of t.
func threadValue(t Thread, field string) any {
	switch field {
	case "kind":
		return t.Kind.String()
	case "answered":
		return t.Answered
	case "author":
		return t.Author
	case "create_time":
		return t.CreateTime
	}
	return nil
}

// parseThreadOrder accepts the two orders of ListThreads, with any
// spacing and case, and returns the canonical spelling.
func parseThreadOrder(s string) (ThreadOrder, string, error) {
	switch strings.ToLower(strings.Join(strings.Fields(s), " ")) {
	case "", "last_activity_time desc":
		return ThreadsByActivity, "last_activity_time desc", nil
	case "vote_count desc":
		return ThreadsByVotes, "vote_count desc", nil
	}
	return 0, "", errs.Field("order_by", "must be %q or %q", "last_activity_time desc", "vote_count desc")
}

// ListThreads lists a forum's threads the caller may see: pinned first,
// then by order_by, keeping those that match filter. A page examines at
// most scanFactor times its size; a filter that matches rarely returns
// short pages with a token rather than scanning the whole forum.
func (s *threadServer) ListThreads(ctx context.Context, req *forumv1.ListThreadsRequest) (*forumv1.ListThreadsResponse, error) {
	fk, err := parseForum("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	order, orderName, err := parseThreadOrder(req.GetOrderBy())
	if err != nil {
		return nil, err
	}
	conds, err := filter.Parse(req.GetFilter(), threadFilter)
	if err != nil {
		return nil, err
	}
	scope := "threads:" + fk.Name() + "|" + strings.TrimSpace(req.GetFilter()) + "|" + orderName
	page, err := readPage(scope, req.GetPageSize(), req.GetPageToken(), defaultThreadPage, maxThreadPage)
	if err != nil {
		return nil, err
	}
	f, err := s.store.Forum(ctx, fk)
	if err != nil {
		return nil, fmt.Errorf("list threads: %w", err)
	}
	p := auth.FromContext(ctx)
	if !mayReadForum(p, f) {
		return nil, notFound(fk.Name())
	}
	list, next, err := s.store.ListThreads(ctx, fk, order, page, func(t Thread) bool {
		if !maySeeState(p, t.Agency, t.Author, t.State) {
			return false
		}
		for _, c := range conds {
			if !c.Match(threadValue(t, c.Field)) {
				return false
			}
		}
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("list threads: %w", err)
	}
	views, err := s.threadViews(ctx, p, list)
	if err != nil {
		return nil, err
	}
	return &forumv1.ListThreadsResponse{Threads: views, NextPageToken: nextToken(scope, next)}, nil
}
