package identity

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/engagehq/engage/services/internal/access"
	"github.com/engagehq/engage/services/internal/resname"
)

// ZeroHash is the previous hash of the first event of every chain.
const ZeroHash = "0000000000000000000000000000000000000000000000000000000000000000"

// chainHashVersion is hashed first, so that a future change of the
// encoding cannot produce a hash that also means something under this one.
const chainHashVersion = "engage.audit.v1"

// ChainHash returns the hash of e after previous: hex SHA-256 over
// previous and every field of e that matters, each written as an 8-byte
// big-endian length and its bytes. Length prefixes make the encoding
// unambiguous: no two different events encode alike, whatever their
// fields contain. Chain and Sequence are included, so an event cannot be
// moved to another place or chain without detection. Times are hashed as
// RFC 3339 in UTC with nanoseconds, the precision every store must keep.
func ChainHash(previous string, e AuditEvent) string {
	h := sha256.New()
	var n [8]byte
	for _, f := range []string{
		chainHashVersion,
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
	} {
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
