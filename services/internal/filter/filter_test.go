package filter

import (
	"errors"
	"testing"
	"time"

	"github.com/engagehq/engage/services/internal/errs"
	"github.com/google/go-cmp/cmp"
)

var schema = Schema{
	"kind":        {Kind: Enum, Values: []string{"THREAD_KIND_DISCUSSION", "THREAD_KIND_QUESTION"}, Prefix: "THREAD_KIND_"},
	"answered":    {Kind: Bool},
	"author":      {Kind: String},
	"vote_count":  {Kind: Int},
	"create_time": {Kind: Time},
}

func TestParse(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name string
		expr string
		want []Condition
	}{
		{"empty", "  ", nil},
		{"enum full name", "kind = THREAD_KIND_QUESTION", []Condition{{"kind", Eq, "THREAD_KIND_QUESTION"}}},
		{"enum short name", "kind=QUESTION", []Condition{{"kind", Eq, "THREAD_KIND_QUESTION"}}},
		{"and", `kind = QUESTION AND answered = false AND author = "accounts/a1"`, []Condition{
			{"kind", Eq, "THREAD_KIND_QUESTION"}, {"answered", Eq, false}, {"author", Eq, "accounts/a1"},
		}},
		{"time range", `create_time >= "2026-01-02T03:04:05Z" AND create_time < "2026-01-02T03:04:05Z"`, []Condition{
			{"create_time", Ge, t0}, {"create_time", Lt, t0},
		}},
		{"int", "vote_count > 3", []Condition{{"vote_count", Gt, int64(3)}}},
		{"escaped quote", `author = "a\"b"`, []Condition{{"author", Eq, `a"b`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Parse(tt.expr, schema)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.expr, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Parse(%q) (-want +got):\n%s", tt.expr, diff)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	t.Parallel()
	for _, expr := range []string{
		"colour = red", "kind = SNAKE", "answered = maybe", `answered = "true"`, "vote_count = many",
		`create_time > "yesterday"`, "kind > QUESTION", "kind = QUESTION OR answered = true",
		"NOT answered = true", "(kind = QUESTION)", "kind = QUESTION answered = true", "kind =",
		`author = "unterminated`, "author : x", "kind == QUESTION", `"kind" = QUESTION`,
	} {
		t.Run(expr, func(t *testing.T) {
			t.Parallel()
			_, err := Parse(expr, schema)
			var br *errs.BadRequestError
			if !errors.As(err, &br) || br.Violations[0].Field != "filter" {
				t.Errorf("Parse(%q) = %v, want a violation of field filter", expr, err)
			}
		})
	}
}

func TestMatch(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		c    Condition
		v    any
		want bool
	}{
		{Condition{"kind", Eq, "A"}, "A", true},
		{Condition{"kind", Ne, "A"}, "A", false},
		{Condition{"answered", Eq, false}, false, true},
		{Condition{"answered", Ne, false}, false, false},
		{Condition{"n", Gt, int64(3)}, int64(4), true},
		{Condition{"n", Le, int64(3)}, int64(4), false},
		{Condition{"t", Ge, t0}, t0, true},
		{Condition{"t", Lt, t0}, t0.Add(-time.Second), true},
		{Condition{"n", Eq, int64(3)}, "3", false},
	}
	for _, tt := range tests {
		if got := tt.c.Match(tt.v); got != tt.want {
			t.Errorf("%v.Match(%v) = %v, want %v", tt.c, tt.v, got, tt.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"kind = QUESTION AND answered = true", `author = "x"`, `create_time > "2026-01-01T00:00:00Z"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		_, _ = Parse(expr, schema) // must not panic
	})
}
