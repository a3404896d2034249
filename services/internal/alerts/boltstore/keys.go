package boltstore

import (
	"strings"

	"github.com/engagehq/engage/services/internal/boltdb"
)

// The top-level buckets, drawn in the package doc.
var (
	bucketAlerts               = []byte("alerts")
	bucketAlertsByTime         = []byte("alertsByTime")
	bucketMessageIDs           = []byte("messageIDs")
	bucketActiveAlerts         = []byte("activeAlerts")
	bucketEvents               = []byte("events")
	bucketAgencyEvents         = []byte("agencyEvents")
	bucketDeliveries           = []byte("deliveries")
	bucketSubscriptions        = []byte("subscriptions")
	bucketSubscriptionsByOwner = []byte("subscriptionsByOwner")
	bucketRequests             = []byte("requests")
	bucketRequestsByTime       = []byte("requestsByTime")
)

// allBuckets are created by the first migration.
var allBuckets = [][]byte{
	bucketAlerts, bucketAlertsByTime, bucketMessageIDs, bucketActiveAlerts,
	bucketEvents, bucketAgencyEvents, bucketDeliveries,
	bucketSubscriptions, bucketSubscriptionsByOwner,
	bucketRequests, bucketRequestsByTime,
}

// sep separates the parts of a key (boltdb.Key).
const sep = boltdb.KeySep

// u64 is an 8-byte big-endian number key part; negative numbers (times
// before 1970) count as 0.
func u64(n int64) []byte { return boltdb.U64(uint64(max(n, 0))) }

// lastID returns the id a resource name ends with.
func lastID(name string) string { return name[strings.LastIndexByte(name, '/')+1:] }

// alertIDs returns the agency and alert ids of
// `agencies/{agency}/alerts/{alert}`; ok is false for anything else.
func alertIDs(name string) (agency, id string, ok bool) {
	parts := strings.Split(name, "/")
	if len(parts) != 4 || parts[0] != "agencies" || parts[2] != "alerts" || parts[1] == "" || parts[3] == "" {
		return "", "", false
	}
	return parts[1], parts[3], true
}

// alertName is the resource name of an alert of agency.
func alertName(agency, id string) string { return "agencies/" + agency + "/alerts/" + id }
