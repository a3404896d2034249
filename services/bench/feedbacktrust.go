package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"
)

const (
	// trustMaxRatio is the target: a Trust Index query over
	// 1,000,000 answers costs at most this many times the same query over
	// 1,000.
	trustMaxRatio = 1.5
	// trustSmall is the answers of the small agency.
	trustSmall = 1000
	// trustArea is the area every answer gives and the query asks for.
	trustArea = "north"
	// trustLoadWorkers is how many answers are sent at once while loading.
	trustLoadWorkers = 128
	// trustTokenLife is how long the analyst's token must last to set the
	// surveys up.
	trustTokenLife = 10 * time.Minute
)

// trustDimensions are the rating questions of the bench survey, one per
// Trust-Index dimension.
var trustDimensions = []feedbackv1.TrustDimension{
	feedbackv1.TrustDimension_TRUST_DIMENSION_SAFETY,
	feedbackv1.TrustDimension_TRUST_DIMENSION_TRUST,
	feedbackv1.TrustDimension_TRUST_DIMENSION_RESPECT,
	feedbackv1.TrustDimension_TRUST_DIMENSION_LISTENING,
	feedbackv1.TrustDimension_TRUST_DIMENSION_FAIRNESS,
}

// trustAgency is one of the two agencies the query is compared over.
type trustAgency struct {
	name    string // agencies/{agency}
	label   string // how the report names it: its number of answers
	answers int
	survey  string
	load    time.Duration
}

// trustIndex loads trustSmall answers into one agency and -trust-answers
// into another, all in one area and (the server stamps answers with the
// current hour) in the current month, and compares the cost of the same
// GetTrustIndex query over each, in alternating rounds.
func (r *runner) trustIndex(ctx context.Context) (err error) {
	dataDir, err := os.MkdirTemp("", "engage-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dataDir)
	engage, _, err := r.startEngage(ctx, dataDir, false)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, engage.stop()) }()

	conn, err := grpc.NewClient(engage.addrs.GRPC, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	agencies := []*trustAgency{
		{name: "agencies/trust-small", label: countLabel(trustSmall), answers: trustSmall},
		{name: "agencies/trust-large", label: countLabel(r.o.trustAnswers), answers: r.o.trustAnswers},
	}
	team, err := setUpFeedbackAgencies(ctx, conn, []string{agencies[0].name, agencies[1].name}, true)
	if err != nil {
		return fmt.Errorf("set up the agencies: %w", err)
	}
	tokens, err := team.tokens(ctx, trustTokenLife)
	if err != nil {
		return err
	}
	for _, a := range agencies {
		if a.survey, err = openTrustSurvey(ctx, conn, tokens[0], a.name); err != nil {
			return err
		}
		fmt.Fprintf(r.stderr, "bench: loading %d survey answers into %s\n", a.answers, a.name)
		start := time.Now()
		if err := loadAnswers(ctx, conn, a.survey, a.answers, r.stderr); err != nil {
			return fmt.Errorf("load %s: %w", a.name, err)
		}
		a.load = time.Since(start)
		if err := checkTrustCount(bearer(ctx, tokens[0]), conn, a); err != nil {
			return err
		}
	}

	printHeader(r.stdout, r.o, header{
		title:       "Trust Index query cost: StatsService/GetTrustIndex {area, MONTH, the default 12 months} over gRPC, 1k vs many answers",
		engage:      engage.addrs,
		concurrency: r.o.trustConcurrency,
		notes:       trustNotes(agencies, r.o),
	})
	return measureTrust(ctx, r, engage, agencies)
}

// trustNotes describe the data and the loading, for the report's header.
func trustNotes(agencies []*trustAgency, o options) []string {
	notes := []string{
		fmt.Sprintf("two agencies, each with one open GENERAL survey of %d rating questions (one per Trust-Index dimension);", len(trustDimensions)),
		fmt.Sprintf("every answer rates them all 0–10 at random, gives area %q and its own device_token, anonymously;", trustArea),
		"Engage stamps answers with the current hour, so all of them fall in the current month, not over 12: the query",
		"reads 12 monthly cells of which one holds every answer",
		fmt.Sprintf("answers were loaded through CreateSurveyResponse over gRPC by %d concurrent clients, each answer durable:", trustLoadWorkers),
	}
	for _, a := range agencies {
		notes = append(notes, fmt.Sprintf("  %-9s %9d answers in %8s, %6.0f answers/s", a.label, a.answers,
			a.load.Round(time.Millisecond), float64(a.answers)/a.load.Seconds()))
	}
	notes = append(notes, fmt.Sprintf("queries are anonymous (the endpoint is public: the running month comes without figures, its cell read all the same); rounds alternate the agencies, %s first in odd rounds", agencies[0].label))
	return notes
}

// countLabel names a number of answers: 1k, 1M or the number.
func countLabel(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return strconv.Itoa(n/1_000_000) + "M"
	case n >= 1000 && n%1000 == 0:
		return strconv.Itoa(n/1000) + "k"
	}
	return strconv.Itoa(n)
}

// openTrustSurvey creates and opens agency's survey as the analyst and
// returns its name.
func openTrustSurvey(ctx context.Context, conn *grpc.ClientConn, token, agency string) (string, error) {
	client := feedbackv1.NewSurveyServiceClient(conn)
	as := bearer(ctx, token)
	texts := map[feedbackv1.TrustDimension]string{
		feedbackv1.TrustDimension_TRUST_DIMENSION_SAFETY:    "How safe do you feel in your neighborhood?",
		feedbackv1.TrustDimension_TRUST_DIMENSION_TRUST:     "How much do you trust the department?",
		feedbackv1.TrustDimension_TRUST_DIMENSION_RESPECT:   "Do officers treat people with respect?",
		feedbackv1.TrustDimension_TRUST_DIMENSION_LISTENING: "Does the department listen to residents?",
		feedbackv1.TrustDimension_TRUST_DIMENSION_FAIRNESS:  "Does the department treat everyone fairly?",
	}
	var questions []*feedbackv1.Question
	for i, d := range trustDimensions {
		questions = append(questions, &feedbackv1.Question{
			Id: fmt.Sprintf("q%d", i+1), Text: texts[d], Type: feedbackv1.Question_TYPE_RATING, Required: true, Dimension: d,
		})
	}
	s, err := client.CreateSurvey(as, &feedbackv1.CreateSurveyRequest{
		Parent: agency,
		Survey: &feedbackv1.Survey{
			Title:       "Community trust survey",
			Description: "Five questions on how residents see the department.",
			Kind:        feedbackv1.Survey_KIND_GENERAL,
			Questions:   questions,
		},
	})
	if err != nil {
		return "", fmt.Errorf("create the survey of %s: %w", agency, err)
	}
	if _, err := client.OpenSurvey(as, &feedbackv1.OpenSurveyRequest{Name: s.GetName(), Etag: s.GetEtag()}); err != nil {
		return "", fmt.Errorf("open %s: %w", s.GetName(), err)
	}
	return s.GetName(), nil
}

// loadAnswers answers survey n times through the API, from
// trustLoadWorkers concurrent clients over shared connections, each answer
// with a device token of its own, and tells progress every ten seconds.
func loadAnswers(ctx context.Context, conn *grpc.ClientConn, survey string, n int, progress io.Writer) error {
	client := feedbackv1.NewSurveyServiceClient(conn)
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	var done atomic.Int64
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		t := time.NewTicker(10 * time.Second)
		defer t.Stop()
		start := time.Now()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				d := done.Load()
				fmt.Fprintf(progress, "bench: %d of %d answers, %.0f/s\n", d, n, float64(d)/time.Since(start).Seconds())
			}
		}
	}()
	return parallel(ctx, n, trustLoadWorkers, func(ctx context.Context, i int) error {
		answers := make([]*feedbackv1.Answer, len(trustDimensions))
		for q := range answers {
			answers[q] = &feedbackv1.Answer{QuestionId: fmt.Sprintf("q%d", q+1), Rating: proto.Int32(rand.Int32N(11))}
		}
		_, err := client.CreateSurveyResponse(ctx, &feedbackv1.CreateSurveyResponseRequest{
			Parent: survey,
			SurveyResponse: &feedbackv1.SurveyResponse{
				Answers:     answers,
				Area:        trustArea,
				DeviceToken: fmt.Sprintf("bench-device-%s-%09d", run, i),
			},
		})
		if err != nil {
			return fmt.Errorf("answer %d: %w", i, err)
		}
		done.Add(1)
		return nil
	})
}

// trustQuery is the request every measured call sends for agency.
func trustQuery(agency string) *feedbackv1.GetTrustIndexRequest {
	return &feedbackv1.GetTrustIndexRequest{
		Name:     agency + "/trustIndex",
		Area:     trustArea,
		Interval: feedbackv1.Interval_INTERVAL_MONTH,
	}
}

// checkTrustCount asks the query once, as the agency's staff (ctx), and
// checks that its periods count every answer loaded, so that the two
// agencies' queries differ in nothing but the answers behind them. The
// answers are all in the running month, which only staff get figures of;
// the measured anonymous queries read its cell all the same.
func checkTrustCount(ctx context.Context, conn *grpc.ClientConn, a *trustAgency) error {
	ti, err := feedbackv1.NewStatsServiceClient(conn).GetTrustIndex(ctx, trustQuery(a.name))
	if err != nil {
		return fmt.Errorf("trust index of %s: %w", a.name, err)
	}
	var n int64
	for _, p := range ti.GetPeriods() {
		n += p.GetResponseCount()
	}
	if len(ti.GetPeriods()) != 12 || n != int64(a.answers) {
		return fmt.Errorf("trust index of %s: %d periods counting %d answers, want 12 counting %d", a.name, len(ti.GetPeriods()), n, a.answers)
	}
	return nil
}
