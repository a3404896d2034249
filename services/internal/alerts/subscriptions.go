package alerts

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	alertsv1 "github.com/engagehq/engage/api/gen/engage/alerts/v1"
	"github.com/engagehq/engage/services/internal/auth"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/etag"
	"github.com/engagehq/engage/services/internal/fieldmask"
	"github.com/engagehq/engage/services/internal/idempotent"
	"github.com/engagehq/engage/services/internal/ids"
	"github.com/engagehq/engage/services/internal/resname"
	"google.golang.org/genproto/googleapis/type/timeofday"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Limits of subscriptions, as the contract documents them.
const (
	// MaxSubscriptions is how many subscriptions an account may keep in
	// one agency.
	MaxSubscriptions = 20
	// maxSubscriptionPage is ListSubscriptions' default and largest page.
	maxSubscriptionPage = 20
	maxPlaces           = 10
	maxCategories       = 12
	maxDisplayName      = 100
	maxPlaceLabel       = 100
	maxTimeZone         = 64
)

// subscriptionPattern is the resource name pattern of a subscription.
const subscriptionPattern = "agencies/{agency}/subscriptions/{subscription}"

// subscriptionFields are the writable fields of a subscription: what a
// create sets and an update may change (see fieldmask for the rules).
var subscriptionFields = []string{"display_name", "places", "categories", "min_severity", "language_code", "quiet_hours"}

var (
	// errTooManySubscriptions is CreateSubscription past MaxSubscriptions.
	errTooManySubscriptions = errs.Public(errs.FailedPrecondition,
		"an account may keep at most %d subscriptions per agency; delete one first", MaxSubscriptions)
	// errSubscriberAccount refuses callers that are not a person's
	// account (the interceptor admits no others).
	errSubscriberAccount = errs.Public(errs.PermissionDenied, "sign in with a personal account to keep subscriptions")
)

// A subscription belongs to the account that saved it: nobody else may
// read, change or delete it, and to anyone else it does not exist
// (NOT_FOUND), whatever roles they hold. The auth interceptor admits only
// signed-in accounts.

// subscriberOf returns the calling account's name, after checking that
// agency (an id) exists.
func (s *Service) subscriberOf(ctx context.Context, agency string) (string, error) {
	c, err := s.callerOf(ctx, agency)
	if err != nil {
		return "", fmt.Errorf("agency %s: %w", agency, err)
	}
	if c.principal.Kind != auth.Account {
		return "", errSubscriberAccount
	}
	return c.principal.Name, nil
}

// CreateSubscription saves a subscription for the caller.
func (s *subscriptionServer) CreateSubscription(ctx context.Context, req *alertsv1.CreateSubscriptionRequest) (*alertsv1.Subscription, error) {
	agency, err := parseAgency("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	in := req.GetSubscription()
	if in == nil {
		return nil, errs.Field("subscription", "is required")
	}
	owner, err := s.subscriberOf(ctx, agency)
	if err != nil {
		return nil, err
	}
	now := timestamppb.New(s.now())
	sub := &alertsv1.Subscription{Name: req.GetParent() + "/subscriptions/" + ids.New(), CreateTime: now, UpdateTime: now}
	fieldmask.Copy(sub, in, subscriptionFields)
	if err := checkSubscription(sub); err != nil {
		return nil, err
	}
	retry := s.retryOf(ctx, req.GetRequestId(), idempotent.Without(req, func(r *alertsv1.CreateSubscriptionRequest) { r.RequestId = "" }))
	out, err := s.store.CreateSubscription(ctx, sub, owner, MaxSubscriptions, retry)
	switch {
	case errors.Is(err, errs.FailedPrecondition):
		return nil, errTooManySubscriptions
	case err != nil:
		return nil, fmt.Errorf("create subscription in %s: %w", req.GetParent(), err)
	}
	return out, nil
}

// GetSubscription returns one of the caller's subscriptions.
func (s *subscriptionServer) GetSubscription(ctx context.Context, req *alertsv1.GetSubscriptionRequest) (*alertsv1.Subscription, error) {
	sub, err := s.ownSubscription(ctx, "name", req.GetName())
	if err != nil {
		return nil, err
	}
	return sub, nil
}

// ownSubscription reads the caller's subscription name (field names it in
// errors): errs.NotFound when it does not exist or is someone else's.
func (s *Service) ownSubscription(ctx context.Context, field, name string) (*alertsv1.Subscription, error) {
	agency, err := parseSubscriptionName(field, name)
	if err != nil {
		return nil, err
	}
	owner, err := s.subscriberOf(ctx, agency)
	if err != nil {
		return nil, err
	}
	sub, storedOwner, err := s.store.Subscription(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("get subscription: %w", err)
	}
	if storedOwner != owner {
		return nil, notFound("subscription", name)
	}
	return sub, nil
}

// ListSubscriptions lists the caller's subscriptions in the agency, oldest
// first.
func (s *subscriptionServer) ListSubscriptions(ctx context.Context, req *alertsv1.ListSubscriptionsRequest) (*alertsv1.ListSubscriptionsResponse, error) {
	agency, err := parseAgency("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	if req.GetPageSize() < 0 || req.GetPageSize() > maxSubscriptionPage {
		return nil, errs.Field("page_size", "must be between 0 and %d", maxSubscriptionPage)
	}
	owner, err := s.subscriberOf(ctx, agency)
	if err != nil {
		return nil, err
	}
	scope := "ListSubscriptions " + req.GetParent() + " " + owner
	page, err := pageOf(scope, req.GetPageToken(), req.GetPageSize(), maxSubscriptionPage)
	if err != nil {
		return nil, err
	}
	page.Size = min(page.Size, maxSubscriptionPage) // the default page is the largest
	subs, next, err := s.store.ListSubscriptions(ctx, req.GetParent(), owner, page)
	if err != nil {
		return nil, fmt.Errorf("list subscriptions: %w", err)
	}
	return &alertsv1.ListSubscriptionsResponse{Subscriptions: subs, NextPageToken: nextToken(scope, next)}, nil
}

// UpdateSubscription changes the fields of one of the caller's
// subscriptions that the mask names; without a mask, those the request
// sets. A path may go below quiet_hours (quiet_hours.start), as the REST
// gateway writes the mask of a PATCH body.
func (s *subscriptionServer) UpdateSubscription(ctx context.Context, req *alertsv1.UpdateSubscriptionRequest) (*alertsv1.Subscription, error) {
	in := req.GetSubscription()
	if in == nil {
		return nil, errs.Field("subscription", "is required")
	}
	agency, err := parseSubscriptionName("subscription.name", in.GetName())
	if err != nil {
		return nil, err
	}
	u, err := fieldmask.Resolve(req.GetUpdateMask(), in, subscriptionFields)
	if err != nil {
		return nil, err
	}
	owner, err := s.subscriberOf(ctx, agency)
	if err != nil {
		return nil, err
	}
	now := timestamppb.New(s.now())
	out, err := s.store.UpdateSubscription(ctx, in.GetName(), func(sub *alertsv1.Subscription, storedOwner string) error {
		if storedOwner != owner {
			return notFound("subscription", in.GetName())
		}
		if err := etag.CheckCurrent("subscription.etag", in.GetEtag(), sub.GetEtag()); err != nil {
			return err
		}
		if err := u.CheckImmutable(in, func() proto.Message { return sub }); err != nil {
			return err
		}
		fieldmask.Copy(sub, in, u.Paths)
		sub.UpdateTime = now
		return checkSubscription(sub)
	})
	if err != nil {
		return nil, fmt.Errorf("update subscription %s: %w", in.GetName(), err)
	}
	return out, nil
}

// DeleteSubscription deletes one of the caller's subscriptions.
func (s *subscriptionServer) DeleteSubscription(ctx context.Context, req *alertsv1.DeleteSubscriptionRequest) (*emptypb.Empty, error) {
	agency, err := parseSubscriptionName("name", req.GetName())
	if err != nil {
		return nil, err
	}
	owner, err := s.subscriberOf(ctx, agency)
	if err != nil {
		return nil, err
	}
	err = s.store.DeleteSubscription(ctx, req.GetName(), func(sub *alertsv1.Subscription, storedOwner string) error {
		if storedOwner != owner {
			return notFound("subscription", req.GetName())
		}
		return etag.CheckCurrent("etag", req.GetEtag(), sub.GetEtag())
	})
	if err != nil {
		return nil, fmt.Errorf("delete subscription %s: %w", req.GetName(), err)
	}
	return &emptypb.Empty{}, nil
}

// parseSubscriptionName parses a subscription's name and returns its
// agency id.
func parseSubscriptionName(field, name string) (string, error) {
	parts, err := resname.Split(field, name, subscriptionPattern)
	if err != nil {
		return "", err
	}
	return parts[0], nil
}

// checkSubscription checks a subscription about to be stored, naming the
// first field it refuses. protovalidate checks most of this before the
// handler runs; the handler checks again so that the stored data stays
// sound however the service is called, and checks what the contract's
// rules cannot say: times of day (TimeOfDay has no rules), the window's
// ends, the time zone and the points.
func checkSubscription(sub *alertsv1.Subscription) error {
	name := strings.TrimSpace(sub.GetDisplayName())
	switch {
	case name == "":
		return errs.Field("subscription.display_name", "is required")
	case len([]rune(sub.GetDisplayName())) > maxDisplayName:
		return errs.Field("subscription.display_name", "must be at most %d characters", maxDisplayName)
	}
	if len(sub.GetPlaces()) > maxPlaces {
		return errs.Field("subscription.places", "must have at most %d places", maxPlaces)
	}
	for i, p := range sub.GetPlaces() {
		field := fmt.Sprintf("subscription.places[%d].point", i)
		if len([]rune(p.GetLabel())) > maxPlaceLabel {
			return errs.Field(fmt.Sprintf("subscription.places[%d].label", i), "must be at most %d characters", maxPlaceLabel)
		}
		if p.GetPoint() == nil {
			return errs.Field(field, "is required")
		}
		if err := checkPoint(p.GetPoint(), field); err != nil {
			return err
		}
	}
	if len(sub.GetCategories()) > maxCategories {
		return errs.Field("subscription.categories", "must have at most %d categories", maxCategories)
	}
	for i, c := range sub.GetCategories() {
		if _, ok := alertsv1.Category_name[int32(c)]; !ok || c == alertsv1.Category_CATEGORY_UNSPECIFIED {
			return errs.Field(fmt.Sprintf("subscription.categories[%d]", i), "must be a CAP category")
		}
		if slices.Contains(sub.GetCategories()[:i], c) {
			return errs.Field(fmt.Sprintf("subscription.categories[%d]", i), "repeats %s", c)
		}
	}
	if _, ok := alertsv1.Severity_name[int32(sub.GetMinSeverity())]; !ok {
		return errs.Field("subscription.min_severity", "must be a CAP severity")
	}
	if q := sub.GetQuietHours(); q != nil {
		return checkQuietHours(q)
	}
	return nil
}

// checkQuietHours checks a quiet-hours window: both ends times of day
// that differ in hours or minutes (seconds are ignored), and a time zone
// of the IANA database when one is given.
func checkQuietHours(q *alertsv1.QuietHours) error {
	if err := checkTimeOfDay("subscription.quiet_hours.start", q.GetStart()); err != nil {
		return err
	}
	if err := checkTimeOfDay("subscription.quiet_hours.end", q.GetEnd()); err != nil {
		return err
	}
	if q.GetStart().GetHours() == q.GetEnd().GetHours() && q.GetStart().GetMinutes() == q.GetEnd().GetMinutes() {
		return errs.Field("subscription.quiet_hours.end", "must differ from start")
	}
	if tz := q.GetTimeZone(); tz != "" {
		if _, err := loadZone(tz); err != nil {
			return errs.Field("subscription.quiet_hours.time_zone", "must be an IANA time zone such as America/Chicago")
		}
	}
	return nil
}

// checkTimeOfDay checks hours 0–23 and minutes 0–59 of t, required.
func checkTimeOfDay(field string, t *timeofday.TimeOfDay) error {
	switch {
	case t == nil:
		return errs.Field(field, "is required")
	case t.GetHours() < 0 || t.GetHours() > 23:
		return errs.Field(field+".hours", "must be between 0 and 23")
	case t.GetMinutes() < 0 || t.GetMinutes() > 59:
		return errs.Field(field+".minutes", "must be between 0 and 59")
	}
	return nil
}

// loadZone loads an IANA time zone by name; "Local" (the server's zone)
// and over-long names are no zone.
func loadZone(name string) (*time.Location, error) {
	if name == "Local" || len(name) > maxTimeZone {
		return nil, fmt.Errorf("time zone %q: %w", name, errs.InvalidArgument)
	}
	return time.LoadLocation(name)
}
