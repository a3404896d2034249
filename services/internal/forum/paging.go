package forum

import (
	"github.com/engagehq/engage/services/internal/pagetoken"
)

// Page sizes of the contract: default and maximum per list.
const (
	defaultForumPage      = 50
	maxForumPage          = 200
	defaultThreadPage     = 25
	maxThreadPage         = 100
	defaultPostPage       = 50
	maxPostPage           = 200
	defaultModerationPage = 50
	maxModerationPage     = 200
	defaultSearchPage     = 20
	maxSearchPage         = 50
)

// scanFactor bounds how many rows a page may examine, as a multiple of its
// size: a filter or hidden content that skips most rows returns a short
// page and a token instead of reading on, so a page's cost stays bounded.
const scanFactor = 10

// readPage decodes a page token bound to scope (what must not change
// between pages: parent, filter, order) into the Page to read.
func readPage(scope string, size int32, token string, def, limit int) (Page, error) {
	n := pagetoken.Size(size, def, limit)
	after, err := pagetoken.Decode(token, scope)
	if err != nil {
		return Page{}, err
	}
	return Page{After: after, Size: n, MaxScan: scanFactor * n}, nil
}

// nextToken encodes the cursor of the next page; "" on the last page.
func nextToken(scope string, next []byte) string {
	if next == nil {
		return ""
	}
	return pagetoken.Encode(scope, next)
}
