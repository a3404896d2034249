package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/engagehq/engage/services/internal/app"
	"github.com/engagehq/engage/services/internal/config"
	"go.etcd.io/bbolt"
)

// backup copies every bbolt file of a data directory into --out. Files of a
// running process are copied by that process (through its admin socket)
// in one read transaction each, so the copy is consistent while writes go
// on; files no process has open are copied directly.
//
// Restore: stop the process, put the copied files into an empty data
// directory (or over the old files), start it again.
func backup(ctx context.Context, args, environ []string, stdout, stderr io.Writer) error {
	cfg, err := config.FromEnv(environ)
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "data directory to back up (ENGAGE_DATA_DIR)")
	out := fs.String("out", "", "directory to write the copies into (created; must not hold a previous backup's files you want to keep)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("backup: --out is required")
	}
	dest, err := filepath.Abs(*out)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dest, 0o700); err != nil {
		return err
	}

	var done []string
	socks, _ := filepath.Glob(filepath.Join(app.SocketDir(cfg.DataDir), "*.sock"))
	for _, sock := range socks {
		files, err := backupVia(ctx, sock, dest)
		if err != nil {
			var ne *net.OpError
			if errors.As(err, &ne) {
				continue // a socket left by a process that is gone
			}
			return fmt.Errorf("backup through %s: %w", sock, err)
		}
		for _, f := range files {
			done = append(done, filepath.Base(f))
			fmt.Fprintln(stdout, f)
		}
	}

	entries, err := os.ReadDir(cfg.DataDir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.IsDir() || !app.IsStore(e.Name()) || slices.Contains(done, e.Name()) {
			continue
		}
		f := filepath.Join(dest, e.Name())
		if err := copyClosed(filepath.Join(cfg.DataDir, e.Name()), f); err != nil {
			return err
		}
		fmt.Fprintln(stdout, f)
	}
	return nil
}

// backupVia asks the process listening on sock to write its copies.
func backupVia(ctx context.Context, sock, dest string) ([]string, error) {
	client := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sock)
		},
	}}
	body, _ := json.Marshal(app.BackupRequest{Dir: dest})
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://engage/backup", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return nil, fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(msg))
	}
	var r app.BackupResponse
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return nil, err
	}
	return r.Files, nil
}

// copyClosed copies a bbolt file no process has open, read-only.
func copyClosed(src, dst string) error {
	db, err := bbolt.Open(src, 0o600, &bbolt.Options{ReadOnly: true, Timeout: 2 * time.Second})
	if err != nil {
		return fmt.Errorf("open %s: %w (is a process without an admin socket using it?)", src, err)
	}
	defer db.Close()
	tmp := dst + ".tmp"
	if err := db.View(func(tx *bbolt.Tx) error { return tx.CopyFile(tmp, 0o600) }); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("copy %s: %w", src, err)
	}
	return os.Rename(tmp, dst)
}
