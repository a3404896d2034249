package ids_test

import (
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/engagehq/engage/services/internal/ids"
)

var canonical = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestNewIsCanonicalUUIDv7(t *testing.T) {
	t.Parallel()
	before := time.Now().Truncate(time.Millisecond)
	id := ids.New()
	after := time.Now()

	if !canonical.MatchString(id) {
		t.Fatalf("New() = %q, want a lowercase hyphenated UUIDv7", id)
	}
	u, err := uuid.Parse(id)
	if err != nil {
		t.Fatalf("uuid.Parse(%q): %v", id, err)
	}
	if u.Version() != 7 || u.Variant() != uuid.RFC4122 {
		t.Errorf("New() is version %d variant %v, want 7 RFC4122", u.Version(), u.Variant())
	}
	// To stay monotonic, uuid runs its clock ahead of the real one when
	// ids are made faster than one per 256 ns (as the parallel tests here
	// do), so the upper bound is loose: it catches a wrong epoch or unit.
	sec, nsec := u.Time().UnixTime()
	if ts := time.Unix(sec, nsec); ts.Before(before) || ts.After(after.Add(time.Minute)) {
		t.Errorf("New() carries time %v, want between %v and %v", ts, before, after)
	}
}

func TestNewSortsInCreationOrder(t *testing.T) {
	t.Parallel()
	const n = 10000
	prev := ids.New()
	for range n {
		id := ids.New()
		if id <= prev {
			t.Fatalf("New() = %q after %q: ids must sort in creation order", id, prev)
		}
		prev = id
	}
}

func TestNewIsUniqueAcrossGoroutines(t *testing.T) {
	t.Parallel()
	const workers, each = 8, 2000
	var mu sync.Mutex
	seen := make(map[string]bool, workers*each)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			local := make([]string, each)
			for i := range local {
				local[i] = ids.New()
			}
			mu.Lock()
			defer mu.Unlock()
			for _, id := range local {
				if seen[id] {
					t.Errorf("duplicate id %q", id)
				}
				seen[id] = true
			}
		})
	}
	wg.Wait()
}
