package auth

import (
	"context"
	"sync"

	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
	"github.com/engagehq/engage/services/internal/access"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
)

// stream carries the caller's context into a stream handler and, for
// AGENCY_ROLE methods, authorizes every received message. Until the first
// message is authorized the handler cannot send; after a refusal nothing
// more is received or sent, and the interceptor returns the refusal
// whatever the handler returns.
type stream struct {
	grpc.ServerStream
	ctx        context.Context
	perMessage bool
	policy     *accessv1.Policy
	p          Principal

	mu         sync.Mutex
	authorized bool
	denied     error
	resource   string            // the first message's resource, for the audit event
	received   bool              // whether a message has been received
	details    map[string]string // the first message's audit details
}

func (s *stream) Context() context.Context { return s.ctx }

func (s *stream) RecvMsg(m any) error {
	if err := s.check(); err != nil {
		return err
	}
	if err := s.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	msg, _ := m.(proto.Message)
	resource := access.Resource(msg)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.resource == "" {
		s.resource = resource
	}
	if !s.received {
		s.received = true
		s.details = auditDetails(s.policy, msg)
	}
	if !s.perMessage {
		return nil
	}
	if err := authorize(s.policy, s.p, resource); err != nil {
		s.denied = err
		s.resource = resource
		return err
	}
	s.authorized = true
	return nil
}

func (s *stream) SendMsg(m any) error {
	if err := s.check(); err != nil {
		return err
	}
	s.mu.Lock()
	ok := !s.perMessage || s.authorized
	s.mu.Unlock()
	if !ok {
		return errNotAllowed
	}
	return s.ServerStream.SendMsg(m)
}

// check returns the refusal, if any.
func (s *stream) check() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.denied
}

// state returns the refusal, if any, and the resource the stream was
// about.
func (s *stream) state() (denied error, resource string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.denied, s.resource
}

// auditDetails returns the audit details of the first received message.
func (s *stream) auditDetails() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.details
}
