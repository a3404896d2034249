package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// How long a child may take to start serving, and to stop once asked.
const (
	childStartTimeout = time.Minute
	childStopTimeout  = 15 * time.Second
)

// child is a server process started by the load generator. It lives while
// its stdin is open, so it also ends when the parent dies.
type child struct {
	role   string
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string
	exited chan struct{}
	err    error // cmd.Wait's, read after exited is closed
	addrs  addrs
}

// startChild runs exe -role role args… and returns once it serves.
func startChild(ctx context.Context, exe, role string, stderr io.Writer, args ...string) (*child, error) {
	cmd := exec.Command(exe, append([]string{"-role", role}, args...)...)
	cmd.Stderr = stderr
	lines := make(chan string, 16)
	cmd.Stdout = &lineWriter{lines: lines}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the %s server: %w", role, err)
	}
	c := &child{role: role, cmd: cmd, stdin: stdin, lines: lines, exited: make(chan struct{})}
	go func() {
		c.err = cmd.Wait()
		close(c.exited)
	}()
	line, err := c.readLine(ctx, childStartTimeout)
	if err == nil {
		err = json.Unmarshal([]byte(line), &c.addrs)
	}
	if err != nil {
		_ = c.stop()
		return nil, fmt.Errorf("the %s server did not start: %w", role, err)
	}
	return c, nil
}

func (c *child) readLine(ctx context.Context, timeout time.Duration) (string, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case line := <-c.lines:
		return line, nil
	case <-c.exited:
		return "", fmt.Errorf("exited: %v", c.err)
	case <-ctx.Done():
		return "", ctx.Err()
	case <-t.C:
		return "", fmt.Errorf("no answer within %s", timeout)
	}
}

// send gives the child a command (see control) and returns the value of
// its answer, "" for none.
func (c *child) send(ctx context.Context, cmd string) (string, error) {
	if _, err := fmt.Fprintln(c.stdin, cmd); err != nil {
		return "", fmt.Errorf("%s server: %w", c.role, err)
	}
	reply, err := c.readLine(ctx, 10*time.Second)
	if err != nil {
		return "", fmt.Errorf("%s server: %q: %w", c.role, cmd, err)
	}
	if msg, ok := strings.CutPrefix(reply, "error: "); ok {
		return "", fmt.Errorf("%s server: %q: %s", c.role, cmd, msg)
	}
	verb, value, _ := strings.Cut(reply, " ")
	if verb != "ok" {
		return "", fmt.Errorf("%s server: %q: unexpected answer %q", c.role, cmd, reply)
	}
	return value, nil
}

// cpu is the CPU time the child has used.
func (c *child) cpu(ctx context.Context) (time.Duration, error) {
	v, err := c.send(ctx, "cpu")
	if err != nil {
		return 0, err
	}
	ns, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s server: cpu %q: %w", c.role, v, err)
	}
	return time.Duration(ns), nil
}

// stop closes the child's stdin, which makes it shut down gracefully, and
// kills it if it has not exited within childStopTimeout.
func (c *child) stop() error {
	_ = c.stdin.Close()
	t := time.NewTimer(childStopTimeout)
	defer t.Stop()
	select {
	case <-c.exited:
		if c.err != nil {
			return fmt.Errorf("%s server: %w", c.role, c.err)
		}
		return nil
	case <-t.C:
		_ = c.cmd.Process.Kill()
		<-c.exited
		return fmt.Errorf("%s server did not stop within %s; killed", c.role, childStopTimeout)
	}
}

// lineWriter passes a child's stdout on as lines. exec.Cmd writes to it
// from one goroutine.
type lineWriter struct {
	buf   []byte
	lines chan string
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		select {
		case w.lines <- string(w.buf[:i]):
		default:
			return 0, errors.New("nobody reads the child's answers")
		}
		w.buf = w.buf[i+1:]
	}
}
