package boltstore_test

import (
	"path/filepath"
	"testing"

	"github.com/engagehq/engage/services/internal/alerts"
	"github.com/engagehq/engage/services/internal/alerts/boltstore"
	"github.com/engagehq/engage/services/internal/alerts/storetest"
)

var _ alerts.Store = (*boltstore.Store)(nil)

func TestStore(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) alerts.Store {
		s, err := boltstore.Open(filepath.Join(t.TempDir(), "alerts.db"), boltstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}
