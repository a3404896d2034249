package fieldmask

import (
	"errors"
	"strings"
	"testing"

	alertsv1 "github.com/engagehq/engage/api/gen/engage/alerts/v1"
	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"google.golang.org/genproto/googleapis/type/timeofday"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// The writable fields of the tests' resources, as their services list
// them.
var (
	meetingWritable  = []string{"title", "description", "start_time", "end_time", "location", "online_uri", "agenda", "capacity"}
	subWritable      = []string{"display_name", "places", "categories", "min_severity", "language_code", "quiet_hours"}
	feedbackWritable = []string{"category", "area", "assignee"}
)

// maskErr is how a Resolve error is expected to look.
type maskErr int

const (
	noErr       maskErr = iota
	badMask             // INVALID_ARGUMENT naming update_mask
	programming         // a plain error: INTERNAL
)

func TestResolve(t *testing.T) {
	t.Parallel()
	// meeting is a meeting read back from the service: every field set.
	meeting := &forumv1.Meeting{
		Name: "agencies/metro/meetings/m1", Title: "Town hall", StartTime: timestamppb.Now(), EndTime: timestamppb.Now(),
		Capacity: 40, Forum: "agencies/metro/forums/town", QuestionThread: "agencies/metro/forums/town/threads/t1",
		RegisteredCount: 3, CreateTime: timestamppb.Now(), UpdateTime: timestamppb.Now(), Etag: `"6"`,
	}
	tests := []struct {
		name     string
		in       proto.Message
		writable []string
		paths    []string // nil: no mask at all
		want     Update
		wantErr  maskErr
		wantMsg  string // a part of the error's text
	}{
		{
			name: "no mask: the populated writable fields", in: meeting, writable: meetingWritable,
			want: Update{Paths: []string{"title", "start_time", "end_time", "capacity"}, Immutable: []string{"forum"}},
		},
		{
			name: "empty mask: the same", in: meeting, writable: meetingWritable, paths: []string{},
			want: Update{Paths: []string{"title", "start_time", "end_time", "capacity"}, Immutable: []string{"forum"}},
		},
		{
			name: "no mask, only the etag set", in: &forumv1.Meeting{Name: meeting.GetName(), Etag: `"6"`}, writable: meetingWritable,
			wantErr: badMask, wantMsg: "names nothing to change",
		},
		{
			name: "star: every writable field", in: &forumv1.Meeting{Title: "Only a title", Forum: "f"}, writable: meetingWritable, paths: []string{"*"},
			want: Update{Paths: meetingWritable, Immutable: []string{"forum"}},
		},
		{
			name: "star beside a path", in: meeting, writable: meetingWritable, paths: []string{"*", "title"},
			wantErr: badMask, wantMsg: `"*" must be the only path`,
		},
		{
			name: "proto names in the mask's order", in: meeting, writable: meetingWritable, paths: []string{"capacity", "title"},
			want: Update{Paths: []string{"capacity", "title"}},
		},
		{
			name: "JSON names", in: meeting, writable: meetingWritable, paths: []string{"startTime", "onlineUri", "end_time"},
			want: Update{Paths: []string{"start_time", "online_uri", "end_time"}},
		},
		{
			name: "a path twice, by both names", in: meeting, writable: meetingWritable, paths: []string{"start_time", "startTime"},
			want: Update{Paths: []string{"start_time"}},
		},
		{
			name: "etag, identifier and output-only fields are ignored", in: meeting, writable: meetingWritable,
			paths: []string{"etag", "name", "title", "createTime", "registered_count", "question_thread", "update_time"},
			want:  Update{Paths: []string{"title"}},
		},
		{
			name: "only ignored fields", in: meeting, writable: meetingWritable, paths: []string{"etag", "create_time"},
			wantErr: badMask, wantMsg: "names nothing to change",
		},
		{
			name: "an immutable field is kept for comparison", in: meeting, writable: meetingWritable, paths: []string{"title", "forum"},
			want: Update{Paths: []string{"title"}, Immutable: []string{"forum"}},
		},
		{
			name: "unknown field", in: meeting, writable: meetingWritable, paths: []string{"title", "colour"},
			wantErr: badMask, wantMsg: `unknown field "colour" (updatable: title, description, start_time`,
		},
		{
			name: "a field the method does not let change", in: meeting, writable: []string{"title"}, paths: []string{"capacity"},
			wantErr: badMask, wantMsg: `"capacity" cannot be updated (updatable: title)`,
		},
		{
			name: "a path below a writable message", in: &alertsv1.Subscription{}, writable: subWritable,
			paths: []string{"quiet_hours.start.hours", "quietHours.timeZone", "displayName"},
			want:  Update{Paths: []string{"quiet_hours.start.hours", "quiet_hours.time_zone", "display_name"}},
		},
		{
			name: "a field covers the paths below it", in: &alertsv1.Subscription{}, writable: subWritable,
			paths: []string{"quiet_hours.start.hours", "quiet_hours", "quiet_hours.end"},
			want:  Update{Paths: []string{"quiet_hours"}},
		},
		{
			name: "a path into a repeated field", in: &trainingv1.Course{}, writable: []string{"title", "modules"}, paths: []string{"modules.id"},
			wantErr: badMask, wantMsg: "has no fields",
		},
		{
			name: "a path into a scalar", in: meeting, writable: meetingWritable, paths: []string{"title.text"},
			wantErr: badMask, wantMsg: "has no fields",
		},
		{
			name: "a path into a timestamp", in: meeting, writable: meetingWritable, paths: []string{"start_time.seconds"},
			wantErr: badMask, wantMsg: "has no fields",
		},
		{
			name: "an empty segment", in: &alertsv1.Subscription{}, writable: subWritable, paths: []string{"quiet_hours..hours"},
			wantErr: badMask, wantMsg: "unknown field",
		},
		{
			name: "below an output-only message", in: &feedbackv1.Feedback{}, writable: feedbackWritable,
			paths: []string{"sentiment.score", "sentiment.label", "area"},
			want:  Update{Paths: []string{"area"}},
		},
		{
			name: "below an immutable message", in: &feedbackv1.Feedback{}, writable: feedbackWritable,
			paths: []string{"location.latitude", "location.longitude", "category"},
			want:  Update{Paths: []string{"category"}, Immutable: []string{"location.latitude", "location.longitude"}},
		},
		{
			name: "no mask: a populated optional immutable field", in: &feedbackv1.Feedback{Area: "north", Rating: proto.Int32(4), Text: "thanks"}, writable: feedbackWritable,
			want: Update{Paths: []string{"area"}, Immutable: []string{"text", "rating"}},
		},
		{
			name: "a writable list naming no field", in: meeting, writable: []string{"title", "colour"}, paths: []string{"title"},
			wantErr: programming,
		},
		{
			name: "a writable list naming an output-only field", in: meeting, writable: []string{"title", "registered_count"},
			wantErr: programming,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var mask *fieldmaskpb.FieldMask
			if tt.paths != nil {
				mask = &fieldmaskpb.FieldMask{Paths: tt.paths}
			}
			got, err := Resolve(mask, tt.in, tt.writable)
			var bad *errs.BadRequestError
			switch tt.wantErr {
			case noErr:
				if err != nil {
					t.Fatalf("Resolve: %v", err)
				}
				if d := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); d != "" {
					t.Errorf("Resolve (-want +got):\n%s", d)
				}
			case badMask:
				if !errors.As(err, &bad) || bad.Violations[0].Field != "update_mask" {
					t.Fatalf("Resolve = %v, %v; want INVALID_ARGUMENT naming update_mask", got, err)
				}
				if !strings.Contains(err.Error(), tt.wantMsg) {
					t.Errorf("error %q does not say %q", err, tt.wantMsg)
				}
			case programming:
				if err == nil || errors.Is(err, errs.InvalidArgument) {
					t.Fatalf("Resolve = %v, %v; want a plain error", got, err)
				}
			}
		})
	}
}

func TestCheckImmutable(t *testing.T) {
	t.Parallel()
	stored := &feedbackv1.Feedback{
		Kind: feedbackv1.FeedbackKind_FEEDBACK_KIND_COMPLAINT, Text: "Rude at the desk", Rating: proto.Int32(2),
		Location: &feedbackv1.Location{Latitude: 41.88, Longitude: -87.63},
	}
	tests := []struct {
		name      string
		in        *feedbackv1.Feedback
		immutable []string
		wantErr   bool
	}{
		{"nothing to compare", &feedbackv1.Feedback{Text: "other"}, nil, false},
		{"the same values", proto.Clone(stored).(*feedbackv1.Feedback), []string{"kind", "text", "rating", "location"}, false},
		{"another text", &feedbackv1.Feedback{Text: "Polite"}, []string{"text"}, true},
		{"an unset optional field named", &feedbackv1.Feedback{}, []string{"rating"}, true},
		{"an optional field set to its default", &feedbackv1.Feedback{Rating: proto.Int32(0)}, []string{"rating"}, true},
		{"a nested value, the same", &feedbackv1.Feedback{Location: &feedbackv1.Location{Latitude: 41.88}}, []string{"location.latitude"}, false},
		{"a nested value, another", &feedbackv1.Feedback{Location: &feedbackv1.Location{Latitude: 41.88}}, []string{"location.latitude", "location.longitude"}, true},
		{"a nested value without its parent", &feedbackv1.Feedback{}, []string{"location.latitude"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			built := false
			err := Update{Immutable: tt.immutable}.CheckImmutable(tt.in, func() proto.Message { built = true; return stored })
			if built != (len(tt.immutable) > 0) {
				t.Errorf("the stored resource built: %v, with %d immutable paths", built, len(tt.immutable))
			}
			var bad *errs.BadRequestError
			switch {
			case !tt.wantErr && err != nil:
				t.Fatalf("CheckImmutable: %v", err)
			case tt.wantErr && (!errors.As(err, &bad) || bad.Violations[0].Field != "update_mask"):
				t.Fatalf("CheckImmutable = %v, want INVALID_ARGUMENT naming update_mask", err)
			}
		})
	}
}

func TestCopy(t *testing.T) {
	t.Parallel()
	tod := func(h int32) *timeofday.TimeOfDay { return &timeofday.TimeOfDay{Hours: h} }
	stored := func() *alertsv1.Subscription {
		return &alertsv1.Subscription{
			Name: "agencies/metro/subscriptions/s1", DisplayName: "Home", LanguageCode: "en",
			Categories: []alertsv1.Category{alertsv1.Category_CATEGORY_FIRE},
			QuietHours: &alertsv1.QuietHours{Start: tod(22), End: tod(6), TimeZone: "America/Chicago"},
		}
	}
	tests := []struct {
		name  string
		src   *alertsv1.Subscription
		paths []string
		want  func(*alertsv1.Subscription)
	}{
		{"a set field", &alertsv1.Subscription{DisplayName: "Work"}, []string{"display_name"}, func(s *alertsv1.Subscription) { s.DisplayName = "Work" }},
		{"an unset field clears", &alertsv1.Subscription{}, []string{"language_code", "categories"}, func(s *alertsv1.Subscription) {
			s.LanguageCode, s.Categories = "", nil
		}},
		{"a whole message", &alertsv1.Subscription{QuietHours: &alertsv1.QuietHours{Start: tod(23), End: tod(5)}}, []string{"quiet_hours"}, func(s *alertsv1.Subscription) {
			s.QuietHours = &alertsv1.QuietHours{Start: tod(23), End: tod(5)}
		}},
		{"a path below a message", &alertsv1.Subscription{QuietHours: &alertsv1.QuietHours{Start: tod(21)}}, []string{"quiet_hours.start.hours"}, func(s *alertsv1.Subscription) {
			s.QuietHours.Start.Hours = 21
		}},
		{"a path below a message src lacks", &alertsv1.Subscription{}, []string{"quiet_hours.time_zone"}, func(s *alertsv1.Subscription) {
			s.QuietHours.TimeZone = ""
		}},
		{"an unknown path", &alertsv1.Subscription{DisplayName: "Work"}, []string{"colour", "display_name.x"}, func(*alertsv1.Subscription) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, want := stored(), stored()
			tt.want(want)
			Copy(got, tt.src, tt.paths)
			if d := cmp.Diff(want, got, protocmp.Transform()); d != "" {
				t.Errorf("Copy (-want +got):\n%s", d)
			}
		})
	}

	t.Run("a copy shares no memory", func(t *testing.T) {
		t.Parallel()
		src, dst := stored(), &alertsv1.Subscription{}
		Copy(dst, src, []string{"quiet_hours", "categories"})
		src.QuietHours.Start.Hours, src.Categories[0] = 1, alertsv1.Category_CATEGORY_HEALTH
		if dst.GetQuietHours().GetStart().GetHours() != 22 || dst.GetCategories()[0] != alertsv1.Category_CATEGORY_FIRE {
			t.Fatalf("dst changed with src: %v", dst)
		}
	})
}

func TestNamed(t *testing.T) {
	t.Parallel()
	tod := func(h int32) *timeofday.TimeOfDay { return &timeofday.TimeOfDay{Hours: h} }
	whole := &alertsv1.Subscription{
		Name: "agencies/metro/subscriptions/s1", DisplayName: "Home", LanguageCode: "en",
		QuietHours: &alertsv1.QuietHours{Start: tod(22)}, CreateTime: timestamppb.Now(), Etag: `"2"`,
	}
	tests := []struct {
		name string
		in   proto.Message
		mask []string
		want []string
	}{
		{"an empty mask names what is set, but for etag and output fields", whole, nil, []string{"display_name", "language_code", "quiet_hours"}},
		{"JSON names, nested paths and ignored fields", whole, []string{"displayName", "quietHours.start", "quiet_hours", "name", "etag", "update_time"}, []string{"display_name", "quiet_hours"}},
		{"a path that changes nothing is left out", whole, []string{"create_time"}, nil},
		{"what names no field is left out", whole, []string{"colour", "Jane Doe jane@example.org", "*"}, []string{"*"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := Named(&fieldmaskpb.FieldMask{Paths: tt.mask}, tt.in)
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("Named (-want +got):\n%s", d)
			}
		})
	}
}
