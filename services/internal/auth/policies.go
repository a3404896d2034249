package auth

import (
	"fmt"
	"slices"
	"strings"

	"github.com/engagehq/engage/services/internal/access"
	"google.golang.org/grpc"
)

// exemptServices are infrastructure services the bootstrap registers on
// every server. They declare no policy (they are not Engage's contract) and
// are open to every caller: health for probes and load balancers,
// reflection so grpcurl works (it reveals only the published contract).
var exemptServices = []string{
	"grpc.health.v1.Health",
	"grpc.reflection.v1.ServerReflection",
	"grpc.reflection.v1alpha.ServerReflection",
}

// exempt reports whether fullMethod belongs to an exempt service.
func exempt(fullMethod string) bool {
	svc, _, ok := strings.Cut(strings.TrimPrefix(fullMethod, "/"), "/")
	return ok && slices.Contains(exemptServices, svc)
}

// CheckPolicies returns an error naming every method of the services that
// declares no access policy; the interceptor would refuse every call to
// them. Servers call it before serving, and a test calls it for every
// service.
func CheckPolicies(sds ...*grpc.ServiceDesc) error {
	var missing []string
	for _, sd := range sds {
		for _, m := range sd.Methods {
			missing = appendMissing(missing, sd.ServiceName, m.MethodName)
		}
		for _, s := range sd.Streams {
			missing = appendMissing(missing, sd.ServiceName, s.StreamName)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("methods without access policy: %s", strings.Join(missing, ", "))
	}
	return nil
}

// ServiceInfoProvider is what CheckServer needs of a server; *grpc.Server
// has it.
type ServiceInfoProvider interface {
	GetServiceInfo() map[string]grpc.ServiceInfo
}

// CheckServer is CheckPolicies for every service registered on s, except
// the exempt infrastructure services.
func CheckServer(s ServiceInfoProvider) error {
	var missing []string
	for svc, info := range s.GetServiceInfo() {
		if slices.Contains(exemptServices, svc) {
			continue
		}
		for _, m := range info.Methods {
			missing = appendMissing(missing, svc, m.Name)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return fmt.Errorf("methods without access policy: %s", strings.Join(missing, ", "))
	}
	return nil
}

func appendMissing(missing []string, service, method string) []string {
	full := "/" + service + "/" + method
	if _, ok := access.Policy(full); !ok {
		missing = append(missing, full)
	}
	return missing
}
