package auth

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	registerTestService()
	goleak.VerifyTestMain(m)
}
