package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"buf.build/gen/go/bufbuild/protovalidate/protocolbuffers/go/buf/validate"
	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
)

// The identity contract has no anonymous and no streaming methods, so the
// tests also register a small service, engage.authtest.v1.TestService,
// built at run time with real policy options: access.Policy reads them
// exactly as it reads generated ones.
const testServiceName = "engage.authtest.v1.TestService"

var (
	testRequestDesc  protoreflect.MessageDescriptor
	testResponseDesc protoreflect.MessageDescriptor
)

// testMethods are the methods of TestService with their policies (nil:
// none declared).
var testMethods = []struct {
	name          string
	serverStreams bool
	clientStreams bool
	policy        *accessv1.Policy
}{
	{name: "Submit", policy: &accessv1.Policy{Audience: accessv1.Audience_AUDIENCE_PUBLIC, Anonymous: true, Audit: true}},
	{name: "Mine", policy: &accessv1.Policy{Audience: accessv1.Audience_AUDIENCE_AGENCY_ROLE, Roles: []accessv1.Role{accessv1.Role_ROLE_ANALYST}, Self: true}},
	{name: "Summary", policy: &accessv1.Policy{Audience: accessv1.Audience_AUDIENCE_AGENCY_ROLE, Roles: []accessv1.Role{accessv1.Role_ROLE_TRAINER}, AllowServices: true}},
	{name: "NoPolicy"},
	{name: "Watch", serverStreams: true, policy: &accessv1.Policy{Audience: accessv1.Audience_AUDIENCE_AGENCY_ROLE, Roles: []accessv1.Role{accessv1.Role_ROLE_MODERATOR}, Audit: true, AuditFields: []string{"name"}}},
	{name: "Chat", serverStreams: true, clientStreams: true, policy: &accessv1.Policy{Audience: accessv1.Audience_AUDIENCE_AGENCY_ROLE, Roles: []accessv1.Role{accessv1.Role_ROLE_MODERATOR}}},
	{name: "Feed", serverStreams: true, policy: &accessv1.Policy{Audience: accessv1.Audience_AUDIENCE_ACCOUNT}},
}

func registerTestService() {
	str := descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum()
	opt := descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()
	// name is a resource name, with the pattern an audit field needs.
	nameOpts := &descriptorpb.FieldOptions{}
	proto.SetExtension(nameOpts, validate.E_Field, &validate.FieldRules{Type: &validate.FieldRules_String_{
		String_: &validate.StringRules{Pattern: proto.String("^agencies/[a-z0-9-]{1,63}$")},
	}})
	msg := func(name string) *descriptorpb.DescriptorProto {
		return &descriptorpb.DescriptorProto{
			Name:  proto.String(name),
			Field: []*descriptorpb.FieldDescriptorProto{{Name: proto.String("name"), Number: proto.Int32(1), Type: str, Label: opt, JsonName: proto.String("name"), Options: nameOpts}},
		}
	}
	svc := &descriptorpb.ServiceDescriptorProto{Name: proto.String("TestService")}
	for _, m := range testMethods {
		md := &descriptorpb.MethodDescriptorProto{
			Name:            proto.String(m.name),
			InputType:       proto.String(".engage.authtest.v1.Request"),
			OutputType:      proto.String(".engage.authtest.v1.Response"),
			ServerStreaming: proto.Bool(m.serverStreams),
			ClientStreaming: proto.Bool(m.clientStreams),
		}
		if m.policy != nil {
			md.Options = &descriptorpb.MethodOptions{}
			proto.SetExtension(md.Options, accessv1.E_Policy, m.policy)
		}
		svc.Method = append(svc.Method, md)
	}
	fdp := &descriptorpb.FileDescriptorProto{
		Name:        proto.String("engage/authtest/v1/authtest.proto"),
		Package:     proto.String("engage.authtest.v1"),
		Syntax:      proto.String("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{msg("Request"), msg("Response")},
		Service:     []*descriptorpb.ServiceDescriptorProto{svc},
	}
	fd, err := protodesc.NewFile(fdp, protoregistry.GlobalFiles)
	if err != nil {
		panic(err)
	}
	if err := protoregistry.GlobalFiles.RegisterFile(fd); err != nil {
		panic(err)
	}
	testRequestDesc = fd.Messages().ByName("Request")
	testResponseDesc = fd.Messages().ByName("Response")
}

func newTestRequest(name string) *dynamicpb.Message {
	m := dynamicpb.NewMessage(testRequestDesc)
	m.Set(testRequestDesc.Fields().ByName("name"), protoreflect.ValueOfString(name))
	return m
}

func newTestResponse(name string) *dynamicpb.Message {
	m := dynamicpb.NewMessage(testResponseDesc)
	m.Set(testResponseDesc.Fields().ByName("name"), protoreflect.ValueOfString(name))
	return m
}

func messageName(m proto.Message) string {
	return m.ProtoReflect().Get(m.ProtoReflect().Descriptor().Fields().ByName("name")).String()
}

// seen is what a TestService handler observed of its call.
type seen struct {
	principal Principal
	md        metadata.MD
	peer      string
}

// testServer implements TestService: unary methods echo the request's
// name; Watch and Feed send two responses; Chat echoes every message.
type testServer struct {
	mu    sync.Mutex
	calls map[string][]seen
	sends int // messages sent by stream handlers
}

func newTestServer() *testServer { return &testServer{calls: map[string][]seen{}} }

func (s *testServer) observe(ctx context.Context, method string) {
	md, _ := metadata.FromIncomingContext(ctx)
	var addr string
	if p, ok := peer.FromContext(ctx); ok && p.Addr != nil {
		addr = p.Addr.String()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[method] = append(s.calls[method], seen{principal: FromContext(ctx), md: md, peer: addr})
}

func (s *testServer) seen(method string) []seen {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]seen(nil), s.calls[method]...)
}

func (s *testServer) sent() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sends
}

func (s *testServer) send(ss grpc.ServerStream, name string) error {
	if err := ss.SendMsg(newTestResponse(name)); err != nil {
		return err
	}
	s.mu.Lock()
	s.sends++
	s.mu.Unlock()
	return nil
}

// desc returns the grpc.ServiceDesc of TestService, written by hand the
// way protoc-gen-go-grpc writes generated ones.
func (s *testServer) desc() *grpc.ServiceDesc {
	sd := &grpc.ServiceDesc{ServiceName: testServiceName, HandlerType: (*any)(nil)}
	for _, m := range testMethods {
		full := fmt.Sprintf("/%s/%s", testServiceName, m.name)
		name := m.name
		if !m.serverStreams && !m.clientStreams {
			sd.Methods = append(sd.Methods, grpc.MethodDesc{
				MethodName: name,
				Handler: func(_ any, ctx context.Context, dec func(any) error, interceptor grpc.UnaryServerInterceptor) (any, error) {
					req := dynamicpb.NewMessage(testRequestDesc)
					if err := dec(req); err != nil {
						return nil, err
					}
					h := func(ctx context.Context, req any) (any, error) {
						s.observe(ctx, name)
						return newTestResponse(messageName(req.(proto.Message))), nil
					}
					if interceptor == nil {
						return h(ctx, req)
					}
					return interceptor(ctx, req, &grpc.UnaryServerInfo{FullMethod: full}, h)
				},
			})
			continue
		}
		sd.Streams = append(sd.Streams, grpc.StreamDesc{
			StreamName:    name,
			ServerStreams: m.serverStreams,
			ClientStreams: m.clientStreams,
			Handler: func(_ any, ss grpc.ServerStream) error {
				req := dynamicpb.NewMessage(testRequestDesc)
				if err := ss.RecvMsg(req); err != nil {
					return err
				}
				s.observe(ss.Context(), name)
				if !m.clientStreams {
					for range 2 {
						if err := s.send(ss, messageName(req)); err != nil {
							return err
						}
					}
					return nil
				}
				for {
					if err := s.send(ss, messageName(req)); err != nil {
						return err
					}
					req = dynamicpb.NewMessage(testRequestDesc)
					if err := ss.RecvMsg(req); errors.Is(err, io.EOF) {
						return nil
					} else if err != nil {
						return err
					}
				}
			},
		})
	}
	return sd
}

// invoke calls a unary TestService method.
func invoke(ctx context.Context, conn *grpc.ClientConn, method, name string) (string, error) {
	resp := dynamicpb.NewMessage(testResponseDesc)
	if err := conn.Invoke(ctx, "/"+testServiceName+"/"+method, newTestRequest(name), resp); err != nil {
		return "", err
	}
	return messageName(resp), nil
}
