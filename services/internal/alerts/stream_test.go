package alerts_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	alertsv1 "github.com/engagehq/engage/api/gen/engage/alerts/v1"
	"github.com/engagehq/engage/services/internal/alerts"
	"google.golang.org/genproto/googleapis/type/latlng"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// runHub runs the stream hub of e until stop or the end of the test, and
// returns once streams may open. stop returns what Run returned.
func runHub(t testing.TB, e *env) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.svc.Run(ctx) }()
	select {
	case <-alerts.HubStarted(e.svc):
	case err := <-done:
		cancel()
		t.Fatalf("Run: %v", err)
	}
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() { cancel(); err = <-done })
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}

// newStreamEnv is a deployment with its stream hub running.
func newStreamEnv(t testing.TB, opts ...envOption) (*env, func() error) {
	t.Helper()
	e := newEnv(t, opts...)
	return e, runHub(t, e)
}

// client is one StreamAlerts call.
type client struct {
	s      grpc.ServerStreamingClient[alertsv1.StreamAlertsResponse]
	cancel context.CancelFunc
}

// open starts a StreamAlerts call of metro as ctx with req (Parent is
// set), and returns once the service has registered it: everything sent
// from then on reaches it.
func (e *env) open(t testing.TB, ctx context.Context, req *alertsv1.StreamAlertsRequest) *client {
	t.Helper()
	ctx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	if req.GetParent() == "" {
		req.Parent = "agencies/metro"
	}
	s, err := e.alerts.StreamAlerts(ctx, req)
	must(t, "StreamAlerts", err)
	if _, err := s.Header(); err != nil {
		_, rerr := s.Recv()
		t.Fatalf("StreamAlerts header: %v (%v)", err, rerr)
	}
	return &client{s: s, cancel: cancel}
}

// next receives one event.
func (c *client) next(t testing.TB) *alertsv1.StreamAlertsResponse {
	t.Helper()
	r, err := c.s.Recv()
	must(t, "Recv", err)
	return r
}

// until receives events up to and including the one about the alert
// last, and returns them.
func (c *client) until(t testing.TB, last string) []*alertsv1.StreamAlertsResponse {
	t.Helper()
	var out []*alertsv1.StreamAlertsResponse
	for {
		r := c.next(t)
		out = append(out, r)
		if r.GetAlert().GetName() == last {
			return out
		}
	}
}

// streamErr opens a call expected to fail and returns its error.
func (e *env) streamErr(t testing.TB, ctx context.Context, req *alertsv1.StreamAlertsRequest) error {
	t.Helper()
	if req.GetParent() == "" {
		req.Parent = "agencies/metro"
	}
	s, err := e.alerts.StreamAlerts(ctx, req)
	if err != nil {
		return err
	}
	_, err = s.Recv()
	if err == nil {
		t.Fatal("StreamAlerts: an event, want an error")
	}
	return err
}

func alertNames(rs []*alertsv1.StreamAlertsResponse) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.GetAlert().GetName())
	}
	return out
}

// Places in and around the test alerts' areas (harness content: the
// square from 41.88,-87.63 to 41.89,-87.62, downtown Chicago).
var (
	downtown = &latlng.LatLng{Latitude: 41.885, Longitude: -87.625}
	navyPier = &latlng.LatLng{Latitude: 41.8917, Longitude: -87.6086}
	nearPier = &latlng.LatLng{Latitude: 41.8925, Longitude: -87.6100} // 0.14 km away
	wrigley  = &latlng.LatLng{Latitude: 41.9484, Longitude: -87.6553}
)

// citywide is content over the whole jurisdiction.
func citywide(sev alertsv1.Severity, e *env, cats ...alertsv1.Category) *alertsv1.Alert {
	a := content(sev, e.clock.Now())
	a.Infos[0].Areas = []*alertsv1.Area{{Description: "Citywide"}}
	if len(cats) > 0 {
		a.Infos[0].Categories = cats
	}
	return a
}

// aroundPier is content over half a kilometre around Navy Pier.
func aroundPier(sev alertsv1.Severity, e *env) *alertsv1.Alert {
	a := content(sev, e.clock.Now())
	a.Infos[0].Areas = []*alertsv1.Area{{Description: "Navy Pier", Circles: []*alertsv1.Circle{{Center: navyPier, RadiusKm: 0.5}}}}
	return a
}

// withSpanish adds a Spanish info block to a.
func withSpanish(a *alertsv1.Alert) *alertsv1.Alert {
	es := proto.Clone(a.Infos[0]).(*alertsv1.Info)
	es.LanguageCode = "es-US"
	es.Headline = "Evite la calle Main"
	a.Infos = append(a.Infos, es)
	return a
}

func TestStreamFilters(t *testing.T) {
	t.Parallel()
	e, _ := newStreamEnv(t)
	anon := anonymous(t)
	all := e.open(t, anon, &alertsv1.StreamAlertsRequest{})
	inSquare := e.open(t, anon, &alertsv1.StreamAlertsRequest{Point: downtown})
	inCircle := e.open(t, anon, &alertsv1.StreamAlertsRequest{Point: nearPier})
	far := e.open(t, anon, &alertsv1.StreamAlertsRequest{Point: wrigley})
	fire := e.open(t, anon, &alertsv1.StreamAlertsRequest{Categories: []alertsv1.Category{alertsv1.Category_CATEGORY_FIRE}})
	moderate := e.open(t, anon, &alertsv1.StreamAlertsRequest{MinSeverity: alertsv1.Severity_SEVERITY_MODERATE})
	spanish := e.open(t, anon, &alertsv1.StreamAlertsRequest{LanguageCode: "es"})

	minor := alertsv1.Severity_SEVERITY_MINOR
	square := e.publish(t, withSpanish(content(minor, e.clock.Now())))
	pier := e.publish(t, aroundPier(minor, e))
	blaze := e.publish(t, citywide(minor, e, alertsv1.Category_CATEGORY_FIRE))
	last := e.publish(t, citywide(alertsv1.Severity_SEVERITY_MODERATE, e, alertsv1.Category_CATEGORY_SAFETY, alertsv1.Category_CATEGORY_FIRE))

	for _, tc := range []struct {
		name string
		c    *client
		want []string
	}{
		{"no filter", all, []string{square.GetName(), pier.GetName(), blaze.GetName(), last.GetName()}},
		{"point in polygon", inSquare, []string{square.GetName(), blaze.GetName(), last.GetName()}},
		{"point in circle", inCircle, []string{pier.GetName(), blaze.GetName(), last.GetName()}},
		{"point outside", far, []string{blaze.GetName(), last.GetName()}},
		{"category", fire, []string{blaze.GetName(), last.GetName()}},
		{"min severity", moderate, []string{last.GetName()}},
		{"language", spanish, []string{square.GetName(), pier.GetName(), blaze.GetName(), last.GetName()}},
	} {
		got := tc.c.until(t, last.GetName())
		diff(t, tc.name, alertNames(got), tc.want)
		var prev uint64
		for _, r := range got {
			n, err := strconv.ParseUint(r.GetCursor(), 10, 64)
			if err != nil || n <= prev {
				t.Errorf("%s: cursor %q after %d, want increasing", tc.name, r.GetCursor(), prev)
			}
			prev = n
			if r.GetEventType() != alertsv1.StreamAlertsResponse_EVENT_TYPE_PUBLISHED {
				t.Errorf("%s: event type %v", tc.name, r.GetEventType())
			}
			if r.GetAlert().GetAuthor() != "" {
				t.Errorf("%s: the public sees the author %q", tc.name, r.GetAlert().GetAuthor())
			}
		}
		if tc.c == spanish {
			if infos := got[0].GetAlert().GetInfos(); len(infos) != 1 || infos[0].GetLanguageCode() != "es-US" {
				t.Errorf("language es: info blocks %v, want the es-US one", infos)
			}
			if infos := got[1].GetAlert().GetInfos(); len(infos) != 1 || infos[0].GetLanguageCode() != "en-US" {
				t.Errorf("language es without a Spanish block: %v, want the first", infos)
			}
		}
		if tc.c == all && len(got[0].GetAlert().GetInfos()) != 2 {
			t.Errorf("no language: %d info blocks, want both", len(got[0].GetAlert().GetInfos()))
		}
	}
}

func TestStreamRestrictedOnlyToStaff(t *testing.T) {
	t.Parallel()
	e, _ := newStreamEnv(t)
	public := e.open(t, anonymous(t), &alertsv1.StreamAlertsRequest{})
	resident := e.open(t, e.resident("ana").ctx(t), &alertsv1.StreamAlertsRequest{})
	staff := e.open(t, e.approver().ctx(t), &alertsv1.StreamAlertsRequest{})
	otherStaff := e.open(t, e.otherAuthor().ctx(t), &alertsv1.StreamAlertsRequest{})

	r := content(alertsv1.Severity_SEVERITY_MINOR, e.clock.Now())
	r.Scope, r.Restriction = alertsv1.Scope_SCOPE_RESTRICTED, "Patrol officers"
	restricted := e.publish(t, r)
	last := e.publish(t, citywide(alertsv1.Severity_SEVERITY_MINOR, e))

	diff(t, "public", alertNames(public.until(t, last.GetName())), []string{last.GetName()})
	diff(t, "resident", alertNames(resident.until(t, last.GetName())), []string{last.GetName()})
	diff(t, "other agency's staff", alertNames(otherStaff.until(t, last.GetName())), []string{last.GetName()})
	got := staff.until(t, last.GetName())
	diff(t, "staff", alertNames(got), []string{restricted.GetName(), last.GetName()})
	if got[0].GetAlert().GetAuthor() == "" {
		t.Errorf("staff do not see the author")
	}
}

func TestStreamUpdateAndCancelReachLiveStreams(t *testing.T) {
	t.Parallel()
	e, _ := newStreamEnv(t)
	c := e.open(t, anonymous(t), &alertsv1.StreamAlertsRequest{Point: downtown})
	a := e.publish(t, content(alertsv1.Severity_SEVERITY_MINOR, e.clock.Now()))
	if r := c.next(t); r.GetAlert().GetName() != a.GetName() || r.GetEventType() != alertsv1.StreamAlertsResponse_EVENT_TYPE_PUBLISHED {
		t.Fatalf("first event %v %s, want PUBLISHED %s", r.GetEventType(), r.GetAlert().GetName(), a.GetName())
	}
	upd, err := e.alerts.SupersedeAlert(e.author().ctx(t), &alertsv1.SupersedeAlertRequest{Name: a.GetName(), Alert: content(alertsv1.Severity_SEVERITY_MODERATE, e.clock.Now())})
	must(t, "SupersedeAlert", err)
	if r := c.next(t); r.GetAlert().GetName() != upd.GetName() || r.GetEventType() != alertsv1.StreamAlertsResponse_EVENT_TYPE_UPDATED {
		t.Fatalf("second event %v %s, want UPDATED %s", r.GetEventType(), r.GetAlert().GetName(), upd.GetName())
	}
	cancel, err := e.alerts.CancelAlert(e.author().ctx(t), &alertsv1.CancelAlertRequest{Name: upd.GetName(), Reason: "All clear"})
	must(t, "CancelAlert", err)
	r := c.next(t)
	if r.GetAlert().GetName() != cancel.GetName() || r.GetEventType() != alertsv1.StreamAlertsResponse_EVENT_TYPE_CANCELLED {
		t.Fatalf("third event %v %s, want CANCELLED %s", r.GetEventType(), r.GetAlert().GetName(), cancel.GetName())
	}
	if r.GetAlert().GetReplaces() != upd.GetName() {
		t.Errorf("the cancel replaces %q, want %q", r.GetAlert().GetReplaces(), upd.GetName())
	}
}

func TestStreamResume(t *testing.T) {
	t.Parallel()
	e, _ := newStreamEnv(t)
	minor := alertsv1.Severity_SEVERITY_MINOR
	publish := func(n int) []string {
		var out []string
		for range n {
			out = append(out, e.publish(t, citywide(minor, e)).GetName())
		}
		return out
	}
	before := publish(1) // sent before any stream: never live

	first := e.open(t, anonymous(t), &alertsv1.StreamAlertsRequest{})
	ab := publish(2)
	got := first.until(t, ab[1])
	diff(t, "live", alertNames(got), ab)
	first.cancel()
	cursor := got[1].GetCursor()

	missed := publish(3)
	resumed := e.open(t, anonymous(t), &alertsv1.StreamAlertsRequest{Cursor: cursor})
	live := e.open(t, anonymous(t), &alertsv1.StreamAlertsRequest{})
	more := publish(1)
	got = resumed.until(t, more[0])
	diff(t, "resumed", alertNames(got), append(append([]string{}, missed...), more...))

	// The Last-Event-ID header of Server-Sent Events does the same.
	sse := metadata.AppendToOutgoingContext(anonymous(t), "last-event-id", got[1].GetCursor())
	fromHeader := e.open(t, sse, &alertsv1.StreamAlertsRequest{})
	// A stream without a cursor gets only what is sent after it opened.
	diff(t, "no cursor", alertNames(live.until(t, more[0])), more)
	last := publish(1)
	diff(t, "Last-Event-ID", alertNames(fromHeader.until(t, last[0])), []string{missed[2], more[0], last[0]})

	// Cursor 0 replays the whole log.
	all := e.open(t, anonymous(t), &alertsv1.StreamAlertsRequest{Cursor: "0"})
	want := append(append(append(append(append([]string{}, before...), ab...), missed...), more...), last...)
	diff(t, "from the start", alertNames(all.until(t, last[0])), want)
}

func TestStreamBadRequests(t *testing.T) {
	t.Parallel()
	e, _ := newStreamEnv(t)
	e.publish(t, citywide(alertsv1.Severity_SEVERITY_MINOR, e))
	anon := anonymous(t)
	wantField(t, "cursor not a number", e.streamErr(t, anon, &alertsv1.StreamAlertsRequest{Cursor: "abc"}), "cursor")
	wantField(t, "negative cursor", e.streamErr(t, anon, &alertsv1.StreamAlertsRequest{Cursor: "-1"}), "cursor")
	wantField(t, "cursor ahead of the stream", e.streamErr(t, anon, &alertsv1.StreamAlertsRequest{Cursor: "99"}), "cursor")
	wantField(t, "bad Last-Event-ID", e.streamErr(t, metadata.AppendToOutgoingContext(anon, "last-event-id", "x1"), &alertsv1.StreamAlertsRequest{}), "cursor")
	wantField(t, "point off the globe", e.streamErr(t, anon, &alertsv1.StreamAlertsRequest{Point: &latlng.LatLng{Latitude: 91}}), "point.latitude")
	wantCode(t, "unknown agency", e.streamErr(t, anon, &alertsv1.StreamAlertsRequest{Parent: "agencies/nowhere"}), codes.NotFound)
}

func TestStreamSubscription(t *testing.T) {
	t.Parallel()
	e, _ := newStreamEnv(t)
	ana := e.resident("ana")
	sub, err := e.subs.CreateSubscription(ana.ctx(t), &alertsv1.CreateSubscriptionRequest{
		Parent: "agencies/metro",
		Subscription: &alertsv1.Subscription{
			DisplayName: "Home and work",
			Places:      []*alertsv1.Place{{Label: "Home", Point: wrigley}, {Label: "Work", Point: downtown}},
			Categories:  []alertsv1.Category{alertsv1.Category_CATEGORY_SAFETY},
		},
	})
	must(t, "CreateSubscription", err)

	// Someone else's subscription does not exist for them, whoever they are.
	wantCode(t, "another resident", e.streamErr(t, e.resident("ben").ctx(t), &alertsv1.StreamAlertsRequest{Subscription: sub.GetName()}), codes.NotFound)
	wantCode(t, "staff", e.streamErr(t, e.author().ctx(t), &alertsv1.StreamAlertsRequest{Subscription: sub.GetName()}), codes.NotFound)
	wantCode(t, "unknown", e.streamErr(t, ana.ctx(t), &alertsv1.StreamAlertsRequest{Subscription: "agencies/metro/subscriptions/nope"}), codes.NotFound)

	c := e.open(t, ana.ctx(t), &alertsv1.StreamAlertsRequest{Subscription: sub.GetName()})
	minor := alertsv1.Severity_SEVERITY_MINOR
	atWork := e.publish(t, content(minor, e.clock.Now()))             // the square contains Work
	e.publish(t, aroundPier(minor, e))                                // neither place
	e.publish(t, citywide(minor, e, alertsv1.Category_CATEGORY_FIRE)) // not a subscribed category
	last := e.publish(t, citywide(minor, e))
	diff(t, "subscription", alertNames(c.until(t, last.GetName())), []string{atWork.GetName(), last.GetName()})
}

// bulky is citywide content of ten languages with long texts, about
// 40 kB encoded, to fill a stream's flow-control window.
func bulky(e *env, i int) *alertsv1.Alert {
	a := citywide(alertsv1.Severity_SEVERITY_MINOR, e)
	base := a.Infos[0]
	a.Infos = nil
	for k, lang := range []string{"en-US", "es", "fr", "de", "it", "pl", "pt", "vi", "zh", "ar"} {
		in := proto.Clone(base).(*alertsv1.Info)
		in.LanguageCode = lang
		in.Headline = fmt.Sprintf("Alert %d/%d", i, k)
		in.Description = strings.Repeat("d", 4000)
		a.Infos = append(a.Infos, in)
	}
	return a
}

var resumeFrom = regexp.MustCompile(`resume from cursor (\d+)`)

func TestStreamSlowConsumerIsCutOffAndResumes(t *testing.T) {
	t.Parallel()
	e, _ := newStreamEnv(t, func(c *alerts.Config) { c.StreamBuffer = 4 })
	slow := e.open(t, anonymous(t), &alertsv1.StreamAlertsRequest{})
	fast := e.open(t, anonymous(t), &alertsv1.StreamAlertsRequest{})

	const n = 80
	var sent []string
	fastGot := make(chan []string, 1)
	go func() {
		var names []string
		for {
			r, err := fast.s.Recv()
			if err != nil {
				fastGot <- append(names, "error: "+err.Error())
				return
			}
			names = append(names, r.GetAlert().GetName())
			if len(names) == n {
				fastGot <- names
				return
			}
		}
	}()
	for i := range n {
		sent = append(sent, e.publish(t, bulky(e, i)).GetName())
	}
	diff(t, "fast stream", <-fastGot, sent)

	// The slow stream gets what was buffered, then RESOURCE_EXHAUSTED
	// naming the cursor of the last event it got.
	var got []*alertsv1.StreamAlertsResponse
	var err error
	for {
		var r *alertsv1.StreamAlertsResponse
		if r, err = slow.s.Recv(); err != nil {
			break
		}
		got = append(got, r)
	}
	wantCode(t, "slow stream", err, codes.ResourceExhausted)
	m := resumeFrom.FindStringSubmatch(status.Convert(err).Message())
	if m == nil {
		t.Fatalf("slow stream: %v, want a cursor to resume from", err)
	}
	wantCursor := "0"
	if len(got) > 0 {
		wantCursor = got[len(got)-1].GetCursor()
	}
	if m[1] != wantCursor {
		t.Fatalf("resume from %s, want the last event's cursor %s", m[1], wantCursor)
	}
	t.Logf("slow stream cut off after %d of %d events", len(got), n)
	if len(got) >= n {
		t.Fatalf("slow stream got all %d events before it was cut off", len(got))
	}
	again := e.open(t, anonymous(t), &alertsv1.StreamAlertsRequest{Cursor: m[1]})
	got = append(got, again.until(t, sent[n-1])...)
	diff(t, "slow stream, resumed", alertNames(got), sent)
}

// TestStreamReconnectsMissNothing is the stream's promise: a client
// disconnected 20 times while 1,000 alerts go out, reconnecting each time
// with its last cursor, receives every alert exactly once, in order.
func TestStreamReconnectsMissNothing(t *testing.T) {
	t.Parallel()
	e, _ := newStreamEnv(t)
	const total, publishers, disconnects = 1000, 8, 20
	rng := rand.New(rand.NewPCG(1, uint64(total)))
	cuts := map[int]bool{}
	for len(cuts) < disconnects {
		cuts[1+rng.IntN(total-1)] = true
	}

	sent := make(chan string, total)
	errc := make(chan error, publishers)
	c := e.open(t, anonymous(t), &alertsv1.StreamAlertsRequest{})
	var wg sync.WaitGroup
	for p := range publishers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range total / publishers {
				a, err := e.alerts.CreateAlert(e.author().ctx(t), &alertsv1.CreateAlertRequest{Parent: "agencies/metro", Alert: citywide(alertsv1.Severity_SEVERITY_MINOR, e)})
				if err == nil {
					a, err = e.alerts.PublishAlert(e.author().ctx(t), &alertsv1.PublishAlertRequest{Name: a.GetName()})
				}
				if err != nil {
					errc <- fmt.Errorf("publisher %d: %w", p, err)
					return
				}
				sent <- a.GetName()
			}
		}()
	}

	seen := map[string]int{}
	var order []uint64
	cursor, reconnects := "", 0
	for len(order) < total {
		r, err := c.s.Recv()
		if err != nil {
			// Cut off for falling behind: resume as from a disconnect.
			if status.Code(err) != codes.ResourceExhausted {
				t.Fatalf("after %d events: %v", len(order), err)
			}
			c = e.open(t, anonymous(t), &alertsv1.StreamAlertsRequest{Cursor: cursor})
			continue
		}
		seq, _ := strconv.ParseUint(r.GetCursor(), 10, 64)
		seen[r.GetAlert().GetName()]++
		order = append(order, seq)
		cursor = r.GetCursor()
		if cuts[len(order)] {
			c.cancel()
			reconnects++
			c = e.open(t, anonymous(t), &alertsv1.StreamAlertsRequest{Cursor: cursor})
		}
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	close(sent)
	if reconnects != disconnects {
		t.Errorf("%d disconnects, want %d", reconnects, disconnects)
	}
	for name := range sent {
		if seen[name] != 1 {
			t.Errorf("alert %s received %d times, want once", name, seen[name])
		}
	}
	if len(seen) != total {
		t.Errorf("%d distinct alerts received, want %d", len(seen), total)
	}
	for i := 1; i < len(order); i++ {
		if order[i] <= order[i-1] {
			t.Fatalf("event %d has cursor %d after %d: out of order", i, order[i], order[i-1])
		}
	}
}

func TestStreamEndsUnavailableOnShutdownAndCountsDeliveries(t *testing.T) {
	t.Parallel()
	e, stop := newStreamEnv(t)
	staff := e.open(t, e.author().ctx(t), &alertsv1.StreamAlertsRequest{})
	streams := []*client{
		e.open(t, anonymous(t), &alertsv1.StreamAlertsRequest{}),
		e.open(t, anonymous(t), &alertsv1.StreamAlertsRequest{Point: downtown}),
		e.open(t, anonymous(t), &alertsv1.StreamAlertsRequest{Point: wrigley}), // not delivered
	}
	a := e.publish(t, content(alertsv1.Severity_SEVERITY_MINOR, e.clock.Now()))
	for _, c := range streams[:2] {
		c.next(t)
	}
	first := staff.next(t)

	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	for i, c := range append(streams, staff) {
		_, err := c.s.Recv()
		wantCode(t, fmt.Sprintf("stream %d after shutdown", i), err, codes.Unavailable)
		if i == len(streams) && !strings.Contains(status.Convert(err).Message(), "resume from cursor "+first.GetCursor()) {
			t.Errorf("shutdown message %q does not name the cursor %s", status.Convert(err).Message(), first.GetCursor())
		}
	}
	got, err := e.store.Alert(context.Background(), a.GetName())
	must(t, "Alert", err)
	if got.GetDeliveryCount() != 3 {
		t.Errorf("delivery count %d, want 3 (the staff stream and two public ones)", got.GetDeliveryCount())
	}
	// New streams are refused until the service runs again.
	wantCode(t, "stream after shutdown", e.streamErr(t, anonymous(t), &alertsv1.StreamAlertsRequest{}), codes.Unavailable)
}
