package alerts

import (
	"github.com/engagehq/engage/services/internal/pagetoken"
)

// Page sizes of the list methods, as the contract documents them.
const (
	defaultPageSize = 50
	maxAlertPage    = 200
)

// pageOf decodes a request's page token for the query scope (the method
// and every parameter that selects what is listed) into a Page of size def
// or requested, capped at max.
func pageOf(scope, token string, requested int32, max int) (Page, error) {
	after, err := pagetoken.Decode(token, scope)
	if err != nil {
		return Page{}, err
	}
	return Page{Size: pagetoken.Size(requested, defaultPageSize, max), After: after}, nil
}

// nextToken is the page token for the cursor a store or handler returned:
// empty on the last page.
func nextToken(scope string, next []byte) string {
	if next == nil {
		return ""
	}
	return pagetoken.Encode(scope, next)
}
