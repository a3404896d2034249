// Package access reads the authorization policy each RPC declares in the
// contract (the engage.access.v1.policy method option) and finds the agency a
// request is about. The auth interceptor enforces what it returns; the log
// and audit interceptors use it to know which calls are anonymous or audited.
package access

import (
	"strings"
	"sync"

	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// Policy returns the policy declared for a full gRPC method name such as
// "/engage.identity.v1.AgencyService/CreateAgency". ok is false when the
// method is unknown or declares none; such calls must be refused. The
// answer for each name is looked up once and remembered: it is asked on
// every call, and the descriptors it comes from never change.
func Policy(fullMethod string) (p *accessv1.Policy, ok bool) {
	if v, found := policies.Load(fullMethod); found {
		p = v.(*accessv1.Policy)
		return p, p != nil
	}
	p = declaredPolicy(fullMethod)
	policies.Store(fullMethod, p)
	return p, p != nil
}

// policies remembers Policy's answers by full method name; nil for none.
// Names come from the server's registered methods (grpc answers unknown
// ones before any interceptor runs) and from the contract's policy check,
// so the map stays as small as the API.
var policies sync.Map

// declaredPolicy reads the policy option of a method, nil when it has none
// or no audience.
func declaredPolicy(fullMethod string) *accessv1.Policy {
	md := Method(fullMethod)
	if md == nil {
		return nil
	}
	opts := md.Options()
	if opts == nil || !proto.HasExtension(opts, accessv1.E_Policy) {
		return nil
	}
	p, _ := proto.GetExtension(opts, accessv1.E_Policy).(*accessv1.Policy)
	if p == nil || p.GetAudience() == accessv1.Audience_AUDIENCE_UNSPECIFIED {
		return nil
	}
	return p
}

// Method returns the descriptor of a full gRPC method name, or nil. Only
// methods of files linked into the binary (the generated api packages) are
// known.
func Method(fullMethod string) protoreflect.MethodDescriptor {
	name := strings.TrimPrefix(fullMethod, "/")
	i := strings.LastIndex(name, "/")
	if i < 0 {
		return nil
	}
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(name[:i]))
	if err != nil {
		return nil
	}
	sd, ok := d.(protoreflect.ServiceDescriptor)
	if !ok {
		return nil
	}
	return sd.Methods().ByName(protoreflect.Name(name[i+1:]))
}

// Resource returns the resource name a request is about: its `name` or
// `parent` field, else the `name` of the first message field that has one
// (e.g. UpdateForumRequest.forum.name). Empty when there is none.
func Resource(req proto.Message) string {
	if req == nil {
		return ""
	}
	m := req.ProtoReflect()
	fields := m.Descriptor().Fields()
	for _, n := range []protoreflect.Name{"name", "parent"} {
		if f := fields.ByName(n); f != nil && f.Kind() == protoreflect.StringKind && !f.IsList() {
			if v := m.Get(f).String(); v != "" {
				return v
			}
		}
	}
	for i := 0; i < fields.Len(); i++ {
		f := fields.Get(i)
		if f.Kind() != protoreflect.MessageKind || f.IsList() || f.IsMap() || !m.Has(f) {
			continue
		}
		sub := m.Get(f).Message()
		if nf := sub.Descriptor().Fields().ByName("name"); nf != nil && nf.Kind() == protoreflect.StringKind && !nf.IsList() {
			if v := sub.Get(nf).String(); v != "" {
				return v
			}
		}
	}
	return ""
}

// Agency returns the agency id a resource name starts with
// ("agencies/{agency}/…"), or "".
func Agency(resource string) string {
	rest, ok := strings.CutPrefix(resource, "agencies/")
	if !ok {
		return ""
	}
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		rest = rest[:i]
	}
	return rest
}
