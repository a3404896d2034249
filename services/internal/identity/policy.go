package identity

import (
	"bufio"
	_ "embed"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/engagehq/engage/services/internal/errs"
)

// Password length limits of NIST SP 800-63B (also declared in the proto).
const (
	minPasswordLen = 8
	maxPasswordLen = 128
)

//go:embed common_passwords.txt
var commonPasswordsFile string

// passwordPolicy applies NIST SP 800-63B §5.1.1.2: length limits, no
// composition rules, and a blocklist of common and context-specific words.
type passwordPolicy struct {
	blocked map[string]bool
}

func newPasswordPolicy() *passwordPolicy {
	p := &passwordPolicy{blocked: map[string]bool{}}
	sc := bufio.NewScanner(strings.NewReader(commonPasswordsFile))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		p.blocked[strings.ToLower(line)] = true
	}
	return p
}

// check returns an errs.Field error naming field when password is not
// acceptable for an account with this email and display name. Lengths are
// counted in characters, as NIST asks.
func (p *passwordPolicy) check(field, password, email, displayName string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case !utf8.ValidString(password):
		return errs.Field(field, "must be valid UTF-8")
	case n < minPasswordLen:
		return errs.Field(field, "must be at least %d characters long", minPasswordLen)
	case n > maxPasswordLen:
		return errs.Field(field, "must be at most %d characters long", maxPasswordLen)
	}
	lower := strings.ToLower(password)
	// A common word dressed up with digits or symbols ("Password123!") is
	// as guessable as the word itself: compare the core too.
	core := strings.TrimFunc(lower, func(r rune) bool { return !unicode.IsLetter(r) })
	if p.blocked[lower] || p.blocked[core] {
		return errs.Field(field, "is too common; choose a longer or less predictable password")
	}
	emailKey := EmailKey(email)
	if emailKey != "" && strings.Contains(lower, emailKey) {
		return errs.Field(field, "must not contain the email address")
	}
	for _, w := range contextWords(emailKey, displayName) {
		if lower == w || core == w {
			return errs.Field(field, "must not be based on the email address, the display name or the service name")
		}
	}
	return nil
}

// contextWords are the words an attacker who knows the account would try
// first: the email's local part, the display name with and without spaces,
// and the service's name.
func contextWords(emailKey, displayName string) []string {
	words := []string{"engage"}
	if local, _, ok := strings.Cut(emailKey, "@"); ok && local != "" {
		words = append(words, local)
	}
	if d := strings.ToLower(strings.TrimSpace(displayName)); d != "" {
		words = append(words, d, strings.Join(strings.Fields(d), ""))
	}
	return words
}
