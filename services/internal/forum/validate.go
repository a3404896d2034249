package forum

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/engagehq/engage/services/internal/errs"
)

// Text limits of the contract, in characters (code points).
const (
	minTitle            = 3
	maxTitle            = 200
	maxBody             = 20000
	maxForumName        = 120
	maxForumDescription = 2000
	maxArea             = 64
	maxOrder            = 10000
)

// cleanText trims s and checks that it is valid UTF-8 of min to max
// characters without control characters other than newlines and tabs. The
// protovalidate rules of the contract check lengths too, before a handler
// runs; these checks keep the domain safe when it is called otherwise, and
// count what is left after trimming.
func cleanText(field, s string, min, max int) (string, error) {
	if !utf8.ValidString(s) {
		return "", errs.Field(field, "must be valid UTF-8")
	}
	s = strings.TrimSpace(s)
	n := utf8.RuneCountInString(s)
	switch {
	case n < min && min == 1:
		return "", errs.Field(field, "is required")
	case n < min:
		return "", errs.Field(field, "must be at least %d characters", min)
	case n > max:
		return "", errs.Field(field, "must be at most %d characters", max)
	}
	if strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r' }) >= 0 {
		return "", errs.Field(field, "must not contain control characters")
	}
	return s, nil
}
