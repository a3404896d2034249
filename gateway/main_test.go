package gateway_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if a test leaves a goroutine behind: a stream's
// keep-alive, a backend call, a limiter.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
