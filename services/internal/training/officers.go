package training

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/etag"
	"github.com/engagehq/engage/services/internal/fieldmask"
	"github.com/engagehq/engage/services/internal/filter"
	"github.com/engagehq/engage/services/internal/idempotent"
	"github.com/engagehq/engage/services/internal/ids"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// The roster. Trainers manage it and see all of it; any other signed-in
// caller (the policy lets them in for GetOfficer and ListOfficers) sees
// only the active officer linked to their account, and NOT_FOUND or an
// empty list for everyone else.
//
// A badge and a linked account each belong to at most one active officer
// of the agency; the store enforces it, and a conflict is ALREADY_EXISTS
// naming the field in its message. Taking an officer off the roster
// (DeleteOfficer) is a soft delete that frees both, and cannot be undone
// or changed afterwards.

// officerFields are the officer's writable fields.
var officerFields = []string{"badge", "display_name", "unit", "account"}

// errOfficerInactive is a change to an officer who left the roster.
var errOfficerInactive = errs.Public(errs.FailedPrecondition, "the officer has left the roster and can no longer change")

// CreateOfficer adds an officer to the roster.
func (s *officerServer) CreateOfficer(ctx context.Context, req *trainingv1.CreateOfficerRequest) (*trainingv1.Officer, error) {
	agency, err := parseAgency("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	if _, err := s.callerOf(ctx, agency); err != nil {
		return nil, err
	}
	in := req.GetOfficer()
	if in == nil {
		return nil, errs.Field("officer", "is required")
	}
	now := timestamppb.New(s.now())
	o := &trainingv1.Officer{Name: req.GetParent() + "/officers/" + ids.New(), CreateTime: now, UpdateTime: now}
	fieldmask.Copy(o, in, officerFields)
	if err := checkOfficer(o); err != nil {
		return nil, err
	}
	retry := s.retryOf(ctx, req.GetRequestId(), idempotent.Without(req, func(r *trainingv1.CreateOfficerRequest) { r.RequestId = "" }))
	out, err := s.store.CreateOfficer(ctx, o, retry)
	if err != nil {
		return nil, fmt.Errorf("create officer in %s: %w", req.GetParent(), err)
	}
	return out, nil
}

// GetOfficer returns an officer to trainers, or to the officer linked to
// the caller's account.
func (s *officerServer) GetOfficer(ctx context.Context, req *trainingv1.GetOfficerRequest) (*trainingv1.Officer, error) {
	agency, _, err := parseChild("name", req.GetName(), officerPattern)
	if err != nil {
		return nil, err
	}
	c, err := s.callerOf(ctx, agency)
	if err != nil {
		return nil, err
	}
	if !c.mayRead(req.GetName()) {
		return nil, notFound("officer", req.GetName())
	}
	o, err := s.store.Officer(ctx, req.GetName())
	if err != nil {
		return nil, fmt.Errorf("get officer: %w", err)
	}
	return o, nil
}

// ListOfficers lists the roster by badge to trainers, without those who
// left it unless show_deleted; to anyone else, only their own entry.
func (s *officerServer) ListOfficers(ctx context.Context, req *trainingv1.ListOfficersRequest) (*trainingv1.ListOfficersResponse, error) {
	agency, err := parseAgency("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	c, err := s.callerOf(ctx, agency)
	if err != nil {
		return nil, err
	}
	conds, err := filter.Parse(req.GetFilter(), officerFilter)
	if err != nil {
		return nil, err
	}
	scope := strings.Join([]string{"officers", req.GetParent(), strings.TrimSpace(req.GetFilter()), strconv.FormatBool(req.GetShowDeleted())}, "|")
	page, err := pageOf(scope, req.GetPageToken(), req.GetPageSize(), maxOfficers)
	if err != nil {
		return nil, err
	}
	keep := func(o *trainingv1.Officer) bool {
		return (req.GetShowDeleted() || o.GetDeleteTime() == nil) &&
			matchAll(conds, map[string]any{"unit": o.GetUnit(), "badge": o.GetBadge()})
	}
	if !c.trainer {
		return s.ownEntry(ctx, c, page, keep)
	}
	list, next, err := s.store.ListOfficers(ctx, req.GetParent(), page, keep)
	if err != nil {
		return nil, fmt.Errorf("list officers: %w", err)
	}
	return &trainingv1.ListOfficersResponse{Officers: list, NextPageToken: nextToken(scope, next)}, nil
}

// ownEntry is ListOfficers for a caller who is no trainer: the officer
// linked to their account, when there is one and keep keeps it, on the
// first page.
func (s *officerServer) ownEntry(ctx context.Context, c caller, page Page, keep func(*trainingv1.Officer) bool) (*trainingv1.ListOfficersResponse, error) {
	resp := &trainingv1.ListOfficersResponse{}
	if c.officer == "" || page.After != nil {
		return resp, nil
	}
	o, err := s.store.Officer(ctx, c.officer)
	switch {
	case errors.Is(err, errs.NotFound):
		return resp, nil
	case err != nil:
		return nil, fmt.Errorf("list officers: %w", err)
	}
	if keep(o) {
		resp.Officers = []*trainingv1.Officer{o}
	}
	return resp, nil
}

// UpdateOfficer changes the fields of an active officer the update mask
// names; `account` named with an empty value unlinks the account.
func (s *officerServer) UpdateOfficer(ctx context.Context, req *trainingv1.UpdateOfficerRequest) (*trainingv1.Officer, error) {
	in := req.GetOfficer()
	if in == nil {
		return nil, errs.Field("officer", "is required")
	}
	agency, _, err := parseChild("officer.name", in.GetName(), officerPattern)
	if err != nil {
		return nil, err
	}
	if _, err := s.callerOf(ctx, agency); err != nil {
		return nil, err
	}
	u, err := fieldmask.Resolve(req.GetUpdateMask(), in, officerFields)
	if err != nil {
		return nil, err
	}
	now := timestamppb.New(s.now())
	o, err := s.store.UpdateOfficer(ctx, in.GetName(), func(o *trainingv1.Officer) error {
		if err := etag.CheckCurrent("officer.etag", in.GetEtag(), o.GetEtag()); err != nil {
			return err
		}
		if o.GetDeleteTime() != nil {
			return errOfficerInactive
		}
		if err := u.CheckImmutable(in, func() proto.Message { return o }); err != nil {
			return err
		}
		fieldmask.Copy(o, in, u.Paths)
		o.UpdateTime = now
		return checkOfficer(o)
	})
	if err != nil {
		return nil, fmt.Errorf("update officer %s: %w", in.GetName(), err)
	}
	return o, nil
}

// DeleteOfficer takes an officer off the active roster; their records
// stay. Deleting an officer who already left returns them unchanged.
func (s *officerServer) DeleteOfficer(ctx context.Context, req *trainingv1.DeleteOfficerRequest) (*trainingv1.Officer, error) {
	agency, _, err := parseChild("name", req.GetName(), officerPattern)
	if err != nil {
		return nil, err
	}
	if _, err := s.callerOf(ctx, agency); err != nil {
		return nil, err
	}
	now := timestamppb.New(s.now())
	var same *trainingv1.Officer
	o, err := s.store.UpdateOfficer(ctx, req.GetName(), func(o *trainingv1.Officer) error {
		if err := etag.CheckCurrent("etag", req.GetEtag(), o.GetEtag()); err != nil {
			return err
		}
		if o.GetDeleteTime() != nil {
			same = o
			return errUnchanged
		}
		o.DeleteTime, o.UpdateTime = now, now
		return nil
	})
	switch {
	case errors.Is(err, errUnchanged):
		return same, nil
	case err != nil:
		return nil, fmt.Errorf("remove officer %s: %w", req.GetName(), err)
	}
	s.log.InfoContext(ctx, "officer left the roster", "officer", o.GetName())
	return o, nil
}

// checkOfficer checks the fields an officer needs, which the contract
// lets an update leave out but not clear: protovalidate ignores them when
// empty.
func checkOfficer(o *trainingv1.Officer) error {
	switch {
	case o.GetBadge() == "":
		return errs.Field("officer.badge", "is required")
	case strings.TrimSpace(o.GetDisplayName()) == "":
		return errs.Field("officer.display_name", "is required")
	case o.GetUnit() == "":
		return errs.Field("officer.unit", "is required")
	}
	return nil
}
