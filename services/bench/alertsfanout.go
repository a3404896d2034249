package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	alertsv1 "github.com/engagehq/engage/api/gen/engage/alerts/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// fanout counts what every subscriber received. Alerts are known by name,
// each with a slot; a subscriber's first receipt of an alert counts it
// down, and the receipt that brings the count to zero is the last one:
// its time is the alert's delivery time.
type fanout struct {
	subscribers int
	index       map[string]int // alert name → slot; never changes once built
	slots       []fanoutSlot
	// counts[s][i] is how many times subscriber s received alert i; only
	// subscriber s's goroutine writes its row, read once it has ended.
	counts [][]uint8
	// unknown counts messages naming no alert of the run.
	unknown atomic.Int64

	failOnce sync.Once
	failed   chan struct{}
	err      error // the first subscriber's failure, set before failed closes
}

// fanoutSlot is one alert's delivery.
type fanoutSlot struct {
	remaining atomic.Int64
	done      chan struct{}
	at        time.Time // when the last subscriber received it; set before done closes
}

func newFanout(subscribers int, names []string) *fanout {
	f := &fanout{
		subscribers: subscribers,
		index:       make(map[string]int, len(names)),
		slots:       make([]fanoutSlot, len(names)),
		counts:      make([][]uint8, subscribers),
		failed:      make(chan struct{}),
	}
	for i, n := range names {
		f.index[n] = i
		f.slots[i].remaining.Store(int64(subscribers))
		f.slots[i].done = make(chan struct{})
	}
	for s := range f.counts {
		f.counts[s] = make([]uint8, len(names))
	}
	return f
}

// received records that subscriber s received the alert named name.
func (f *fanout) received(s int, name string) {
	now := time.Now()
	i, ok := f.index[name]
	if !ok {
		f.unknown.Add(1)
		return
	}
	row := f.counts[s]
	if row[i] < 255 {
		row[i]++
	}
	if row[i] != 1 {
		return
	}
	if f.slots[i].remaining.Add(-1) == 0 {
		f.slots[i].at = now
		close(f.slots[i].done)
	}
}

// fail records a subscriber's failure; the first one ends the run.
func (f *fanout) fail(err error) {
	f.failOnce.Do(func() {
		f.err = err
		close(f.failed)
	})
}

// wait waits until every subscriber received alert i and returns when the
// last one did; false after timeout.
func (f *fanout) wait(ctx context.Context, i int, timeout time.Duration) (time.Time, bool, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-f.slots[i].done:
		return f.slots[i].at, true, nil
	case <-f.failed:
		return time.Time{}, false, f.err
	case <-ctx.Done():
		return time.Time{}, false, ctx.Err()
	case <-t.C:
		return time.Time{}, false, nil
	}
}

// reached is how many subscribers received alert i so far.
func (f *fanout) reached(i int) int {
	return f.subscribers - int(f.slots[i].remaining.Load())
}

// exactlyOnce checks, once every subscriber has ended, that each received
// each of the alerts in slots [from, to) exactly once and nothing else.
func (f *fanout) exactlyOnce(from, to int) error {
	var missing, twice int
	first := ""
	for s, row := range f.counts {
		for i := from; i < to; i++ {
			switch {
			case row[i] == 0:
				missing++
			case row[i] > 1:
				twice++
			default:
				continue
			}
			if first == "" {
				first = fmt.Sprintf("subscriber %d received alert %d %d times", s, i-from, row[i])
			}
		}
	}
	if n := f.unknown.Load(); n > 0 {
		return fmt.Errorf("%d messages named no published alert", n)
	}
	if missing > 0 || twice > 0 {
		return fmt.Errorf("%d deliveries missing and %d repeated (%s)", missing, twice, first)
	}
	return nil
}

// subscribers are a run's streams, started by a path's subscribe.
type subscribers struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
	// closers release the clients once every stream has ended.
	closers []func()
}

// stop ends every stream and waits for their goroutines.
func (s *subscribers) stop() {
	s.cancel()
	s.wg.Wait()
	for _, c := range s.closers {
		c()
	}
}

// alertsPath is one way of subscribing: gRPC or REST.
type alertsPath struct {
	name string
	// memTarget is the per-subscriber memory ratio hoped for; 0 for none.
	memTarget float64
	// subscribe starts sc.subscribers streams of a's alerts into f.
	subscribe func(ctx context.Context, a addrs, sc alertsScale, f *fanout) (*subscribers, error)
}

// alertsPaths are the suite's paths, in the order they run.
func alertsPaths() []alertsPath {
	return []alertsPath{
		{name: "gRPC StreamAlerts", memTarget: alertsMemoryTarget, subscribe: subscribeGRPC},
		{name: "REST alerts:stream NDJSON", subscribe: subscribeREST},
	}
}

// alertsStreamRequest is every subscriber's request: the agency's alerts
// at alertsPoint, anonymously.
func alertsStreamRequest() *alertsv1.StreamAlertsRequest {
	return &alertsv1.StreamAlertsRequest{Parent: alertsAgency, Point: alertsPoint}
}

// subscribeGRPC opens sc.conns client connections and sc.subscribers
// anonymous StreamAlerts calls, subscriber s on connection s mod sc.conns.
func subscribeGRPC(ctx context.Context, a addrs, sc alertsScale, f *fanout) (*subscribers, error) {
	conns, closeAll, err := dialConns(a.GRPC, options{conns: sc.conns})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	subs := &subscribers{cancel: cancel, closers: []func(){closeAll}}
	req := alertsStreamRequest()
	for s := range sc.subscribers {
		client := alertsv1.NewAlertServiceClient(conns[s%len(conns)])
		subs.wg.Go(func() {
			stream, err := client.StreamAlerts(ctx, req)
			for err == nil {
				var m *alertsv1.StreamAlertsResponse
				if m, err = stream.Recv(); err == nil {
					f.received(s, m.GetAlert().GetName())
				}
			}
			if ctx.Err() == nil {
				f.fail(fmt.Errorf("subscriber %d: %w", s, err))
			}
		})
	}
	return subs, nil
}

// subscribeREST opens sc.subscribers anonymous GET …/alerts:stream
// requests through the gateway, each on a connection of its own as
// browsers do, and reads their newline-delimited JSON.
func subscribeREST(ctx context.Context, a addrs, sc alertsScale, f *fanout) (*subscribers, error) {
	q := url.Values{}
	q.Set("point.latitude", strconv.FormatFloat(alertsPoint.GetLatitude(), 'f', -1, 64))
	q.Set("point.longitude", strconv.FormatFloat(alertsPoint.GetLongitude(), 'f', -1, 64))
	endpoint := "http://" + a.HTTP + "/v1/" + alertsAgency + "/alerts:stream?" + q.Encode()
	// A transport per subscriber: one connection each, never shared.
	ctx, cancel := context.WithCancel(ctx)
	subs := &subscribers{cancel: cancel}
	transports := make([]*http.Transport, sc.subscribers)
	for s := range sc.subscribers {
		tr := &http.Transport{MaxConnsPerHost: 1, DisableCompression: true, ForceAttemptHTTP2: false}
		transports[s] = tr
		client := &http.Client{Transport: tr}
		subs.wg.Go(func() {
			err := readNDJSON(ctx, client, endpoint, func(name string) { f.received(s, name) })
			if ctx.Err() == nil {
				f.fail(fmt.Errorf("subscriber %d: %w", s, err))
			}
		})
	}
	subs.closers = append(subs.closers, func() {
		for _, tr := range transports {
			tr.CloseIdleConnections()
		}
	})
	return subs, nil
}

// readNDJSON reads a stream of {"result": {…, "alert": {"name": …}}}
// lines, handing each alert's name to got, until the stream ends.
func readNDJSON(ctx context.Context, client *http.Client, endpoint string, got func(name string)) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/x-ndjson")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("GET %s: %s %s", endpoint, resp.Status, bytes.TrimSpace(msg))
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 16<<10), 4<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		name, err := streamedAlertName(line)
		if err != nil {
			return err
		}
		got(name)
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return errors.New("the stream ended")
}

// streamedAlertName finds the alert's name in one NDJSON stream line
// without decoding the rest: the result's fields come in field-number
// order (cursor, event type, alert), so the first "name" key is the
// alert's, which is its own first field. A line that is not a result is
// the stream's error.
func streamedAlertName(line []byte) (string, error) {
	if !bytes.Contains(line[:min(len(line), 16)], []byte(`"result"`)) {
		return "", fmt.Errorf("stream error: %s", bytes.TrimSpace(line[:min(len(line), 512)]))
	}
	_, rest, ok := bytes.Cut(line, []byte(`"name"`))
	if ok {
		rest = bytes.TrimLeft(rest, " ")
		if rest, ok = bytes.CutPrefix(rest, []byte(":")); ok {
			rest = bytes.TrimLeft(rest, " ")
			if rest, ok = bytes.CutPrefix(rest, []byte(`"`)); ok {
				if end := bytes.IndexByte(rest, '"'); end >= 0 {
					return string(rest[:end]), nil
				}
			}
		}
	}
	return "", fmt.Errorf("no alert name in %.200s", line)
}

// dialPublisher opens the publisher's own connection to a gRPC server.
func dialPublisher(addr string) (*grpc.ClientConn, error) {
	return grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
}
