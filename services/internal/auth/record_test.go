package auth

import "testing"

func TestServiceOf(t *testing.T) {
	t.Parallel()
	for method, want := range map[string]string{
		"/engage.forum.v1.PostService/CreatePost":        "forum",
		"/engage.identity.v1.AgencyService/CreateAgency": "identity",
		"/grpc.health.v1.Health/Check":                   "fallback",
		"/engage./x":                                     "fallback",
		"/engage.Bad_Name.v1.X/Y":                        "fallback",
	} {
		if got := serviceOf(method, "fallback"); got != want {
			t.Errorf("serviceOf(%q) = %q, want %q", method, got, want)
		}
	}
}
