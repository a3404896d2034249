package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
)

// feedbackTarget is the target for anonymous submissions over
// REST, as a share of the bare echo's rate.
const feedbackTarget = 0.5

// feedbackProtocol is the feedback suite's write path: anonymous
// CreateFeedback over REST into agency.
func feedbackProtocol(agency string) protocol {
	return protocol{name: "REST POST feedback, anon", file: "rest-feedback", target: feedbackTarget, dial: dialFeedbackREST(agency)}
}

// feedbackBody is the JSON of a Feedback a resident submits.
type feedbackBody struct {
	Kind     string `json:"kind"`
	Category string `json:"category"`
	Text     string `json:"text"`
	Rating   int    `json:"rating,omitempty"`
	Area     string `json:"area,omitempty"`
}

// feedbackTexts hands out submissions that are all different, in every
// run: realistic feedback of each kind, each text tagged with the run and a
// counter.
type feedbackTexts struct {
	run string
	n   atomic.Int64
}

func newFeedbackTexts() *feedbackTexts {
	return &feedbackTexts{run: strconv.FormatInt(time.Now().UnixNano(), 36)}
}

func (f *feedbackTexts) next() feedbackBody {
	samples := [...]feedbackBody{
		{"FEEDBACK_KIND_COMPLAINT", "response_time", "I called about a break-in on Birch Lane and nobody came for over two hours. The dispatcher was polite but the wait was terrible.", 2, "north"},
		{"FEEDBACK_KIND_COMPLIMENT", "courtesy", "The officer who helped my mother after her fall on Maple Street was patient and kind. Thank you for taking the time.", 5, "south"},
		{"FEEDBACK_KIND_SUGGESTION", "patrols", "Please consider a patrol near the school crossing on Elm between 7:30 and 8:15, cars speed through every morning.", 0, "east"},
		{"FEEDBACK_KIND_QUESTION", "records", "How do I get a copy of the report for the theft of my bicycle last week? The website does not say where to ask.", 0, "west"},
		{"FEEDBACK_KIND_COMPLAINT", "courtesy", "The officer at the traffic stop on 5th Avenue was rude and would not explain why I was stopped.", 1, "north"},
	}
	n := f.n.Add(1)
	b := samples[n%int64(len(samples))]
	b.Text += " (ref " + f.run + "-" + strconv.FormatInt(n, 10) + ")"
	return b
}

// dialFeedbackREST submits anonymous feedback with POST
// /v1/{agency}/feedback?requestId=…, without credentials.
func dialFeedbackREST(agency string) func(context.Context, addrs, []string, options) (loadClient, error) {
	return func(ctx context.Context, a addrs, _ []string, o options) (loadClient, error) {
		client, tr := newHTTPClient(o.concurrency)
		texts := newFeedbackTexts()
		endpoint := "http://" + a.HTTP + "/v1/" + agency + "/feedback?requestId="
		return loadClient{
			ctx: ctx,
			newCaller: func(int) caller {
				return func(ctx context.Context) error {
					body, err := json.Marshal(texts.next())
					if err != nil {
						return err
					}
					return submitFeedback(ctx, client, endpoint+uuid.NewString(), body)
				}
			},
			close: tr.CloseIdleConnections,
		}, nil
	}
}

// submitFeedback posts body to url without credentials; the answer must be
// 200 OK with a tracking code, as anonymous feedback gets.
func submitFeedback(ctx context.Context, client *http.Client, url string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	rb, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		if len(rb) > 512 {
			rb = rb[:512]
		}
		return fmt.Errorf("POST %s: %s %s", url, resp.Status, bytes.TrimSpace(rb))
	}
	var f struct {
		TrackingCode string `json:"trackingCode"`
	}
	if err := json.Unmarshal(rb, &f); err != nil {
		return fmt.Errorf("POST %s: %w", url, err)
	}
	if f.TrackingCode == "" {
		return fmt.Errorf("POST %s: anonymous feedback answered without a tracking code", url)
	}
	return nil
}
