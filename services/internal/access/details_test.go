package access_test

import (
	"strings"
	"testing"

	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
	_ "github.com/engagehq/engage/api/gen/engage/alerts/v1"
	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	_ "github.com/engagehq/engage/api/gen/engage/training/v1"
	"github.com/engagehq/engage/services/internal/access"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// TestAuditFields walks every method of the contract and fails for an
// audit field that does not name an enum, bool, short identifier or field
// mask of the request, so that a typo fails here instead of silently
// recording nothing, and for audit fields on a method that is not audited.
func TestAuditFields(t *testing.T) {
	t.Parallel()
	var listed int
	eachMethod(func(full string, md protoreflect.MethodDescriptor) {
		p, ok := access.Policy(full)
		if !ok {
			return
		}
		fields := p.GetAuditFields()
		if len(fields) > 0 && !p.GetAudit() {
			t.Errorf("%s lists audit fields but is not audited", full)
		}
		if len(fields) > access.MaxDetails {
			t.Errorf("%s lists %d audit fields, more than %d", full, len(fields), access.MaxDetails)
		}
		seen := map[string]bool{}
		for _, f := range fields {
			listed++
			if seen[f] {
				t.Errorf("%s lists audit field %q twice", full, f)
			}
			seen[f] = true
			if err := access.CheckAuditField(md.Input(), f); err != nil {
				t.Errorf("%s: audit field %q: %v", full, f, err)
			}
		}
	})
	if listed < 10 {
		t.Errorf("found %d audit fields; the generated packages are not linked in", listed)
	}
}

func TestCheckAuditFieldRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		req  proto.Message
		path string
	}{
		{"typo", &forumv1.ResolveModerationItemRequest{}, "actoin"},
		{"free text", &forumv1.ResolveModerationItemRequest{}, "note"},
		{"missing nested", &identityv1.CreateRoleBindingRequest{}, "role_binding.rol"},
		{"through a scalar", &forumv1.LockThreadRequest{}, "locked.value"},
		{"message", &identityv1.CreateRoleBindingRequest{}, "role_binding"},
		{"timestamp", &identityv1.CreateRoleBindingRequest{}, "role_binding.create_time"},
		{"unbounded string", &feedbackv1.ChangeFeedbackStateRequest{}, "etag"},
		{"pin", &feedbackv1.LookupFeedbackRequest{}, "pin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if err := access.CheckAuditField(tt.req.ProtoReflect().Descriptor(), tt.path); err == nil {
				t.Errorf("CheckAuditField(%q) = nil, want an error", tt.path)
			}
		})
	}
}

func TestAuditDetails(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		req   proto.Message
		paths []string
		want  map[string]string
	}{
		{
			name:  "enum by name",
			req:   &forumv1.ResolveModerationItemRequest{Action: forumv1.ModerationAction_MODERATION_ACTION_HIDE, Note: "spam"},
			paths: []string{"action"},
			want:  map[string]string{"action": "MODERATION_ACTION_HIDE"},
		},
		{
			name:  "false is recorded",
			req:   &forumv1.LockThreadRequest{Locked: false},
			paths: []string{"locked"},
			want:  map[string]string{"locked": "false"},
		},
		{
			name: "nested",
			req: &identityv1.CreateRoleBindingRequest{RoleBinding: &identityv1.RoleBinding{
				Member: "accounts/a1", Role: accessv1.Role_ROLE_MODERATOR}},
			paths: []string{"role_binding.role", "role_binding.member"},
			want:  map[string]string{"role_binding.role": "ROLE_MODERATOR", "role_binding.member": "accounts/a1"},
		},
		{
			name:  "unset message reads as defaults",
			req:   &identityv1.CreateRoleBindingRequest{},
			paths: []string{"role_binding.role"},
			want:  map[string]string{"role_binding.role": "ROLE_UNSPECIFIED"},
		},
		{
			name:  "unknown enum number",
			req:   &forumv1.ResolveModerationItemRequest{Action: 99},
			paths: []string{"action"},
			want:  map[string]string{"action": "99"},
		},
		{
			name:  "field mask",
			req:   &identityv1.UpdateAgencyRequest{UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name", "time_zone"}}},
			paths: []string{"update_mask"},
			want:  map[string]string{"update_mask": "display_name,time_zone"},
		},
		{
			name: "field mask of a resource sent back whole",
			req: &identityv1.UpdateAgencyRequest{
				Agency: &identityv1.Agency{
					Name: "agencies/metro", DisplayName: "Metro PD", TimeZone: "America/Chicago",
					CreateTime: timestamppb.Now(), Etag: `"3"`,
				},
				UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"name", "displayName", "time_zone", "create_time", "etag"}},
			},
			paths: []string{"update_mask"},
			want:  map[string]string{"update_mask": "display_name,time_zone"},
		},
		{
			name: "empty field mask: the fields set",
			req: &identityv1.UpdateAgencyRequest{Agency: &identityv1.Agency{
				Name: "agencies/metro", Description: "Serving the city", Etag: `"3"`,
			}},
			paths: []string{"update_mask"},
			want:  map[string]string{"update_mask": "description"},
		},
		{
			name:  "a made-up mask path is left out",
			req:   &identityv1.UpdateAgencyRequest{UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"Jane Doe, jane@example.org, " + strings.Repeat("x", 300)}}},
			paths: []string{"update_mask"},
			want:  nil,
		},
		{
			name: "a string that breaks its pattern is left out",
			req: &identityv1.CreateRoleBindingRequest{RoleBinding: &identityv1.RoleBinding{
				Member: "Jane Doe, jane@example.org", Role: accessv1.Role_ROLE_MODERATOR}},
			paths: []string{"role_binding.role", "role_binding.member"},
			want:  map[string]string{"role_binding.role": "ROLE_MODERATOR"},
		},
		{
			name:  "unresolvable path skipped",
			req:   &forumv1.LockThreadRequest{Locked: true},
			paths: []string{"nope", "locked"},
			want:  map[string]string{"locked": "true"},
		},
		{
			name:  "no paths",
			req:   &forumv1.LockThreadRequest{Locked: true},
			paths: nil,
			want:  nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := access.AuditDetails(tt.req, tt.paths)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("AuditDetails (-want +got):\n%s", diff)
			}
		})
	}
}
