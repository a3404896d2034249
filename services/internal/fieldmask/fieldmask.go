// Package fieldmask resolves the update mask of an AIP-134 Update request
// against the fields a service lets the method change, with the field
// behaviors of AIP-203 read from the resource's descriptor. Every service
// follows the same rules:
//
//   - An empty mask names the writable fields the request's resource
//     populates (protoreflect Has).
//   - "*" alone names every writable field; "*" beside other paths is an
//     error.
//   - A path is a field's proto name (start_time) or its JSON name
//     (startTime). A nested path (quiet_hours.start) may go through
//     singular message fields, never into a repeated field, a map or a
//     well-known type such as a Timestamp.
//   - etag and the IDENTIFIER and OUTPUT_ONLY fields are ignored. The REST
//     gateway turns the fields of a PATCH body into the mask when the
//     client sends none, so a client that sends the etag in the body, or
//     sends back a resource it read with one change, names them.
//   - An IMMUTABLE field may be named as long as its value does not change
//     (AIP-203): Update.Immutable lists those the request names, for
//     CheckImmutable to compare with the stored resource.
//   - Any other path, unknown or not writable, is INVALID_ARGUMENT naming
//     update_mask and listing the updatable fields.
//   - A request that leaves nothing to change is INVALID_ARGUMENT as well:
//     it would change only the etag and the update time.
package fieldmask

import (
	"fmt"
	"slices"
	"strings"

	"github.com/engagehq/engage/services/internal/errs"
	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// field is the request field every error of this package names.
const field = "update_mask"

// Update is what an update request changes.
type Update struct {
	// Paths are the writable fields to change, by proto name: top-level
	// fields of the writable list, or paths below a singular message field
	// of it. No path is the prefix of another.
	Paths []string
	// Immutable are the IMMUTABLE fields the request names (or, without a
	// mask, populates), by proto name. They change nothing; CheckImmutable
	// refuses a request whose value differs from the stored one.
	Immutable []string
}

// Resolve returns what an update of in changes under mask. writable are
// the top-level fields, by proto name, that the method lets the caller
// change; a name that is no field of in is a programming error, returned
// as a plain error (INTERNAL).
func Resolve(mask *fieldmaskpb.FieldMask, in proto.Message, writable []string) (Update, error) {
	m := in.ProtoReflect()
	fields := m.Descriptor().Fields()
	for _, w := range writable {
		fd := fields.ByName(protoreflect.Name(w))
		if fd == nil || (path{fd}).kind(writable) != changed {
			return Update{}, fmt.Errorf("fieldmask: %q is no writable field of %s", w, m.Descriptor().FullName())
		}
	}
	paths := mask.GetPaths()
	if all := len(paths) == 1 && paths[0] == "*"; all || len(paths) == 0 {
		var u Update
		for _, w := range writable {
			if all || m.Has(fields.ByName(protoreflect.Name(w))) {
				u.Paths = appendPath(u.Paths, w)
			}
		}
		for i := range fields.Len() {
			if fd := fields.Get(i); (path{fd}).kind(writable) == immutable && m.Has(fd) {
				u.Immutable = append(u.Immutable, string(fd.Name()))
			}
		}
		return u, nonEmpty(u, writable)
	}
	var u Update
	for _, p := range paths {
		if p == "*" {
			return Update{}, errs.Field(field, `"*" must be the only path`)
		}
		path, err := resolve(m.Descriptor(), p, writable)
		if err != nil {
			return Update{}, err
		}
		name := path.String()
		switch kind := path.kind(writable); kind {
		case ignored:
		case immutable:
			u.Immutable = appendPath(u.Immutable, name)
		case changed:
			u.Paths = appendPath(u.Paths, name)
		default:
			return Update{}, errs.Field(field, "%q cannot be updated (updatable: %s)", p, strings.Join(writable, ", "))
		}
	}
	return u, nonEmpty(u, writable)
}

// Named returns the paths an update of in asks to change under mask, by
// proto name, read as Resolve reads them but without a writable list: the
// ones the method changes or refuses, never etag, an IDENTIFIER or
// OUTPUT_ONLY field or an IMMUTABLE one, which change nothing. An empty
// mask names the fields in populates; "*" stays "*"; a path that names no
// field is left out, since it is text the caller made up. It is what the
// audit log records of an update, so that a resource sent back whole
// records the fields it changes, not every field it carries.
func Named(mask *fieldmaskpb.FieldMask, in proto.Message) []string {
	m := in.ProtoReflect()
	var out []string
	keep := func(p path) {
		if k := p.kind(nil); k != ignored && k != immutable {
			out = appendPath(out, p.String())
		}
	}
	if len(mask.GetPaths()) == 0 {
		fields := m.Descriptor().Fields()
		for i := range fields.Len() {
			if fd := fields.Get(i); m.Has(fd) {
				keep(path{fd})
			}
		}
		return out
	}
	for _, p := range mask.GetPaths() {
		if p == "*" {
			out = append(out, p)
			continue
		}
		if resolved, err := resolve(m.Descriptor(), p, nil); err == nil {
			keep(resolved)
		}
	}
	return out
}

// nonEmpty refuses an update that changes no field.
func nonEmpty(u Update, writable []string) error {
	if len(u.Paths) == 0 {
		return errs.Field(field, "names nothing to change: set a field or list it here (updatable: %s)", strings.Join(writable, ", "))
	}
	return nil
}

// appendPath adds p to paths unless p or one of its ancestors is there
// already; the paths below p go.
func appendPath(paths []string, p string) []string {
	for _, q := range paths {
		if q == p || strings.HasPrefix(p, q+".") {
			return paths
		}
	}
	paths = slices.DeleteFunc(paths, func(q string) bool { return strings.HasPrefix(q, p+".") })
	return append(paths, p)
}

// path is a mask path resolved to the fields it goes through.
type path []protoreflect.FieldDescriptor

// resolve resolves p, whose segments are proto or JSON names, in md.
func resolve(md protoreflect.MessageDescriptor, p string, writable []string) (path, error) {
	var out path
	for seg := range strings.SplitSeq(p, ".") {
		if md == nil {
			return nil, errs.Field(field, "%q goes into a field that has no fields to update apart (updatable: %s)", p, strings.Join(writable, ", "))
		}
		fd := md.Fields().ByName(protoreflect.Name(seg))
		if fd == nil {
			fd = md.Fields().ByJSONName(seg)
		}
		if fd == nil {
			return nil, errs.Field(field, "unknown field %q (updatable: %s)", p, strings.Join(writable, ", "))
		}
		out = append(out, fd)
		md = nil
		if sub := fd.Message(); sub != nil && !fd.IsList() && !fd.IsMap() && !wellKnown(sub) {
			md = sub
		}
	}
	return out, nil
}

// wellKnown reports whether md is one of protobuf's well-known types
// (Timestamp, Duration, …): values, not messages with parts to update,
// so that start_time.seconds is refused rather than applied to nothing.
func wellKnown(md protoreflect.MessageDescriptor) bool {
	return md.ParentFile().Package() == "google.protobuf"
}

// String returns the path by proto names.
func (p path) String() string {
	names := make([]string, len(p))
	for i, fd := range p {
		names[i] = string(fd.Name())
	}
	return strings.Join(names, ".")
}

// What a path does to an update.
type pathKind int

const (
	refused   pathKind = iota // not writable: an error
	ignored                   // etag, IDENTIFIER, OUTPUT_ONLY
	immutable                 // IMMUTABLE: must keep its value
	changed                   // writable
)

// kind classifies p: the field behaviors along it decide first, then the
// writable list, which names top-level fields.
func (p path) kind(writable []string) pathKind {
	if p[0].Name() == "etag" {
		return ignored
	}
	for _, fd := range p {
		if has(fd, annotations.FieldBehavior_IDENTIFIER) || has(fd, annotations.FieldBehavior_OUTPUT_ONLY) {
			return ignored
		}
	}
	for _, fd := range p {
		if has(fd, annotations.FieldBehavior_IMMUTABLE) {
			return immutable
		}
	}
	if slices.Contains(writable, string(p[0].Name())) {
		return changed
	}
	return refused
}

// has reports whether fd is annotated with behavior b.
func has(fd protoreflect.FieldDescriptor, b annotations.FieldBehavior) bool {
	behaviors, _ := proto.GetExtension(fd.Options(), annotations.E_FieldBehavior).([]annotations.FieldBehavior)
	return slices.Contains(behaviors, b)
}
