// Package storetest is the conformance suite every feedback.Store
// implementation must pass.
package storetest

import (
	"testing"

	"github.com/engagehq/engage/services/internal/feedback"
)

// Opener returns a new, empty store for one test; the test's cleanup
// closes it.
type Opener func(t *testing.T) feedback.Store

// Run runs the whole suite against the stores open returns.
func Run(t *testing.T, open Opener) {
	t.Run("feedback", func(t *testing.T) { runFeedback(t, open) })
	t.Run("surveys", func(t *testing.T) { runSurveys(t, open) })
}
