//go:build unix

package main

import (
	"fmt"
	"syscall"
)

// raiseFileLimit raises this process's soft open-file limit to at least
// need, up to the hard limit (the children inherit it), and returns the
// limit it ends with: every REST subscriber is a connection, so a file on
// each side. Go itself raises the soft limit to the hard one at start-up,
// so this mostly checks that the hard limit suffices.
func raiseFileLimit(need int) (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, err
	}
	if lim.Cur < uint64(need) && lim.Cur < lim.Max {
		lim.Cur = min(uint64(need), lim.Max)
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return 0, fmt.Errorf("raise the open-file limit to %d: %w", lim.Cur, err)
		}
	}
	if lim.Cur < uint64(need) {
		return lim.Cur, fmt.Errorf("the open-file limit is %d (hard %d); the subscribers need about %d: raise it (ulimit -n) or lower -alert-subscribers", lim.Cur, lim.Max, need)
	}
	return lim.Cur, nil
}
