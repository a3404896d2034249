package main

import (
	"errors"
	"fmt"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
)

// control carries out the commands a parent sends a child server:
//
//	profile PATH   start a CPU profile into PATH
//	stop           stop it
//	cpu            answer the CPU time the process has used, in nanoseconds
//	mem            answer the process's memory after GC (see memInUse)
//
// The CPU time read before and after a run gives the server's CPU cost per
// call, which other load on the machine disturbs much less than throughput.
type control struct{ profile *os.File }

func (c *control) do(cmd string) (string, error) {
	switch verb, arg, _ := strings.Cut(cmd, " "); verb {
	case "profile":
		if c.profile != nil {
			return "", errors.New("a profile is already running")
		}
		f, err := os.Create(arg)
		if err != nil {
			return "", err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return "", err
		}
		c.profile = f
		return "", nil
	case "stop":
		return "", c.stopProfile()
	case "cpu":
		d, err := processCPU()
		if err != nil {
			return "", err
		}
		return strconv.FormatInt(d.Nanoseconds(), 10), nil
	case "mem":
		return memInUse()
	default:
		return "", fmt.Errorf("unknown command %q", cmd)
	}
}

func (c *control) stopProfile() error {
	if c.profile == nil {
		return nil
	}
	pprof.StopCPUProfile()
	err := c.profile.Close()
	c.profile = nil
	return err
}
