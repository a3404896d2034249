package gateway

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"

	"google.golang.org/genproto/googleapis/rpc/code"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

// readyCheckName is the /readyz entry of Config.ReadyCheck.
const readyCheckName = "gateway"

const serving = "SERVING"

// readiness is the /readyz body: the overall status and each check's, e.g.
// {"status":"NOT_SERVING","checks":{"identity":"NOT_SERVING"}}.
type readiness struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"`
}

// healthz is liveness: the process serves HTTP.
func healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": serving})
}

// readyz is readiness: every backend answers SERVING to a gRPC health check
// of the whole server (service ""), and Config.ReadyCheck agrees. A backend
// that cannot be asked reports the gRPC code of the failure (UNAVAILABLE,
// DEADLINE_EXCEEDED, UNIMPLEMENTED without a health service).
func (g *gateway) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), g.cfg.ReadyTimeout)
	defer cancel()
	var (
		mu     sync.Mutex
		wg     sync.WaitGroup
		checks = make(map[string]string, len(g.backends)+1)
	)
	record := func(name, s string) {
		mu.Lock()
		defer mu.Unlock()
		checks[name] = s
	}
	for _, b := range g.backends {
		wg.Go(func() { record(b.Name, backendHealth(ctx, b.Conn)) })
	}
	if g.cfg.ReadyCheck != nil {
		wg.Go(func() {
			if err := g.cfg.ReadyCheck(ctx); err != nil {
				g.log.DebugContext(ctx, "gateway not ready", "error", err)
				record(readyCheckName, "NOT_SERVING")
				return
			}
			record(readyCheckName, serving)
		})
	}
	wg.Wait()

	body := readiness{Status: serving, Checks: checks}
	for _, s := range checks {
		if s != serving {
			body.Status = "NOT_SERVING"
		}
	}
	httpCode := http.StatusOK
	if body.Status != serving {
		httpCode = http.StatusServiceUnavailable
	}
	writeJSON(w, httpCode, body)
}

func backendHealth(ctx context.Context, conn grpc.ClientConnInterface) string {
	resp, err := grpc_health_v1.NewHealthClient(conn).Check(ctx, &grpc_health_v1.HealthCheckRequest{})
	if err != nil {
		return code.Code(status.Code(err)).String()
	}
	return resp.GetStatus().String()
}

func writeJSON(w http.ResponseWriter, httpCode int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(httpCode)
	_ = json.NewEncoder(w).Encode(v)
}
