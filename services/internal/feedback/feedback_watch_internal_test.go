package feedback

import (
	"context"
	"errors"
	"testing"

	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	"github.com/engagehq/engage/services/internal/auth"
	"github.com/engagehq/engage/services/internal/errs"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// blockedStream is a watch stream whose first Send waits until released,
// as a client that stopped reading.
type blockedStream struct {
	grpc.ServerStream
	ctx      context.Context
	header   chan struct{}
	sending  chan struct{}
	release  chan struct{}
	received int
}

func (s *blockedStream) Context() context.Context { return s.ctx }
func (s *blockedStream) SendHeader(metadata.MD) error {
	close(s.header)
	return nil
}

func (s *blockedStream) Send(*feedbackv1.WatchFeedbackResponse) error {
	if s.received == 0 {
		close(s.sending)
		<-s.release
	}
	s.received++
	return nil
}

func TestSlowWatcherIsCutOff(t *testing.T) {
	t.Parallel()
	svc, err := New(nopStore{}, Config{Agencies: nopDirectory{}})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	p := auth.Principal{Kind: auth.Account, Name: "accounts/ana", Roles: map[string][]accessv1.Role{"metro": {accessv1.Role_ROLE_ANALYST}}}
	st := &blockedStream{ctx: auth.NewContext(t.Context(), p), header: make(chan struct{}), sending: make(chan struct{}), release: make(chan struct{})}
	done := make(chan error, 1)
	go func() {
		done <- (&feedbackServer{Service: svc}).WatchFeedback(&feedbackv1.WatchFeedbackRequest{Parent: "agencies/metro"}, st)
	}()
	<-st.header
	svc.publishFeedback(feedbackv1.WatchFeedbackResponse_EVENT_TYPE_CREATED, Feedback{Agency: "metro", ID: "first"})
	<-st.sending // the watcher holds one event and reads no more
	for range watchBuffer + 1 {
		svc.publishFeedback(feedbackv1.WatchFeedbackResponse_EVENT_TYPE_CREATED, Feedback{Agency: "metro", ID: "more"})
	}
	close(st.release)
	err = <-done
	if !errors.Is(err, errs.ResourceExhausted) || err.Error() != "fell behind; reconnect" {
		t.Fatalf("a watcher that fell behind ended with %v", err)
	}
	if st.received != 1 {
		t.Fatalf("the watcher was sent %d events after falling behind", st.received-1)
	}
}

// nopStore and nopDirectory stand in where nothing is stored or looked up.
type nopStore struct{ Store }

func (nopStore) CodeSecret(context.Context) ([]byte, error) { return make([]byte, 32), nil }

type nopDirectory struct{}

func (nopDirectory) Agency(context.Context, string) (AgencyInfo, error) { return AgencyInfo{}, nil }
