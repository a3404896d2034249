package boltstore_test

import (
	"path/filepath"
	"testing"

	"github.com/engagehq/engage/services/internal/feedback"
	"github.com/engagehq/engage/services/internal/feedback/boltstore"
	"github.com/engagehq/engage/services/internal/feedback/storetest"
)

func TestStore(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) feedback.Store {
		s, err := boltstore.Open(filepath.Join(t.TempDir(), "feedback.db"), boltstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Error(err)
			}
		})
		return s
	})
}
