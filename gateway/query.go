package gateway

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"sync"

	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// Query parameters grpc-gateway would ignore.
//
// grpc-gateway skips a query parameter that names no field of the request,
// and reads none at all for a method whose whole request is the body
// (body: "*"). A client that misspells pageSize, or sends requestId in the
// query string of a :reply, would be answered as if it had sent nothing:
// with the default page, or with a second reply where a retry was meant.
// The gateway refuses both, with INVALID_ARGUMENT naming the parameter,
// before the call leaves for the backend.

// checkQuery returns the error for the query string of a call to method,
// or nil when grpc-gateway has read every parameter into the request.
func checkQuery(rawQuery, method string) error {
	m, ok := gatewayMethods()[method]
	if rawQuery == "" || !ok {
		return nil
	}
	// grpc-gateway has refused a malformed query of a method that reads
	// one; a whole-body method reads none, so anything there is refused.
	values, err := url.ParseQuery(rawQuery)
	keys := slices.Sorted(maps.Keys(values))
	if m.wholeBody {
		first := rawQuery
		if err == nil && len(keys) > 0 {
			first = keys[0]
		}
		return status.Errorf(codes.InvalidArgument,
			"query parameter %q is not read: this method takes its whole request as the JSON body, where it belongs", first)
	}
	for _, k := range keys {
		if !queryField(m.input, k) {
			return status.Errorf(codes.InvalidArgument, "query parameter %q names no field of the request", k)
		}
	}
	return nil
}

// queryField reports whether key, a query parameter as grpc-gateway reads
// it (a dotted path of proto or JSON names, with a map key in brackets at
// the end), names a field of md.
func queryField(md protoreflect.MessageDescriptor, key string) bool {
	if i := strings.IndexByte(key, '['); i > 0 && strings.HasSuffix(key, "]") {
		key = key[:i]
	}
	segs := strings.Split(key, ".")
	for i, seg := range segs {
		fields := md.Fields()
		fd := fields.ByTextName(seg)
		if fd == nil {
			fd = fields.ByJSONName(seg)
		}
		if fd == nil {
			return false
		}
		if i < len(segs)-1 {
			if md = fd.Message(); md == nil {
				return false
			}
		}
	}
	return true
}

// gatewayMethod is what checkQuery needs of a method's HTTP rule.
type gatewayMethod struct {
	input     protoreflect.MessageDescriptor
	wholeBody bool // body: "*"
}

// gatewayMethods are the gRPC methods (/package.Service/Method) with an
// HTTP rule, from the descriptors linked into the program.
var gatewayMethods = sync.OnceValue(func() map[string]gatewayMethod {
	out := map[string]gatewayMethod{}
	protoregistry.GlobalFiles.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		services := fd.Services()
		for i := range services.Len() {
			methods := services.Get(i).Methods()
			for j := range methods.Len() {
				m := methods.Get(j)
				rule, ok := proto.GetExtension(m.Options(), annotations.E_Http).(*annotations.HttpRule)
				if !ok || rule == nil {
					continue
				}
				out[fmt.Sprintf("/%s/%s", m.Parent().FullName(), m.Name())] = gatewayMethod{input: m.Input(), wholeBody: rule.GetBody() == "*"}
			}
		}
		return true
	})
	return out
})
