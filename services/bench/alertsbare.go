package main

import (
	"context"
	"strconv"
	"sync"
	"time"

	alertsv1 "github.com/engagehq/engage/api/gen/engage/alerts/v1"
	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// bareFanoutBuffer is how many messages a bare subscriber may lag behind
// before it is cut off.
const bareFanoutBuffer = 16

// fanoutEcho is the bare alert fan-out: StreamAlerts registers the call as
// a subscriber (its handler goroutine and a channel) and sends whatever
// arrives on the channel; PublishAlert builds one message and hands that
// same message to every subscriber's channel. No authorization, no store,
// no filter: the least a gRPC fan-out server can do. A subscriber whose
// channel is full is cut off, as Engage cuts off one that falls behind.
type fanoutEcho struct {
	alertsv1.UnimplementedAlertServiceServer

	mu   sync.Mutex
	subs map[*bareSubscriber]struct{}
	seq  uint64
	// template is the published alert's content, of the same shape as
	// Engage's answer.
	template *alertsv1.Alert
}

var _ alertsv1.AlertServiceServer = (*fanoutEcho)(nil)

// bareSubscriber is one StreamAlerts call.
type bareSubscriber struct {
	ch chan *alertsv1.StreamAlertsResponse
	// full is closed when the subscriber fell behind.
	full chan struct{}
}

func newFanoutEcho() *fanoutEcho {
	now := time.Now()
	a := alertDraft(0, now)
	a.State = alertsv1.Alert_STATE_PUBLISHED
	a.MessageId = "019a0000-0000-7000-8000-000000000000"
	a.Sender = "bench-alerts@engage.example.org"
	a.MessageType = alertsv1.MessageType_MESSAGE_TYPE_ALERT
	a.Author = "accounts/019a0000-0000-7000-8000-000000000001"
	a.Publisher = a.Author
	a.CreateTime = timestamppb.New(now)
	a.UpdateTime = a.CreateTime
	a.Etag = `"2"`
	return &fanoutEcho{subs: map[*bareSubscriber]struct{}{}, template: a}
}

// StreamAlerts serves one subscriber until it leaves or falls behind.
func (f *fanoutEcho) StreamAlerts(_ *alertsv1.StreamAlertsRequest, stream grpc.ServerStreamingServer[alertsv1.StreamAlertsResponse]) error {
	s := &bareSubscriber{ch: make(chan *alertsv1.StreamAlertsResponse, bareFanoutBuffer), full: make(chan struct{})}
	f.mu.Lock()
	f.subs[s] = struct{}{}
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		delete(f.subs, s)
		f.mu.Unlock()
	}()
	ctx := stream.Context()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.full:
			return status.Error(codes.ResourceExhausted, "fell behind")
		case m := <-s.ch:
			if err := stream.Send(m); err != nil {
				return err
			}
		}
	}
}

// PublishAlert hands one message, the template named as asked, to every
// subscriber, and answers the alert.
func (f *fanoutEcho) PublishAlert(_ context.Context, req *alertsv1.PublishAlertRequest) (*alertsv1.Alert, error) {
	a := proto.CloneOf(f.template)
	a.Name = req.GetName()
	a.SendTime = timestamppb.Now()
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	m := &alertsv1.StreamAlertsResponse{
		Cursor:    strconv.FormatUint(f.seq, 10),
		EventType: alertsv1.StreamAlertsResponse_EVENT_TYPE_PUBLISHED,
		Alert:     a,
	}
	for s := range f.subs {
		select {
		case s.ch <- m:
		default:
			select {
			case <-s.full:
			default:
				close(s.full)
			}
		}
	}
	return a, nil
}

// startAlertsBare serves the bare fan-out over gRPC and, as NDJSON, through
// a bare gateway (see serveBare). grpc-go's server takes any number of
// streams per connection unless told otherwise, so the gateway's one
// connection carries every REST subscriber.
func startAlertsBare() (server, error) {
	echo := newFanoutEcho()
	return serveBare(func(g *grpc.Server) {
		alertsv1.RegisterAlertServiceServer(g, echo)
	}, func(ctx context.Context, mux *runtime.ServeMux, conn *grpc.ClientConn) error {
		return alertsv1.RegisterAlertServiceHandlerClient(ctx, mux, alertsv1.NewAlertServiceClient(conn))
	})
}
