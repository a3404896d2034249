package training

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
	"github.com/engagehq/engage/services/internal/csvstream"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/google/uuid"
)

// xAPI 1.0.3 (https://github.com/adlnet/xAPI-Spec): the vocabulary the
// exported statements use.
const (
	xapiVersion        = "1.0.3"
	xapiVerbs          = "http://adlnet.gov/expapi/verbs/"
	xapiCourseActivity = "http://adlnet.gov/expapi/activities/course"
	xapiPlatform       = "Engage"
	jsonContentType    = "application/json"
)

// statementNamespace is the name space of statement ids (RFC 4122 version
// 5 UUIDs): a fixed, random UUID, so that the same completion always gives
// the same statement id, in every deployment.
func statementNamespace() uuid.UUID {
	return uuid.UUID{0x8e, 0x3c, 0x5b, 0x1a, 0x2f, 0x64, 0x4d, 0x0e, 0x9b, 0x71, 0xc4, 0x5d, 0x2a, 0x86, 0xf0, 0x13}
}

// ExportStatements writes the agency's completions recorded in
// [start_time, end_time) as one JSON array of xAPI statements, oldest
// first, sent in chunks of about 32 KiB as they fill, so that a learning
// record store can import an agency's training history.
func (s *reportServer) ExportStatements(req *trainingv1.ExportStatementsRequest, stream trainingv1.ReportService_ExportStatementsServer) error {
	ctx := stream.Context()
	agency, err := parseAgency("parent", req.GetParent())
	if err != nil {
		return err
	}
	c, err := s.callerOf(ctx, agency)
	if err != nil {
		return err
	}
	if !c.trainer {
		return notFound("agency", req.GetParent())
	}
	var start, end time.Time
	if t := req.GetStartTime(); t != nil {
		if err := t.CheckValid(); err != nil {
			return errs.Field("start_time", "must be a valid time")
		}
		start = t.AsTime()
	}
	if t := req.GetEndTime(); t != nil {
		if err := t.CheckValid(); err != nil {
			return errs.Field("end_time", "must be a valid time")
		}
		end = t.AsTime()
		if !start.IsZero() && !end.After(start) {
			return errs.Field("end_time", "must be after start_time")
		}
	}
	w := csvstream.NewChunks(jsonContentType, stream.Send)
	sep := "["
	err = s.store.Completions(ctx, agencyName(agency), start, end, func(cp Completion) error {
		b, err := json.Marshal(s.statement(agency, cp))
		if err != nil {
			return fmt.Errorf("encode statement: %w", err)
		}
		if _, err := w.Write([]byte(sep)); err != nil {
			return err
		}
		sep = ","
		_, err = w.Write(b)
		return err
	})
	if err != nil {
		return fmt.Errorf("export statements: %w", err)
	}
	if sep == "[" {
		_, err = w.Write([]byte("[]"))
	} else {
		_, err = w.Write([]byte("]"))
	}
	if err == nil {
		err = w.Close()
	}
	if err != nil {
		return fmt.Errorf("export statements: %w", err)
	}
	return nil
}

// statement is an xAPI statement, as much of one as Engage states.
type statement struct {
	ID        string       `json:"id"`
	Actor     xapiActor    `json:"actor"`
	Verb      xapiVerb     `json:"verb"`
	Object    xapiActivity `json:"object"`
	Result    xapiResult   `json:"result"`
	Context   xapiContext  `json:"context"`
	Timestamp string       `json:"timestamp"`
	Version   string       `json:"version"`
}

// The parts of a statement, named as xAPI names them.
type xapiActor struct {
	ObjectType string      `json:"objectType"`
	Account    xapiAccount `json:"account"`
}

type xapiAccount struct {
	HomePage string `json:"homePage"`
	Name     string `json:"name"`
}

type xapiVerb struct {
	ID      string            `json:"id"`
	Display map[string]string `json:"display"`
}

type xapiActivity struct {
	ObjectType string         `json:"objectType"`
	ID         string         `json:"id"`
	Definition xapiDefinition `json:"definition"`
}

type xapiDefinition struct {
	Name map[string]string `json:"name"`
	Type string            `json:"type"`
}

type xapiResult struct {
	Score      *xapiScore `json:"score,omitempty"`
	Success    bool       `json:"success"`
	Completion bool       `json:"completion"`
}

type xapiScore struct {
	Scaled float64 `json:"scaled"`
	Raw    int32   `json:"raw"`
	Min    int32   `json:"min"`
	Max    int32   `json:"max"`
}

type xapiContext struct {
	Platform   string             `json:"platform"`
	Extensions map[string]float64 `json:"extensions"`
}

// statement is completion cp of agency as an xAPI statement. Its actor is
// the officer's linked account at the time (homePage Config.StatementHome,
// name the account id); an officer with no linked account is named by
// their officer resource name instead, which is stable and unique too. A
// scored attempt is "passed" or "failed" with its score; external training
// is "completed", without one.
func (s *Service) statement(agency string, cp Completion) statement {
	home := strings.TrimSuffix(s.cfg.StatementHome, "/")
	actor := cp.Officer
	if cp.Account != "" {
		actor = strings.TrimPrefix(cp.Account, "accounts/")
	}
	verb := "completed"
	if cp.Score >= 0 {
		verb = "failed"
		if cp.Passed {
			verb = "passed"
		}
	}
	object := cp.Course
	if object == "" {
		object = cp.Source
	}
	st := statement{
		ID:    uuid.NewSHA1(statementNamespace(), []byte(agencyName(agency)+"\x00"+cp.ID)).String(),
		Actor: xapiActor{ObjectType: "Agent", Account: xapiAccount{HomePage: home, Name: actor}},
		Verb:  xapiVerb{ID: xapiVerbs + verb, Display: map[string]string{"en-US": verb}},
		Object: xapiActivity{
			ObjectType: "Activity",
			ID:         home + "/v1/" + object,
			Definition: xapiDefinition{Name: map[string]string{"en-US": cp.Title}, Type: xapiCourseActivity},
		},
		Result: xapiResult{Success: cp.Passed, Completion: true},
		Context: xapiContext{
			Platform:   xapiPlatform,
			Extensions: map[string]float64{home + "/xapi/credit-hours": cp.CreditHours},
		},
		Timestamp: cp.Time.UTC().Format(time.RFC3339Nano),
		Version:   xapiVersion,
	}
	if cp.Score >= 0 {
		st.Result.Score = &xapiScore{Scaled: float64(cp.Score) / 100, Raw: cp.Score, Min: 0, Max: 100}
	}
	return st
}
