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

// AutoHiddenReason is what the author of content hidden by flags reads.
const AutoHiddenReason = "Hidden until a moderator reviews it: flagged by several people"

const maxNote = 1000

// flag records the caller's flag on content they may see; enough distinct
// flaggers hide it until a moderator decides.
func (s *Service) flag(ctx context.Context, t Target, reason forumv1.FlagReason, note string) error {
	if _, ok := forumv1.FlagReason_name[int32(reason)]; !ok || reason == forumv1.FlagReason_FLAG_REASON_UNSPECIFIED {
		return errs.Field("reason", "must be one of the FLAG_REASON values")
	}
	note, err := cleanText("note", note, 0, maxNote)
	if err != nil {
		return err
	}
	p := auth.FromContext(ctx)
	if p.Kind != auth.Account {
		return errSignInToWrite
	}
	f := Flag{Account: p.Name, Reason: reason, Note: note, CreateTime: s.now()}
	rule := FlagRule{Threshold: s.flagThreshold, HiddenReason: AutoHiddenReason}
	res, err := s.store.Flag(ctx, t, f, rule, func(c Content) error {
		if !maySee(p, c) {
			return notFound(t.Name())
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("flag: %w", err)
	}
	if res.Hidden {
		s.log.InfoContext(ctx, "content hidden by flags", "target", t.Name(), "item", res.Item.Name(), "flags", res.Item.FlagCount)
		s.reindexTarget(ctx, t)
	}
	return nil
}

// reindexTarget updates the index after a target was hidden or shown: a
// thread takes its replies with it.
func (s *Service) reindexTarget(ctx context.Context, t Target) {
	if t.IsPost() {
		s.reindexDoc(ctx, t)
		return
	}
	s.reindex(ctx, t.ThreadKey)
}

// GetModerationItem returns one item of the agency's queue: moderators.
func (s *moderationServer) GetModerationItem(ctx context.Context, req *forumv1.GetModerationItemRequest) (*forumv1.ModerationItem, error) {
	agency, id, err := parseModerationItem("name", req.GetName())
	if err != nil {
		return nil, err
	}
	if err := requireModerator(ctx, agency, req.GetName()); err != nil {
		return nil, err
	}
	m, err := s.store.ModerationItem(ctx, agency, id)
	if err != nil {
		return nil, fmt.Errorf("get moderation item: %w", err)
	}
	return itemToProto(m), nil
}

// itemStates are the states a moderation item can be in, in queue order.
var itemStates = []forumv1.ModerationItem_State{
	forumv1.ModerationItem_STATE_OPEN, forumv1.ModerationItem_STATE_RESOLVED, forumv1.ModerationItem_STATE_TARGET_DELETED,
}

// moderationFilter is what ListModerationItems' filter may test; states
// may be written with or without their STATE_ prefix.
var moderationFilter = filter.Schema{
	"state": {Kind: filter.Enum, Prefix: "STATE_", Values: stateNames(itemStates)},
}

// stateNames returns the names of states.
func stateNames(states []forumv1.ModerationItem_State) []string {
	out := make([]string, len(states))
	for i, st := range states {
		out[i] = st.String()
	}
	return out
}

// filterStates returns the states a parsed filter keeps (nil: all).
func filterStates(conds []filter.Condition) []forumv1.ModerationItem_State {
	if len(conds) == 0 {
		return nil
	}
	var out []forumv1.ModerationItem_State
	for _, st := range itemStates {
		keep := true
		for _, c := range conds {
			keep = keep && c.Match(st.String())
		}
		if keep {
			out = append(out, st)
		}
	}
	return out
}

// ListModerationItems lists the agency's queue, the longest waiting open
// items first, then the resolved ones, then those whose content was
// deleted while they were open: moderators.
func (s *moderationServer) ListModerationItems(ctx context.Context, req *forumv1.ListModerationItemsRequest) (*forumv1.ListModerationItemsResponse, error) {
	agency, err := parseAgency("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	if err := requireModerator(ctx, agency, req.GetParent()); err != nil {
		return nil, err
	}
	conds, err := filter.Parse(req.GetFilter(), moderationFilter)
	if err != nil {
		return nil, err
	}
	states := filterStates(conds)
	scope := "moderation:" + agency + "|" + strings.TrimSpace(req.GetFilter())
	page, err := readPage(scope, req.GetPageSize(), req.GetPageToken(), defaultModerationPage, maxModerationPage)
	if err != nil {
		return nil, err
	}
	resp := &forumv1.ListModerationItemsResponse{}
	if conds != nil && len(states) == 0 {
		return resp, nil // e.g. state = OPEN AND state = RESOLVED
	}
	list, next, err := s.store.ListModerationItems(ctx, agency, states, page)
	if err != nil {
		return nil, fmt.Errorf("list moderation items: %w", err)
	}
	resp.NextPageToken = nextToken(scope, next)
	for _, m := range list {
		resp.ModerationItems = append(resp.ModerationItems, itemToProto(m))
	}
	return resp, nil
}

// ResolveModerationItem records a moderator's decision and applies it to
// the flagged content: HIDE keeps it hidden with the note as the reason
// its author reads, RESTORE shows it again and clears the flags that led
// here, DISMISS closes the item and leaves the content as it is. A
// non-empty etag must match, so that a flag that arrived since the
// moderator read the item is not decided unseen.
func (s *moderationServer) ResolveModerationItem(ctx context.Context, req *forumv1.ResolveModerationItemRequest) (*forumv1.ModerationItem, error) {
	agency, id, err := parseModerationItem("name", req.GetName())
	if err != nil {
		return nil, err
	}
	if err := requireModerator(ctx, agency, req.GetName()); err != nil {
		return nil, err
	}
	switch req.GetAction() {
	case forumv1.ModerationAction_MODERATION_ACTION_HIDE, forumv1.ModerationAction_MODERATION_ACTION_RESTORE,
		forumv1.ModerationAction_MODERATION_ACTION_DISMISS:
	default:
		return nil, errs.Field("action", "must be MODERATION_ACTION_HIDE, MODERATION_ACTION_RESTORE or MODERATION_ACTION_DISMISS")
	}
	note, err := cleanText("note", req.GetNote(), 1, maxNote)
	if err != nil {
		return nil, err
	}
	p := auth.FromContext(ctx)
	r := Resolution{Action: req.GetAction(), Note: note, Resolver: p.Name, Time: s.now()}
	m, err := s.store.ResolveModerationItem(ctx, agency, id, r, func(m ModerationItem) error {
		if err := checkETag(req.GetEtag(), m.Revision); err != nil {
			return err
		}
		// Dismissing would leave the content hidden, its author told that
		// it waits for a review that has then happened.
		if r.Action == forumv1.ModerationAction_MODERATION_ACTION_DISMISS && m.State == forumv1.ModerationItem_STATE_OPEN && m.AutoHidden {
			return errDismissHidden
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("resolve moderation item: %w", err)
	}
	s.log.InfoContext(ctx, "moderation item resolved", "item", m.Name(), "target", m.Target.Name(), "action", r.Action.String(), "by", p.Name)
	if r.Action != forumv1.ModerationAction_MODERATION_ACTION_DISMISS {
		s.reindexTarget(ctx, m.Target)
	}
	return itemToProto(m), nil
}
