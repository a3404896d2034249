package boltstore

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/engagehq/engage/services/internal/boltdb"
	"github.com/engagehq/engage/services/internal/training"
)

// The values of the index buckets that carry one, drawn in the package
// doc. Writers and readers (compliance standings, xAPI completions) share
// these functions so the two sides cannot drift apart.

// assignmentTail is the length of an assignment value after its due day:
// the separator, the created time and the open flag.
const assignmentTail = 1 + 8 + 1

// encodeAssignment is the assignments value of an enrollment due on day
// due (possibly empty), created at created, open or completed.
func encodeAssignment(due string, created time.Time, open bool) []byte {
	v := make([]byte, 0, len(due)+assignmentTail)
	v = append(v, due...)
	v = append(v, sep)
	v = append(v, u64(created.UnixNano())...)
	if open {
		return append(v, 1)
	}
	return append(v, 0)
}

// decodeAssignment decodes what encodeAssignment encoded.
func decodeAssignment(v []byte) (training.Assignment, error) {
	n := len(v) - assignmentTail
	if n < 0 || v[n] != sep || bytes.IndexByte(v[:n], sep) >= 0 {
		return training.Assignment{}, fmt.Errorf("decode assignment %q: malformed", v)
	}
	return training.Assignment{
		DueDate:    string(v[:n]),
		AssignTime: time.Unix(0, int64(boltdb.ParseU64(v[n+1:n+9]))).UTC(),
		Open:       v[len(v)-1] == 1,
	}, nil
}

// hoursScale is how many stored units make a credit hour: hours are kept
// as thousandths so that sums are exact.
const hoursScale = 1000

// encodeHours is the credits value of h credit hours, rounded to the
// nearest thousandth (negative hours count as none).
func encodeHours(h float64) []byte {
	return u64(int64(math.Round(max(h, 0) * hoursScale)))
}

// decodeHours decodes what encodeHours encoded; a malformed value counts
// as no hours.
func decodeHours(v []byte) float64 {
	if len(v) != 8 {
		return 0
	}
	return float64(boltdb.ParseU64(v)) / hoursScale
}

// encodeCompletion is the completions value of c.
func encodeCompletion(c training.Completion) ([]byte, error) {
	v, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("encode completion %s: %w", c.ID, err)
	}
	return v, nil
}

// decodeCompletion decodes what encodeCompletion encoded.
func decodeCompletion(v []byte) (training.Completion, error) {
	var c training.Completion
	if err := json.Unmarshal(v, &c); err != nil {
		return training.Completion{}, fmt.Errorf("decode completion: %w", err)
	}
	return c, nil
}
