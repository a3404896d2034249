// Package resname parses AIP resource names such as
// `agencies/{agency}/forums/{forum}` against their patterns.
package resname

import (
	"strings"

	"github.com/engagehq/engage/services/internal/errs"
)

// ValidID reports whether s is a resource id segment: 1 to 63 characters
// of [a-z0-9-], as the contract's patterns allow.
func ValidID(s string) bool {
	if s == "" || len(s) > 63 {
		return false
	}
	for _, c := range s {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// Split matches name against a pattern such as
// `agencies/{agency}/partners/{partner}` and returns the ids in its braced
// segments, or an INVALID_ARGUMENT naming field.
func Split(field, name, pattern string) ([]string, error) {
	parts, want := strings.Split(name, "/"), strings.Split(pattern, "/")
	if len(parts) != len(want) {
		return nil, errs.Field(field, "must look like %s", pattern)
	}
	var ids []string
	for i, w := range want {
		if strings.HasPrefix(w, "{") {
			if !ValidID(parts[i]) {
				return nil, errs.Field(field, "must look like %s", pattern)
			}
			ids = append(ids, parts[i])
		} else if parts[i] != w {
			return nil, errs.Field(field, "must look like %s", pattern)
		}
	}
	return ids, nil
}
