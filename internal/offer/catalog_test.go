package offer

import (
	"context"
	"sync"
	"testing"
	"time"
)

// source is a catalog's database, whose reads can be held after they
// read, as a slow query's answer is.
type source struct {
	mu    sync.Mutex
	plans []Plan
	hold  chan struct{} // when set, the next PlanBenefits waits on it after reading
	held  chan struct{} // closed once that read has read
}

func (s *source) Benefits(context.Context) ([]Benefit, error) {
	return []Benefit{{ID: 1, Kind: Premium, Title: "Every story"}, {ID: 2, Kind: MarketInsights, Title: "Insights"}}, nil
}

func (s *source) PlanBenefits(context.Context) ([]Plan, error) {
	s.mu.Lock()
	plans := []Plan{{ID: 7, Active: true, Benefits: append([]int64(nil), s.plans[0].Benefits...)}}
	hold, held := s.hold, s.held
	s.hold = nil
	s.mu.Unlock()
	if hold != nil {
		close(held)
		<-hold
	}
	return plans, nil
}

// A benefit taken out of a plan is gone once the reload after the edit
// returns, even when a reload that began before the edit (the periodic
// one, or an admin's page) answers after it: the older read must not put
// the benefit back until the next reload.
func TestCatalogReloadIsNotUndoneByAnOlderRead(t *testing.T) {
	ctx := context.Background()
	src := &source{plans: []Plan{{ID: 7, Benefits: []int64{1, 2}}}}
	c, err := NewCatalog(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Get().Grants(7).Has(MarketInsights) {
		t.Fatal("the plan does not include insights to begin with")
	}

	// A reload reads the plan as it is, and is slow to answer.
	hold, held := make(chan struct{}), make(chan struct{})
	src.mu.Lock()
	src.hold, src.held = hold, held
	src.mu.Unlock()
	older := make(chan error, 1)
	go func() { older <- c.Reload(ctx) }()
	<-held

	// The admin takes insights out of the plan; the edit's reload runs.
	src.mu.Lock()
	src.plans[0].Benefits = []int64{1}
	src.mu.Unlock()
	edit := make(chan error, 1)
	go func() { edit <- c.Reload(ctx) }()
	// Without taking turns the edit's reload is done now; with them it
	// waits behind the older read.
	time.Sleep(100 * time.Millisecond)
	close(hold)
	if err := <-older; err != nil {
		t.Fatal(err)
	}
	if err := <-edit; err != nil {
		t.Fatal(err)
	}
	if c.Get().Grants(7).Has(MarketInsights) {
		t.Fatal("the plan still includes insights after the edit's reload returned: an older read put it back")
	}
}
