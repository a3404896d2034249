package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"time"

	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
	"google.golang.org/grpc"
)

const (
	// trainingFullPage is the page size the whole report is walked with,
	// the contract's largest; trainingOnePage is a screen's page.
	trainingFullPage = 1000
	trainingOnePage  = 100
	// trainingCallTimeout bounds one report, all of its pages.
	trainingCallTimeout = time.Minute
)

// errNoRoute is a gateway answering 404 to the first REST report: it has
// no training routes, and the REST path is left out.
var errNoRoute = errors.New("the gateway has no route for the report")

// reportPath is one way of asking for a report.
type reportPath struct {
	name string
	// call asks for agency's report once, signed in with token, and
	// checks that it covers every officer.
	call func(ctx context.Context, agency *trainingAgency, token string) error
}

// reportRun is one path's measured reports on one agency.
type reportRun struct {
	// latencies are sorted.
	latencies []time.Duration
	// cpu is the server's CPU time per report, 0 when unknown.
	cpu time.Duration
}

func (r reportRun) p(pct float64) time.Duration { return percentile(r.latencies, pct) }

// trainingMeasure measures the report paths on the seeded agencies, the
// baseline first.
type trainingMeasure struct {
	conn     *grpc.ClientConn
	http     string
	cpu      func(context.Context) (time.Duration, error)
	signIn   func(ctx context.Context) (string, error)
	agencies []*trainingAgency
	sc       trainingScale
	asOf     string
	out      io.Writer
	progress io.Writer
}

// name is the report resource of agency.
func reportName(agency *trainingAgency) string { return agency.name + "/trainingCompliance" }

// summaries asks each agency's report once for its summary, and checks
// that it counts every officer seeded.
func (m *trainingMeasure) summaries(ctx context.Context) ([]*trainingv1.ComplianceSummary, error) {
	token, err := m.signIn(ctx)
	if err != nil {
		return nil, err
	}
	client := trainingv1.NewReportServiceClient(m.conn)
	var out []*trainingv1.ComplianceSummary
	for _, a := range m.agencies {
		c, err := client.GetTrainingCompliance(bearer(ctx, token), &trainingv1.GetTrainingComplianceRequest{
			Name: reportName(a), AsOf: m.asOf, PageSize: 1,
		})
		if err != nil {
			return nil, fmt.Errorf("compliance of %s: %w", a.name, err)
		}
		if n := int(c.GetSummary().GetOfficerCount()); n != a.officers {
			return nil, fmt.Errorf("compliance of %s counts %d officers, want %d", a.name, n, a.officers)
		}
		out = append(out, c.GetSummary())
	}
	return out, nil
}

// paths are the four ways the suite asks for a report; the REST one
// through web.
func (m *trainingMeasure) paths(web *http.Client) []reportPath {
	client := trainingv1.NewReportServiceClient(m.conn)
	return []reportPath{
		{name: fmt.Sprintf("gRPC report, pages of %d", trainingFullPage), call: func(ctx context.Context, a *trainingAgency, token string) error {
			return m.grpcReport(bearer(ctx, token), client, a)
		}},
		{name: fmt.Sprintf("gRPC one page of %d", trainingOnePage), call: func(ctx context.Context, a *trainingAgency, token string) error {
			return m.grpcPage(bearer(ctx, token), client, a)
		}},
		{name: "gRPC CSV export", call: func(ctx context.Context, a *trainingAgency, token string) error {
			return m.grpcExport(bearer(ctx, token), client, a)
		}},
		{name: fmt.Sprintf("REST report, pages of %d", trainingFullPage), call: func(ctx context.Context, a *trainingAgency, token string) error {
			return m.restReport(ctx, web, a, token)
		}},
	}
}

// run measures every path on every agency and prints the runs and the
// summary.
func (m *trainingMeasure) run(ctx context.Context) error {
	web, tr := newHTTPClient(1)
	defer tr.CloseIdleConnections()
	var rows []trainingRow
	for _, p := range m.paths(web) {
		row := trainingRow{path: p.name}
		for _, a := range m.agencies {
			r, err := m.measure(ctx, p, a)
			if errors.Is(err, errNoRoute) {
				fmt.Fprintf(m.out, "%-*s  skipped: %v\n", trainingNameWidth, p.name, err)
				row.runs = nil
				break
			}
			if err != nil {
				return fmt.Errorf("%s, %s: %w", p.name, a.label, err)
			}
			fmt.Fprintf(m.out, "%-*s  %-15s  p50 %9s  p95 %9s  p99 %9s  server CPU %9s/report  reports %d\n",
				trainingNameWidth, p.name, a.label, ms(r.p(50)), ms(r.p(95)), ms(r.p(99)), cpuMS(r.cpu), len(r.latencies))
			row.runs = append(row.runs, r)
		}
		if row.runs != nil {
			rows = append(rows, row)
		}
	}
	printTrainingSummary(m.out, m.agencies, rows)
	return nil
}

// measure asks for a's report m.sc.warmup times unmeasured, then
// m.sc.iterations times one after another, timing each, with the server's
// CPU time read before and after.
func (m *trainingMeasure) measure(ctx context.Context, p reportPath, a *trainingAgency) (reportRun, error) {
	token, err := m.signIn(ctx)
	if err != nil {
		return reportRun{}, err
	}
	call := func() error {
		ctx, cancel := context.WithTimeout(ctx, trainingCallTimeout)
		defer cancel()
		return p.call(ctx, a, token)
	}
	for range m.sc.warmup {
		if err := call(); err != nil {
			return reportRun{}, fmt.Errorf("warm-up: %w", err)
		}
	}
	var cpu0 time.Duration
	cpuErr := errors.New("no CPU time")
	if m.cpu != nil {
		cpu0, cpuErr = m.cpu(ctx)
	}
	r := reportRun{latencies: make([]time.Duration, 0, m.sc.iterations)}
	for range m.sc.iterations {
		start := time.Now()
		if err := call(); err != nil {
			return reportRun{}, err
		}
		r.latencies = append(r.latencies, time.Since(start))
	}
	if cpuErr == nil {
		cpu1, err := m.cpu(ctx)
		if err != nil {
			return reportRun{}, err
		}
		r.cpu = (cpu1 - cpu0) / time.Duration(m.sc.iterations)
	}
	slices.Sort(r.latencies)
	return r, nil
}

// grpcReport walks a's whole report in pages of trainingFullPage.
func (m *trainingMeasure) grpcReport(ctx context.Context, client trainingv1.ReportServiceClient, a *trainingAgency) error {
	officers, token := 0, ""
	for {
		c, err := client.GetTrainingCompliance(ctx, &trainingv1.GetTrainingComplianceRequest{
			Name: reportName(a), AsOf: m.asOf, PageSize: trainingFullPage, PageToken: token,
		})
		if err != nil {
			return err
		}
		officers += len(c.GetOfficers())
		if token = c.GetNextPageToken(); token == "" {
			return wantOfficers(a, officers)
		}
	}
}

// grpcPage asks for the first page of trainingOnePage with the summary.
func (m *trainingMeasure) grpcPage(ctx context.Context, client trainingv1.ReportServiceClient, a *trainingAgency) error {
	c, err := client.GetTrainingCompliance(ctx, &trainingv1.GetTrainingComplianceRequest{
		Name: reportName(a), AsOf: m.asOf, PageSize: trainingOnePage,
	})
	if err != nil {
		return err
	}
	if got, want := len(c.GetOfficers()), min(trainingOnePage, a.officers); got != want {
		return fmt.Errorf("one page of %s holds %d officers, want %d", a.name, got, want)
	}
	return wantOfficers(a, int(c.GetSummary().GetOfficerCount()))
}

// grpcExport reads a's whole CSV export, which has a header row and a row
// per officer and required course: more lines than officers.
func (m *trainingMeasure) grpcExport(ctx context.Context, client trainingv1.ReportServiceClient, a *trainingAgency) error {
	stream, err := client.ExportTrainingCompliance(ctx, &trainingv1.ExportTrainingComplianceRequest{Name: reportName(a), AsOf: m.asOf})
	if err != nil {
		return err
	}
	lines := 0
	for {
		chunk, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		lines += bytes.Count(chunk.GetData(), []byte{'\n'})
	}
	if lines <= a.officers {
		return fmt.Errorf("export of %s has %d lines, want more than its %d officers", a.name, lines, a.officers)
	}
	return nil
}

// restReport walks a's whole report through the gateway, as JSON pages of
// trainingFullPage.
func (m *trainingMeasure) restReport(ctx context.Context, client *http.Client, a *trainingAgency, token string) error {
	officers, pageToken := 0, ""
	for first := true; ; first = false {
		q := url.Values{"pageSize": {fmt.Sprint(trainingFullPage)}, "asOf": {m.asOf}}
		if pageToken != "" {
			q.Set("pageToken", pageToken)
		}
		u := "http://" + m.http + "/v1/" + reportName(a) + "?" + q.Encode()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		var page struct {
			Officers      []json.RawMessage `json:"officers"`
			NextPageToken string            `json:"nextPageToken"`
		}
		err = decodeOK(resp, &page)
		if first && resp.StatusCode == http.StatusNotFound {
			return fmt.Errorf("%w (GET %s: %v)", errNoRoute, u, err)
		}
		if err != nil {
			return fmt.Errorf("GET %s: %w", u, err)
		}
		officers += len(page.Officers)
		if pageToken = page.NextPageToken; pageToken == "" {
			return wantOfficers(a, officers)
		}
	}
}

// decodeOK reads a JSON answer into v, which must be 200 OK, and closes
// its body.
func decodeOK(resp *http.Response, v any) error {
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("%s %s", resp.Status, bytes.TrimSpace(msg))
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// wantOfficers checks that a report covered every officer of a.
func wantOfficers(a *trainingAgency, got int) error {
	if got != a.officers {
		return fmt.Errorf("report of %s covers %d officers, want %d", a.name, got, a.officers)
	}
	return nil
}
