package alerts

import (
	"context"
	"maps"
	"sync"
)

// Alert.delivery_count tells an agency's staff how many streams an alert
// reached. Each successful send of an event to a stream counts one for the
// event's alert; the counts gather in memory and Run writes them with
// Store.AddDeliveries every deliveryFlushInterval and once more at
// shutdown, so that a busy stream costs no write per delivery. A crash
// loses at most the counts of the last interval.

// deliveryCounts gathers delivery counts by alert name between flushes.
type deliveryCounts struct {
	mu sync.Mutex
	m  map[string]int64
}

// add counts one delivery of the alert name.
func (d *deliveryCounts) add(name string) {
	d.mu.Lock()
	d.m[name]++
	d.mu.Unlock()
}

// take returns the counts gathered and starts afresh.
func (d *deliveryCounts) take() map[string]int64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.m) == 0 {
		return nil
	}
	out := d.m
	d.m = map[string]int64{}
	return out
}

// putBack returns counts that could not be written, for the next flush.
func (d *deliveryCounts) putBack(counts map[string]int64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for name, n := range counts {
		d.m[name] += n
	}
}

// flushDeliveries writes the delivery counts gathered since the last
// flush; on failure they are kept for the next one.
func (s *Service) flushDeliveries(ctx context.Context) {
	counts := s.hub.counts.take()
	if counts == nil {
		return
	}
	if err := s.store.AddDeliveries(ctx, maps.Clone(counts)); err != nil {
		s.log.Error("write alert delivery counts", "alerts", len(counts), "error", err)
		s.hub.counts.putBack(counts)
	}
}
