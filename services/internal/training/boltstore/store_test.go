package boltstore_test

import (
	"path/filepath"
	"testing"

	"github.com/engagehq/engage/services/internal/training"
	"github.com/engagehq/engage/services/internal/training/boltstore"
	"github.com/engagehq/engage/services/internal/training/storetest"
)

func TestStore(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) training.Store {
		s, err := boltstore.Open(filepath.Join(t.TempDir(), "training.db"), boltstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}
