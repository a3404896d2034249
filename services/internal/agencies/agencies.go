// Package agencies tells the services what they need to know of an agency
// (whether it exists, its time zone) by asking the Identity service, with a
// short cache.
package agencies

import (
	"context"
	"fmt"
	"sync"
	"time"
	_ "time/tzdata" // agency time zones resolve on images without a zoneinfo database

	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"github.com/engagehq/engage/services/internal/errs"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// How long the agency directory trusts what Identity said, and how many
// agencies it remembers. An agency that does not exist is asked about
// again sooner, so that a new agency is usable within seconds.
const (
	agencyTTL         = time.Minute
	missingAgencyTTL  = 10 * time.Second
	maxCachedAgencies = 1024
)

// Info is what the services need to know of an agency.
type Info struct {
	// Location is the agency's time zone, in which its calendar days and
	// statistics periods start.
	Location *time.Location
}

// Directory looks agencies up. Agency returns errs.NotFound for an agency
// that does not exist, and errs.Unavailable when Identity cannot say.
type Directory interface {
	Agency(ctx context.Context, id string) (Info, error)
}

// agencyDirectory is the Directory over Identity's AgencyService.
// GetAgency is a public method, so the call needs no particular
// credentials.
type agencyDirectory struct {
	client identityv1.AgencyServiceClient
	now    func() time.Time

	mu    sync.Mutex
	cache map[string]cachedAgency
}

type cachedAgency struct {
	info    Info
	missing bool
	expires time.Time
}

// NewDirectory returns a Directory that asks Identity and
// caches the answers: an agency for a minute, its absence for ten seconds.
// An agency without a time zone is in UTC.
func NewDirectory(client identityv1.AgencyServiceClient) Directory {
	return newAgencyDirectory(client, time.Now)
}

func newAgencyDirectory(client identityv1.AgencyServiceClient, now func() time.Time) *agencyDirectory {
	return &agencyDirectory{client: client, now: now, cache: map[string]cachedAgency{}}
}

// Agency implements Directory. name is an agency id.
func (d *agencyDirectory) Agency(ctx context.Context, id string) (Info, error) {
	now := d.now()
	d.mu.Lock()
	c, ok := d.cache[id]
	d.mu.Unlock()
	if ok && now.Before(c.expires) {
		if c.missing {
			return Info{}, fmt.Errorf("agency %s: %w", id, errs.NotFound)
		}
		return c.info, nil
	}
	a, err := d.client.GetAgency(ctx, &identityv1.GetAgencyRequest{Name: "agencies/" + id})
	switch status.Code(err) {
	case codes.OK:
	case codes.NotFound:
		d.remember(id, cachedAgency{missing: true, expires: now.Add(missingAgencyTTL)}, now)
		return Info{}, fmt.Errorf("agency %s: %w", id, errs.NotFound)
	default:
		return Info{}, fmt.Errorf("agency %s: ask identity: %w", id, errs.Unavailable)
	}
	loc := time.UTC
	if tz := a.GetTimeZone(); tz != "" {
		if l, err := time.LoadLocation(tz); err == nil {
			loc = l
		}
	}
	info := Info{Location: loc}
	d.remember(id, cachedAgency{info: info, expires: now.Add(agencyTTL)}, now)
	return info, nil
}

// remember caches an answer, first dropping expired entries, and then
// arbitrary ones, when the cache is full.
func (d *agencyDirectory) remember(id string, c cachedAgency, now time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.cache) >= maxCachedAgencies {
		for k, v := range d.cache {
			if !now.Before(v.expires) {
				delete(d.cache, k)
			}
		}
		for k := range d.cache {
			if len(d.cache) < maxCachedAgencies {
				break
			}
			delete(d.cache, k)
		}
	}
	d.cache[id] = c
}
