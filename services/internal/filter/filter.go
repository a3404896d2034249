// Package filter parses the subset of AIP-160 filters Engage's List methods
// accept: comparisons of a known field with a literal, joined by AND.
//
//	kind = THREAD_KIND_QUESTION AND answered = false AND create_time >= "2026-01-01T00:00:00Z"
//
// Each List method declares its fields and their types in a Schema; anything
// else — an unknown field, an operator the field does not support, a value
// of the wrong type, OR, NOT, parentheses — is an INVALID_ARGUMENT naming
// the `filter` field, never a silently ignored condition.
package filter

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/engagehq/engage/services/internal/errs"
)

// Kind is the type of a filterable field.
type Kind int

// The kinds of field.
const (
	String Kind = iota
	Bool
	Int
	Time
	// Enum values are names from Field.Values.
	Enum
)

// Op is a comparison operator.
type Op string

// The operators.
const (
	Eq Op = "="
	Ne Op = "!="
	Lt Op = "<"
	Le Op = "<="
	Gt Op = ">"
	Ge Op = ">="
)

// Field describes one filterable field.
type Field struct {
	Kind Kind
	// Values lists the accepted names of an Enum field. A value may also be
	// given without Prefix (kind = QUESTION for THREAD_KIND_QUESTION).
	Values []string
	Prefix string
}

// Schema maps field names to their descriptions.
type Schema map[string]Field

// Condition is one parsed comparison. Value is a string (String and Enum,
// enums in their full name), bool, int64 or time.Time.
type Condition struct {
	Field string
	Op    Op
	Value any
}

// Parse parses expr against schema. An empty expression has no conditions.
func Parse(expr string, schema Schema) ([]Condition, error) {
	toks, err := lex(expr)
	if err != nil {
		return nil, err
	}
	var out []Condition
	for i := 0; i < len(toks); {
		if len(out) > 0 {
			if toks[i].text != "AND" || toks[i].quoted {
				return nil, bad("expected AND after %q, found %q (only AND is supported)", out[len(out)-1].Field, toks[i].text)
			}
			i++
		}
		if i+3 > len(toks) {
			return nil, bad("incomplete comparison at the end")
		}
		name, op, val := toks[i], toks[i+1], toks[i+2]
		i += 3
		f, ok := schema[name.text]
		if !ok || name.quoted {
			return nil, bad("unknown field %q (filterable: %s)", name.text, strings.Join(names(schema), ", "))
		}
		c, err := condition(name.text, f, Op(op.text), val)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func condition(name string, f Field, op Op, val token) (Condition, error) {
	c := Condition{Field: name, Op: op}
	switch op {
	case Eq, Ne:
	case Lt, Le, Gt, Ge:
		if f.Kind != Int && f.Kind != Time {
			return c, bad("%s supports only = and !=", name)
		}
	default:
		return c, bad("unsupported operator %q after %s", op, name)
	}
	switch f.Kind {
	case String:
		c.Value = val.text
	case Bool:
		b, err := strconv.ParseBool(val.text)
		if err != nil || val.quoted {
			return c, bad("%s wants true or false, not %q", name, val.text)
		}
		c.Value = b
	case Int:
		n, err := strconv.ParseInt(val.text, 10, 64)
		if err != nil {
			return c, bad("%s wants an integer, not %q", name, val.text)
		}
		c.Value = n
	case Time:
		t, err := time.Parse(time.RFC3339Nano, val.text)
		if err != nil {
			return c, bad("%s wants an RFC 3339 time such as \"2026-01-02T15:04:05Z\", not %q", name, val.text)
		}
		c.Value = t
	case Enum:
		v := val.text
		if !slices.Contains(f.Values, v) && slices.Contains(f.Values, f.Prefix+v) {
			v = f.Prefix + v
		}
		if !slices.Contains(f.Values, v) {
			return c, bad("%s wants one of %s, not %q", name, strings.Join(f.Values, ", "), val.text)
		}
		c.Value = v
	}
	return c, nil
}

type token struct {
	text   string
	quoted bool
}

// lex splits expr into words, operators and quoted strings.
func lex(expr string) ([]token, error) {
	var toks []token
	for i := 0; i < len(expr); {
		switch ch := expr[i]; {
		case ch == ' ' || ch == '\t' || ch == '\n':
			i++
		case ch == '"':
			j := i + 1
			var sb strings.Builder
			for ; j < len(expr) && expr[j] != '"'; j++ {
				if expr[j] == '\\' && j+1 < len(expr) {
					j++
				}
				sb.WriteByte(expr[j])
			}
			if j >= len(expr) {
				return nil, bad("unterminated string")
			}
			toks = append(toks, token{text: sb.String(), quoted: true})
			i = j + 1
		case strings.IndexByte("=!<>", ch) >= 0:
			j := i + 1
			if j < len(expr) && expr[j] == '=' {
				j++
			}
			toks = append(toks, token{text: expr[i:j]})
			i = j
		case ch == '(' || ch == ')' || ch == ':':
			return nil, bad("%q is not supported; join comparisons with AND", string(ch))
		default:
			j := i
			for j < len(expr) && strings.IndexByte(" \t\n\"=!<>():", expr[j]) < 0 {
				j++
			}
			word := expr[i:j]
			if word == "OR" || word == "NOT" || word == "-" {
				return nil, bad("%s is not supported; join comparisons with AND", word)
			}
			toks = append(toks, token{text: word})
			i = j
		}
	}
	return toks, nil
}

func names(s Schema) []string {
	out := make([]string, 0, len(s))
	for n := range s {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

func bad(format string, args ...any) error {
	return errs.Field("filter", "%s", fmt.Sprintf(format, args...))
}

// Match reports whether v satisfies c, for values of the condition's type
// (string, bool, int64 or time.Time); a mismatched type never matches.
func (c Condition) Match(v any) bool {
	switch want := c.Value.(type) {
	case string:
		got, ok := v.(string)
		return ok && compare(strings.Compare(got, want), c.Op)
	case bool:
		got, ok := v.(bool)
		return ok && (c.Op == Eq) == (got == want)
	case int64:
		got, ok := v.(int64)
		return ok && compare(cmpInt(got, want), c.Op)
	case time.Time:
		got, ok := v.(time.Time)
		return ok && compare(got.Compare(want), c.Op)
	}
	return false
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func compare(c int, op Op) bool {
	switch op {
	case Eq:
		return c == 0
	case Ne:
		return c != 0
	case Lt:
		return c < 0
	case Le:
		return c <= 0
	case Gt:
		return c > 0
	case Ge:
		return c >= 0
	}
	return false
}
