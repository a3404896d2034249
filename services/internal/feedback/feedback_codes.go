package feedback

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"hash"
	"math/big"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Tracking codes, PINs and the ids of feedback.
//
// A tracking code is 100 random bits written as 20 Crockford base-32
// characters, shown in groups of five; a PIN is 8 random digits. Engage
// keeps neither. The id of anonymous feedback is 128 bits of SHA-256 over
// the agency and the normalized code (codeFeedbackID), so a code leads to
// its feedback without an index, and the feedback keeps SHA-256 over the
// same input and the PIN. A fast hash is right here, unlike for
// passwords: the code alone carries 100 random bits, so someone holding
// the database or an id cannot find a code by trying candidates against
// the hashes (2^100 guesses), and without the code the PIN hash is of no
// use either. Such an id looks like the random id of identified feedback
// and, like it, carries no time. Online guessing of PINs for a known code
// is throttled (feedback.go).
//
// An anonymous submission that carries a request id gets its code and PIN
// from HMAC-SHA256 under the store's code secret (FeedbackStore.CodeSecret)
// over the agency, the request id and the UTC day (retryCodes): a retry
// computes them again and so finds the feedback by its id, with nothing
// recorded of the request. Without the secret, which never leaves the
// store, a request id tells nothing of the code; with the day in the
// input, a request id is recognized for FeedbackRequestLifetime (the
// previous day is tried too, and the feedback's hour decides) and then
// creates anew, as request records of other writes do.

// crockford is the Crockford base-32 alphabet.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

const (
	codeChars = 20
	pinDigits = 8
)

// idEncoding writes feedback ids: lowercase base 32 without padding.
var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// newFeedbackID returns 128 random bits as 26 characters of [a-z2-7]. Ids
// of anonymous and identified feedback look alike and carry no time.
func newFeedbackID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails.
	return idEncoding.EncodeToString(b)
}

// newTrackingCode returns a fresh code, e.g. `7K3QD-…`, grouped for
// reading.
func newTrackingCode() string {
	b := make([]byte, codeBytes)
	_, _ = rand.Read(b)
	return formatCode(b)
}

// codeBytes is how many bytes formatCode reads: 104 bits, of which 100 are
// used.
const codeBytes = 13

// formatCode writes the first 100 bits of b (codeBytes long) as a code.
func formatCode(b []byte) string {
	var sb strings.Builder
	var acc uint64
	bits := 0
	n := 0
	for _, c := range b[:codeBytes] {
		acc = acc<<8 | uint64(c)
		bits += 8
		for bits >= 5 && n < codeChars {
			bits -= 5
			if n > 0 && n%5 == 0 {
				sb.WriteByte('-')
			}
			sb.WriteByte(crockford[(acc>>bits)&31])
			n++
		}
	}
	return sb.String()
}

// newPIN returns 8 uniformly random digits.
func newPIN() string {
	n, err := rand.Int(rand.Reader, big.NewInt(100_000_000))
	if err != nil {
		panic(err) // crypto/rand does not fail
	}
	return fmt.Sprintf("%08d", n.Int64())
}

// anonymousCode is a tracking code and PIN with what they lead to: the id
// of the feedback they open and the hash it keeps of both.
type anonymousCode struct {
	code, pin  string
	id         string
	secretHash []byte
}

func newAnonymousCode(agency, code, pin string) anonymousCode {
	norm, _ := normalizeCode(code)
	return anonymousCode{code: code, pin: pin, id: codeFeedbackID(agency, norm), secretHash: secretHash(agency, norm, pin)}
}

// retryCodes derives the code and PIN of anonymous submissions made with a
// request id (see the top of this file). It keeps keyed MACs for reuse.
type retryCodes struct{ macs *sync.Pool }

func newRetryCodes(secret []byte) retryCodes {
	return retryCodes{macs: &sync.Pool{New: func() any { return hmac.New(sha256.New, secret) }}}
}

// at returns the code and PIN of a request id to agency on the UTC day of
// t. The PIN is 64 bits of the MAC reduced to 8 digits; the bias of that
// reduction is below 10^-11.
func (r retryCodes) at(agency, requestID string, t time.Time) anonymousCode {
	var in [128]byte
	msg := append(in[:0], "engage feedback retry code\x00"...)
	msg = append(append(msg, agency...), 0)
	msg = append(append(msg, requestID...), 0)
	msg = strconv.AppendInt(msg, t.UTC().Unix()/86400, 10)
	mac := r.macs.Get().(hash.Hash)
	mac.Reset()
	mac.Write(msg)
	var sum [sha256.Size]byte
	mac.Sum(sum[:0])
	r.macs.Put(mac)
	return newAnonymousCode(agency, formatCode(sum[:codeBytes]), fmt.Sprintf("%08d", binary.BigEndian.Uint64(sum[16:24])%100_000_000))
}

// normalizeCode returns a code as typed in its canonical form: upper case
// without dashes or spaces, with O read as 0 and I and L as 1. ok is false
// when it cannot be a code.
func normalizeCode(code string) (string, bool) {
	var sb strings.Builder
	for _, r := range strings.ToUpper(code) {
		switch r {
		case '-', ' ':
			continue
		case 'O':
			r = '0'
		case 'I', 'L':
			r = '1'
		}
		if r > 'Z' || !strings.ContainsRune(crockford, r) {
			return "", false
		}
		sb.WriteRune(r)
	}
	s := sb.String()
	return s, len(s) == codeChars
}

// normalizePIN drops the spaces and dashes a PIN may be typed with.
func normalizePIN(pin string) string {
	return strings.NewReplacer(" ", "", "-", "").Replace(pin)
}

// codeInput is what the code's hashes are computed over.
func codeInput(agency, normalized string) string { return agency + "\x00" + normalized }

// codeFeedbackID is the id of the anonymous feedback a normalized code
// opens: 128 bits of a hash of the code, written as newFeedbackID writes
// random ones.
func codeFeedbackID(agency, normalized string) string {
	h := sha256.Sum256([]byte("engage feedback id\x00" + codeInput(agency, normalized)))
	return idEncoding.EncodeToString(h[:16])
}

// codeKey identifies a code in the in-memory PIN-guessing throttle.
func codeKey(agency, normalized string) []byte {
	h := sha256.Sum256([]byte(codeInput(agency, normalized)))
	return h[:]
}

// secretHash is what feedback keeps to check a code and PIN together.
func secretHash(agency, normalized, pin string) []byte {
	h := sha256.Sum256([]byte(codeInput(agency, normalized) + "\x00" + pin))
	return h[:]
}

// requestKey is the key of a request record: a hash of what the request
// does, who may repeat it (empty for anonymous callers, whose retries are
// recognized by the request id alone) and the request id.
func requestKey(purpose, agency, caller, requestID string) []byte {
	h := sha256.Sum256([]byte("engage feedback request\x00" + purpose + "\x00" + agency + "\x00" + caller + "\x00" + requestID))
	return h[:]
}

// hourOf rounds t down to the hour, as every stored time of what an
// anonymous submitter does is.
func hourOf(t time.Time) time.Time { return t.UTC().Truncate(time.Hour) }
