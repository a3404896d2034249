//go:build !unix

package main

import (
	"fmt"
	"runtime"
	"time"
)

// processCPU is not available here; the report leaves CPU per call out.
func processCPU() (time.Duration, error) {
	return 0, fmt.Errorf("process CPU time is not available on %s", runtime.GOOS)
}
