package e2e

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	_ "github.com/engagehq/engage/api/gen/engage/alerts/v1"
	_ "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	_ "github.com/engagehq/engage/api/gen/engage/forum/v1"
	_ "github.com/engagehq/engage/api/gen/engage/identity/v1"
	_ "github.com/engagehq/engage/api/gen/engage/training/v1"
	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// TestOpenAPIListsEveryRPC: every RPC with a REST mapping in the contract
// is in the document the gateway serves, under its path and verb.
func TestOpenAPIListsEveryRPC(t *testing.T) {
	t.Parallel()
	p := startPlatform(t)
	r := p.do("GET", "/openapi.json", "", nil)
	if r.status != 200 {
		t.Fatalf("GET /openapi.json = %d", r.status)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string `json:"operationId"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(r.body, &doc); err != nil {
		t.Fatal(err)
	}
	var checked int
	protoregistry.GlobalFiles.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		if !strings.HasPrefix(string(fd.Package()), "engage.") {
			return true
		}
		for i := 0; i < fd.Services().Len(); i++ {
			sd := fd.Services().Get(i)
			for j := 0; j < sd.Methods().Len(); j++ {
				md := sd.Methods().Get(j)
				rule, _ := proto.GetExtension(md.Options(), annotations.E_Http).(*annotations.HttpRule)
				if rule == nil || rule.GetPattern() == nil {
					continue
				}
				checked++
				verb, path := httpRule(rule)
				ops, ok := doc.Paths[openAPIPath(path)]
				if !ok {
					t.Errorf("%s: path %s (%s) missing from /openapi.json", md.FullName(), openAPIPath(path), path)
					continue
				}
				if op, ok := ops[verb]; !ok || !strings.HasSuffix(op.OperationID, string(md.Name())) {
					t.Errorf("%s: %s %s has operations %v", md.FullName(), verb, openAPIPath(path), ops)
				}
			}
		}
		return true
	})
	if checked < 80 {
		t.Errorf("checked %d RPCs; the contract's packages are not linked in", checked)
	}
}

func httpRule(r *annotations.HttpRule) (verb, path string) {
	switch p := r.GetPattern().(type) {
	case *annotations.HttpRule_Get:
		return "get", p.Get
	case *annotations.HttpRule_Post:
		return "post", p.Post
	case *annotations.HttpRule_Patch:
		return "patch", p.Patch
	case *annotations.HttpRule_Put:
		return "put", p.Put
	case *annotations.HttpRule_Delete:
		return "delete", p.Delete
	}
	return "", ""
}

var variable = regexp.MustCompile(`\{[a-z_.]+=([^}]*)\}`)

// openAPIPath turns "/v1/{name=agencies/*/partners/*}:revoke" into the
// document's "/v1/agencies/{agency}/partners/{partner}:revoke".
func openAPIPath(path string) string {
	return variable.ReplaceAllStringFunc(path, func(v string) string {
		segs := strings.Split(variable.FindStringSubmatch(v)[1], "/")
		for i := 1; i < len(segs); i += 2 {
			if segs[i] == "*" {
				segs[i] = "{" + singular(segs[i-1]) + "}"
			}
		}
		return strings.Join(segs, "/")
	})
}

func singular(collection string) string {
	if strings.HasSuffix(collection, "ies") {
		return strings.TrimSuffix(collection, "ies") + "y"
	}
	return strings.TrimSuffix(collection, "s")
}
