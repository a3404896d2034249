package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/engagehq/engage/services/internal/boltdb"
)

// The admin socket lets `engage backup` ask a running process for a hot,
// consistent copy of its bbolt files: bbolt locks each file for the process
// that has it open, so another process cannot read it. The socket lives in
// the data directory, is owned by the server's user with mode 0600, and
// serves only POST /backup.

// SocketDir returns where processes serving dataDir put their admin sockets.
func SocketDir(dataDir string) string { return filepath.Join(dataDir, "run") }

type backupSource struct {
	name string
	db   *boltdb.DB
}

// BackupRequest asks a server to write its files into Dir.
type BackupRequest struct {
	Dir string `json:"dir"`
}

// BackupResponse lists the files written.
type BackupResponse struct {
	Files []string `json:"files"`
}

func (p *Platform) startAdminSocket(dataDir, component string) error {
	if len(p.backups) == 0 {
		return nil
	}
	dir := SocketDir(dataDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if component == "" {
		component = "all"
	}
	path := filepath.Join(dir, component+".sock")
	// A socket left by a killed process: nobody answers on it any more.
	if c, err := net.Dial("unix", path); err == nil {
		c.Close()
		return fmt.Errorf("another engage process serves %s (%s)", dataDir, path)
	}
	_ = os.Remove(path)
	lis, err := net.Listen("unix", path)
	if err != nil {
		return fmt.Errorf("admin socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		lis.Close()
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /backup", p.handleBackup)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: readHeaderTimeout}
	p.serve("admin socket", func() error { return srv.Serve(lis) })
	p.onShutdown("admin socket", func(ctx context.Context) error {
		err := shutdownHTTP(srv)(ctx)
		_ = os.Remove(path)
		return err
	})
	return nil
}

func (p *Platform) handleBackup(w http.ResponseWriter, r *http.Request) {
	var req BackupRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&req); err != nil || !filepath.IsAbs(req.Dir) {
		http.Error(w, "want {\"dir\": \"/absolute/path\"}", http.StatusBadRequest)
		return
	}
	files, err := p.Backup(req.Dir)
	if err != nil {
		p.log.Error("backup failed", "dir", req.Dir, "err", err)
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(BackupResponse{Files: files})
}

// Backup writes a consistent copy of every store of this process into dir
// while the process keeps serving.
func (p *Platform) Backup(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	var files []string
	var errs []error
	for _, b := range p.backups {
		out := filepath.Join(dir, b.name)
		if err := b.db.BackupFile(out); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", b.name, err))
			continue
		}
		files = append(files, out)
	}
	return files, errors.Join(errs...)
}

// IsStore reports whether a data-directory entry is a service's bbolt file.
func IsStore(name string) bool { return strings.HasSuffix(name, ".db") }
