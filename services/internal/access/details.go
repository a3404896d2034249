package access

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"buf.build/gen/go/bufbuild/protovalidate/protocolbuffers/go/buf/validate"
	"github.com/engagehq/engage/services/internal/fieldmask"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// Bounds of an audit event's details, which identity enforces on every
// appended event. AuditDetails stays within them, so that recording a
// decision never fails for its size.
const (
	MaxDetails     = 16
	MaxDetailKey   = 64
	MaxDetailValue = 256
)

// fieldMaskName is the one message type an audit field may name: the
// paths of an update are identifiers, never values.
const fieldMaskName protoreflect.FullName = "google.protobuf.FieldMask"

// sensitiveWords are words of field names (split at "_") that an audit
// field never names, even when the field would otherwise qualify: the
// audit log keeps decisions, not what people wrote or the secrets they
// hold.
var sensitiveWords = map[string]bool{
	"note": true, "notes": true, "text": true, "body": true, "content": true,
	"description": true, "reason": true, "comment": true, "email": true,
	"phone": true, "address": true, "password": true, "pin": true,
	"token": true, "secret": true, "key": true, "code": true, "csv": true,
	"xml": true, "name": true,
}

// AuditDetails returns the values of the request fields paths name
// (Policy.audit_fields), keyed by path, for an audit event: enums by value
// name (the number when the value is unknown), bools as "true" or "false",
// strings as they are and field masks as their comma-separated paths. The
// mask of an Update request gives the paths it asks to change
// (fieldmask.Named): a resource sent back whole with an empty mask records
// the fields it sets that could change, never its name, etag or output
// fields. Values are cut to MaxDetailValue bytes and at most MaxDetails paths are
// read. A path that does not resolve is skipped; TestAuditFields keeps the
// contract free of them. It returns nil when there is nothing to record.
func AuditDetails(req proto.Message, paths []string) map[string]string {
	if req == nil || len(paths) == 0 {
		return nil
	}
	m := req.ProtoReflect()
	if !m.IsValid() {
		return nil
	}
	var out map[string]string
	for _, path := range paths[:min(len(paths), MaxDetails)] {
		fields, err := resolveAuditField(m.Descriptor(), path)
		if err != nil || len(path) > MaxDetailKey {
			continue
		}
		v, ok := detailValue(m, fields)
		if !ok {
			continue
		}
		if out == nil {
			out = make(map[string]string, len(paths))
		}
		out[path] = truncate(v, MaxDetailValue)
	}
	return out
}

// detailValue reads the leaf field at the end of fields, starting at m.
// Unset messages on the way read as empty, so an absent field records its
// default, which is what the handler saw.
func detailValue(m protoreflect.Message, fields []protoreflect.FieldDescriptor) (string, bool) {
	for _, f := range fields[:len(fields)-1] {
		m = m.Get(f).Message()
	}
	f := fields[len(fields)-1]
	v := m.Get(f)
	switch f.Kind() {
	case protoreflect.EnumKind:
		if ev := f.Enum().Values().ByNumber(v.Enum()); ev != nil {
			return string(ev.Name()), true
		}
		return strconv.Itoa(int(v.Enum())), true
	case protoreflect.BoolKind:
		return strconv.FormatBool(v.Bool()), true
	case protoreflect.StringKind:
		// Audit fields run before validation, on refused calls too: a
		// string is kept only in the shape its rules allow, never as
		// whatever text the caller sent.
		str := v.String()
		re := fieldPattern(f)
		return str, re != nil && re.MatchString(str)
	case protoreflect.MessageKind:
		mask := v.Message()
		pf := mask.Descriptor().Fields().ByName("paths")
		list := mask.Get(pf).List()
		paths := make([]string, list.Len())
		for i := range paths {
			paths[i] = list.Get(i).String()
		}
		if res := updatedResource(m, f); res != nil {
			paths = fieldmask.Named(&fieldmaskpb.FieldMask{Paths: paths}, m.Get(res).Message().Interface())
		}
		return strings.Join(paths, ","), len(paths) > 0
	}
	return "", false
}

// updatedResource returns the field of m that holds the resource its mask
// field updates: the one other singular message field, outside protobuf's
// well-known types, as an AIP-134 Update request has. Nil when there is
// none or more than one.
func updatedResource(m protoreflect.Message, mask protoreflect.FieldDescriptor) protoreflect.FieldDescriptor {
	var res protoreflect.FieldDescriptor
	fields := m.Descriptor().Fields()
	for i := range fields.Len() {
		f := fields.Get(i)
		if f == mask || f.Kind() != protoreflect.MessageKind || f.IsList() || f.IsMap() ||
			f.Message().ParentFile().Package() == "google.protobuf" {
			continue
		}
		if res != nil {
			return nil
		}
		res = f
	}
	return res
}

// patterns caches the compiled validation pattern of each string field
// read by AuditDetails, by full name; a field without one maps to nil.
var patterns sync.Map

// fieldPattern returns the compiled buf.validate pattern of a string
// field, or nil when it has none (or none that compiles).
func fieldPattern(f protoreflect.FieldDescriptor) *regexp.Regexp {
	if re, ok := patterns.Load(f.FullName()); ok {
		return re.(*regexp.Regexp)
	}
	rules, _ := proto.GetExtension(f.Options(), validate.E_Field).(*validate.FieldRules)
	var re *regexp.Regexp
	if p := rules.GetString().GetPattern(); p != "" {
		re, _ = regexp.Compile(p)
	}
	patterns.Store(f.FullName(), re)
	return re
}

// truncate cuts s to at most n bytes without splitting a character.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// resolveAuditField returns the fields a dotted path walks through, from
// md to its leaf: every step but the last a singular message field, the
// last a singular enum, bool or string, or a FieldMask.
func resolveAuditField(md protoreflect.MessageDescriptor, path string) ([]protoreflect.FieldDescriptor, error) {
	if path == "" {
		return nil, errors.New("empty path")
	}
	parts := strings.Split(path, ".")
	fields := make([]protoreflect.FieldDescriptor, 0, len(parts))
	for i, part := range parts {
		f := md.Fields().ByName(protoreflect.Name(part))
		if f == nil {
			return nil, fmt.Errorf("%s has no field %q", md.FullName(), part)
		}
		if f.IsList() || f.IsMap() {
			return nil, fmt.Errorf("%s.%s is repeated", md.FullName(), part)
		}
		fields = append(fields, f)
		if i < len(parts)-1 {
			if f.Kind() != protoreflect.MessageKind {
				return nil, fmt.Errorf("%s.%s is not a message", md.FullName(), part)
			}
			md = f.Message()
			continue
		}
		switch f.Kind() {
		case protoreflect.EnumKind, protoreflect.BoolKind, protoreflect.StringKind:
		case protoreflect.MessageKind:
			if f.Message().FullName() != fieldMaskName {
				return nil, fmt.Errorf("%s.%s is a message other than a FieldMask", md.FullName(), part)
			}
		default:
			return nil, fmt.Errorf("%s.%s is a %s, not an enum, bool, short identifier or FieldMask", md.FullName(), part, f.Kind())
		}
	}
	return fields, nil
}

// CheckAuditField reports why path may not be an audit field of requests
// of type md, or nil: it must resolve (see AuditDetails), fit MaxDetailKey,
// name no field that sounds like text, a secret or contact data, and a
// string must be an identifier: one whose validation rules give a pattern,
// which AuditDetails holds its value to.
func CheckAuditField(md protoreflect.MessageDescriptor, path string) error {
	if len(path) > MaxDetailKey {
		return fmt.Errorf("path %q is longer than %d bytes", path, MaxDetailKey)
	}
	fields, err := resolveAuditField(md, path)
	if err != nil {
		return err
	}
	for _, f := range fields {
		for _, w := range strings.Split(string(f.Name()), "_") {
			if sensitiveWords[w] {
				return fmt.Errorf("field %s looks like text, a secret or contact data (%q)", f.FullName(), w)
			}
		}
	}
	leaf := fields[len(fields)-1]
	if leaf.Kind() != protoreflect.StringKind {
		return nil
	}
	if fieldPattern(leaf) == nil {
		return fmt.Errorf("string field %s has no validation pattern: not an identifier", leaf.FullName())
	}
	return nil
}
