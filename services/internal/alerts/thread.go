package alerts

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"

	alertsv1 "github.com/engagehq/engage/api/gen/engage/alerts/v1"
	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/resname"
	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// forumPattern is the resource name pattern of a forum of the Forum
// service.
const forumPattern = "agencies/{agency}/forums/{forum}"

// threadTitlePrefix starts the title of an alert's Q&A thread, which
// also keeps it above the Forum's shortest title however short the
// headline.
const threadTitlePrefix = "Questions: "

var (
	errThreadNotSent = errs.WithReason(errs.Public(errs.FailedPrecondition,
		"only a sent alert can have a Q&A thread; publish it first"), "ALERT_NOT_SENT")
	errForumUnavailable = errs.Public(errs.Unavailable,
		"the forum service cannot be reached to open the Q&A thread; try again later")
)

// OpenAlertThread opens a sent alert's official Q&A: a QUESTION thread in
// one of the agency's forums, started by this service in the agency's name
// with its own credential (Config.Threads), titled from the headline, with
// the description and instruction as its body and a link to the alert.
// The thread's request id is derived from the alert, so a retry after a
// failure, or two authors at once, open one thread only; the alert keeps
// its name. Opening it again returns the alert unchanged. The Forum not
// answering within Config.ForumTimeout is UNAVAILABLE.
func (s *alertServer) OpenAlertThread(ctx context.Context, req *alertsv1.OpenAlertThreadRequest) (*alertsv1.Alert, error) {
	agency, err := parseAlert("name", req.GetName())
	if err != nil {
		return nil, err
	}
	forumIDs, err := resname.Split("forum", req.GetForum(), forumPattern)
	if err != nil {
		return nil, err
	}
	if forumIDs[0] != agency {
		return nil, errs.Field("forum", "must be a forum of the alert's agency, agencies/%s", agency)
	}
	c, err := s.callerOf(ctx, agency)
	if err != nil {
		return nil, err
	}
	a, err := s.store.Alert(ctx, req.GetName())
	if err != nil {
		return nil, fmt.Errorf("open thread: %w", err)
	}
	if !c.maySee(a) {
		return nil, notFound("alert", req.GetName())
	}
	if a.GetThread() != "" {
		return c.view(a), nil
	}
	if a.GetState() != alertsv1.Alert_STATE_PUBLISHED {
		return nil, errThreadNotSent
	}
	thread, err := s.createThread(ctx, a, req.GetForum())
	if err != nil {
		return nil, err
	}
	now := timestamppb.New(s.now())
	out, err := s.change(ctx, Retry{}, func(tx Tx) (*alertsv1.Alert, error) {
		a, err := tx.Alert(req.GetName())
		if err != nil {
			return nil, err
		}
		if a.GetThread() != "" {
			return a, nil // opened meanwhile: the same thread, by its request id
		}
		a.Thread, a.UpdateTime = thread, now
		return a, tx.Put(a)
	})
	if err != nil {
		return nil, fmt.Errorf("open thread: %w", err)
	}
	s.log.InfoContext(ctx, "alert thread opened", "alert", out.GetName(), "thread", out.GetThread(), "by", c.principal.Name)
	return c.view(out), nil
}

// createThread asks the Forum to start a's Q&A thread in forum, within
// Config.ForumTimeout, and returns the thread's name.
func (s *Service) createThread(ctx context.Context, a *alertsv1.Alert, forum string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.ForumTimeout)
	defer cancel()
	th, err := s.threads.CreateThread(ctx, &forumv1.CreateThreadRequest{
		Parent:    forum,
		Thread:    &forumv1.Thread{Kind: forumv1.ThreadKind_THREAD_KIND_QUESTION, Title: threadTitle(a), Body: s.threadBody(a)},
		RequestId: threadRequestID(a.GetName()),
	})
	if err == nil {
		return th.GetName(), nil
	}
	st, isStatus := status.FromError(err)
	switch {
	case isStatus && st.Code() == codes.NotFound:
		return "", fmt.Errorf("forum %q: %w", forum, errs.NotFound)
	case isStatus && (st.Code() == codes.PermissionDenied || st.Code() == codes.FailedPrecondition):
		s.log.WarnContext(ctx, "forum refused the alert thread", "alert", a.GetName(), "forum", forum, "error", err)
		return "", errs.Public(errs.FailedPrecondition, "the forum %s does not take the alert's thread: %s", forum, st.Message())
	case !isStatus, errors.Is(err, context.DeadlineExceeded), st.Code() == codes.Unavailable, st.Code() == codes.DeadlineExceeded:
		s.log.WarnContext(ctx, "forum service unreachable for the alert thread", "alert", a.GetName(), "forum", forum, "error", err)
	default:
		s.log.ErrorContext(ctx, "forum service failed the alert thread", "alert", a.GetName(), "forum", forum, "code", st.Code().String(), "error", err)
	}
	return "", errForumUnavailable
}

// threadNamespace is the UUID namespace of the threads' request ids (a
// random, fixed value).
func threadNamespace() uuid.UUID {
	return uuid.UUID{0x1b, 0x7e, 0x52, 0xd4, 0x8a, 0x3f, 0x4c, 0x61, 0x9e, 0x05, 0xb7, 0x2c, 0x46, 0xd8, 0x13, 0xaf}
}

// threadRequestID is the request id of the thread of alert (a name): a
// version 5 UUID of its name, so every attempt at opening it asks the
// Forum for the same thread.
func threadRequestID(alert string) string {
	return uuid.NewSHA1(threadNamespace(), []byte(alert)).String()
}

// threadInfo is the info block the thread is written from: the first.
func threadInfo(a *alertsv1.Alert) *alertsv1.Info {
	if len(a.GetInfos()) == 0 {
		return &alertsv1.Info{}
	}
	return a.GetInfos()[0]
}

// threadTitle is the thread's title: the headline after a prefix that
// says what the thread is for.
func threadTitle(a *alertsv1.Alert) string {
	return threadTitlePrefix + strings.TrimSpace(plainText(threadInfo(a).GetHeadline()))
}

// threadBody is the thread's body: the description, the instruction and
// a link to the alert, in paragraphs.
func (s *Service) threadBody(a *alertsv1.Alert) string {
	info := threadInfo(a)
	var parts []string
	for _, p := range []string{info.GetDescription(), info.GetInstruction()} {
		if p = strings.TrimSpace(plainText(p)); p != "" {
			parts = append(parts, p)
		}
	}
	parts = append(parts, "The alert: "+s.alertURL(a.GetName()))
	return strings.Join(parts, "\n\n")
}

// alertURL is where residents read an alert over REST.
func (s *Service) alertURL(name string) string {
	return strings.TrimRight(s.cfg.PublicURL, "/") + "/v1/" + name
}

// plainText drops the control characters the Forum refuses, keeping line
// breaks and tabs.
func plainText(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			return -1
		}
		return r
	}, s)
}
