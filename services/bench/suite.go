package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// The suites -suite selects.
const (
	suiteIdentity = "identity"
	suiteForum    = "forum"
	suiteFeedback = "feedback"
	suiteTraining = "training"
	suiteAlerts   = "alerts"
	suiteAll      = "all"
)

// suite is one set of measurements with its own servers and report.
type suite struct {
	name string
	run  func(ctx context.Context, r *runner) error
}

// suitesOf returns the suites -suite names, in the order they run.
func suitesOf(name string) ([]suite, error) {
	identity := suite{suiteIdentity, runIdentity}
	forum := suite{suiteForum, runForum}
	feedback := suite{suiteFeedback, runFeedback}
	training := suite{suiteTraining, runTraining}
	alerts := suite{suiteAlerts, runAlerts}
	switch name {
	case suiteIdentity:
		return []suite{identity}, nil
	case suiteForum:
		return []suite{forum}, nil
	case suiteFeedback:
		return []suite{feedback}, nil
	case suiteTraining:
		return []suite{training}, nil
	case suiteAlerts:
		return []suite{alerts}, nil
	case suiteAll:
		return []suite{identity, forum, feedback, training, alerts}, nil
	}
	return nil, fmt.Errorf("-suite %q: want %s", name, strings.Join([]string{suiteIdentity, suiteForum, suiteFeedback, suiteTraining, suiteAlerts, suiteAll}, ", "))
}

// runner is what every suite shares: the program to start children with,
// the options and the output.
type runner struct {
	exe            string
	o              options
	stdout, stderr io.Writer
}

// measure runs the selected suites one after another, each with servers of
// its own.
func measure(ctx context.Context, o options, stdout, stderr io.Writer) error {
	suites, err := suitesOf(o.suite)
	if err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	r := &runner{exe: exe, o: o, stdout: stdout, stderr: stderr}
	for i, s := range suites {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		if err := s.run(ctx, r); err != nil {
			return fmt.Errorf("%s suite: %w", s.name, err)
		}
	}
	return nil
}

// startBare starts the bare server of a suite.
func (r *runner) startBare(ctx context.Context, suite string) (*child, error) {
	return startChild(ctx, r.exe, roleBare, r.stderr, "-suite", suite)
}

// startEngage starts Engage on dataDir, which it removes when it stops
// unless keep is set. It also returns how long the child took from being
// started to serving, as the parent saw it.
func (r *runner) startEngage(ctx context.Context, dataDir string, keep bool) (*child, time.Duration, error) {
	args := []string{"-data-dir", dataDir}
	if keep {
		args = append(args, "-keep-data")
	}
	start := time.Now()
	c, err := startChild(ctx, r.exe, roleEngage, r.stderr, args...)
	return c, time.Since(start), err
}
