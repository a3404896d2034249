package identity

import (
	"github.com/engagehq/engage/services/internal/pagetoken"
)

// Page sizes of every identity list (the contract: default 50, at most
// 1000).
const (
	defaultPageSize = 50
	maxPageSize     = 1000
)

// readPage returns the page size and the key after which a list continues.
// scope binds a token to one collection (and parent), so that a token of
// one list cannot be replayed against another.
func readPage(scope string, size int32, token string) (after string, n int, err error) {
	n = pagetoken.Size(size, defaultPageSize, maxPageSize)
	if token == "" {
		return "", n, nil
	}
	b, err := pagetoken.Decode(token, scope)
	if err != nil {
		return "", 0, err
	}
	return string(b), n, nil
}

// trimPage cuts items, fetched with limit n+1, to n and returns the token
// of the next page, built from the key of the last item kept; "" when
// there is no more.
func trimPage[T any](scope string, items []T, n int, key func(T) string) ([]T, string) {
	if len(items) <= n {
		return items, ""
	}
	items = items[:n]
	return items, pagetoken.Encode(scope, []byte(key(items[n-1])))
}
