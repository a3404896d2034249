// Package storetest is the conformance suite every training.Store
// implementation must pass: each test opens a fresh, empty store.
package storetest

import (
	"testing"

	"github.com/engagehq/engage/services/internal/training"
)

// Opener returns a new, empty store, closed when the test ends.
type Opener func(t *testing.T) training.Store

// Run runs the whole suite against the stores open returns.
func Run(t *testing.T, open Opener) {
	t.Run("courses", func(t *testing.T) { t.Parallel(); testCourses(t, open) })
	t.Run("officers", func(t *testing.T) { t.Parallel(); testOfficers(t, open) })
	t.Run("import", func(t *testing.T) { t.Parallel(); testImport(t, open) })
	t.Run("settings", func(t *testing.T) { t.Parallel(); testSettings(t, open) })
	t.Run("enrollments", func(t *testing.T) { t.Parallel(); testEnrollments(t, open) })
	t.Run("completions", func(t *testing.T) { t.Parallel(); testCompletions(t, open) })
	t.Run("external", func(t *testing.T) { t.Parallel(); testExternal(t, open) })
	t.Run("standings", func(t *testing.T) { t.Parallel(); testStandings(t, open) })
	t.Run("requests", func(t *testing.T) { t.Parallel(); testRequests(t, open) })
}
