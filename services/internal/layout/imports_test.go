package layout

import (
	"bufio"
	"bytes"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

const (
	repo     = "github.com/engagehq/engage/"
	api      = repo + "api"
	gateway  = repo + "gateway"
	services = repo + "services"
	internal = services + "/internal/"
)

// serviceNames are the services of STYLE.md: each owns internal/<name>/… and
// none may import another.
var serviceNames = []string{"identity", "forum", "feedback", "training", "alerts"}

// compositionRoots may choose concrete implementations (boltstore packages).
var compositionRoots = []string{services + "/cmd/", internal + "app", services + "/e2e", services + "/bench"}

// deps maps every package of the workspace to the repo packages it imports,
// directly or not.
func deps(t *testing.T) map[string][]string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..", "..")
	cmd := exec.Command("go", "list", "-deps=false", "-test=false", "-f", `{{.ImportPath}}{{range .Deps}} {{.}}{{end}}`,
		"./api/...", "./gateway/...", "./services/...")
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	m := map[string][]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		var own []string
		for _, d := range f[1:] {
			if strings.HasPrefix(d, repo) {
				own = append(own, d)
			}
		}
		m[f[0]] = own
	}
	return m
}

// service returns the service a package belongs to, or "".
func service(pkg string) string {
	for _, s := range serviceNames {
		if pkg == internal+s || strings.HasPrefix(pkg, internal+s+"/") {
			return s
		}
	}
	return ""
}

func under(pkg, prefix string) bool { return pkg == prefix || strings.HasPrefix(pkg, prefix+"/") }

func isRoot(pkg string) bool {
	return slices.ContainsFunc(compositionRoots, func(r string) bool {
		return strings.HasPrefix(pkg, r)
	})
}

// violation explains why pkg may not import dep, or returns "".
func violation(pkg, dep string) string {
	switch {
	case under(pkg, api) && !under(dep, api):
		return "api imports nothing else from the repo"
	case under(pkg, gateway) && !under(dep, api) && !under(dep, gateway):
		return "gateway imports only api"
	}
	if !under(pkg, services) {
		return ""
	}
	ps, ds := service(pkg), service(dep)
	switch {
	case ps != "" && ds != "" && ps != ds:
		return "a service never imports another service"
	case ps != "" && ps == ds && !strings.Contains(pkg, "/boltstore") && !strings.Contains(pkg, "/storetest") && strings.Contains(dep, "/boltstore"):
		return "a service's domain never imports its own boltstore"
	case ps == "" && ds != "" && !isRoot(pkg):
		return "shared runtime packages import no service"
	case strings.Contains(dep, "/boltstore") && !isRoot(pkg) && !strings.HasPrefix(pkg, strings.TrimSuffix(dep, "/boltstore")+"/boltstore"):
		return "only cmd and the composition root choose concrete implementations"
	}
	return ""
}

func TestImportRules(t *testing.T) {
	t.Parallel()
	for pkg, ds := range deps(t) {
		for _, d := range ds {
			if why := violation(pkg, d); why != "" {
				t.Errorf("%s imports %s: %s", pkg, d, why)
			}
		}
	}
}

// TestViolation makes sure the checker itself catches each rule.
func TestViolation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		pkg, dep string
		wantBad  bool
	}{
		{"api imports services", api + "/openapi", internal + "errs", true},
		{"gateway imports services", gateway, internal + "errs", true},
		{"gateway imports api", gateway, api + "/gen/engage/identity/v1", false},
		{"service imports service", internal + "forum", internal + "identity", true},
		{"service imports shared runtime", internal + "forum", internal + "grpcserver", false},
		{"domain imports its boltstore", internal + "forum", internal + "forum/boltstore", true},
		{"boltstore imports its domain", internal + "forum/boltstore", internal + "forum", false},
		{"storetest imports domain", internal + "forum/storetest", internal + "forum", false},
		{"runtime imports a service", internal + "auth", internal + "identity", true},
		{"cmd imports a boltstore", services + "/cmd/engage", internal + "forum/boltstore", false},
		{"app imports a boltstore", internal + "app", internal + "forum/boltstore", false},
		{"handler package imports another boltstore", internal + "grpcserver", internal + "forum/boltstore", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := violation(tt.pkg, tt.dep) != ""; got != tt.wantBad {
				t.Errorf("violation(%s, %s) = %v, want %v", tt.pkg, tt.dep, got, tt.wantBad)
			}
		})
	}
}
