package training

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/filter"
)

// The filters of the catalogue and the roster. The roster's compares
// strings, which the shared filter package parses; the catalogue's tests
// repeated fields with AIP-160's has operator `:`, which it does not, so
// this file parses that small grammar itself:
//
//	term {AND term}
//	term = ("competencies" | "feedback_categories") ":" value
//	value = word | "quoted string"
//
// A competency is named in full (COMPETENCY_DE_ESCALATION) or without its
// prefix (DE_ESCALATION); a feedback category is a slug. Anything else is
// INVALID_ARGUMENT naming `filter`.

// officerFilter is the schema of ListOfficers' filter.
var officerFilter = filter.Schema{
	"unit":  {Kind: filter.String},
	"badge": {Kind: filter.String},
}

// courseFilter is a parsed ListCourses filter: the competencies and the
// feedback categories a course must all have.
type courseFilter struct {
	competencies []trainingv1.Competency
	categories   []string
}

// The fields ListCourses' filter tests.
const (
	filterCompetencies = "competencies"
	filterCategories   = "feedback_categories"
)

// categorySlug is the pattern of a feedback category, as the contract
// declares it.
var categorySlug = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// parseCourseFilter parses a ListCourses filter; an empty one keeps every
// course.
func parseCourseFilter(expr string) (courseFilter, error) {
	toks, err := lexCourseFilter(expr)
	if err != nil {
		return courseFilter{}, err
	}
	var f courseFilter
	for i := 0; i < len(toks); {
		if i > 0 {
			if toks[i].quoted || toks[i].text != "AND" {
				return courseFilter{}, badFilter("expected AND, found %q (only AND joins terms)", toks[i].text)
			}
			i++
		}
		if i+3 > len(toks) {
			return courseFilter{}, badFilter("incomplete term at the end; write competencies:VALUE or feedback_categories:\"slug\"")
		}
		field, op, val := toks[i], toks[i+1], toks[i+2]
		i += 3
		if op.quoted || op.text != ":" {
			return courseFilter{}, badFilter("%s supports only the has operator `:`, not %q", field.text, op.text)
		}
		switch {
		case field.quoted:
			return courseFilter{}, badFilter("expected a field name, found the string %q", field.text)
		case field.text == filterCompetencies:
			c, ok := parseCompetency(val.text)
			if !ok {
				return courseFilter{}, badFilter("%q is no competency; use a value such as COMPETENCY_DE_ESCALATION", val.text)
			}
			f.competencies = append(f.competencies, c)
		case field.text == filterCategories:
			if !categorySlug.MatchString(val.text) {
				return courseFilter{}, badFilter("%q is no feedback category slug such as \"courtesy\"", val.text)
			}
			f.categories = append(f.categories, val.text)
		default:
			return courseFilter{}, badFilter("unknown field %q (filterable: %s, %s)", field.text, filterCompetencies, filterCategories)
		}
	}
	return f, nil
}

// match reports whether c has every competency and category of f.
func (f courseFilter) match(c *trainingv1.Course) bool {
	for _, want := range f.competencies {
		if !slices.Contains(c.GetCompetencies(), want) {
			return false
		}
	}
	for _, want := range f.categories {
		if !slices.Contains(c.GetFeedbackCategories(), want) {
			return false
		}
	}
	return true
}

// parseCompetency returns the defined, specified competency named s, with
// or without its COMPETENCY_ prefix.
func parseCompetency(s string) (trainingv1.Competency, bool) {
	if !strings.HasPrefix(s, "COMPETENCY_") {
		s = "COMPETENCY_" + s
	}
	v, ok := trainingv1.Competency_value[s]
	if !ok || v == int32(trainingv1.Competency_COMPETENCY_UNSPECIFIED) {
		return 0, false
	}
	return trainingv1.Competency(v), true
}

// filterToken is a word, the operator `:` or a quoted string of a
// ListCourses filter.
type filterToken struct {
	text   string
	quoted bool
}

// lexCourseFilter splits a ListCourses filter into tokens. Operators other
// than `:`, parentheses and OR and NOT are refused here, with a message
// that says what is supported.
func lexCourseFilter(expr string) ([]filterToken, error) {
	var toks []filterToken
	for i := 0; i < len(expr); {
		switch ch := expr[i]; {
		case ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r':
			i++
		case ch == ':':
			toks = append(toks, filterToken{text: ":"})
			i++
		case ch == '"':
			var sb strings.Builder
			j := i + 1
			for ; j < len(expr) && expr[j] != '"'; j++ {
				if expr[j] == '\\' && j+1 < len(expr) {
					j++
				}
				sb.WriteByte(expr[j])
			}
			if j >= len(expr) {
				return nil, badFilter("unterminated string")
			}
			toks = append(toks, filterToken{text: sb.String(), quoted: true})
			i = j + 1
		case strings.IndexByte("=!<>()", ch) >= 0:
			return nil, badFilter("%q is not supported; test competencies and feedback_categories with `:` joined by AND", string(ch))
		default:
			j := i
			for j < len(expr) && strings.IndexByte(" \t\n\r\":=!<>()", expr[j]) < 0 {
				j++
			}
			word := expr[i:j]
			if word == "OR" || word == "NOT" || strings.HasPrefix(word, "-") {
				return nil, badFilter("%s is not supported; join terms with AND", word)
			}
			toks = append(toks, filterToken{text: word})
			i = j
		}
	}
	return toks, nil
}

// badFilter is an INVALID_ARGUMENT naming `filter`.
func badFilter(format string, args ...any) error {
	return errs.Field("filter", "%s", fmt.Sprintf(format, args...))
}
