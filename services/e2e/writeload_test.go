package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
)

// loadPassword is the password of every account the write load signs up.
const loadPassword = "a write load passphrase"

// writeLoad is a concurrent write load that records every acknowledged
// write, so that a test can look for each of them later. Once stopped (the
// process was killed or is about to be), workers end at their next call;
// the calls that fail from then on were in flight, and no promise was made
// about them.
type writeLoad struct {
	stopped atomic.Bool

	mu       sync.Mutex
	agencies []string // ids of acknowledged CreateAgency calls
	accounts []string // emails of acknowledged sign-ups
	cutOff   int      // calls that failed after the stop
	failures []error  // calls that failed before it
}

// callTimeout bounds each call of the load; a call is never expected to
// take this long, it only keeps a broken run from hanging.
const callTimeout = 20 * time.Second

// createAgencies creates agencies with ids prefix-worker-i, one after the
// other, as the platform administrator of ctx.
func (l *writeLoad) createAgencies(ctx context.Context, client identityv1.AgencyServiceClient, prefix string, worker int) {
	for i := 0; !l.stopped.Load(); i++ {
		id := fmt.Sprintf("%s-%02d-%05d", prefix, worker, i)
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		_, err := client.CreateAgency(cctx, &identityv1.CreateAgencyRequest{
			AgencyId: id,
			Agency:   &identityv1.Agency{DisplayName: displayName(id)},
		})
		cancel()
		if !l.record(err, id, &l.agencies) {
			return
		}
	}
}

// signUps signs up residents over REST, one after the other.
func (l *writeLoad) signUps(baseURL, prefix string, worker int) {
	for i := 0; !l.stopped.Load(); i++ {
		email := fmt.Sprintf("%s-%d-%d@e2e.example", prefix, worker, i)
		err := postJSON(baseURL+"/v1/accounts", map[string]any{
			"email": email, "displayName": "Load " + email, "password": loadPassword,
		})
		if !l.record(err, email, &l.accounts) {
			return
		}
	}
}

// record notes the outcome of one call and reports whether the worker
// goes on. A call answered OK is acknowledged even when the answer came
// just before a kill.
func (l *writeLoad) record(err error, key string, acked *[]string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case err == nil:
		*acked = append(*acked, key)
		return true
	case l.stopped.Load():
		l.cutOff++
		return false
	default:
		l.failures = append(l.failures, fmt.Errorf("%s: %w", key, err))
		return false
	}
}

// stop ends the load and waits for its workers.
func (l *writeLoad) stop(workers *sync.WaitGroup) {
	l.stopped.Store(true)
	workers.Wait()
}

// waitForLoad waits until the load has run for at least minDuration and
// acknowledged at least the given numbers of agencies and accounts. It
// fails the test when a call fails or the server exits meanwhile.
func waitForLoad(t *testing.T, srv *engageProc, l *writeLoad, agencies, accounts int, minDuration time.Duration) {
	t.Helper()
	start := time.Now()
	deadline := start.Add(startTimeout)
	for {
		a, b := l.counts()
		if a >= agencies && b >= accounts && time.Since(start) >= minDuration {
			return
		}
		l.mu.Lock()
		failures := l.failures
		l.mu.Unlock()
		switch {
		case len(failures) > 0:
			t.Fatalf("%d calls of the load failed; the first: %v", len(failures), failures[0])
		case srv.done():
			t.Fatalf("the server exited under the load: %v", srv.waitErr)
		case time.Now().After(deadline):
			t.Fatalf("the load acknowledged only %d agencies and %d accounts in %s", a, b, startTimeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// counts returns how many agencies and accounts were acknowledged so far.
func (l *writeLoad) counts() (agencies, accounts int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.agencies), len(l.accounts)
}

// acknowledged returns copies of the acknowledged ids and emails.
func (l *writeLoad) acknowledged() (agencies, accounts []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.agencies...), append([]string(nil), l.accounts...)
}

func displayName(agencyID string) string { return "Agency " + agencyID }

// postJSON posts body and returns an error unless the answer is 200.
func postJSON(url string, body any) error {
	enc, err := json.Marshal(body)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(enc))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST %s: %s %s", url, resp.Status, msg)
	}
	return nil
}

// forEach runs check on every item with a few workers and returns every
// failure.
func forEach(items []string, workers int, check func(string) error) []error {
	var (
		mu   sync.Mutex
		errs []error
		next atomic.Int64
		wg   sync.WaitGroup
	)
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(items) {
					return
				}
				if err := check(items[i]); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	return errs
}

// reportFailures fails t with how many of total checks failed, showing the
// first few.
func reportFailures(t *testing.T, what string, total int, errs []error) {
	t.Helper()
	if len(errs) == 0 {
		return
	}
	t.Errorf("%d of %d %s failed; the first:\n%v", len(errs), total, what, errors.Join(errs[:min(len(errs), 10)]...))
}
