package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	alertsv1 "github.com/engagehq/engage/api/gen/engage/alerts/v1"
	"github.com/google/uuid"
)

const (
	// alertsReadyAlerts bounds the alerts published while the subscribers
	// connect: one every alertsReadyPoll until one reaches them all, so
	// that they have two minutes to connect.
	alertsReadyAlerts = 120
	alertsReadyPoll   = time.Second
	// alertsWarmup are published, each waited for, once every subscriber
	// is served and before the measured ones.
	alertsWarmup = 3
	// alertsDeliverTimeout is how long an alert may take to reach every
	// subscriber before the run fails.
	alertsDeliverTimeout = time.Minute
	// alertsSetupWorkers are the drafts created at once on Engage.
	alertsSetupWorkers = 8
)

// alertsSide is one of the two servers: how to publish on it and read its
// memory.
type alertsSide struct {
	name  string
	addrs addrs
	// prepare returns the names of n alerts ready to be published.
	prepare func(ctx context.Context, n int) ([]string, error)
	// publish publishes one of them.
	publish func(ctx context.Context, name string) error
	// mem reads the server's memory; nil when it cannot be read.
	mem   func(context.Context) (memSample, error)
	close func()
}

// newBareAlertsSide publishes on the bare fan-out server: any name will
// do, and nothing needs preparing.
func newBareAlertsSide(a addrs, mem func(context.Context) (memSample, error)) (*alertsSide, error) {
	conn, err := dialPublisher(a.GRPC)
	if err != nil {
		return nil, err
	}
	client := alertsv1.NewAlertServiceClient(conn)
	var next atomic.Int64
	return &alertsSide{
		name:  roleBare,
		addrs: a,
		prepare: func(_ context.Context, n int) ([]string, error) {
			names := make([]string, n)
			for i := range names {
				names[i] = fmt.Sprintf("%s/alerts/bare-%06d", alertsAgency, next.Add(1))
			}
			return names, nil
		},
		publish: func(ctx context.Context, name string) error {
			_, err := client.PublishAlert(ctx, &alertsv1.PublishAlertRequest{Name: name, RequestId: uuid.NewString()})
			return err
		},
		mem:   mem,
		close: func() { conn.Close() },
	}, nil
}

// newEngageAlertsSide publishes on Engage as the author: prepare creates
// drafts (CreateAlert), publish sends one (PublishAlert), which must
// answer it PUBLISHED: MODERATE alerts need no approval.
func newEngageAlertsSide(a addrs, mem func(context.Context) (memSample, error), conn alertsv1.AlertServiceClient, author signedIn) *alertsSide {
	authed := func(ctx context.Context) (context.Context, error) {
		tokens, err := author.tokens(ctx, time.Minute)
		if err != nil {
			return nil, err
		}
		return bearer(ctx, tokens[0]), nil
	}
	return &alertsSide{
		name:  roleEngage,
		addrs: a,
		prepare: func(ctx context.Context, n int) ([]string, error) {
			if _, err := author.tokens(ctx, alertsTokenLife); err != nil {
				return nil, err
			}
			actx, err := authed(ctx)
			if err != nil {
				return nil, err
			}
			names := make([]string, n)
			now := time.Now()
			err = parallel(actx, n, alertsSetupWorkers, func(ctx context.Context, i int) error {
				al, err := conn.CreateAlert(ctx, &alertsv1.CreateAlertRequest{
					Parent: alertsAgency, Alert: alertDraft(i, now), RequestId: uuid.NewString(),
				})
				if err != nil {
					return fmt.Errorf("create draft %d: %w", i, err)
				}
				names[i] = al.GetName()
				return nil
			})
			return names, err
		},
		publish: func(ctx context.Context, name string) error {
			actx, err := authed(ctx)
			if err != nil {
				return err
			}
			al, err := conn.PublishAlert(actx, &alertsv1.PublishAlertRequest{Name: name, RequestId: uuid.NewString()})
			if err != nil {
				return err
			}
			if al.GetState() != alertsv1.Alert_STATE_PUBLISHED {
				return fmt.Errorf("publish %s: the alert is %s", name, al.GetState())
			}
			return nil
		},
		mem:   mem,
		close: func() {},
	}
}

// alertsRun is one path's run on one server.
type alertsRun struct {
	subscribers int
	// connect is how long every subscriber took to be served, from the
	// first stream's start to the first alert that reached them all.
	connect time.Duration
	// latencies are, per measured alert, the time from the publish call's
	// start to the last subscriber's receipt; calls the publish calls' own.
	latencies, calls []time.Duration
	// none and with are the server's memory without subscribers and with
	// every subscriber connected; known only when hasMem.
	none, with memSample
	hasMem     bool
	// loadStart and loadEnd are the machine's load average when the run
	// started and when its last alert was delivered ("" when unknown).
	loadStart, loadEnd string
	// err is why the run failed; its figures are then partial.
	err error
}

// fanoutRun subscribes sc.subscribers streams over path to side, waits
// until an alert reaches them all, publishes the measured alerts one
// after another, each once the previous one reached everyone, and checks
// that every subscriber received every measured alert exactly once.
func fanoutRun(ctx context.Context, side *alertsSide, path alertsPath, sc alertsScale) (alertsRun, error) {
	run := alertsRun{subscribers: sc.subscribers, loadStart: loadAverage()}
	// Slots: the readiness alerts, the warm-up, the measured alerts, and
	// a last one behind which no repeat of a measured alert can hide
	// (every stream is in order).
	warm := alertsReadyAlerts
	from := warm + alertsWarmup
	to := from + sc.alerts
	names, err := side.prepare(ctx, to+1)
	if err != nil {
		return run, err
	}
	if side.mem != nil {
		if run.none, err = side.mem(ctx); err != nil {
			return run, err
		}
	}
	f := newFanout(sc.subscribers, names)
	start := time.Now()
	subs, err := path.subscribe(ctx, side.addrs, sc, f)
	if err != nil {
		return run, err
	}
	var stopOnce sync.Once
	stop := func() { stopOnce.Do(subs.stop) }
	defer stop()

	ready := false
	for k := 0; k < alertsReadyAlerts && !ready; k++ {
		if err := side.publish(ctx, names[k]); err != nil {
			return run, fmt.Errorf("publish: %w", err)
		}
		var at time.Time
		if at, ready, err = f.wait(ctx, k, alertsReadyPoll); err != nil {
			return run, err
		}
		if ready {
			run.connect = at.Sub(start)
		} else if k == alertsReadyAlerts-1 {
			return run, fmt.Errorf("after %d alerts %s apart, the last reached only %d of %d subscribers",
				alertsReadyAlerts, alertsReadyPoll, f.reached(k), sc.subscribers)
		}
	}
	deliver := func(i int) (time.Duration, time.Duration, error) {
		t0 := time.Now()
		if err := side.publish(ctx, names[i]); err != nil {
			return 0, 0, fmt.Errorf("publish: %w", err)
		}
		call := time.Since(t0)
		at, ok, err := f.wait(ctx, i, alertsDeliverTimeout)
		if err != nil {
			return 0, 0, err
		}
		if !ok {
			return 0, 0, fmt.Errorf("alert %s reached %d of %d subscribers within %s", names[i], f.reached(i), sc.subscribers, alertsDeliverTimeout)
		}
		return at.Sub(t0), call, nil
	}
	for i := warm; i < from; i++ {
		if _, _, err := deliver(i); err != nil {
			return run, err
		}
	}
	for i := from; i < to; i++ {
		lat, call, err := deliver(i)
		if err != nil {
			return run, err
		}
		run.latencies = append(run.latencies, lat)
		run.calls = append(run.calls, call)
	}
	if _, _, err := deliver(to); err != nil {
		return run, err
	}
	run.loadEnd = loadAverage()
	if side.mem != nil {
		if run.with, err = side.mem(ctx); err != nil {
			return run, err
		}
		run.hasMem = true
	}
	stop()
	return run, f.exactlyOnce(from, to)
}
