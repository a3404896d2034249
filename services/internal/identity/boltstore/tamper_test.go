package boltstore

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"testing"
	"time"

	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"github.com/engagehq/engage/services/internal/audit"
	"github.com/engagehq/engage/services/internal/auth"
	"github.com/engagehq/engage/services/internal/boltdb"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/identity"
	"github.com/google/go-cmp/cmp"
	"go.etcd.io/bbolt"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/testing/protocmp"
)

// auditClient serves svc to a platform administrator over bufconn and
// returns its AuditService client.
func auditClient(t *testing.T, svc *identity.Service) identityv1.AuditServiceClient {
	t.Helper()
	admin := auth.Principal{Kind: auth.Account, Name: "accounts/root", MFA: true, PlatformAdmin: true}
	srv := grpc.NewServer(grpc.UnaryInterceptor(func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		resp, err := h(auth.NewContext(ctx, admin), req)
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
	conn, err := grpc.NewClient("passthrough:///identity",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return identityv1.NewAuditServiceClient(conn)
}

// editEvent rewrites one stored event of metro's chain behind the store's
// back, as an attacker with access to the file could.
func editEvent(t *testing.T, s *Store, seq uint64, edit func(r *auditRecord, b *bbolt.Bucket) error) {
	t.Helper()
	err := s.db.Bolt().Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketAudit).Bucket([]byte("metro"))
		var r auditRecord
		if err := json.Unmarshal(b.Get(boltdb.U64(seq)), &r); err != nil {
			return err
		}
		return edit(&r, b)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func put(b *bbolt.Bucket, seq uint64, r *auditRecord) error {
	return boltdb.PutJSON(b, boltdb.U64(seq), r)
}

func TestVerifyDetectsTampering(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		edit        func(r *auditRecord, b *bbolt.Bucket) error
		wantInvalid string
		wantCount   int64
	}{
		{"untouched", func(*auditRecord, *bbolt.Bucket) error { return nil }, "", 4},
		{"outcome changed", func(r *auditRecord, b *bbolt.Bucket) error {
			r.Outcome = "OK"
			return put(b, 2, r)
		}, "agencies/metro/auditEvents/2", 4},
		{"actor changed and hash recomputed", func(r *auditRecord, b *bbolt.Bucket) error {
			r.Actor = "accounts/someone-else"
			r.Hash = identity.ChainHash(r.PreviousHash, r.domain())
			return put(b, 2, r)
		}, "agencies/metro/auditEvents/3", 4},
		{"event deleted", func(_ *auditRecord, b *bbolt.Bucket) error {
			return b.Delete(boltdb.U64(2))
		}, "agencies/metro/auditEvents/3", 3},
		{"time moved by a nanosecond", func(r *auditRecord, b *bbolt.Bucket) error {
			r.Time = r.Time.Add(time.Nanosecond)
			return put(b, 2, r)
		}, "agencies/metro/auditEvents/2", 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := open(t)
			svc, err := identity.New(t.Context(), s, identity.Config{})
			if err != nil {
				t.Fatal(err)
			}
			at := time.Date(2026, 5, 4, 10, 0, 0, 123456789, time.UTC)
			for i := range 4 {
				err := svc.Record(t.Context(), audit.Event{
					Actor: "accounts/chief", Method: "/engage.identity.v1.AgencyService/CreateRoleBinding",
					Resource: fmt.Sprintf("agencies/metro/roleBindings/b%d", i), Outcome: "PERMISSION_DENIED",
					Time: at.Add(time.Duration(i) * time.Second), Service: "identity",
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			editEvent(t, s, 2, tc.edit)
			head, err := s.AuditEvent(t.Context(), "metro", 4)
			if err != nil {
				t.Fatal(err)
			}
			got, err := auditClient(t, svc).VerifyAuditEvents(t.Context(), &identityv1.VerifyAuditEventsRequest{Parent: "agencies/metro"})
			if err != nil {
				t.Fatal(err)
			}
			want := &identityv1.VerifyAuditEventsResponse{
				Valid: tc.wantInvalid == "", FirstInvalidEvent: tc.wantInvalid, EventCount: tc.wantCount, HeadHash: head.Hash,
			}
			if d := cmp.Diff(want, got, protocmp.Transform()); d != "" {
				t.Fatalf("verify (-want +got):\n%s", d)
			}
		})
	}
}
