package forum

import (
	"slices"

	"github.com/engagehq/engage/services/internal/errs"
)

// mask checks update_mask paths against the updatable fields: none, or
// only "*", means all of them; an output-only or unknown path is an error
// naming update_mask.
func mask(paths, updatable, readOnly []string) ([]string, error) {
	if len(paths) == 0 || (len(paths) == 1 && paths[0] == "*") {
		return updatable, nil
	}
	var fields []string
	for _, p := range paths {
		switch {
		case slices.Contains(updatable, p):
			if !slices.Contains(fields, p) {
				fields = append(fields, p)
			}
		case slices.Contains(readOnly, p):
			return nil, errs.Field("update_mask", "%q cannot be updated", p)
		case p == "*":
			return nil, errs.Field("update_mask", `"*" must be the only path`)
		default:
			return nil, errs.Field("update_mask", "unknown field %q", p)
		}
	}
	return fields, nil
}
