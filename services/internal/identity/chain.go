package identity

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/engagehq/engage/services/internal/access"
	"github.com/engagehq/engage/services/internal/resname"
)

// ZeroHash is the previous hash of the first event of every chain.
const ZeroHash = "0000000000000000000000000000000000000000000000000000000000000000"

// The version of the encoding is hashed first, so that no hash under one
// encoding also means something under another. An event without details
// hashes under v1, exactly as before details existed, so that chains
// written then still verify; an event with details hashes under v2, which
// appends them. A chain may mix both.
const (
	chainHashV1 = "engage.audit.v1"
	chainHashV2 = "engage.audit.v2"
)

// ChainHash returns the hash of e after previous: hex SHA-256 over
// previous and every field of e that matters, each written as an 8-byte
// big-endian length and its bytes. Length prefixes make the encoding
// unambiguous: no two different events encode alike, whatever their
// fields contain. Chain and Sequence are included, so an event cannot be
// moved to another place or chain without detection. Times are hashed as
// RFC 3339 in UTC with nanoseconds, the precision every store must keep.
// Details, when there are any, follow the other fields under v2: their
// count, then each key and value, sorted by key, so that the hash does not
// depend on the order a map is read in.
func ChainHash(previous string, e AuditEvent) string {
	version := chainHashV1
	if len(e.Details) > 0 {
		version = chainHashV2
	}
	fields := []string{
		version,
		previous,
		e.Chain,
		strconv.FormatInt(e.Sequence, 10),
		e.Time.UTC().Format(time.RFC3339Nano),
		e.Actor,
		e.Method,
		e.Resource,
		e.Outcome,
		e.CorrelationID,
		e.Service,
	}
	if len(e.Details) > 0 {
		keys := slices.Sorted(maps.Keys(e.Details))
		fields = append(fields, strconv.Itoa(len(keys)))
		for _, k := range keys {
			fields = append(fields, k, e.Details[k])
		}
	}
	h := sha256.New()
	var n [8]byte
	for _, f := range fields {
		binary.BigEndian.PutUint64(n[:], uint64(len(f)))
		h.Write(n[:])
		h.Write([]byte(f))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// ChainOf returns the chain an event about resource belongs to: the agency
// the resource is under, or "" (the platform chain) for everything else,
// including resource names too malformed to name an agency.
func ChainOf(resource string) string {
	agency := access.Agency(resource)
	if agency == platformChain || !resname.ValidID(agency) || strings.Contains(agency, "/") {
		return ""
	}
	return agency
}
