package forum

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"

	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
	"github.com/engagehq/engage/services/internal/auth"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/fieldmask"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
)

// forumID is the contract's rule for forum ids chosen by the caller.
var forumID = regexp.MustCompile(`^[a-z][a-z0-9-]{1,38}[a-z0-9]$`)

// CreateForum creates a board. Moderators and agency administrators. When
// forum_id is empty, the id is made from the display name ("District 3" →
// "district-3"), with a random suffix when that is taken.
func (s *forumServer) CreateForum(ctx context.Context, req *forumv1.CreateForumRequest) (*forumv1.Forum, error) {
	agency, err := parseAgency("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	if err := requireModerator(ctx, agency, req.GetParent()); err != nil {
		return nil, err
	}
	in := req.GetForum()
	if in == nil {
		return nil, errs.Field("forum", "is required")
	}
	id := req.GetForumId()
	if id != "" && !forumID.MatchString(id) {
		return nil, errs.Field("forum_id", "must be 3 to 40 lowercase letters, digits and hyphens, starting with a letter")
	}
	p, now := auth.FromContext(ctx), s.now()
	f := Forum{Agency: agency, CreateTime: now, UpdateTime: now}
	if err := applyForum(&f, in, allForumFields); err != nil {
		return nil, err
	}
	request := Request{Caller: p.Name, ID: req.GetRequestId(), Time: now}
	const attempts = 5
	for i := 1; ; i++ {
		f.ID = id
		if id == "" {
			f.ID = forumSlug(f.DisplayName, i > 1)
		}
		got, err := s.store.CreateForum(ctx, f, request)
		switch {
		case errors.Is(err, errs.AlreadyExists) && id == "" && i < attempts:
			continue
		case errors.Is(err, errs.AlreadyExists):
			return nil, errs.Public(errs.AlreadyExists, "forum %q already exists", f.Key().Name())
		case err != nil:
			return nil, fmt.Errorf("create forum: %w", err)
		case id != "" && got.ID != id:
			return nil, ErrRequestReused
		}
		if got.ID == f.ID && got.CreateTime.Equal(now) {
			s.log.InfoContext(ctx, "forum created", "forum", got.Key().Name(), "by", p.Name)
		}
		return forumToProto(got), nil
	}
}

// forumSlug makes a forum id from a display name, with a random suffix
// when suffixed.
func forumSlug(name string, suffixed bool) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		switch {
		case (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9'):
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	slug := strings.Trim(b.String(), "-")
	if len(slug) > 30 {
		slug = strings.TrimRight(slug[:30], "-")
	}
	if len(slug) < 3 || slug[0] < 'a' || slug[0] > 'z' {
		slug = strings.TrimSuffix("forum-"+slug, "-")
	}
	if suffixed {
		const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
		suffix := make([]byte, 6)
		for i := range suffix {
			suffix[i] = alphabet[rand.IntN(len(alphabet))]
		}
		slug += "-" + string(suffix)
	}
	return slug
}

// The updatable fields of a forum, by their field-mask paths.
const (
	fieldDisplayName  = "display_name"
	fieldDescription  = "description"
	fieldVisibility   = "visibility"
	fieldArea         = "area"
	fieldDisplayOrder = "display_order"
)

var allForumFields = []string{fieldDisplayName, fieldDescription, fieldVisibility, fieldArea, fieldDisplayOrder}

// applyForum validates the named fields of in and copies them into f.
func applyForum(f *Forum, in *forumv1.Forum, fields []string) error {
	for _, field := range fields {
		var err error
		switch field {
		case fieldDisplayName:
			f.DisplayName, err = cleanText("forum.display_name", in.GetDisplayName(), 1, maxForumName)
		case fieldDescription:
			f.Description, err = cleanText("forum.description", in.GetDescription(), 0, maxForumDescription)
		case fieldVisibility:
			v := in.GetVisibility()
			if _, ok := forumv1.Visibility_name[int32(v)]; !ok || v == forumv1.Visibility_VISIBILITY_UNSPECIFIED {
				return errs.Field("forum.visibility", "must be VISIBILITY_PUBLIC, VISIBILITY_RESIDENTS or VISIBILITY_STAFF")
			}
			f.Visibility = v
		case fieldArea:
			f.Area, err = cleanText("forum.area", in.GetArea(), 0, maxArea)
		case fieldDisplayOrder:
			if o := in.GetDisplayOrder(); o < 0 || o > maxOrder {
				return errs.Field("forum.display_order", "must be 0 to %d", maxOrder)
			}
			f.DisplayOrder = in.GetDisplayOrder()
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// GetForum returns a forum the caller may read.
func (s *forumServer) GetForum(ctx context.Context, req *forumv1.GetForumRequest) (*forumv1.Forum, error) {
	k, err := parseForum("name", req.GetName())
	if err != nil {
		return nil, err
	}
	f, err := s.store.Forum(ctx, k)
	if err != nil {
		return nil, fmt.Errorf("get forum: %w", err)
	}
	if !mayReadForum(auth.FromContext(ctx), f) {
		return nil, notFound(req.GetName())
	}
	return forumToProto(f), nil
}

// ListForums lists the forums the caller may read, by display order, then
// id.
func (s *forumServer) ListForums(ctx context.Context, req *forumv1.ListForumsRequest) (*forumv1.ListForumsResponse, error) {
	agency, err := parseAgency("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	scope := "forums:" + agency
	page, err := readPage(scope, req.GetPageSize(), req.GetPageToken(), defaultForumPage, maxForumPage)
	if err != nil {
		return nil, err
	}
	p := auth.FromContext(ctx)
	list, next, err := s.store.ListForums(ctx, agency, page, func(f Forum) bool { return mayReadForum(p, f) })
	if err != nil {
		return nil, fmt.Errorf("list forums: %w", err)
	}
	resp := &forumv1.ListForumsResponse{NextPageToken: nextToken(scope, next)}
	for _, f := range list {
		resp.Forums = append(resp.Forums, forumToProto(f))
	}
	return resp, nil
}

// UpdateForum changes the fields named in update_mask: without one, those
// the request sets; with `*`, every updatable field. A non-empty etag must
// match.
func (s *forumServer) UpdateForum(ctx context.Context, req *forumv1.UpdateForumRequest) (*forumv1.Forum, error) {
	in := req.GetForum()
	if in == nil {
		return nil, errs.Field("forum", "is required")
	}
	k, err := parseForum("forum.name", in.GetName())
	if err != nil {
		return nil, err
	}
	if err := requireModerator(ctx, k.Agency, in.GetName()); err != nil {
		return nil, err
	}
	u, err := fieldmask.Resolve(req.GetUpdateMask(), in, allForumFields)
	if err != nil {
		return nil, err
	}
	// Validate before the transaction, so bad input costs no write.
	if err := applyForum(&Forum{}, in, u.Paths); err != nil {
		return nil, err
	}
	now := s.now()
	f, err := s.store.UpdateForum(ctx, k, func(f *Forum) error {
		if err := checkETag(in.GetEtag(), f.Revision); err != nil {
			return err
		}
		if err := u.CheckImmutable(in, func() proto.Message { return forumToProto(*f) }); err != nil {
			return err
		}
		f.UpdateTime = now
		return applyForum(f, in, u.Paths)
	})
	if err != nil {
		return nil, fmt.Errorf("update forum: %w", err)
	}
	return forumToProto(f), nil
}

// DeleteForum deletes a forum softly: agency and platform administrators,
// as the contract's policy allows. Its threads and posts disappear with it
// and leave the search index.
func (s *forumServer) DeleteForum(ctx context.Context, req *forumv1.DeleteForumRequest) (*emptypb.Empty, error) {
	k, err := parseForum("name", req.GetName())
	if err != nil {
		return nil, err
	}
	p := auth.FromContext(ctx)
	if p.Kind != auth.Account || !(p.HasRole(k.Agency, accessv1.Role_ROLE_AGENCY_ADMIN) || p.PlatformAdmin) {
		return nil, notFound(req.GetName())
	}
	err = s.store.DeleteForum(ctx, k, s.now(), func(f Forum) error { return checkETag(req.GetEtag(), f.Revision) })
	if err != nil {
		return nil, fmt.Errorf("delete forum: %w", err)
	}
	s.log.InfoContext(ctx, "forum deleted", "forum", req.GetName(), "by", p.Name)
	s.reindex(ctx, ThreadKey{Agency: k.Agency, Forum: k.Forum})
	return &emptypb.Empty{}, nil
}
