package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/feedback"
	"github.com/google/go-cmp/cmp"
)

// surveyT0 is the suite's first moment.
var surveyT0 = time.Date(2026, 3, 10, 14, 37, 21, 0, time.UTC)

// testSurvey returns a draft of agency metro with a rating question
// carrying a dimension and a choice question.
func testSurvey(id string, kind feedbackv1.Survey_Kind) feedback.Survey {
	return feedback.Survey{
		Agency: "metro", ID: id, Title: "How are we doing?", Kind: kind,
		State: feedbackv1.Survey_STATE_DRAFT, CreateTime: surveyT0, UpdateTime: surveyT0,
		Questions: []feedback.Question{
			{ID: "safe", Text: "How safe do you feel?", Type: feedbackv1.Question_TYPE_RATING, Required: true,
				Dimension: feedbackv1.TrustDimension_TRUST_DIMENSION_SAFETY},
			{ID: "seen", Text: "Where did you see us?", Type: feedbackv1.Question_TYPE_SINGLE_CHOICE, Choices: []string{"street", "online"}},
		},
	}
}

// mustOpenSurvey stores sv and opens it.
func mustOpenSurvey(t *testing.T, s feedback.Store, sv feedback.Survey) feedback.Survey {
	t.Helper()
	if _, err := s.CreateSurvey(t.Context(), sv, feedback.Retry{}); err != nil {
		t.Fatalf("create survey: %v", err)
	}
	got, err := s.UpdateSurvey(t.Context(), sv.Key(), func(sv *feedback.Survey) error {
		sv.State, sv.OpenTime = feedbackv1.Survey_STATE_OPEN, surveyT0
		return nil
	})
	if err != nil {
		t.Fatalf("open survey: %v", err)
	}
	return got
}

func svWantIs(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: %v, want %v", what, err, want)
	}
}

func svAcceptOpen(sv feedback.Survey) error {
	if sv.State != feedbackv1.Survey_STATE_OPEN {
		return fmt.Errorf("not open: %w", errs.FailedPrecondition)
	}
	return nil
}

func runSurveys(t *testing.T, open Opener) {
	t.Run("surveys", func(t *testing.T) { t.Parallel(); testSurveyLife(t, open(t)) })
	t.Run("survey retries", func(t *testing.T) { t.Parallel(); testSurveyRetries(t, open(t)) })
	t.Run("device answers once", func(t *testing.T) { t.Parallel(); testDeviceOnce(t, open(t)) })
	t.Run("invitations", func(t *testing.T) { t.Parallel(); testInvitations(t, open(t)) })
	t.Run("contact events", func(t *testing.T) { t.Parallel(); testContactEvents(t, open(t)) })
	t.Run("trust cells", func(t *testing.T) { t.Parallel(); testTrustCells(t, open(t)) })
	t.Run("purge retries", func(t *testing.T) { t.Parallel(); testPurgeRetries(t, open(t)) })
}

func testSurveyLife(t *testing.T, s feedback.Store) {
	ctx := t.Context()
	a, b := testSurvey("a", feedbackv1.Survey_KIND_GENERAL), testSurvey("b", feedbackv1.Survey_KIND_GENERAL)
	b.CreateTime = surveyT0.Add(time.Minute)
	for _, sv := range []feedback.Survey{a, b} {
		got, err := s.CreateSurvey(ctx, sv, feedback.Retry{})
		if err != nil {
			t.Fatal(err)
		}
		if got.Revision != 1 {
			t.Fatalf("revision %d, want 1", got.Revision)
		}
	}
	_, err := s.CreateSurvey(ctx, a, feedback.Retry{})
	svWantIs(t, "create twice", err, errs.AlreadyExists)
	_, err = s.Survey(ctx, feedback.SurveyKey{Agency: "metro", Survey: "nope"})
	svWantIs(t, "get missing", err, errs.NotFound)

	list, next, err := s.ListSurveys(ctx, "metro", feedback.SurveyPage{Size: 1}, nil)
	if err != nil || len(list) != 1 || list[0].ID != "b" || next == nil {
		t.Fatalf("first page: %v %v %v, want b and a cursor", list, next, err)
	}
	list, next, err = s.ListSurveys(ctx, "metro", feedback.SurveyPage{Size: 1, After: next}, nil)
	if err != nil || len(list) != 1 || list[0].ID != "a" {
		t.Fatalf("second page: %v %v %v, want a", list, next, err)
	}
	if other, _, _ := s.ListSurveys(ctx, "other", feedback.SurveyPage{Size: 10}, nil); len(other) != 0 {
		t.Fatalf("other agency lists %v", other)
	}

	got, err := s.UpdateSurvey(ctx, a.Key(), func(sv *feedback.Survey) error {
		sv.Questions = sv.Questions[:1]
		sv.Title = "Changed"
		return nil
	})
	if err != nil || got.Revision != 2 || len(got.Questions) != 1 || got.Title != "Changed" {
		t.Fatalf("edit draft: %+v %v", got, err)
	}
	got = mustOpenSurvey(t, s, testSurvey("c", feedbackv1.Survey_KIND_GENERAL))
	_, err = s.UpdateSurvey(ctx, got.Key(), func(sv *feedback.Survey) error { sv.Questions = nil; return nil })
	svWantIs(t, "edit questions when open", err, errs.FailedPrecondition)
	_, err = s.UpdateSurvey(ctx, got.Key(), func(sv *feedback.Survey) error { sv.Kind = feedbackv1.Survey_KIND_POST_CONTACT; return nil })
	svWantIs(t, "edit kind when open", err, errs.FailedPrecondition)
	_, err = s.UpdateSurvey(ctx, got.Key(), func(sv *feedback.Survey) error { sv.State = feedbackv1.Survey_STATE_DRAFT; return nil })
	svWantIs(t, "back to draft", err, errs.FailedPrecondition)
	if got, err = s.UpdateSurvey(ctx, got.Key(), func(sv *feedback.Survey) error { sv.Title = "Open title"; return nil }); err != nil || got.Title != "Open title" {
		t.Fatalf("edit title when open: %+v %v", got, err)
	}
	svWantIs(t, "delete open", s.DeleteSurvey(ctx, got.Key(), func(feedback.Survey) error { return nil }), errs.FailedPrecondition)
	if err := s.DeleteSurvey(ctx, a.Key(), func(feedback.Survey) error { return nil }); err != nil {
		t.Fatalf("delete draft: %v", err)
	}
	_, err = s.Survey(ctx, a.Key())
	svWantIs(t, "get deleted", err, errs.NotFound)
	stop := errors.New("stop")
	if err := s.DeleteSurvey(ctx, b.Key(), func(feedback.Survey) error { return stop }); err != stop {
		t.Fatalf("check error: %v", err)
	}
}

func testSurveyRetries(t *testing.T, s feedback.Store) {
	ctx := t.Context()
	retry := feedback.Retry{Caller: "accounts/ana", ID: "5f0e6c1c-8f53-4b1e-9f57-2f1f8d4f0a11", Time: surveyT0, Fingerprint: []byte("request one")}
	first, err := s.CreateSurvey(ctx, testSurvey("first", feedbackv1.Survey_KIND_GENERAL), retry)
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.CreateSurvey(ctx, testSurvey("second", feedbackv1.Survey_KIND_GENERAL), retry)
	if err != nil || again.ID != first.ID {
		t.Fatalf("retry: %+v %v, want survey first", again, err)
	}
	reused := retry
	reused.Fingerprint = []byte("request two")
	_, err = s.CreateSurvey(ctx, testSurvey("second", feedbackv1.Survey_KIND_GENERAL), reused)
	svWantIs(t, "the request id of another request", err, feedback.ErrRetryReused)
	other := retry
	other.Caller = "accounts/bo"
	if got, err := s.CreateSurvey(ctx, testSurvey("third", feedbackv1.Survey_KIND_GENERAL), other); err != nil || got.ID != "third" {
		t.Fatalf("another caller's id: %+v %v, want a new survey", got, err)
	}
	late := retry
	late.Time = surveyT0.Add(feedback.RetryLifetime + time.Hour)
	if got, err := s.CreateSurvey(ctx, testSurvey("fourth", feedbackv1.Survey_KIND_GENERAL), late); err != nil || got.ID != "fourth" {
		t.Fatalf("expired retry: %+v %v, want a new survey", got, err)
	}
	elsewhere := testSurvey("fifth", feedbackv1.Survey_KIND_GENERAL)
	elsewhere.Agency = "other"
	_, err = s.CreateSurvey(ctx, elsewhere, late)
	svWantIs(t, "reused for another agency", err, feedback.ErrRetryReused)
}

func generalAnswer(id string) feedback.SurveyResponse {
	r := int32(7)
	return feedback.SurveyResponse{
		Agency: "metro", Survey: "gen", ID: id, Area: "north", CreateTime: surveyT0.Truncate(time.Hour),
		Answers: []feedback.Answer{{QuestionID: "safe", Rating: &r}},
		Trust:   &feedback.TrustContribution{Score: 70, Rated: [5]bool{true}, Dimensions: [5]float64{7}},
	}
}

func testDeviceOnce(t *testing.T, s feedback.Store) {
	ctx := t.Context()
	mustOpenSurvey(t, s, testSurvey("gen", feedbackv1.Survey_KIND_GENERAL))
	proof := feedback.ResponseProof{DeviceToken: "device-token-0123456789", Now: surveyT0}
	got, _, err := s.CreateSurveyResponse(ctx, generalAnswer("r1"), proof, nil, svAcceptOpen, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := generalAnswer("r1")
	want.Trust = &feedback.TrustContribution{Score: 70}
	stored, err := s.SurveyResponse(ctx, got.Key())
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, stored); d != "" {
		t.Fatalf("stored answer (-want +got):\n%s", d)
	}
	_, _, err = s.CreateSurveyResponse(ctx, generalAnswer("r2"), proof, nil, svAcceptOpen, nil)
	svWantIs(t, "second answer from the device", err, errs.AlreadyExists)
	other := proof
	other.DeviceToken = "another-device-token-42"
	if _, _, err := s.CreateSurveyResponse(ctx, generalAnswer("r3"), other, nil, svAcceptOpen, nil); err != nil {
		t.Fatalf("another device: %v", err)
	}
	mustOpenSurvey(t, s, testSurvey("gen2", feedbackv1.Survey_KIND_GENERAL))
	r := generalAnswer("r4")
	r.Survey = "gen2"
	if _, _, err := s.CreateSurveyResponse(ctx, r, proof, nil, svAcceptOpen, nil); err != nil {
		t.Fatalf("same device, another survey: %v", err)
	}
	sv, err := s.Survey(ctx, feedback.SurveyKey{Agency: "metro", Survey: "gen"})
	if err != nil || sv.ResponseCount != 2 {
		t.Fatalf("response count %d (%v), want 2", sv.ResponseCount, err)
	}
	renamed, err := s.UpdateSurvey(ctx, sv.Key(), func(sv *feedback.Survey) error {
		sv.Title = "Renamed"
		return nil
	})
	if err != nil || renamed.ResponseCount != 2 {
		t.Fatalf("response count after an update %d (%v), want 2", renamed.ResponseCount, err)
	}
	if sv, err = s.Survey(ctx, sv.Key()); err != nil || sv.ResponseCount != 2 {
		t.Fatalf("response count read after an update %d (%v), want 2", sv.ResponseCount, err)
	}
	list, _, err := s.ListSurveyResponses(ctx, sv.Key(), feedback.SurveyPage{Size: 10})
	if err != nil || len(list) != 2 {
		t.Fatalf("list: %d answers (%v), want 2", len(list), err)
	}
	_, _, err = s.ListSurveyResponses(ctx, feedback.SurveyKey{Agency: "metro", Survey: "nope"}, feedback.SurveyPage{Size: 10})
	svWantIs(t, "list of a missing survey", err, errs.NotFound)
	closed := errors.New("closed")
	other.DeviceToken = "third-device-token-4242"
	_, _, err = s.CreateSurveyResponse(ctx, generalAnswer("r5"), other, nil, func(feedback.Survey) error { return closed }, nil)
	if err != closed {
		t.Fatalf("check refusing: %v", err)
	}
	// The refused answer used nothing up.
	if _, _, err := s.CreateSurveyResponse(ctx, generalAnswer("r5"), other, nil, svAcceptOpen, nil); err != nil {
		t.Fatalf("after a refused answer: %v", err)
	}
}

func testInvitations(t *testing.T, s feedback.Store) {
	ctx := t.Context()
	mustOpenSurvey(t, s, testSurvey("pc", feedbackv1.Survey_KIND_POST_CONTACT))
	mustOpenSurvey(t, s, testSurvey("pc2", feedbackv1.Survey_KIND_POST_CONTACT))
	expire := surveyT0.Add(14 * 24 * time.Hour)
	for i, tok := range []string{"tok-a", "tok-b"} {
		e := feedback.ContactEvent{Agency: "metro", ID: fmt.Sprintf("ce%d", i), Survey: "pc", Area: "harbor",
			ContactType: feedbackv1.ContactEvent_CONTACT_TYPE_TRAFFIC_STOP, Outcome: feedbackv1.ContactEvent_OUTCOME_INVITED,
			InvitationExpireTime: expire, Reporter: "agencies/metro/partners/cad", CreateTime: surveyT0}
		inv := &feedback.Invitation{Token: tok, Agency: "metro", Survey: "pc", Area: "harbor", ExpireTime: expire}
		if _, _, err := s.CreateContactEvent(ctx, e, inv, feedback.Retry{}, svAcceptOpen); err != nil {
			t.Fatal(err)
		}
	}
	answer := func(survey, id string) feedback.SurveyResponse {
		r := generalAnswer(id)
		r.Survey, r.Area = survey, "ignored"
		return r
	}
	at := func(tok string, now time.Time) feedback.ResponseProof {
		return feedback.ResponseProof{InvitationToken: tok, Now: now}
	}
	_, _, err := s.CreateSurveyResponse(ctx, answer("pc", "x1"), at("tok-unknown", surveyT0), nil, svAcceptOpen, nil)
	svWantIs(t, "unknown token", err, errs.NotFound)
	_, _, err = s.CreateSurveyResponse(ctx, answer("pc2", "x2"), at("tok-a", surveyT0), nil, svAcceptOpen, nil)
	svWantIs(t, "token of another survey", err, errs.NotFound)
	_, _, err = s.CreateSurveyResponse(ctx, answer("pc", "x3"), at("tok-b", expire), nil, svAcceptOpen, nil)
	svWantIs(t, "expired token", err, errs.FailedPrecondition)
	got, _, err := s.CreateSurveyResponse(ctx, answer("pc", "x4"), at("tok-a", expire.Add(-time.Second)), nil, svAcceptOpen, nil)
	if err != nil || got.Area != "harbor" {
		t.Fatalf("answer: %+v %v, want area harbor from the invitation", got, err)
	}
	_, _, err = s.CreateSurveyResponse(ctx, answer("pc", "x5"), at("tok-a", surveyT0), nil, svAcceptOpen, nil)
	svWantIs(t, "used token", err, errs.FailedPrecondition)
}

func testContactEvents(t *testing.T, s feedback.Store) {
	ctx := t.Context()
	mustOpenSurvey(t, s, testSurvey("pc", feedbackv1.Survey_KIND_POST_CONTACT))
	e := feedback.ContactEvent{Agency: "metro", ID: "e1", Survey: "pc", Area: "harbor",
		ContactType: feedbackv1.ContactEvent_CONTACT_TYPE_WALK_IN, Outcome: feedbackv1.ContactEvent_OUTCOME_INVITED,
		InvitationExpireTime: surveyT0.Add(time.Hour), Reporter: "agencies/metro/partners/cad", CreateTime: surveyT0}
	retry := feedback.Retry{Caller: e.Reporter, ID: "0d6f0f8e-2b8a-4c39-8d2e-51a7c0e6b9f4", Time: surveyT0, Sealed: []byte("sealed-1")}
	inv := &feedback.Invitation{Token: "tok-1", Agency: "metro", Survey: "pc", Area: "harbor", ExpireTime: e.InvitationExpireTime}
	got, sealed, err := s.CreateContactEvent(ctx, e, inv, retry, svAcceptOpen)
	if err != nil || string(sealed) != "sealed-1" {
		t.Fatalf("create: %+v %q %v", got, sealed, err)
	}
	if d := cmp.Diff(e, got); d != "" {
		t.Fatalf("created (-want +got):\n%s", d)
	}
	e2 := e
	e2.ID, e2.CreateTime = "e2", surveyT0.Add(time.Minute)
	retry2 := retry
	retry2.Sealed = []byte("sealed-2")
	again, sealed, err := s.CreateContactEvent(ctx, e2, &feedback.Invitation{Token: "tok-2", Agency: "metro", Survey: "pc"}, retry2, svAcceptOpen)
	if err != nil || again.ID != "e1" || string(sealed) != "sealed-1" {
		t.Fatalf("retry: %+v %q %v, want e1 with the first sealed token", again, sealed, err)
	}
	// The retry issued no second invitation.
	_, _, err = s.CreateSurveyResponse(ctx, generalAnswer("r"), feedback.ResponseProof{InvitationToken: "tok-2", Now: surveyT0}, nil, svAcceptOpen, nil)
	svWantIs(t, "retry's token", err, errs.NotFound)

	suppressed := e2
	suppressed.Outcome, suppressed.SuppressionReason, suppressed.InvitationExpireTime = feedbackv1.ContactEvent_OUTCOME_SUPPRESSED, "ongoing", time.Time{}
	if _, _, err := s.CreateContactEvent(ctx, suppressed, nil, feedback.Retry{}, svAcceptOpen); err != nil {
		t.Fatal(err)
	}
	list, _, err := s.ListContactEvents(ctx, "metro", feedback.SurveyPage{Size: 10})
	if err != nil || len(list) != 2 || list[0].ID != "e2" || list[1].ID != "e1" {
		t.Fatalf("list: %+v %v, want e2 then e1", list, err)
	}
	if d := cmp.Diff(suppressed, list[0]); d != "" {
		t.Fatalf("suppressed (-want +got):\n%s", d)
	}
	_, err = s.ContactEvent(ctx, feedback.ContactEventKey{Agency: "metro", Event: "nope"})
	svWantIs(t, "get missing", err, errs.NotFound)
	bad := e
	bad.ID, bad.Survey = "e3", "nope"
	_, _, err = s.CreateContactEvent(ctx, bad, nil, feedback.Retry{}, svAcceptOpen)
	svWantIs(t, "missing survey", err, errs.NotFound)
}
