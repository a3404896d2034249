package main

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if serving leaves a goroutine behind after
// shutdown.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
