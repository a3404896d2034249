package forum_test

import (
	"context"
	"net"
	"strings"
	"testing"

	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
	"github.com/engagehq/engage/services/internal/auth"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/forum"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// bareConn serves svc on a plain gRPC server, without authentication or
// validation: handlers see the principal p and requests as sent. Errors are
// translated as the real bootstrap does.
func bareConn(t *testing.T, svc *forum.Service, p auth.Principal) *grpc.ClientConn {
	t.Helper()
	srv := grpc.NewServer(grpc.UnaryInterceptor(func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		resp, err := h(auth.NewContext(ctx, p), req)
		if err != nil {
			st, _ := errs.ToStatus(err)
			return nil, st.Err()
		}
		return resp, nil
	}))
	svc.Register(srv)
	lis := bufconn.Listen(1 << 20)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient("passthrough:///bare",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// TestEveryRPCImplemented calls every method of the five services with an
// empty request, past validation and authorization, and fails when one
// answers UNIMPLEMENTED (only the embedded Unimplemented server does) or
// fails without a mapped error (INTERNAL, UNKNOWN: a crash on input the
// validator would normally stop).
func TestEveryRPCImplemented(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	callers := []struct {
		name string
		p    auth.Principal
	}{
		{"anonymous", auth.Principal{}},
		{"moderator", auth.Principal{Kind: auth.Account, Name: "accounts/mod", MFA: true,
			Roles: map[string][]accessv1.Role{"metro": {accessv1.Role_ROLE_AGENCY_ADMIN}}}},
		{"service", auth.Principal{Kind: auth.Service, Name: "services/alerts"}},
	}
	descs := []grpc.ServiceDesc{
		forumv1.ForumService_ServiceDesc,
		forumv1.ThreadService_ServiceDesc,
		forumv1.PostService_ServiceDesc,
		forumv1.ModerationService_ServiceDesc,
		forumv1.MeetingService_ServiceDesc,
	}
	for _, c := range callers {
		conn := bareConn(t, e.svc, c.p)
		for _, sd := range descs {
			d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(sd.ServiceName))
			if err != nil {
				t.Fatal(err)
			}
			methods := d.(protoreflect.ServiceDescriptor).Methods()
			if methods.Len() != len(sd.Methods) {
				t.Fatalf("%s: %d methods in the contract, %d unary handlers", sd.ServiceName, methods.Len(), len(sd.Methods))
			}
			for i := range methods.Len() {
				m := methods.Get(i)
				in, err := protoregistry.GlobalTypes.FindMessageByName(m.Input().FullName())
				if err != nil {
					t.Fatal(err)
				}
				out, err := protoregistry.GlobalTypes.FindMessageByName(m.Output().FullName())
				if err != nil {
					t.Fatal(err)
				}
				full := "/" + sd.ServiceName + "/" + string(m.Name())
				err = conn.Invoke(t.Context(), full, in.New().Interface(), out.New().Interface())
				switch status.Code(err) {
				case codes.Unimplemented, codes.Internal, codes.Unknown:
					t.Errorf("%s as %s: %v", full, c.name, err)
				}
			}
		}
	}
}

// TestHandlersValidate sends what the contract's validation rules would
// stop straight to the handlers: they refuse it themselves, naming the
// field, so the domain stays safe however it is called.
func TestHandlersValidate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mod := e.staff("mod", "metro", moderatorRole)
	f := e.mustForum(t, mod, "metro", "town-square", public)
	th := e.mustThread(t, mod, f.GetName(), question, "Existing question")
	p := auth.Principal{Kind: auth.Account, Name: "accounts/alice", DisplayName: "Alice"}
	conn := bareConn(t, e.svc, p)
	threads, posts := forumv1.NewThreadServiceClient(conn), forumv1.NewPostServiceClient(conn)
	huge := strings.Repeat("é", 20001)
	tests := []struct {
		name  string
		field string
		call  func() error
	}{
		{"long body", "thread.body", func() error {
			_, err := threads.CreateThread(t.Context(), &forumv1.CreateThreadRequest{Parent: f.GetName(), Thread: &forumv1.Thread{Kind: discussion, Title: "Long", Body: huge}})
			return err
		}},
		{"long title", "thread.title", func() error {
			_, err := threads.CreateThread(t.Context(), &forumv1.CreateThreadRequest{Parent: f.GetName(), Thread: &forumv1.Thread{Kind: discussion, Title: huge, Body: "x"}})
			return err
		}},
		{"control characters", "thread.body", func() error {
			_, err := threads.CreateThread(t.Context(), &forumv1.CreateThreadRequest{Parent: f.GetName(), Thread: &forumv1.Thread{Kind: discussion, Title: "Bell", Body: "ding\x07"}})
			return err
		}},
		{"unknown kind", "thread.kind", func() error {
			_, err := threads.CreateThread(t.Context(), &forumv1.CreateThreadRequest{Parent: f.GetName(), Thread: &forumv1.Thread{Kind: 42, Title: "Odd", Body: "x"}})
			return err
		}},
		{"vote 7", "value", func() error {
			_, err := threads.VoteThread(t.Context(), &forumv1.VoteThreadRequest{Name: th.GetName(), Value: 7})
			return err
		}},
		{"no thread", "thread", func() error {
			_, err := threads.CreateThread(t.Context(), &forumv1.CreateThreadRequest{Parent: f.GetName()})
			return err
		}},
		{"bad parent", "parent", func() error {
			_, err := posts.CreatePost(t.Context(), &forumv1.CreatePostRequest{Parent: "threads/x", Post: &forumv1.Post{Body: "x"}})
			return err
		}},
		{"unknown flag reason", "reason", func() error {
			_, err := threads.FlagThread(t.Context(), &forumv1.FlagThreadRequest{Name: th.GetName(), Reason: 99})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantField(t, tt.name, tt.call(), tt.field)
		})
	}
	list, err := e.threads.ListThreads(anonymous(t), &forumv1.ListThreadsRequest{Parent: f.GetName()})
	must(t, "list", err)
	diff(t, "nothing stored", len(list.GetThreads()), 1)
}
