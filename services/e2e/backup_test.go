package e2e

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"

	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
)

// TestBackupWhileServing takes a backup of a serving process under a write
// load, restores it into a new data directory and finds there everything
// written before the backup started.
func TestBackupWhileServing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv := startEngage(t, nil, serveArgs(dir, loadFlags()...)...)
	rest := srv.rest()
	admin, steps := mfaSignIn(rest, adminEmail, adminPassword)

	load := &writeLoad{}
	agencies := identityv1.NewAgencyServiceClient(srv.dial())
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() { load.createAgencies(withToken(context.Background(), admin), agencies, "backup", w) })
	}
	wg.Go(func() { load.signUps(srv.httpURL, "backup", 0) })
	defer load.stop(&wg)
	waitForLoad(t, srv, load, 50, 2, 0)

	beforeAgencies, beforeAccounts := load.acknowledged()
	out := filepath.Join(t.TempDir(), "backup")
	stdout, stderr, code := runEngage(t, nil, "backup", "--data-dir", dir, "--out", out)
	if code != 0 {
		t.Fatalf("engage backup exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	wantBackupFiles(t, stdout, out)
	// The load goes on after the backup too: the copy is independent of it.
	waitForLoad(t, srv, load, len(beforeAgencies)+10, 0, 0)
	load.stop(&wg)
	if len(load.failures) > 0 {
		t.Errorf("%d calls of the load failed; the first: %v", len(load.failures), load.failures[0])
	}
	if code := srv.stop(syscall.SIGTERM); code != 0 {
		t.Errorf("the server exited %d after SIGTERM", code)
	}
	t.Logf("backed up while serving after %d agencies and %d sign-ups", len(beforeAgencies), len(beforeAccounts))

	// Restore: the copied files into an empty data directory.
	restored := t.TempDir()
	copyFile(t, filepath.Join(out, "identity.db"), filepath.Join(restored, "identity.db"))
	srv = startEngage(t, nil, serveArgs(restored, loadFlags()...)...)
	if strings.Contains(srv.stdout.String(), "First start") {
		t.Errorf("the restored copy bootstrapped again: the administrator was not in it:\n%s", srv.stdout)
	}
	rest = srv.rest()
	admin = rest.signIn(adminEmail, adminPassword, steps.code())["accessToken"].(string)
	conn := srv.dial()
	ctx := withToken(t.Context(), admin)
	reportFailures(t, "agencies created before the backup", len(beforeAgencies), forEach(beforeAgencies, 8, func(id string) error {
		return checkAgency(ctx, conn, id)
	}))
	reportFailures(t, "sign-ups before the backup", len(beforeAccounts), forEach(beforeAccounts, 2, func(email string) error {
		return postJSON(srv.httpURL+"/v1/sessions", map[string]any{"email": email, "password": loadPassword})
	}))
	// The restored server takes writes.
	rest.must(200, "POST", "/v1/agencies?agencyId=restored-pd", admin, map[string]any{"displayName": "Restored"})
}

// TestBackupOfStoppedServer: with no process serving the data directory,
// whether it stopped cleanly or was killed and left its admin socket
// behind, `engage backup` copies the files itself.
func TestBackupOfStoppedServer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		signal      syscall.Signal
		staleSocket bool
	}{
		{"stopped", syscall.SIGTERM, false},
		{"killed", syscall.SIGKILL, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			srv := startEngage(t, nil, serveArgs(dir)...)
			email := "offline-" + tt.name + "@e2e.example"
			srv.rest().signUp(email, "an offline backup passphrase")
			srv.stop(tt.signal)
			_, err := os.Stat(filepath.Join(dir, "run", "all.sock"))
			if stale := err == nil; stale != tt.staleSocket {
				t.Fatalf("admin socket left behind = %v, want %v", stale, tt.staleSocket)
			}

			out := t.TempDir()
			stdout, stderr, code := runEngage(t, nil, "backup", "--data-dir", dir, "--out", out)
			if code != 0 {
				t.Fatalf("engage backup exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
			}
			wantBackupFiles(t, stdout, out)
			restored := startEngage(t, nil, serveArgs(out)...)
			restored.rest().signIn(email, "an offline backup passphrase", "")
		})
	}
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// wantBackupFiles checks that engage backup printed the copy of every
// service's file in dir, and nothing else.
func wantBackupFiles(t *testing.T, stdout, dir string) {
	t.Helper()
	got := strings.Fields(stdout)
	slices.Sort(got)
	want := []string{filepath.Join(dir, "alerts.db"), filepath.Join(dir, "feedback.db"), filepath.Join(dir, "forum.db"), filepath.Join(dir, "identity.db"), filepath.Join(dir, "training.db")}
	if !slices.Equal(got, want) {
		t.Errorf("engage backup printed %q, want %q", got, want)
	}
}
