package training_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"testing"
	"time"

	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// exportStatements reads a whole statement export.
func exportStatements(t *testing.T, e *env, u *user, req *trainingv1.ExportStatementsRequest) ([]map[string]any, error) {
	t.Helper()
	stream, err := e.reports.ExportStatements(u.ctx(t), req)
	if err != nil {
		return nil, err
	}
	var body bytes.Buffer
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if msg.GetContentType() != "application/json" {
			t.Fatalf("content type %q", msg.GetContentType())
		}
		body.Write(msg.GetData())
	}
	var out []map[string]any
	if err := json.Unmarshal(body.Bytes(), &out); err != nil {
		t.Fatalf("the export is no JSON array: %v\n%s", err, body.String())
	}
	return out, nil
}

func TestExportStatements(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fx := newReportFixture(t, e)
	e.clock.Advance(time.Hour)
	later := e.clock.Now()
	failed, err := e.records.CreateEnrollment(fx.trainer.ctx(t), &trainingv1.CreateEnrollmentRequest{Parent: fx.s1, Enrollment: &trainingv1.Enrollment{Course: fx.elective, DueDate: "2026-12-15"}})
	must(t, "enroll", err)
	_, err = e.records.CompleteEnrollment(fx.trainer.ctx(t), &trainingv1.CompleteEnrollmentRequest{Name: failed.GetName(), Score: proto.Int32(10)})
	must(t, "fail an attempt", err)

	all, err := exportStatements(t, e, fx.trainer, &trainingv1.ExportStatementsRequest{Parent: "agencies/metro"})
	must(t, "export", err)
	type summary struct{ Verb, Actor, Object string }
	var got []summary
	for i, st := range all {
		for _, p := range []string{"id", "actor", "verb", "object", "result", "context", "timestamp"} {
			if _, ok := st[p]; !ok {
				t.Fatalf("statement %d has no %s: %v", i, p, st)
			}
		}
		if _, err := time.Parse(time.RFC3339Nano, st["timestamp"].(string)); err != nil {
			t.Fatalf("statement %d: timestamp: %v", i, err)
		}
		actor := st["actor"].(map[string]any)
		account := actor["account"].(map[string]any)
		if actor["objectType"] != "Agent" || account["homePage"] != "https://engage.example.org" {
			t.Fatalf("statement %d: actor %v", i, actor)
		}
		object := st["object"].(map[string]any)
		def := object["definition"].(map[string]any)
		if object["objectType"] != "Activity" || def["type"] != "http://adlnet.gov/expapi/activities/course" {
			t.Fatalf("statement %d: object %v", i, object)
		}
		verb := st["verb"].(map[string]any)["id"].(string)
		got = append(got, summary{Verb: verb, Actor: account["name"].(string), Object: object["id"].(string)})
	}
	const home, verbs = "https://engage.example.org/v1/", "http://adlnet.gov/expapi/verbs/"
	if len(got) != 4 {
		t.Fatalf("%d statements, want 4: %v", len(got), got)
	}
	// The external training was approved after both attempts of the setup.
	want := []summary{
		{verbs + "passed", "n1", home + fx.monthly},
		{verbs + "passed", "n1", home + fx.annual},
		{verbs + "completed", "n1", got[2].Object},
		{verbs + "failed", fx.s1, home + fx.elective},
	}
	diff(t, "statements", got, want)

	again, err := exportStatements(t, e, fx.trainer, &trainingv1.ExportStatementsRequest{Parent: "agencies/metro"})
	must(t, "export again", err)
	for i := range all {
		if again[i]["id"] != all[i]["id"] {
			t.Fatalf("statement %d changed id between exports: %v, %v", i, all[i]["id"], again[i]["id"])
		}
	}

	recent, err := exportStatements(t, e, fx.trainer, &trainingv1.ExportStatementsRequest{Parent: "agencies/metro", StartTime: timestamppb.New(later)})
	must(t, "export from a time", err)
	if len(recent) != 1 || recent[0]["id"] != all[3]["id"] {
		t.Fatalf("statements from %v: %v", later, recent)
	}
	early, err := exportStatements(t, e, fx.trainer, &trainingv1.ExportStatementsRequest{Parent: "agencies/metro", EndTime: timestamppb.New(later)})
	must(t, "export to a time", err)
	if len(early) != 3 {
		t.Fatalf("%d statements before %v, want 3", len(early), later)
	}
	none, err := exportStatements(t, e, e.trainer("ot", "other"), &trainingv1.ExportStatementsRequest{Parent: "agencies/other"})
	must(t, "export of an agency with nothing", err)
	if len(none) != 0 {
		t.Fatalf("statements of other: %v", none)
	}

	for _, tc := range []struct {
		name string
		who  *user
		want codes.Code
	}{
		{"trainer of another agency", e.trainer("ot", "other"), codes.PermissionDenied},
		{"officer", fx.n1Account, codes.PermissionDenied},
		{"resident", e.resident("r"), codes.PermissionDenied},
	} {
		_, err := exportStatements(t, e, tc.who, &trainingv1.ExportStatementsRequest{Parent: "agencies/metro"})
		wantCode(t, tc.name, err, tc.want)
	}
}
