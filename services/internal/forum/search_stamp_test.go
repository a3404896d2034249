package forum

import "testing"

// TestSearchStamp checks what makes a new post's create read it back:
// a re-read of its thread's documents, or of a whole forum, applied since
// the create began; creating other posts does not.
func TestSearchStamp(t *testing.T) {
	t.Parallel()
	k := ThreadKey{Agency: "metro", Forum: "town-square", Thread: "t1"}
	tests := []struct {
		name    string
		between func(x *searchIndex)
		moved   bool
	}{
		{name: "nothing", between: func(*searchIndex) {}, moved: false},
		{name: "another post indexed", between: func(x *searchIndex) {
			x.apply(SearchDoc{Target: Target{ThreadKey: k, Post: "p2"}, Body: "other", Searchable: true})
		}, moved: false},
		{name: "the thread re-read", between: func(x *searchIndex) { x.reread(k) }, moved: true},
		{name: "a forum re-read", between: func(x *searchIndex) { x.wide.Add(1) }, moved: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			x := newSearchIndex()
			before := x.stamp(k)
			tt.between(x)
			if got := x.stamp(k) != before; got != tt.moved {
				t.Fatalf("stamp moved %v, want %v", got, tt.moved)
			}
		})
	}
}
