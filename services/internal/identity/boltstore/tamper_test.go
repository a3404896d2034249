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
	"github.com/google/go-cmp/cmp/cmpopts"
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
		{"detail changed", func(r *auditRecord, b *bbolt.Bucket) error {
			r.Details["role_binding.role"] = "ROLE_OFFICER"
			return put(b, 2, r)
		}, "agencies/metro/auditEvents/2", 4},
		{"details dropped", func(r *auditRecord, b *bbolt.Bucket) error {
			r.Details = nil
			return put(b, 2, r)
		}, "agencies/metro/auditEvents/2", 4},
		{"detail added", func(r *auditRecord, b *bbolt.Bucket) error {
			r.Details["locked"] = "false"
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
			// A mixed chain: events 2 and 4 have details (hashed under
			// v2), 1 and 3 none (v1).
			for i := range 4 {
				var details map[string]string
				if i%2 == 1 {
					details = map[string]string{"role_binding.role": "ROLE_MODERATOR", "role_binding.member": "accounts/x"}
				}
				err := svc.Record(t.Context(), audit.Event{
					Actor: "accounts/chief", Method: "/engage.identity.v1.AgencyService/CreateRoleBinding",
					Resource: fmt.Sprintf("agencies/metro/roleBindings/b%d", i), Outcome: "PERMISSION_DENIED",
					Time: at.Add(time.Duration(i) * time.Second), Service: "identity", Details: details,
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

// TestEventsStoredBeforeDetailsVerify writes two events exactly as a store
// kept them before events had details, hashed by the encoding of then,
// appends one with details and checks that the chain verifies and the old
// events read back without details.
func TestEventsStoredBeforeDetailsVerify(t *testing.T) {
	t.Parallel()
	s := open(t)
	svc, err := identity.New(t.Context(), s, identity.Config{})
	if err != nil {
		t.Fatal(err)
	}
	// The hashes are those identity.TestChainHashV1Unchanged pins.
	old := []string{
		`{"chain":"metro","sequence":1,"actor":"accounts/chief","method":"/engage.forum.v1.ThreadService/LockThread",` +
			`"resource":"agencies/metro/forums/f/threads/t","outcome":"OK","time":"2026-01-02T03:04:05.000000006Z",` +
			`"correlation_id":"req-1","service":"forum",` +
			`"previous_hash":"0000000000000000000000000000000000000000000000000000000000000000",` +
			`"hash":"00f3cc20889e3793ba77d19cf88019ce5939ce9cc94265431b339499cd4372c8"}`,
		`{"chain":"metro","sequence":2,"actor":"accounts/chief","method":"/engage.forum.v1.ThreadService/LockThread",` +
			`"resource":"agencies/metro/forums/f/threads/t","outcome":"OK","time":"2026-01-02T03:04:06.000000006Z",` +
			`"correlation_id":"req-1","service":"forum",` +
			`"previous_hash":"00f3cc20889e3793ba77d19cf88019ce5939ce9cc94265431b339499cd4372c8",` +
			`"hash":"66d69f580b67b816dd383349ff324bd5db5142a39bfa2abe9e03a8ec43af0a48"}`,
	}
	err = s.db.Bolt().Update(func(tx *bbolt.Tx) error {
		b, err := tx.Bucket(bucketAudit).CreateBucketIfNotExists([]byte("metro"))
		if err != nil {
			return err
		}
		for i, v := range old {
			if err := b.Put(boltdb.U64(uint64(i+1)), []byte(v)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = svc.Record(t.Context(), audit.Event{
		Actor: "accounts/chief", Method: "/engage.forum.v1.ThreadService/LockThread", Resource: "agencies/metro/forums/f/threads/t",
		Outcome: "OK", Time: time.Date(2026, 1, 2, 3, 4, 7, 0, time.UTC), Service: "forum", Details: map[string]string{"locked": "false"},
	})
	if err != nil {
		t.Fatal(err)
	}
	client := auditClient(t, svc)
	got, err := client.VerifyAuditEvents(t.Context(), &identityv1.VerifyAuditEventsRequest{Parent: "agencies/metro"})
	if err != nil {
		t.Fatal(err)
	}
	if !got.GetValid() || got.GetEventCount() != 3 {
		t.Fatalf("verify = %v, want a valid chain of 3", got)
	}
	list, err := client.ListAuditEvents(t.Context(), &identityv1.ListAuditEventsRequest{Parent: "agencies/metro"})
	if err != nil {
		t.Fatal(err)
	}
	var details []map[string]string
	for _, e := range list.GetAuditEvents() {
		details = append(details, e.GetDetails())
	}
	if d := cmp.Diff([]map[string]string{{"locked": "false"}, nil, nil}, details, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("details, newest first (-want +got):\n%s", d)
	}
}
