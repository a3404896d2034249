package fieldmask

import (
	"strings"

	"github.com/engagehq/engage/services/internal/errs"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// CheckImmutable refuses an update whose IMMUTABLE fields differ from
// those of the stored resource as the caller would read it, which current
// returns: the request may name them only to restate them. in and the
// stored resource are of the same message type. current is called only
// when the update names an IMMUTABLE field, so that an update that names
// none builds nothing inside its transaction.
func (u Update) CheckImmutable(in proto.Message, current func() proto.Message) error {
	if len(u.Immutable) == 0 {
		return nil
	}
	a, b := in.ProtoReflect(), current().ProtoReflect()
	for _, p := range u.Immutable {
		if !equalAt(a, b, strings.Split(p, ".")) {
			return errs.Field(field, "%q cannot change after creation; send its current value or leave it out", p)
		}
	}
	return nil
}

// equalAt reports whether a and b hold the same value at the path of
// proto names segs. An unset message on the way holds default values.
func equalAt(a, b protoreflect.Message, segs []string) bool {
	fd := a.Descriptor().Fields().ByName(protoreflect.Name(segs[0]))
	if fd == nil {
		return false
	}
	if len(segs) > 1 {
		return equalAt(a.Get(fd).Message(), b.Get(fd).Message(), segs[1:])
	}
	return a.Has(fd) == b.Has(fd) && a.Get(fd).Equal(b.Get(fd))
}

// Copy sets the fields of dst that paths name (proto names, top-level or
// nested below singular message fields, as Resolve returns them) to their
// values in src, clearing those src does not set. dst and src are of the
// same message type; dst shares no memory with src afterwards. A path that
// names no field is skipped.
func Copy(dst, src proto.Message, paths []string) {
	s, d := proto.Clone(src).ProtoReflect(), dst.ProtoReflect()
	for _, p := range paths {
		copyPath(d, s, strings.Split(p, "."))
	}
}

func copyPath(d, s protoreflect.Message, segs []string) {
	fd := d.Descriptor().Fields().ByName(protoreflect.Name(segs[0]))
	switch {
	case fd == nil:
	case len(segs) > 1:
		if fd.Message() == nil || fd.IsList() || fd.IsMap() || (!s.Has(fd) && !d.Has(fd)) {
			return
		}
		copyPath(d.Mutable(fd).Message(), s.Get(fd).Message(), segs[1:])
	case s.Has(fd):
		d.Set(fd, s.Get(fd))
	default:
		d.Clear(fd)
	}
}
