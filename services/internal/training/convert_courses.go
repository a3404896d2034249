package training

import (
	"slices"
	"strings"

	"github.com/engagehq/engage/services/internal/errs"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// Updates of the catalogue, the roster and the settings follow AIP-134:
// the update mask names the fields to change, `*` alone names every
// writable one, and an empty mask names the writable fields the request
// sets. The resource's name, etag and OUTPUT_ONLY fields may be named and
// are ignored; any other path is INVALID_ARGUMENT naming `update_mask`.
// The fields are then copied by reflection, so a field added to a writable
// list needs no other code to be updatable.

// ignoredPaths are the paths an update mask may name without effect.
var ignoredPaths = []string{"name", "etag", "create_time", "update_time", "delete_time"}

// updatePaths returns the writable fields of in an update changes.
func updatePaths(mask *fieldmaskpb.FieldMask, in proto.Message, writable []string) ([]string, error) {
	paths := mask.GetPaths()
	if len(paths) == 0 {
		m := in.ProtoReflect()
		fields := m.Descriptor().Fields()
		var set []string
		for _, p := range writable {
			if m.Has(fields.ByName(protoreflect.Name(p))) {
				set = append(set, p)
			}
		}
		return nonEmptyPaths(set, writable)
	}
	if len(paths) == 1 && paths[0] == "*" {
		return writable, nil
	}
	var out []string
	for _, p := range paths {
		switch {
		case slices.Contains(writable, p):
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
		case slices.Contains(ignoredPaths, p):
		case p == "*":
			return nil, errs.Field("update_mask", `"*" must be the only path`)
		default:
			return nil, errs.Field("update_mask", "unknown or read-only field %q (updatable: %s)", p, strings.Join(writable, ", "))
		}
	}
	return nonEmptyPaths(out, writable)
}

// nonEmptyPaths refuses an update that would change nothing but the etag
// and update time.
func nonEmptyPaths(paths, writable []string) ([]string, error) {
	if len(paths) == 0 {
		return nil, errs.Field("update_mask", "names nothing to change: set a field or list it here (updatable: %s)", strings.Join(writable, ", "))
	}
	return paths, nil
}

// copyFields sets the fields paths names (top-level, singular or
// repeated) of dst to their values in src, clearing those src does not
// set. dst and src are of the same message type; dst shares no memory
// with src afterwards.
func copyFields(dst, src proto.Message, paths []string) {
	s, d := proto.Clone(src).ProtoReflect(), dst.ProtoReflect()
	fields := d.Descriptor().Fields()
	for _, p := range paths {
		fd := fields.ByName(protoreflect.Name(p))
		if fd == nil {
			continue
		}
		if s.Has(fd) {
			d.Set(fd, s.Get(fd))
		} else {
			d.Clear(fd)
		}
	}
}
